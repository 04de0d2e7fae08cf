//===- Boundary.cpp - a static boundary for main's open extents ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The artifact's entry point takes one buffer per tensor, so `main` must
// have static types. Open extents stay inside: an input is a buffer of its
// bound read as the dense tensor of the actual extents (given by a hidden
// input), an output is written densely at the start of a buffer of its
// bound (its extents are a hidden output). docs/architecture.md, "Bounded
// results" and "Open extents".
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "llvm/ADT/TypeSwitch.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

SmallVector<ReassociationIndices> allDims(int64_t rank) {
  ReassociationIndices all;
  for (int64_t i = 0; i < rank; ++i)
    all.push_back(i);
  return {all};
}

/// The product of `sizes` (index values and constants).
Value product(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  Value n = arith::ConstantIndexOp::create(b, loc, 1);
  for (OpFoldResult s : sizes)
    n = arith::MulIOp::create(b, loc, n, getValueOrCreateConstantIndexOp(b, loc, s));
  return n;
}

constexpr llvm::StringLiteral kHiddenExtentsAttr = "autoglm.hidden_extents";

/// Argument `i` of type `t` becomes a buffer of its bound; its uses read the
/// dense tensor of the extents the appended argument `extents` holds, each
/// clamped to its bound (so a bound analysis later sees it). An open extent
/// named like one bound before (`shared`, by dim_param) takes that one's
/// value: the runtime checks that inputs agree on a name, and the bound
/// analysis can then prove such extents equal.
LogicalResult bindOpenArgument(OpBuilder &b, func::FuncOp func, unsigned i,
                               RankedTensorType t, ArrayRef<int64_t> bound,
                               BlockArgument extents, ArrayAttr params,
                               llvm::StringMap<Value> &shared) {
  Location loc = func.getLoc();
  BlockArgument arg = func.getArgument(i);
  auto boundT = RankedTensorType::get(bound, t.getElementType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (!t.isDynamicDim(d)) {
      sizes.push_back(b.getIndexAttr(t.getDimSize(d)));
      continue;
    }
    StringRef name = params && d < (int64_t)params.size()
                         ? cast<StringAttr>(params[d]).getValue()
                         : StringRef();
    if (!name.empty())
      if (Value v = shared.lookup(name)) {
        sizes.push_back(v);
        continue;
      }
    Value e = tensor::ExtractOp::create(
        b, loc, extents, ValueRange{arith::ConstantIndexOp::create(b, loc, d)});
    Value idx = arith::IndexCastOp::create(b, loc, b.getIndexType(), e);
    AffineExpr s0 = b.getAffineSymbolExpr(0);
    auto clamp = AffineMap::get(0, 1, {s0, b.getAffineConstantExpr(bound[d])}, b.getContext());
    Value size = affine::AffineMinOp::create(b, loc, clamp, ValueRange{idx}).getResult();
    if (!name.empty())
      shared[name] = size;
    sizes.push_back(size);
  }
  arg.setType(boundT);
  int64_t r = t.getRank();
  Value flat = tensor::CollapseShapeOp::create(b, loc, arg, allDims(r));
  Value n = product(b, loc, sizes);
  Value prefix = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({ShapedType::kDynamic}, t.getElementType()), flat,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0)}, ArrayRef<OpFoldResult>{n},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  // One open extent: an expand_shape (a view). Several: the memref form of
  // such an expand is not handled by expand-strided-metadata in MLIR 22
  // (it crashes), so a tensor.reshape from the extents, which bufferizes to
  // a copy of the prefix into an identity-layout buffer and a reshape.
  Value view;
  if (llvm::count_if(t.getShape(), ShapedType::isDynamic) <= 1) {
    view = tensor::ExpandShapeOp::create(b, loc, t, prefix, allDims(r), sizes);
  } else {
    SmallVector<Value> dims;
    for (OpFoldResult s : sizes)
      dims.push_back(getValueOrCreateConstantIndexOp(b, loc, s));
    Value shape = tensor::FromElementsOp::create(b, loc, dims);
    view = tensor::ReshapeOp::create(b, loc, t, prefix, shape);
    // A whole-tensor slice with the clamped extents: the bound analysis
    // does not see through tensor.reshape, it does through a slice.
    SmallVector<OpFoldResult> zeros(r, b.getIndexAttr(0)), ones(r, b.getIndexAttr(1));
    view = tensor::ExtractSliceOp::create(b, loc, t, view, zeros, sizes, ones);
  }
  arg.replaceAllUsesExcept(view, flat.getDefiningOp());
  return success();
}

