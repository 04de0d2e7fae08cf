//===- Common.cpp - shared pieces of the autoglm-to-linalg lowering -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

#include "autoglm/Support/ConstantData.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

/// Unsigned integers become signless; a string element becomes the address
/// of its bytes as an index (pointer-sized; !llvm.ptr is no memref element).
static Type signless(Type t) {
  if (auto i = dyn_cast<IntegerType>(t); i && !i.isSignless())
    return IntegerType::get(t.getContext(), i.getWidth());
  if (isa<StringType>(t))
    return IndexType::get(t.getContext());
  return t;
}

AutoGLMTypeConverter::AutoGLMTypeConverter() {
  addConversion([](Type t) { return t; });
  addConversion([](IntegerType t) -> Type { return signless(t); });
  addConversion([](RankedTensorType t) -> Type {
    return RankedTensorType::get(t.getShape(), signless(t.getElementType()));
  });
  auto materialize = [](OpBuilder &b, Type type, ValueRange inputs,
                        Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(materialize);
  addTargetMaterialization(materialize);
}

ElemInfo ElemInfo::of(Type t) {
  if (auto st = dyn_cast<ShapedType>(t))
    t = st.getElementType();
  ElemInfo e;
  e.type = signless(t);
  e.isFloat = isa<FloatType>(t);
  e.isUnsigned = t.isUnsignedInteger() || t.isInteger(1);
  return e;
}

LogicalResult lowering::requireStaticShapes(Operation *op,
                                            ConversionPatternRewriter &rw) {
  auto isStatic = [](Type t) {
    auto r = dyn_cast<RankedTensorType>(t);
    return !r || r.hasStaticShape();
  };
  if (llvm::all_of(op->getOperandTypes(), isStatic) &&
      llvm::all_of(op->getResultTypes(), isStatic))
    return success();
  return op->emitError() << "'" << op->getName()
                         << "' with dynamic extents is not lowered by the CPU "
                            "backend yet";
}

Value lowering::emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
}

Value lowering::emptyForLoops(OpBuilder &b, Location loc, RankedTensorType type,
                              ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                              AffineMap outMap) {
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!type.isDynamicDim(i))
      continue;
    // The inputs whose dim runs this loop; several agree at run time, and
    // the first whose extent has a known bound is taken (an extent computed
    // from data, as a Range's, has none), so later ops and the function
    // boundary can bound the result.
    auto loop = dyn_cast<AffineDimExpr>(outMap.getResult(i));
    SmallVector<std::pair<Value, unsigned>> candidates;
    std::optional<int64_t> fixed;
    for (auto [in, map] : llvm::zip(inputs, inputMaps)) {
      if (!loop)
        break;
      for (unsigned p = 0; p < map.getNumResults(); ++p)
        if (map.getResult(p) == loop) {
          auto inTy = cast<RankedTensorType>(in.getType());
          if (!inTy.isDynamicDim(p)) {
            fixed = inTy.getDimSize(p);
            continue;
          }
          candidates.push_back({in, p});
          break;
        }
    }
    // An input fixes the extent the result leaves open (a fuzzed
    // QLinearConv's requantize: [7, 0, 7, 7] in, [7, ?, 7, 7] out).
    if (candidates.empty() && fixed) {
      sizes.push_back(arith::ConstantIndexOp::create(b, loc, *fixed));
      continue;
    }
    if (candidates.empty())
      return {};
    auto pick = candidates.front();
    if (candidates.size() > 1)
      for (auto [in, p] : candidates)
        if (succeeded(ValueBoundsConstraintSet::computeConstantBound(
                presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(in, p), nullptr,
                /*closedUB=*/true))) {
          pick = {in, p};
          break;
        }
    sizes.push_back(tensor::DimOp::create(b, loc, pick.first, pick.second));
  }
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), sizes);
}

Value lowering::fillInto(OpBuilder &b, Location loc, Value empty, Value scalar) {
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value lowering::scalarConst(OpBuilder &b, Location loc, Type elem, double value) {
  if (auto f = dyn_cast<FloatType>(elem))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(f, value));
  if (isa<IndexType>(elem))
    return arith::ConstantIndexOp::create(b, loc, (int64_t)value);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(elem, (int64_t)value));
}

Value lowering::extremeConst(OpBuilder &b, Location loc, ElemInfo e, bool largest) {
  if (auto f = dyn_cast<FloatType>(e.type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(f, APFloat::getInf(f.getFloatSemantics(), !largest)));
  unsigned w = e.type.getIntOrFloatBitWidth();
  APInt v = e.isUnsigned ? (largest ? APInt::getMaxValue(w) : APInt::getZero(w))
                         : (largest ? APInt::getSignedMaxValue(w)
                                    : APInt::getSignedMinValue(w));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(e.type, v));
}

Value lowering::fillTensor(OpBuilder &b, Location loc, RankedTensorType type,
                           Value scalar) {
  return linalg::FillOp::create(b, loc, scalar, emptyTensor(b, loc, type))
      .getResult(0);
}

AffineMap lowering::broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> res,
                                 ArrayRef<int64_t> op) {
  SmallVector<AffineExpr> exprs;
  int64_t off = res.size() - op.size();
  for (size_t i = 0; i < op.size(); ++i)
    exprs.push_back(op[i] == 1 && res[off + i] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(off + i, ctx));
  return AffineMap::get(res.size(), 0, exprs, ctx);
}

/// Whether the inputs' open extents may broadcast at run time: an open
/// extent aligned with a static result extent other than 1 (it may be 1), or
/// two open extents aligned in one dim that the bound analysis cannot prove
/// equal. Open extents are assumed not to broadcast otherwise.
static bool mayBroadcastAtRunTime(RankedTensorType res, ValueRange inputs) {
  int64_t r = res.getRank();
  for (int64_t i = 0; i < r; ++i) {
    std::optional<ValueBoundsConstraintSet::Variable> first;
    for (Value in : inputs) {
      auto t = cast<RankedTensorType>(in.getType());
      int64_t j = i - (r - t.getRank());
      if (j < 0 || !t.isDynamicDim(j))
        continue;
      if (!res.isDynamicDim(i))
        return res.getDimSize(i) != 1;
      ValueBoundsConstraintSet::Variable v(in, j);
      if (!first) {
        first = v;
        continue;
      }
      FailureOr<bool> same = ValueBoundsConstraintSet::areEqual(*first, v);
      if (failed(same) || !*same)
        return true;
    }
  }
  return false;
}

void lowering::emitRuntimeCheck(OpBuilder &b, Location loc, Value ok, StringRef message) {
  Operation *parent = b.getInsertionBlock()->getParentOp();
  auto fn = isa<func::FuncOp>(parent) ? cast<func::FuncOp>(parent)
                                      : parent->getParentOfType<func::FuncOp>();
  if (!fn)
    return;
  Value status;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i)
    if (fn.getArgAttr(i, kStatusAttr))
      status = fn.getArgument(i);
  if (!status)
    return;
  auto module = fn->getParentOfType<ModuleOp>();
  SmallVector<Attribute> checks;
  if (auto old = module->getAttrOfType<ArrayAttr>("autoglm.checks"))
    checks.assign(old.begin(), old.end());
  std::string where;
  if (auto name = dyn_cast<NameLoc>(loc))
    where = "ONNX node '" + name.getName().str() + "': ";
  else if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (auto n = dyn_cast<NameLoc>(l); n && where.empty())
        where = "ONNX node '" + n.getName().str() + "': ";
  checks.push_back(b.getStringAttr(where + message));
  module->setAttr("autoglm.checks", b.getArrayAttr(checks));
  int64_t code = checks.size();
  Value failedCheck = arith::XOrIOp::create(
      b, loc, ok, arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
  scf::IfOp::create(b, loc, failedCheck, [&](OpBuilder &ib, Location il) {
    memref::StoreOp::create(ib, il,
                            arith::ConstantIntOp::create(ib, il, ib.getI32Type(), code), status,
                            ValueRange{arith::ConstantIndexOp::create(ib, il, 0)});
    scf::YieldOp::create(ib, il);
  });
}