/// A result with open extents, written densely at the start of a buffer of
/// its bound; returns that buffer and appends its extents to `extra`.
/// A constant upper bound of `v`'s extent `d`: what ValueBounds derives, or
/// for a collapse (whose extent is a product of extents, which ValueBounds
/// does not multiply) the product of its group's bounds.
FailureOr<int64_t> upperBound(Value v, int64_t d) {
  auto t = cast<RankedTensorType>(v.getType());
  if (!t.isDynamicDim(d))
    return t.getDimSize(d);
  FailureOr<int64_t> ub = ValueBoundsConstraintSet::computeConstantBound(
      presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(v, d), nullptr,
      /*closedUB=*/true);
  if (succeeded(ub))
    return ub;
  if (auto c = v.getDefiningOp<tensor::CollapseShapeOp>()) {
    int64_t product = 1;
    SmallVector<ReassociationIndices> groups = c.getReassociationIndices();
    for (int64_t s : groups[d]) {
      FailureOr<int64_t> part = upperBound(c.getSrc(), s);
      if (failed(part))
        return failure();
      product *= *part;
    }
    return product;
  }
  if (auto r = v.getDefiningOp<tensor::ReshapeOp>()) {
    // A run-time shape built from extents (Shape of another tensor): each
    // entry's bound.
    auto elems = r.getShape().getDefiningOp<tensor::FromElementsOp>();
    if (!elems) {
      // A shape computed from data: no extent exceeds the element count
      // (the runtime checks each run's extents against the bound).
      auto src = cast<RankedTensorType>(r.getSource().getType());
      int64_t count = 1;
      for (int64_t i = 0; i < src.getRank(); ++i) {
        FailureOr<int64_t> part = upperBound(r.getSource(), i);
        if (failed(part))
          return failure();
        count *= *part;
      }
      return count;
    }
    Value x = elems.getElements()[d];
    if (auto c = x.getDefiningOp<arith::IndexCastOp>())
      x = c.getIn();
    if (!x.getType().isIndex())
      return failure();
    return ValueBoundsConstraintSet::computeConstantBound(
        presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(x), nullptr,
        /*closedUB=*/true);
  }
  if (auto e = v.getDefiningOp<tensor::ExpandShapeOp>()) {
    // The group's one open extent is at most the source extent's bound.
    SmallVector<ReassociationIndices> groups = e.getReassociationIndices();
    for (auto [g, group] : llvm::enumerate(groups))
      if (llvm::is_contained(group, d))
        return upperBound(e.getSrc(), g);
  }
  return failure();
}

FailureOr<Value> bindOpenResult(OpBuilder &b, Location loc, func::FuncOp func, unsigned i,
                                Value v, SmallVectorImpl<int64_t> &bound) {
  auto t = cast<RankedTensorType>(v.getType());
  // The bounded lowerings (string_normalize) slice a static buffer.
  auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
  bool fromBuffer = slice && slice.getSourceType().hasStaticShape() &&
                    slice.getSourceType().getRank() == t.getRank();
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (!t.isDynamicDim(d)) {
      bound.push_back(t.getDimSize(d));
      continue;
    }
    if (fromBuffer) {
      bound.push_back(slice.getSourceType().getDimSize(d));
      continue;
    }
    FailureOr<int64_t> ub = upperBound(v, d);
    if (failed(ub))
      return func.emitError() << "output " << i << " (" << t
                              << ") has an open extent at dim " << d
                              << " with no bound the compiler can derive";
    bound.push_back(*ub);
  }
  int64_t r = t.getRank(), total = ShapedType::getNumElements(bound);
  Value flat = tensor::CollapseShapeOp::create(b, loc, v, allDims(r));
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < r; ++d)
    sizes.push_back(tensor::getMixedSize(b, loc, v, d));
  Value n = product(b, loc, sizes);
  Value buf = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{total}, t.getElementType());
  Value placed = tensor::InsertSliceOp::create(
      b, loc, flat, buf, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{n}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  return tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(bound, t.getElementType()),
                                       placed, allDims(r))
      .getResult();
}

} // namespace