/// The elementwise op when open extents may broadcast at run time: every
/// input read with tensor.extract at index 0 where its extent is 1 (else
/// the loop index, clamped into the input), the result extents those of
/// ONNX broadcasting (an extent of 1 gives way to the others).
static Value buildRuntimeBroadcast(OpBuilder &b, Location loc, RankedTensorType res,
                                   ValueRange inputs, ScalarBody body, Value dest) {
  int64_t r = res.getRank();
  auto c = [&](OpBuilder &ob, Location l, int64_t v) {
    return arith::ConstantIndexOp::create(ob, l, v);
  };
  SmallVector<SmallVector<Value>> extents;
  for (Value in : inputs) {
    auto t = cast<RankedTensorType>(in.getType());
    SmallVector<Value> e;
    for (int64_t j = 0; j < t.getRank(); ++j)
      e.push_back(getValueOrCreateConstantIndexOp(b, loc, tensor::getMixedSize(b, loc, in, j)));
    extents.push_back(e);
  }
  // Extents that broadcast: each 1 or the result's. Otherwise the run is
  // refused (the runtime reports this check).
  {
    Value ok = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
    for (int64_t i = 0; i < r; ++i) {
      Value want;
      SmallVector<Value> aligned;
      for (auto [in, e] : llvm::zip(inputs, extents)) {
        int64_t j = i - (r - cast<RankedTensorType>(in.getType()).getRank());
        if (j >= 0)
          aligned.push_back(e[j]);
      }
      // The broadcast extent: the last that is not 1.
      want = c(b, loc, 1);
      for (Value e : aligned) {
        Value one = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, c(b, loc, 1));
        want = arith::SelectOp::create(b, loc, one, want, e);
      }
      if (!res.isDynamicDim(i))
        want = c(b, loc, res.getDimSize(i));
      for (Value e : aligned) {
        Value fits = arith::OrIOp::create(
            b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, c(b, loc, 1)),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, want));
        ok = arith::AndIOp::create(b, loc, ok, fits);
      }
    }
    emitRuntimeCheck(b, loc, ok, "input extents that do not broadcast");
  }
  if (!dest) {
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < r; ++i) {
      if (!res.isDynamicDim(i)) {
        sizes.push_back(b.getIndexAttr(res.getDimSize(i)));
        continue;
      }
      Value size = c(b, loc, 1);
      SmallVector<Value> aligned;
      for (auto [in, e] : llvm::zip(inputs, extents)) {
        int64_t j = i - (r - cast<RankedTensorType>(in.getType()).getRank());
        if (j < 0)
          continue;
        Value one = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e[j], c(b, loc, 1));
        size = arith::SelectOp::create(b, loc, one, size, e[j]);
        aligned.push_back(e[j]);
      }
      // The bound analysis follows neither select nor affine.max to an upper
      // bound; an affine.min with the sum of the extents minus (count - 1),
      // never below their largest when none is 0, gives it one (loose: the
      // output buffer may be sized for more than the broadcast extent).
      AffineExpr sum = b.getAffineConstantExpr(1 - (int64_t)aligned.size());
      for (size_t k = 0; k < aligned.size(); ++k)
        sum = sum + b.getAffineSymbolExpr(k);
      SmallVector<Value> operands = {size};
      operands.append(aligned);
      AffineExpr first = b.getAffineSymbolExpr(0);
      sum = sum.shiftSymbols(aligned.size(), 1);
      size = affine::AffineMinOp::create(
          b, loc, AffineMap::get(0, aligned.size() + 1, {first, sum}, b.getContext()),
          operands);
      sizes.push_back(size);
    }
    dest = tensor::EmptyOp::create(b, loc, sizes, res.getElementType());
  }
  SmallVector<utils::IteratorType> iters(r, utils::IteratorType::parallel);
  AffineMap id = AffineMap::getMultiDimIdentityMap(r, b.getContext());
  return linalg::GenericOp::create(
             b, loc, res, ValueRange{}, ValueRange{dest}, ArrayRef<AffineMap>{id}, iters,
             [&](OpBuilder &nb, Location nl, ValueRange) {
               SmallVector<Value> args;
               for (auto [in, e] : llvm::zip(inputs, extents)) {
                 auto t = cast<RankedTensorType>(in.getType());
                 SmallVector<Value> at;
                 for (int64_t j = 0; j < t.getRank(); ++j) {
                   Value iv = linalg::IndexOp::create(nb, nl, j + (r - t.getRank()));
                   Value last = arith::MaxSIOp::create(
                       nb, nl, arith::SubIOp::create(nb, nl, e[j], c(nb, nl, 1)), c(nb, nl, 0));
                   Value one =
                       arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, e[j], c(nb, nl, 1));
                   Value k = arith::MinSIOp::create(nb, nl, iv, last);
                   at.push_back(arith::SelectOp::create(nb, nl, one, c(nb, nl, 0), k));
                 }
                 args.push_back(tensor::ExtractOp::create(nb, nl, in, at));
               }
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}

/// A constant, possibly behind reshapes (a bias reshaped to broadcast).
static bool isConstantLike(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<arith::ConstantOp>(def))
      return true;
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      return false;
    v = def->getOperand(0);
  }
  return false;
}

Value lowering::buildElementwise(OpBuilder &b, Location loc,
                                 RankedTensorType resultType, ValueRange inputs,
                                 ScalarBody body, Value dest) {
  MLIRContext *ctx = b.getContext();
  if (!resultType.hasStaticShape() || llvm::any_of(inputs.getTypes(), [](Type t) {
        return !cast<RankedTensorType>(t).hasStaticShape();
      }))
    if (mayBroadcastAtRunTime(resultType, inputs))
      return buildRuntimeBroadcast(b, loc, resultType, inputs, body, dest);
  // A constant input's extent-1 dims that broadcast are collapsed away
  // first, so its map is a projected permutation (what reshape propagation, fusion
  // and the vector kernels take): [1, C, 1, 1] against [N, C, H, W] is read
  // as [C] through (n, c, h, w) -> (c).
  SmallVector<AffineMap> maps;
  SmallVector<Value> reads;
  for (Value in : inputs) {
    ArrayRef<int64_t> shape = cast<RankedTensorType>(in.getType()).getShape();
    AffineMap m = broadcastMap(ctx, resultType.getShape(), shape);
    SmallVector<AffineExpr> kept;
    SmallVector<int64_t> keptShape;
    SmallVector<ReassociationIndices> groups;
    ReassociationIndices pending;
    for (auto [i, e] : llvm::enumerate(m.getResults())) {
      pending.push_back(i);
      if (isa<AffineConstantExpr>(e))
        continue;
      kept.push_back(e);
      keptShape.push_back(shape[i]);
      groups.push_back(pending);
      pending.clear();
    }
    // Constants only (scales, biases, zero points): a run-time tensor
    // collapsed to fewer dims is a view the GPU launch plan cannot carry.
    if (kept.size() == shape.size() || !resultType.hasStaticShape() ||
        !cast<RankedTensorType>(in.getType()).hasStaticShape() || !isConstantLike(in)) {
      reads.push_back(in);
      maps.push_back(m);
      continue;
    }
    // Trailing unit dims join the last kept group.
    if (!groups.empty())
      groups.back().append(pending.begin(), pending.end());
    Type elem = cast<RankedTensorType>(in.getType()).getElementType();
    reads.push_back(tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get(keptShape, elem),
                                                    in, groups));
    maps.push_back(AffineMap::get(resultType.getRank(), 0, kept, ctx));
  }
  inputs = reads;
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), ctx));
  SmallVector<utils::IteratorType> iters(resultType.getRank(),
                                         utils::IteratorType::parallel);
  Value init = dest ? dest
                    : emptyForLoops(b, loc, resultType, inputs, ArrayRef(maps).drop_back(),
                                    maps.back());
  if (!init)
    return {};
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, inputs, ValueRange{init},
      maps, iters, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value r = body(nb, nl, args.drop_back());
        linalg::YieldOp::create(nb, nl, r);
      });
  return generic.getResult(0);
}

Value lowering::castScalar(OpBuilder &b, Location loc, Value v, ElemInfo from,
                           ElemInfo to) {
  Type ft = from.type, tt = to.type;
  if (ft == tt)
    return v;
  if (tt.isInteger(1)) {
    Value zero = scalarConst(b, loc, ft, 0.0);
    if (from.isFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
  if (from.isFloat && to.isFloat) {
    if (ft.getIntOrFloatBitWidth() < tt.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, tt, v);
    return arith::TruncFOp::create(b, loc, tt, v);
  }
  if (from.isFloat)
    return to.isUnsigned ? (Value)arith::FPToUIOp::create(b, loc, tt, v)
                         : (Value)arith::FPToSIOp::create(b, loc, tt, v);
  if (to.isFloat)
    return from.isUnsigned ? (Value)arith::UIToFPOp::create(b, loc, tt, v)
                           : (Value)arith::SIToFPOp::create(b, loc, tt, v);
  unsigned fw = ft.getIntOrFloatBitWidth(), tw = tt.getIntOrFloatBitWidth();
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, tt, v);
  return from.isUnsigned ? (Value)arith::ExtUIOp::create(b, loc, tt, v)
                         : (Value)arith::ExtSIOp::create(b, loc, tt, v);
}

Value lowering::emitAdd(OpBuilder &b, Location loc, Value x, Value y, ElemInfo e) {
  return e.isFloat ? (Value)arith::AddFOp::create(b, loc, x, y)
                   : (Value)arith::AddIOp::create(b, loc, x, y);
}

Value lowering::emitMul(OpBuilder &b, Location loc, Value x, Value y, ElemInfo e) {
  return e.isFloat ? (Value)arith::MulFOp::create(b, loc, x, y)
                   : (Value)arith::MulIOp::create(b, loc, x, y);
}

Value lowering::emitMax(OpBuilder &b, Location loc, Value x, Value y, ElemInfo e) {
  if (e.isFloat)
    return arith::MaximumFOp::create(b, loc, x, y);
  return e.isUnsigned ? (Value)arith::MaxUIOp::create(b, loc, x, y)
                      : (Value)arith::MaxSIOp::create(b, loc, x, y);
}

Value lowering::emitMin(OpBuilder &b, Location loc, Value x, Value y, ElemInfo e) {
  if (e.isFloat)
    return arith::MinimumFOp::create(b, loc, x, y);
  return e.isUnsigned ? (Value)arith::MinUIOp::create(b, loc, x, y)
                      : (Value)arith::MinSIOp::create(b, loc, x, y);
}

Value lowering::emitBinary(OpBuilder &b, Location loc, BinaryKind kind, Value x,
                           Value y, ElemInfo e) {
  switch (kind) {
  case BinaryKind::Add:
    return emitAdd(b, loc, x, y, e);
  case BinaryKind::Sub:
    return e.isFloat ? (Value)arith::SubFOp::create(b, loc, x, y)
                     : (Value)arith::SubIOp::create(b, loc, x, y);
  case BinaryKind::Mul:
    return emitMul(b, loc, x, y, e);
  case BinaryKind::Div:
    if (e.isFloat)
      return arith::DivFOp::create(b, loc, x, y);
    return e.isUnsigned ? (Value)arith::DivUIOp::create(b, loc, x, y)
                        : (Value)arith::DivSIOp::create(b, loc, x, y);
  case BinaryKind::Pow:
    if (e.isFloat)
      return math::PowFOp::create(b, loc, x, y);
    {
      // Integer powers through f64: exact while the result fits 2^53.
      ElemInfo f64 = ElemInfo::of(b.getF64Type());
      Value p = math::PowFOp::create(b, loc, castScalar(b, loc, x, e, f64),
                                     castScalar(b, loc, y, e, f64));
      return castScalar(b, loc, math::RoundEvenOp::create(b, loc, p), f64, e);
    }
  case BinaryKind::Max:
    return emitMax(b, loc, x, y, e);
  case BinaryKind::Min:
    return emitMin(b, loc, x, y, e);
  case BinaryKind::FMod:
    if (e.isFloat)
      return arith::RemFOp::create(b, loc, x, y);
    return e.isUnsigned ? (Value)arith::RemUIOp::create(b, loc, x, y)
                        : (Value)arith::RemSIOp::create(b, loc, x, y);
  case BinaryKind::Mod: {
    if (e.isUnsigned)
      return arith::RemUIOp::create(b, loc, x, y);
    // Python semantics: the result takes the divisor's sign.
    Value r = arith::RemSIOp::create(b, loc, x, y);
    Value zero = scalarConst(b, loc, e.type, 0);
    Value rNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
    Value yNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, y, zero);
    Value rNonZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
    Value differ = arith::XOrIOp::create(b, loc, rNeg, yNeg);
    Value fix = arith::AndIOp::create(b, loc, differ, rNonZero);
    return arith::SelectOp::create(b, loc, fix, arith::AddIOp::create(b, loc, r, y), r);
  }
  case BinaryKind::And:
  case BinaryKind::BitAnd:
    return arith::AndIOp::create(b, loc, x, y);
  case BinaryKind::Or:
  case BinaryKind::BitOr:
    return arith::OrIOp::create(b, loc, x, y);
  case BinaryKind::Xor:
  case BinaryKind::BitXor:
    return arith::XOrIOp::create(b, loc, x, y);
  case BinaryKind::ShiftLeft:
    return arith::ShLIOp::create(b, loc, x, y);
  case BinaryKind::ShiftRight:
    return e.isUnsigned ? (Value)arith::ShRUIOp::create(b, loc, x, y)
                        : (Value)arith::ShRSIOp::create(b, loc, x, y);
  case BinaryKind::PRelu: {
    Value zero = scalarConst(b, loc, e.type, 0);
    Value neg = e.isFloat ? (Value)arith::CmpFOp::create(
                                b, loc, arith::CmpFPredicate::OLT, x, zero)
                          : (Value)arith::CmpIOp::create(
                                b, loc, arith::CmpIPredicate::slt, x, zero);
    return arith::SelectOp::create(b, loc, neg, emitMul(b, loc, x, y, e), x);
  }
  }
  llvm_unreachable("unknown binary kind");
}