/// A new last argument of `func`, marked with the unit attribute `mark`.
static LogicalResult appendMarkedArgument(func::FuncOp func, Type type, StringRef mark) {
  MLIRContext *ctx = func.getContext();
  return func.insertArgument(
      func.getNumArguments(), type,
      DictionaryAttr::get(ctx, {NamedAttribute(StringAttr::get(ctx, mark), UnitAttr::get(ctx))}),
      func.getLoc());
}

/// The hidden-results entry for the manifest.
static DictionaryAttr hiddenEntry(MLIRContext *ctx, StringRef kind, StringRef key, int64_t v,
                                  ArrayRef<int64_t> bound = {}) {
  SmallVector<NamedAttribute> attrs = {
      NamedAttribute(StringAttr::get(ctx, "kind"), StringAttr::get(ctx, kind)),
      NamedAttribute(StringAttr::get(ctx, key), IntegerAttr::get(IntegerType::get(ctx, 64), v))};
  if (!bound.empty())
    attrs.push_back(
        NamedAttribute(StringAttr::get(ctx, "max_shape"), DenseI64ArrayAttr::get(ctx, bound)));
  return DictionaryAttr::get(ctx, attrs);
}

LogicalResult lowering::addStatusArgument(ModuleOp module) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  if (!func)
    return success();
  bool open = llvm::any_of(func.getArgumentTypes(), [](Type t) {
    auto r = dyn_cast<RankedTensorType>(t);
    return r && !r.hasStaticShape();
  });
  // Indices that come from the data are checked at run time.
  bool runtimeIndices = func.walk([](Operation *op) {
                              Value indices =
                                  TypeSwitch<Operation *, Value>(op)
                                      .Case<GatherOp, GatherElementsOp, ScatterElementsOp>(
                                          [](auto o) { return o.getIndices(); })
                                      .Default([](Operation *) { return Value(); });
                              return indices && !indices.getDefiningOp<ConstantOp>()
                                         ? WalkResult::interrupt()
                                         : WalkResult::advance();
                            })
                            .wasInterrupted();
  if (!open && !runtimeIndices)
    return success();
  MLIRContext *ctx = module.getContext();
  if (failed(appendMarkedArgument(func, MemRefType::get({1}, IntegerType::get(ctx, 32)),
                                  kStatusAttr)))
    return failure();
  module->setAttr("autoglm.status", UnitAttr::get(ctx));
  return success();
}

LogicalResult lowering::bindOpenArguments(ModuleOp module, bool beforeConversion) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  if (!func)
    return success();
  MLIRContext *ctx = module.getContext();
  auto bounds = module->getAttrOfType<DictionaryAttr>("autoglm.dim_bounds");
  SmallVector<Attribute> hiddenInputs;
  if (auto old = module->getAttrOfType<ArrayAttr>("autoglm.hidden_inputs"))
    hiddenInputs.assign(old.begin(), old.end());
  // The inputs: the arguments before the first hidden one (the status
  // buffer or an input's extents).
  unsigned numInputs = 0;
  while (numInputs < func.getNumArguments() &&
         !func.getArgAttr(numInputs, kHiddenExtentsAttr) &&
         !func.getArgAttr(numInputs, kStatusAttr))
    ++numInputs;
  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  llvm::StringMap<Value> shared;
  bool changed = false;
  for (unsigned i = 0; i < numInputs; ++i) {
    auto t = cast<RankedTensorType>(func.getArgument(i).getType());
    if (t.hasStaticShape())
      continue;
    // Before the conversion only element types it keeps (unsigned and
    // string tensors change type; they are bound after it).
    Type elem = t.getElementType();
    if (beforeConversion && !(isa<FloatType>(elem) || elem.isSignlessInteger()))
      continue;
    auto params = func.getArgAttrOfType<ArrayAttr>(i, "autoglm.dim_params");
    SmallVector<int64_t> bound(t.getShape());
    for (int64_t d = 0; d < t.getRank(); ++d) {
      if (!t.isDynamicDim(d))
        continue;
      StringRef name = params && d < (int64_t)params.size()
                           ? cast<StringAttr>(params[d]).getValue()
                           : StringRef();
      auto bd = bounds && !name.empty() ? bounds.getAs<IntegerAttr>(name) : IntegerAttr();
      if (!bd) {
        auto diag = func.emitError() << "input " << i << " (" << t
                                     << ") has an open extent at dim " << d;
        // An unnamed open extent can only be fixed through the input's shape.
        if (name.empty())
          diag << " with no name and no bound: fix the input's shape with --input-shape";
        else
          diag << " ('" << name << "') with no bound: give --max-dim " << name
               << "=<bound> or fix it with --dim";
        return diag;
      }
      bound[d] = bd.getInt();
    }
    if (failed(appendMarkedArgument(
            func, RankedTensorType::get({t.getRank()}, IntegerType::get(ctx, 64)),
            kHiddenExtentsAttr)))
      return failure();
    if (failed(bindOpenArgument(b, func, i, t, bound, func.getArguments().back(), params,
                                shared)))
      return failure();
    hiddenInputs.push_back(hiddenEntry(ctx, "shape", "input", i, bound));
    changed = true;
  }
  if (!changed)
    return success();
  func.setType(FunctionType::get(ctx, func.getBody().getArgumentTypes(), func.getResultTypes()));
  module->setAttr("autoglm.hidden_inputs", ArrayAttr::get(ctx, hiddenInputs));
  return success();
}