Value lowering::emitUnary(OpBuilder &b, Location loc, UnaryKind kind, Value x,
                          ElemInfo e, double alpha, double beta) {
  Type t = e.type;
  auto c = [&](double v) { return scalarConst(b, loc, t, v); };
  auto cmpf = [&](arith::CmpFPredicate p, Value l, Value r) -> Value {
    return arith::CmpFOp::create(b, loc, p, l, r);
  };
  auto sel = [&](Value cond, Value l, Value r) -> Value {
    return arith::SelectOp::create(b, loc, cond, l, r);
  };
  auto mul = [&](Value l, Value r) -> Value { return arith::MulFOp::create(b, loc, l, r); };
  auto add = [&](Value l, Value r) -> Value { return arith::AddFOp::create(b, loc, l, r); };
  auto sub = [&](Value l, Value r) -> Value { return arith::SubFOp::create(b, loc, l, r); };
  auto div = [&](Value l, Value r) -> Value { return arith::DivFOp::create(b, loc, l, r); };
  auto maxf = [&](Value l, Value r) -> Value { return arith::MaximumFOp::create(b, loc, l, r); };
  auto minf = [&](Value l, Value r) -> Value { return arith::MinimumFOp::create(b, loc, l, r); };
  auto sigmoid = [&](Value v) -> Value {
    Value negv = arith::NegFOp::create(b, loc, v);
    return div(c(1), add(c(1), math::ExpOp::create(b, loc, negv)));
  };
  auto softplus = [&](Value v) -> Value {
    return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, v));
  };
  switch (kind) {
  case UnaryKind::Abs:
    return e.isFloat ? (Value)math::AbsFOp::create(b, loc, x)
           : e.isUnsigned ? x
                          : (Value)math::AbsIOp::create(b, loc, x);
  case UnaryKind::Neg:
    return e.isFloat ? (Value)arith::NegFOp::create(b, loc, x)
                     : (Value)arith::SubIOp::create(b, loc, c(0), x);
  case UnaryKind::Exp:
    return math::ExpOp::create(b, loc, x);
  case UnaryKind::Log:
    return math::LogOp::create(b, loc, x);
  case UnaryKind::Sqrt:
    return math::SqrtOp::create(b, loc, x);
  case UnaryKind::Rsqrt:
    return math::RsqrtOp::create(b, loc, x);
  case UnaryKind::Reciprocal:
    return div(c(1), x);
  case UnaryKind::Tanh:
    return math::TanhOp::create(b, loc, x);
  case UnaryKind::Sigmoid:
    return sigmoid(x);
  case UnaryKind::Relu:
    return emitMax(b, loc, x, c(0), e);
  case UnaryKind::Erf:
    return math::ErfOp::create(b, loc, x);
  case UnaryKind::Sin:
    return math::SinOp::create(b, loc, x);
  case UnaryKind::Cos:
    return math::CosOp::create(b, loc, x);
  case UnaryKind::Tan:
    return math::TanOp::create(b, loc, x);
  case UnaryKind::Asin:
    return math::AsinOp::create(b, loc, x);
  case UnaryKind::Acos:
    return math::AcosOp::create(b, loc, x);
  case UnaryKind::Atan:
    return math::AtanOp::create(b, loc, x);
  case UnaryKind::Sinh:
    return math::SinhOp::create(b, loc, x);
  case UnaryKind::Cosh:
    return math::CoshOp::create(b, loc, x);
  case UnaryKind::Asinh:
    return math::AsinhOp::create(b, loc, x);
  case UnaryKind::Acosh:
    return math::AcoshOp::create(b, loc, x);
  case UnaryKind::Atanh:
    return math::AtanhOp::create(b, loc, x);
  case UnaryKind::Floor:
    return math::FloorOp::create(b, loc, x);
  case UnaryKind::Ceil:
    return math::CeilOp::create(b, loc, x);
  case UnaryKind::Round:
    return math::RoundEvenOp::create(b, loc, x);
  case UnaryKind::Sign: {
    if (e.isFloat) {
      Value pos = sel(cmpf(arith::CmpFPredicate::OGT, x, c(0)), c(1), c(0));
      Value r = sel(cmpf(arith::CmpFPredicate::OLT, x, c(0)), c(-1), pos);
      return sel(cmpf(arith::CmpFPredicate::UNO, x, x), x, r);
    }
    auto p = e.isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
    Value pos = sel(arith::CmpIOp::create(b, loc, p, x, c(0)), c(1), c(0));
    if (e.isUnsigned)
      return pos;
    return sel(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, c(0)),
               c(-1), pos);
  }
  case UnaryKind::Not:
    return arith::XOrIOp::create(b, loc, x, scalarConst(b, loc, x.getType(), 1));
  case UnaryKind::IsNaN:
    return cmpf(arith::CmpFPredicate::UNO, x, x);
  case UnaryKind::IsInf: {
    Value inf = arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(t, APFloat::getInf(cast<FloatType>(t).getFloatSemantics())));
    return cmpf(arith::CmpFPredicate::OEQ, math::AbsFOp::create(b, loc, x), inf);
  }
  case UnaryKind::Softplus:
    return softplus(x);
  case UnaryKind::Softsign:
    return div(x, add(c(1), math::AbsFOp::create(b, loc, x)));
  case UnaryKind::Gelu:
    return mul(mul(c(0.5), x),
               add(c(1), math::ErfOp::create(b, loc, mul(x, c(M_SQRT1_2)))));
  case UnaryKind::GeluTanh: {
    Value x3 = mul(mul(x, x), x);
    Value inner = mul(c(std::sqrt(2.0 / M_PI)), add(x, mul(c(0.044715), x3)));
    return mul(mul(c(0.5), x), add(c(1), math::TanhOp::create(b, loc, inner)));
  }
  case UnaryKind::Silu:
    return mul(x, sigmoid(x));
  case UnaryKind::HardSwish:
    return mul(x, maxf(c(0), minf(c(1), add(mul(x, c(1.0 / 6.0)), c(0.5)))));
  case UnaryKind::Mish:
    return mul(x, math::TanhOp::create(b, loc, softplus(x)));
  case UnaryKind::HardSigmoid:
    return maxf(c(0), minf(c(1), add(mul(x, c(alpha)), c(beta))));
  case UnaryKind::LeakyRelu:
    return sel(cmpf(arith::CmpFPredicate::OLT, x, c(0)), mul(x, c(alpha)), x);
  case UnaryKind::Elu:
    return sel(cmpf(arith::CmpFPredicate::OLT, x, c(0)),
               mul(c(alpha), math::ExpM1Op::create(b, loc, x)), x);
  case UnaryKind::Selu:
    return mul(c(beta), sel(cmpf(arith::CmpFPredicate::OLE, x, c(0)),
                            mul(c(alpha), math::ExpM1Op::create(b, loc, x)), x));
  case UnaryKind::Clip: {
    if (e.isFloat)
      return minf(maxf(x, c(alpha)), c(beta));
    // Integer bounds beyond the type's range do not clamp.
    unsigned w = t.getIntOrFloatBitWidth();
    double lo = e.isUnsigned ? 0.0 : -std::ldexp(1.0, w - 1);
    double hi = e.isUnsigned ? std::ldexp(1.0, w) - 1 : std::ldexp(1.0, w - 1) - 1;
    Value r = x;
    if (alpha > lo)
      r = emitMax(b, loc, r, c(alpha), e);
    if (beta < hi)
      r = emitMin(b, loc, r, c(beta), e);
    return r;
  }
  case UnaryKind::ThresholdedRelu:
    return sel(cmpf(arith::CmpFPredicate::OGT, x, c(alpha)), x, c(0));
  case UnaryKind::Celu: {
    Value ex = math::ExpM1Op::create(b, loc, div(x, c(alpha)));
    return add(maxf(c(0), x), minf(c(0), mul(c(alpha), ex)));
  }
  case UnaryKind::Shrink: {
    Value lo = sel(cmpf(arith::CmpFPredicate::OLT, x, c(-alpha)), add(x, c(beta)), c(0));
    return sel(cmpf(arith::CmpFPredicate::OGT, x, c(alpha)), sub(x, c(beta)), lo);
  }
  }
  llvm_unreachable("unknown unary kind");
}