LogicalResult lowering::lowerFunctionBoundary(ModuleOp module) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  if (!func)
    return success();
  MLIRContext *ctx = module.getContext();
  auto entry = [&](StringRef kind, StringRef key, int64_t v, ArrayRef<int64_t> bound = {}) {
    return hiddenEntry(ctx, kind, key, v, bound);
  };

  if (failed(bindOpenArguments(module, /*beforeConversion=*/false)))
    return failure();

  // Outputs with open extents, and the blocks to free.
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  OpBuilder b(ret);
  Location loc = ret.getLoc();
  SmallVector<Value> results(ret.getOperands());
  SmallVector<Attribute> hidden;
  unsigned numOutputs = results.size();
  for (unsigned i = 0; i < numOutputs; ++i) {
    auto t = cast<RankedTensorType>(results[i].getType());
    if (t.hasStaticShape())
      continue;
    SmallVector<int64_t> bound;
    FailureOr<Value> placed = bindOpenResult(b, loc, func, i, results[i], bound);
    if (failed(placed))
      return failure();
    SmallVector<Value> dims;
    for (int64_t d = 0; d < t.getRank(); ++d)
      dims.push_back(arith::IndexCastOp::create(
          b, loc, b.getI64Type(),
          getValueOrCreateConstantIndexOp(b, loc, tensor::getMixedSize(b, loc, results[i], d))));
    results[i] = *placed;
    results.push_back(tensor::FromElementsOp::create(b, loc, dims));
    hidden.push_back(entry("shape", "output", i, bound));
  }
  SmallVector<LLVM::CallOp> calls;
  func.walk([&](LLVM::CallOp call) {
    if (call->hasAttr(kStorageAttr))
      calls.push_back(call);
  });
  SmallVector<Value> blocks;
  for (LLVM::CallOp call : calls) {
    call->removeAttr(kStorageAttr);
    Value p = LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), call.getResult());
    blocks.push_back(arith::IndexCastUIOp::create(b, loc, b.getIndexType(), p));
  }
  if (!blocks.empty()) {
    results.push_back(tensor::FromElementsOp::create(b, loc, blocks));
    hidden.push_back(entry("storage", "count", blocks.size()));
  }
  if (hidden.empty())
    return success();
  func::ReturnOp::create(b, loc, results);
  ret.erase();
  SmallVector<Attribute> resAttrs;
  for (unsigned i = 0; i < results.size(); ++i)
    resAttrs.push_back(i < numOutputs && func.getResultAttrDict(i)
                           ? Attribute(func.getResultAttrDict(i))
                           : DictionaryAttr::get(ctx));
  func.setType(FunctionType::get(ctx, func.getArgumentTypes(), TypeRange(ValueRange(results))));
  func.setAllResultAttrs(resAttrs);
  module->setAttr("autoglm.hidden_results", ArrayAttr::get(ctx, hidden));
  return success();
}