Value lowering::reshapeStatic(OpBuilder &b, Location loc, Value v,
                              RankedTensorType to) {
  auto from = cast<RankedTensorType>(v.getType());
  if (from == to)
    return v;
  // Rank 0 <-> all-unit dims: an empty reassociation.
  if (from.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, to, v,
                                         ArrayRef<ReassociationIndices>{});
  if (to.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, to, v,
                                           ArrayRef<ReassociationIndices>{});
  // Open extents: only a direct collapse or expand (unit dims added or
  // dropped, open extents staying whole); null otherwise.
  if (!from.hasStaticShape() || !to.hasStaticShape()) {
    auto re = getReassociationIndicesForReshape(from, to);
    if (!re)
      return {};
    // Only when the grouping is unambiguous: a group with an open extent on
    // one side has exactly one on the other (the rest static factors), a
    // group without has the same static product on both sides.
    const RankedTensorType &wide = to.getRank() > from.getRank() ? to : from;
    const RankedTensorType &narrow = to.getRank() > from.getRank() ? from : to;
    for (auto [g, group] : llvm::enumerate(*re)) {
      int64_t open = 0, product = 1;
      for (int64_t d : group) {
        if (wide.isDynamicDim(d))
          ++open;
        else
          product *= wide.getDimSize(d);
      }
      bool narrowOpen = narrow.isDynamicDim(g);
      if (open != (narrowOpen ? 1 : 0) || (!narrowOpen && product != narrow.getDimSize(g)))
        return {};
    }
    if (to.getRank() > from.getRank())
      return tensor::ExpandShapeOp::create(b, loc, to, v, *re);
    return tensor::CollapseShapeOp::create(b, loc, to, v, *re);
  }
  // Otherwise through 1-D: always a valid reassociation.
  Value flat = v;
  if (from.getRank() != 1) {
    ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, from.getRank()));
    flat = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({from.getNumElements()}, from.getElementType()),
        v, ArrayRef<ReassociationIndices>{all});
  }
  if (to.getRank() == 1)
    return flat;
  ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, to.getRank()));
  return tensor::ExpandShapeOp::create(b, loc, to, flat,
                                       ArrayRef<ReassociationIndices>{all});
}

Value lowering::buildReduction(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Value init,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto inTy = cast<RankedTensorType>(input.getType());
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> outShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t i = 0; i < inTy.getRank(); ++i) {
    if (llvm::is_contained(axes, i)) {
      iters.push_back(utils::IteratorType::reduction);
    } else {
      iters.push_back(utils::IteratorType::parallel);
      outShape.push_back(inTy.getDimSize(i));
      outExprs.push_back(getAffineDimExpr(i, ctx));
    }
  }
  auto outTy = RankedTensorType::get(outShape, init.getType());
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(inTy.getRank(), ctx),
      AffineMap::get(inTy.getRank(), 0, outExprs, ctx)};
  Value empty = emptyForLoops(b, loc, outTy, input, maps[0], maps[1]);
  if (!empty)
    return {};
  Value acc = fillInto(b, loc, empty, init);
  auto g = linalg::GenericOp::create(
      b, loc, outTy, ValueRange{input}, ValueRange{acc}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, combine(nb, nl, args[0], args[1]));
      });
  return g.getResult(0);
}

Value lowering::padConstant(OpBuilder &b, Location loc, Value src,
                            ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                            Value padValue) {
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return src;
  // A tensor.pad for now: expandPads picks the target's form once the
  // conversion is done.
  auto t = cast<RankedTensorType>(src.getType());
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i)
    shape.push_back(t.isDynamicDim(i) ? ShapedType::kDynamic : t.getDimSize(i) + low[i] + high[i]);
  SmallVector<OpFoldResult> lo, hi;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    lo.push_back(b.getIndexAttr(low[i]));
    hi.push_back(b.getIndexAttr(high[i]));
  }
  return tensor::PadOp::create(b, loc, RankedTensorType::get(shape, t.getElementType()), src, lo,
                               hi, padValue);
}

Value lowering::padAround(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                          Type elementType, ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                          Value padValue, function_ref<Value(OpBuilder &, Location, Value)> write) {
  int64_t rank = sizes.size();
  // Extents as index values where open (folded to constants where static).
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  auto plus = [&](OpFoldResult x, int64_t c) {
    return affine::makeComposedFoldedAffineApply(b, loc, s0 + c, {x});
  };
  SmallVector<OpFoldResult> shape, lo, ones(rank, b.getIndexAttr(1));
  for (int64_t i = 0; i < rank; ++i) {
    shape.push_back(plus(sizes[i], low[i] + high[i]));
    lo.push_back(b.getIndexAttr(low[i]));
  }
  Value padded = tensor::EmptyOp::create(b, loc, shape, elementType);
  Value interior = tensor::ExtractSliceOp::create(b, loc, padded, lo, sizes, ones);
  padded = tensor::InsertSliceOp::create(b, loc, write(b, loc, interior), padded, lo, sizes, ones);
  for (int64_t d = 0; d < rank; ++d)
    for (auto [at, extent] : {std::pair<OpFoldResult, int64_t>{b.getIndexAttr(0), low[d]},
                              std::pair<OpFoldResult, int64_t>{plus(sizes[d], low[d]), high[d]}}) {
      if (extent == 0)
        continue;
      SmallVector<OpFoldResult> so(rank, b.getIndexAttr(0)), ss(shape);
      so[d] = at;
      ss[d] = b.getIndexAttr(extent);
      Value slab = tensor::ExtractSliceOp::create(b, loc, padded, so, ss, ones);
      Value filled = linalg::FillOp::create(b, loc, padValue, slab).getResult(0);
      padded = tensor::InsertSliceOp::create(b, loc, filled, padded, so, ss, ones);
    }
  return padded;
}

/// The source copied into the interior of a new buffer, then only the
/// border filled (tensor.pad would fill the whole buffer first). The
/// interior copy is a linalg op, so the CPU backend chunks it across
/// threads like any other op.
static Value padByCopy(OpBuilder &b, Location loc, Value src, ArrayRef<int64_t> low,
                       ArrayRef<int64_t> high, Value padValue) {
  return lowering::padAround(b, loc, tensor::getMixedSizes(b, loc, src),
                             getElementTypeOrSelf(src.getType()), low, high, padValue,
                             [&](OpBuilder &nb, Location l, Value interior) {
                               return linalg::CopyOp::create(nb, l, src, interior).getResult(0);
                             });
}

/// One op: each point of the padded tensor reads the source where it lies
/// inside, else the pad value (GPU: one kernel instead of a copy and a fill
/// per border slab).
static Value padByGather(OpBuilder &b, Location loc, Value src, ArrayRef<int64_t> low,
                         ArrayRef<int64_t> high, Value padValue) {
  auto t = cast<RankedTensorType>(src.getType());
  int64_t rank = t.getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, src), shape;
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(
        affine::makeComposedFoldedAffineApply(b, loc, s0 + (low[i] + high[i]), {sizes[i]}));
  Value empty = tensor::EmptyOp::create(b, loc, shape, t.getElementType());
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto g = linalg::GenericOp::create(
      b, loc, empty.getType(), ValueRange{}, ValueRange{empty}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Value zero = arith::ConstantIndexOp::create(nb, nl, 0);
        Value inside;
        SmallVector<Value> at;
        for (int64_t i = 0; i < rank; ++i) {
          Value idx = linalg::IndexOp::create(nb, nl, i);
          Value in =
              arith::SubIOp::create(nb, nl, idx, arith::ConstantIndexOp::create(nb, nl, low[i]));
          Value extent = getValueOrCreateConstantIndexOp(nb, nl, sizes[i]);
          Value ok = arith::AndIOp::create(
              nb, nl, arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, in, zero),
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, in, extent));
          inside = inside ? arith::AndIOp::create(nb, nl, inside, ok).getResult() : ok;
          at.push_back(in);
        }
        // Outside, read element 0 (in bounds) and discard it.
        for (Value &i : at)
          i = arith::SelectOp::create(nb, nl, inside, i, zero);
        Value v = tensor::ExtractOp::create(nb, nl, src, at);
        linalg::YieldOp::create(nb, nl,
                                arith::SelectOp::create(nb, nl, inside, v, padValue).getResult());
      });
  return g.getResult(0);
}

LogicalResult lowering::expandPads(Operation *root, bool gather) {
  SmallVector<tensor::PadOp> pads;
  root->walk([&](tensor::PadOp p) { pads.push_back(p); });
  for (tensor::PadOp p : pads) {
    // (One a consumer took over, the int8 conv's, is left unused.)
    if (p->use_empty()) {
      p.erase();
      continue;
    }
    Value padValue = p.getConstantPaddingValue();
    if (!padValue)
      return p.emitError("a pad with a computed pad value is not lowered");
    SmallVector<int64_t> low, high;
    for (OpFoldResult r : p.getMixedLowPad()) {
      auto v = getConstantIntValue(r);
      if (!v)
        return p.emitError("a pad with open amounts is not lowered");
      low.push_back(*v);
    }
    for (OpFoldResult r : p.getMixedHighPad()) {
      auto v = getConstantIntValue(r);
      if (!v)
        return p.emitError("a pad with open amounts is not lowered");
      high.push_back(*v);
    }
    OpBuilder b(p);
    Value r = gather ? padByGather(b, p.getLoc(), p.getSource(), low, high, padValue)
                     : padByCopy(b, p.getLoc(), p.getSource(), low, high, padValue);
    if (r.getType() != p.getType())
      r = tensor::CastOp::create(b, p.getLoc(), p.getType(), r);
    p.replaceAllUsesWith(r);
    p.erase();
  }
  return success();
}

std::vector<float> lowering::constantFloats(Value v) {
  Attribute attr;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape() ||
      !matchPattern(v, m_Constant(&attr)))
    return {};
  if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat())
    return std::vector<float>(type.getNumElements(), dense.getSplatValue<float>());
  std::optional<ArrayRef<char>> raw = constantBytes(attr);
  if (!raw || (int64_t)raw->size() != type.getNumElements() * 4)
    return {};
  std::vector<float> out(type.getNumElements());
  std::memcpy(out.data(), raw->data(), raw->size());
  return out;
}

Value lowering::floatConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                              ArrayRef<float> data, StringRef name) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()), data.size() * 4);
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64);
  return arith::ConstantOp::create(b, loc, type,
                                   DenseResourceElementsAttr::get(type, name, std::move(blob)));
}
