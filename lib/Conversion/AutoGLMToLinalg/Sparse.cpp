//===- Sparse.cpp - block-sparse linear kernels -----------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A linear whose constant weight is mostly zero in blocks of 16 outputs x 1
// input (what --prune block:R --prune-block 16x1 leaves, or a model pruned
// elsewhere) runs over its nonzero blocks only. The weight is compressed at
// compile time per group of 16 outputs (CSR over 16-wide columns):
//
//   ptr[g] .. ptr[g + 1]   the nonzero blocks of outputs 16g .. 16g + 15,
//   idx[j]                 the input index k of block j,
//   val[j, 0 .. 15]        its 16 weights,
//
// and the kernel is emitted directly as vector code: for each group and each
// tile of 8 rows of x, 8 accumulators of 16 lanes take, for every nonzero
// block, x[m, k] broadcast times val[j] (one FMA per row). Rows left over
// after the 8-row tiles take a 1-row loop. The accumulators start from the
// bias, so the result leaves the loops complete; a fused activation follows
// as an elementwise op.
//
// 8-bit linears (uint8 x times int8 w into int32, the quantizer's form) take
// blocks of 16 outputs x 4 consecutive inputs instead: val[j] holds the 16
// outputs' 4 bytes each (64 bytes, output-major), the 4 bytes x[m, 4k4 ..
// 4k4 + 3] are broadcast to 16 int32 lanes, and one AVX512-VNNI vpdpbusd per
// row and block adds the 16 dot products of 4 (where the target has it).
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "autoglm/Conversion/Passes.h"
#include "autoglm/Support/Intrinsic.h"
#include "autoglm/Support/VectorClone.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_EXPANDSPARSEKERNELS
#include "autoglm/Conversion/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

constexpr int64_t kGroup = 16; // outputs per block (one f32 vector of AVX-512)
// Rows of x per register tile (16 rows of the 8-bit kernel measured slower
// on BERT's linears: 1.74 against 1.69 ms).
constexpr int64_t kRows = 8;
constexpr int64_t kQuad = 4; // inputs per 8-bit block (one vpdpbusd lane)
// The kernels' placeholder calls (one declaration per signature: this
// prefix and a number) and their threads flag.
constexpr llvm::StringLiteral kSparseInt8 = "__autoglm_sparse_int8_";
constexpr llvm::StringLiteral kSparseF32 = "__autoglm_sparse_f32_";
constexpr llvm::StringLiteral kParallel = "autoglm.parallel";

/// A 1-D i32 constant as a dense_resource blob named `name`.
Value i32Constant(OpBuilder &b, Location loc, ArrayRef<int32_t> data, StringRef name) {
  auto type = RankedTensorType::get({(int64_t)data.size()}, b.getI32Type());
  ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()), data.size() * 4);
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64);
  return arith::ConstantOp::create(b, loc, type,
                                   DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The accumulators of one row tile: rows [m0, m0 + rows) of y at outputs
/// n0 .. n0 + 15 start as `init(row index)`; for every block j in [lo, hi)
/// `step(j, row indices, accumulators)` gives the next ones; they are
/// written back to y (as `finish(accumulator, row index)` where given),
/// which is returned.
using InitFn = llvm::function_ref<Value(OpBuilder &, Location, Value)>;
using StepFn = llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ArrayRef<Value>,
                                                     ValueRange)>;
using FinishFn = llvm::function_ref<Value(OpBuilder &, Location, Value, Value)>;
Value emitBlockTile(OpBuilder &b, Location loc, Value y, Value lo, Value hi, Value m0, Value n0,
                    int64_t rows, InitFn init, StepFn step, FinishFn finish = nullptr) {
  SmallVector<Value> rowIdx, accs;
  for (int64_t r = 0; r < rows; ++r) {
    rowIdx.push_back(r == 0 ? m0 : arith::AddIOp::create(b, loc, m0, idx(b, loc, r)));
    accs.push_back(init(b, loc, rowIdx[r]));
  }
  auto loop = scf::ForOp::create(b, loc, lo, hi, idx(b, loc, 1), accs,
                                 [&](OpBuilder &nb, Location l, Value j, ValueRange acc) {
                                   scf::YieldOp::create(nb, l, step(nb, l, j, rowIdx, acc));
                                 });
  for (int64_t r = 0; r < rows; ++r) {
    Value v = loop.getResult(r);
    if (finish)
      v = finish(b, loc, v, rowIdx[r]);
    y = vector::TransferWriteOp::create(b, loc, v, y, ValueRange{rowIdx[r], n0},
                                        ArrayRef<bool>{true})
            .getResult();
  }
  return y;
}

/// Block j's input index (or quad of inputs) from idx[j].
Value blockIndex(OpBuilder &b, Location loc, Value idxT, Value j) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                    tensor::ExtractOp::create(b, loc, idxT, ValueRange{j}));
}

/// Rows [m0, m0 + rows) of y (groups of 16 outputs starting at n0, column
/// nAbs of the whole y) = bias (or zeros) + x · blocks ptr[g] .. ptr[g + 1];
/// returns the updated y. `finish` as emitBlockTile's.
Value emitTile(OpBuilder &b, Location loc, Value y, Value x, Value ptrLo, Value ptrHi, Value idxT,
               Value valT, Value bias, Value m0, Value n0, Value nAbs, int64_t rows,
               FinishFn finish) {
  auto vecTy = VectorType::get({kGroup}, b.getF32Type());
  Value c0 = idx(b, loc, 0);
  // An explicit padding (never read: the transfers are in bounds); the
  // default would be ub.poison, which this conversion does not admit.
  Value pad = scalarConst(b, loc, b.getF32Type(), 0.0);
  Value start = bias ? (Value)vector::TransferReadOp::create(b, loc, vecTy, bias, ValueRange{nAbs},
                                                             pad, ArrayRef<bool>{true})
                     : (Value)arith::ConstantOp::create(
                           b, loc, DenseElementsAttr::get(vecTy, b.getF32FloatAttr(0.0f)));
  return emitBlockTile(
      b, loc, y, ptrLo, ptrHi, m0, n0, rows, [&](OpBuilder &, Location, Value) { return start; },
      [&](OpBuilder &nb, Location l, Value j, ArrayRef<Value> rowIdx, ValueRange acc) {
        Value k = blockIndex(nb, l, idxT, j);
        Value w = vector::TransferReadOp::create(nb, l, vecTy, valT, ValueRange{j, c0}, pad,
                                                 ArrayRef<bool>{true});
        SmallVector<Value> next;
        for (int64_t r = 0; r < rows; ++r) {
          Value xs = tensor::ExtractOp::create(nb, l, x, ValueRange{rowIdx[r], k});
          Value xb = vector::BroadcastOp::create(nb, l, vecTy, xs);
          next.push_back(vector::FMAOp::create(nb, l, xb, w, acc[r]));
        }
        return next;
      },
      finish);
}

/// The 8-bit tile: rows [m0, m0 + rows) of the int32 y (outputs n0 ..
/// n0 + 15) = x · blocks ptr[g] .. ptr[g + 1] of 16 x 4 bytes; x is [M, 4 K4]
/// bytes. `op` is in the module that gets the intrinsic's declaration;
/// `finish` as emitBlockTile's.
Value emitInt8Tile(OpBuilder &b, Location loc, Operation *op, Value y, Value x, Value ptrLo,
                   Value ptrHi, Value idxT, Value valT, Value m0, Value n0, int64_t rows,
                   FinishFn finish) {
  Type i8 = b.getIntegerType(8), i32 = b.getI32Type();
  auto laneTy = VectorType::get({kGroup}, i32);
  auto bytesTy = VectorType::get({kGroup * kQuad}, i8);
  auto quadTy = VectorType::get({kQuad}, i8);
  auto oneTy = VectorType::get({1}, i32);
  Value c0 = idx(b, loc, 0);
  Value pad8 = arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, 0));
  Value zeros =
      arith::ConstantOp::create(b, loc, DenseElementsAttr::get(laneTy, b.getI32IntegerAttr(0)));
  return emitBlockTile(
      b, loc, y, ptrLo, ptrHi, m0, n0, rows, [&](OpBuilder &, Location, Value) { return zeros; },
      [&](OpBuilder &nb, Location l, Value j, ArrayRef<Value> rowIdx, ValueRange acc) {
        Value k = arith::MulIOp::create(nb, l, blockIndex(nb, l, idxT, j), idx(nb, l, kQuad));
        Value w = vector::TransferReadOp::create(nb, l, bytesTy, valT, ValueRange{j, c0}, pad8,
                                                 ArrayRef<bool>{true});
        SmallVector<Value> next;
        for (int64_t r = 0; r < rows; ++r) {
          // (vpdpbusd takes the first bytes unsigned, the second signed.)
          Value q = vector::TransferReadOp::create(nb, l, quadTy, x, ValueRange{rowIdx[r], k}, pad8,
                                                   ArrayRef<bool>{true});
          Value lanes = vector::BroadcastOp::create(nb, l, laneTy,
                                                    vector::BitCastOp::create(nb, l, oneTy, q));
          Value u = vector::BitCastOp::create(nb, l, bytesTy, lanes);
          next.push_back(autoglm::intrinsicCall(nb, l, op, "llvm.x86.avx512.vpdpbusd.512", laneTy,
                                                ValueRange{acc[r], u, w}));
        }
        return next;
      },
      finish);
}

/// The loops over groups of 16 outputs (an scf.forall with `parallel`) and
/// row tiles of y [M, N] (`tileRows` rows, then the rest one at a time);
/// `tile` emits one tile: (builder, loc, y, lo, hi, m0, n0, the absolute
/// column of n0 in the whole y, rows) -> new y.
using TileFn = llvm::function_ref<Value(OpBuilder &, Location, Value, Value, Value, Value, Value,
                                        Value, int64_t)>;
Value emitGroups(OpBuilder &b, Location loc, Value y, Value ptrT, int64_t M, int64_t groups,
                 bool parallel, int64_t tileRows, TileFn tile) {
  int64_t full = M / tileRows * tileRows;
  auto group = [&](OpBuilder &gb, Location l, Value g, Value yg, Value n0, Value nAbs) -> Value {
    Value lo = arith::IndexCastOp::create(gb, l, gb.getIndexType(),
                                          tensor::ExtractOp::create(gb, l, ptrT, g));
    Value g1 = arith::AddIOp::create(gb, l, g, idx(gb, l, 1));
    Value hi = arith::IndexCastOp::create(gb, l, gb.getIndexType(),
                                          tensor::ExtractOp::create(gb, l, ptrT, g1));
    for (auto [start, end, rows] :
         {std::make_tuple((int64_t)0, full, tileRows), std::make_tuple(full, M, (int64_t)1)}) {
      if (start == end)
        continue;
      auto rowLoop = scf::ForOp::create(
          gb, l, idx(gb, l, start), idx(gb, l, end), idx(gb, l, rows), ValueRange{yg},
          [&, rows = rows](OpBuilder &rb, Location rl, Value m0, ValueRange ym) {
            scf::YieldOp::create(rb, rl, tile(rb, rl, ym[0], lo, hi, m0, n0, nAbs, rows));
          });
      yg = rowLoop.getResult(0);
    }
    return yg;
  };
  if (parallel) {
    // Groups write disjoint [M, 16] column slices: an scf.forall the CPU
    // backend runs on its threads.
    auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(groups)},
                                        ValueRange{y}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    Value g = forall.getInductionVar(0);
    Value n0 = arith::MulIOp::create(b, loc, g, idx(b, loc, kGroup));
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), n0},
                              sizes = {b.getIndexAttr(M), b.getIndexAttr(kGroup)},
                              strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
    Value slice = tensor::ExtractSliceOp::create(b, loc, forall.getRegionIterArgs()[0], offsets,
                                                 sizes, strides);
    Value t = group(b, loc, g, slice, idx(b, loc, 0), n0);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, t, forall.getRegionIterArgs()[0], offsets, sizes,
                                          strides);
    return forall.getResult(0);
  }
  auto groupLoop =
      scf::ForOp::create(b, loc, idx(b, loc, 0), idx(b, loc, groups), idx(b, loc, 1), ValueRange{y},
                         [&](OpBuilder &gb, Location l, Value g, ValueRange yg) {
                           Value n0 = arith::MulIOp::create(gb, l, g, idx(gb, l, kGroup));
                           scf::YieldOp::create(gb, l, group(gb, l, g, yg[0], n0, n0));
                         });
  return groupLoop.getResult(0);
}

std::string sparseName(Value weight) {
  if (auto c = weight.getDefiningOp<arith::ConstantOp>())
    if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue()))
      return res.getRawHandle().getKey().str() + "_sparse";
  return "sparse_weight";
}

/// The kernel's placeholder: a call of `prefix`N (a private declaration of
/// its signature) returning `yTy`; autoglm-expand-sparse-kernels emits the
/// loops once the result's elementwise consumer is known.
Value placeholderCall(OpBuilder &b, Location loc, Operation *op, StringRef prefix,
                      ArrayRef<Value> args, RankedTensorType yTy, bool parallel) {
  auto module = op->getParentOfType<ModuleOp>();
  auto fnTy = b.getFunctionType(ValueRange(args).getTypes(), {yTy});
  func::FuncOp decl;
  for (int n = 0; !decl; ++n) {
    std::string sym = (prefix + Twine(n)).str();
    auto f = module.lookupSymbol<func::FuncOp>(sym);
    if (f && f.getFunctionType() == fnTy) {
      decl = f;
    } else if (!f) {
      OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
      decl = func::FuncOp::create(mb, loc, sym, fnTy);
      decl.setPrivate();
    }
  }
  auto call = func::CallOp::create(b, loc, decl, args);
  if (parallel)
    call->setAttr(kParallel, b.getUnitAttr());
  return call.getResult(0);
}

} // namespace

Value lowering::buildSparseLinear(OpBuilder &b, Location loc, Operation *op, Value x, Value weight,
                                  Value bias, RankedTensorType resultType, double maxDensity,
                                  bool parallel) {
  auto xt = dyn_cast<RankedTensorType>(x.getType());
  auto wt = dyn_cast<RankedTensorType>(weight.getType());
  if (!xt || !wt || !xt.hasStaticShape() || !resultType.hasStaticShape() || wt.getRank() != 2 ||
      !xt.getElementType().isF32() || !resultType.getElementType().isF32())
    return {};
  int64_t N = wt.getDimSize(0), K = wt.getDimSize(1);
  if (N % kGroup || xt.getShape().back() != K)
    return {};
  std::vector<float> w = constantFloats(weight);
  if (w.empty())
    return {};
  std::vector<float> biasValues;
  if (bias) {
    biasValues = constantFloats(bias);
    if ((int64_t)biasValues.size() != N)
      return {};
  }
  // Compress: per group of 16 outputs, the inputs k with a nonzero weight.
  int64_t groups = N / kGroup;
  std::vector<int32_t> ptr = {0}, index;
  std::vector<float> values;
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t k = 0; k < K; ++k) {
      bool nonzero = false;
      for (int64_t l = 0; l < kGroup && !nonzero; ++l)
        nonzero = w[(g * kGroup + l) * K + k] != 0.0f;
      if (!nonzero)
        continue;
      index.push_back((int32_t)k);
      for (int64_t l = 0; l < kGroup; ++l)
        values.push_back(w[(g * kGroup + l) * K + k]);
    }
    ptr.push_back((int32_t)index.size());
  }
  if ((double)index.size() > maxDensity * (double)(groups * K) || index.empty())
    return {};

  int64_t M = xt.getNumElements() / K;
  Value x2 = reshapeStatic(b, loc, x, RankedTensorType::get({M, K}, b.getF32Type()));
  std::string name = sparseName(weight);
  SmallVector<Value> args = {x2, i32Constant(b, loc, ptr, name + "_ptr"),
                             i32Constant(b, loc, index, name + "_idx"),
                             floatConstant(b, loc, {(int64_t)index.size(), kGroup}, values, name)};
  if (bias)
    args.push_back(floatConstant(b, loc, {N}, biasValues, name + "_bias"));
  Value y = placeholderCall(b, loc, op, kSparseF32, args,
                            RankedTensorType::get({M, N}, b.getF32Type()), parallel);
  return reshapeStatic(b, loc, y, resultType);
}

Value lowering::buildSparseInt8Linear(OpBuilder &b, Location loc, Operation *op, Value x,
                                      ElemInfo xe, Value weight, ElemInfo we,
                                      RankedTensorType resultType, double maxDensity,
                                      bool parallel) {
  auto xt = dyn_cast<RankedTensorType>(x.getType());
  auto wt = dyn_cast<RankedTensorType>(weight.getType());
  if (!xt || !wt || !xt.hasStaticShape() || !resultType.hasStaticShape() || wt.getRank() != 2 ||
      !xe.isUnsigned || we.isUnsigned || !xt.getElementType().isInteger(8) ||
      !resultType.getElementType().isInteger(32))
    return {};
  int64_t N = wt.getDimSize(0), K = wt.getDimSize(1);
  if (N % kGroup || xt.getShape().back() != K)
    return {};
  std::optional<std::vector<char>> w = int8Bytes(weight);
  if (!w)
    return {};
  // Compress: per group of 16 outputs, the quads k4 (inputs 4 k4 .. 4 k4 +
  // 3) with a nonzero weight; a block's bytes output-major, zeros past K.
  int64_t groups = N / kGroup, K4 = (K + kQuad - 1) / kQuad;
  std::vector<int32_t> ptr = {0}, index;
  std::vector<char> values;
  auto at = [&](int64_t n, int64_t k) -> char { return k < K ? (*w)[n * K + k] : 0; };
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t k4 = 0; k4 < K4; ++k4) {
      bool nonzero = false;
      for (int64_t l = 0; l < kGroup && !nonzero; ++l)
        for (int64_t q = 0; q < kQuad && !nonzero; ++q)
          nonzero = at(g * kGroup + l, k4 * kQuad + q) != 0;
      if (!nonzero)
        continue;
      index.push_back((int32_t)k4);
      for (int64_t l = 0; l < kGroup; ++l)
        for (int64_t q = 0; q < kQuad; ++q)
          values.push_back(at(g * kGroup + l, k4 * kQuad + q));
    }
    ptr.push_back((int32_t)index.size());
  }
  if ((double)index.size() > maxDensity * (double)(groups * K4) || index.empty())
    return {};

  Type i8 = b.getIntegerType(8), i32 = b.getI32Type();
  int64_t M = xt.getNumElements() / K;
  Value x2 = reshapeStatic(b, loc, x, RankedTensorType::get({M, K}, i8));
  if (K4 * kQuad != K)
    x2 = padConstant(b, loc, x2, {0, 0}, {0, K4 * kQuad - K},
                     arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, 0)));
  std::string name = sparseName(weight);
  Value ptrT = i32Constant(b, loc, ptr, name + "_ptr");
  Value idxT = i32Constant(b, loc, index, name + "_idx");
  auto valTy = RankedTensorType::get({(int64_t)index.size(), kGroup * kQuad}, i8);
  Value valT = arith::ConstantOp::create(
      b, loc, valTy,
      DenseResourceElementsAttr::get(
          valTy, name, HeapAsmResourceBlob::allocateAndCopyWithAlign(ArrayRef<char>(values), 64)));
  Value y = placeholderCall(b, loc, op, kSparseInt8, {x2, ptrT, idxT, valT},
                            RankedTensorType::get({M, N}, i32), parallel);
  return reshapeStatic(b, loc, y, resultType);
}

namespace {

/// `g`'s body on 16 lanes: `acc` for its input 0, `lanes(i)` for input i;
/// its yielded value.
Value evalBody(OpBuilder &b, Location loc, linalg::GenericOp g, Value acc,
               llvm::function_ref<Value(unsigned)> lanes) {
  Block &body = g.getRegion().front();
  auto vecOf = [](Type t) { return VectorType::get({kGroup}, t); };
  IRMapping map;
  map.map(body.getArgument(0), acc);
  for (unsigned i = 1; i < g.getNumDpsInputs(); ++i)
    map.map(body.getArgument(i), lanes(i));
  cloneOnVectors(b, loc, body, map, vecOf);
  return vectorOf(b, loc, body.getTerminator()->getOperand(0), map, vecOf);
}

/// The elementwise generic that alone consumes `v` (through reshapes) and
/// can be computed on the kernel's accumulators: iteration space [1..., M',
/// N] over all of v's elements, v read as its input 0 with the identity
/// map, every other input read along N contiguously or not at all, a body
/// of elementwise ops not reading its output.
linalg::GenericOp fusableEpilogue(Value v, int64_t M, int64_t N) {
  while (v.hasOneUse()) {
    Operation *user = *v.getUsers().begin();
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(user)) {
      v = user->getResult(0);
      continue;
    }
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (!g || g.getNumDpsInits() != 1 || g.getNumResults() != 1 || !g.hasPureTensorSemantics() ||
        g.getNumParallelLoops() != g.getNumLoops() || g.getDpsInputOperand(0)->get() != v ||
        !g.getIndexingMapsArray()[0].isIdentity())
      return {};
    SmallVector<int64_t> ranges = g.getStaticLoopRanges();
    int64_t r = ranges.size();
    if (r < 2 || ranges[r - 1] != N || ranges[r - 2] != M ||
        llvm::any_of(ArrayRef(ranges).drop_back(2), [](int64_t e) { return e != 1; }))
      return {};
    for (OpOperand *in : g.getDpsInputOperands()) {
      AffineMap m = g.getMatchingIndexingMap(in);
      if (!m.isProjectedPermutation())
        return {};
      std::optional<unsigned> pos = m.getResultPosition(getAffineDimExpr(r - 1, g.getContext()));
      if (pos && *pos != m.getNumResults() - 1)
        return {};
    }
    Block &body = g.getRegion().front();
    if (!body.getArgument(g.getNumDpsInputs()).use_empty())
      return {};
    for (Operation &op : body.without_terminator())
      if (op.getNumResults() != 1 || !isVectorizableBodyOp(op))
        return {};
    return g;
  }
  return {};
}

/// Input i of `g` at row m, columns n .. n + 15 (its other dims 0), as 16
/// lanes: a vector read along N, or one element broadcast.
Value inputLanes(OpBuilder &b, Location loc, linalg::GenericOp g, unsigned i, Value m, Value n) {
  OpOperand *in = g.getDpsInputOperand(i);
  AffineMap map = g.getMatchingIndexingMap(in);
  unsigned r = g.getNumLoops();
  Value c0 = idx(b, loc, 0);
  SmallVector<Value> at;
  bool alongN = false;
  for (AffineExpr e : map.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    alongN |= d == r - 1;
    at.push_back(d == r - 1 ? n : d == r - 2 ? m : c0);
  }
  Type elem = getElementTypeOrSelf(in->get().getType());
  auto vt = VectorType::get({kGroup}, elem);
  if (!alongN)
    return vector::BroadcastOp::create(b, loc, vt,
                                       tensor::ExtractOp::create(b, loc, in->get(), at));
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
  return vector::TransferReadOp::create(b, loc, vt, in->get(), at, pad, ArrayRef<bool>{true});
}

/// One placeholder call of buildSparseLinear / buildSparseInt8Linear as its
/// loops, with its fusable epilogue computed on the accumulators where there
/// is one.
void expandSparse(func::CallOp call, bool int8) {
  OpBuilder b(call);
  Location loc = call.getLoc();
  Value x2 = call.getOperand(0), ptrT = call.getOperand(1), idxT = call.getOperand(2),
        valT = call.getOperand(3);
  Value bias = call.getNumOperands() > 4 ? call.getOperand(4) : Value();
  auto yTy = cast<RankedTensorType>(call.getResult(0).getType());
  int64_t M = yTy.getDimSize(0), N = yTy.getDimSize(1);
  bool parallel = call->hasAttr(kParallel);
  linalg::GenericOp epi = fusableEpilogue(call.getResult(0), M, N);
  Type outElem = epi ? getElementTypeOrSelf(epi.getResult(0).getType()) : yTy.getElementType();
  if (epi)
    b.setInsertionPoint(epi);
  Value y = tensor::EmptyOp::create(b, loc, yTy.getShape(), outElem);
  Value result = emitGroups(
      b, loc, y, ptrT, M, N / kGroup, parallel, kRows,
      [&](OpBuilder &tb, Location l, Value yt, Value lo, Value hi, Value m0, Value n0, Value nAbs,
          int64_t rows) {
        FinishFn finish = nullptr;
        auto apply = [&](OpBuilder &fb, Location fl, Value acc, Value row) -> Value {
          return evalBody(fb, fl, epi, acc,
                          [&](unsigned i) { return inputLanes(fb, fl, epi, i, row, nAbs); });
        };
        if (epi)
          finish = apply;
        if (int8)
          return emitInt8Tile(tb, l, call, yt, x2, lo, hi, idxT, valT, m0, n0, rows, finish);
        return emitTile(tb, l, yt, x2, lo, hi, idxT, valT, bias, m0, n0, nAbs, rows, finish);
      });
  if (epi) {
    epi.getResult(0).replaceAllUsesWith(
        reshapeStatic(b, loc, result, cast<RankedTensorType>(epi.getResult(0).getType())));
    Operation *dead = epi;
    // The epilogue, then the reshapes between it and the call.
    while (dead && dead != call) {
      Operation *next = dead->getOperand(0).getDefiningOp();
      dead->erase();
      dead = next && next->use_empty() ? next : nullptr;
    }
  } else {
    call.getResult(0).replaceAllUsesWith(result);
  }
  call.erase();
}

struct ExpandSparseKernelsPass : autoglm::impl::ExpandSparseKernelsBase<ExpandSparseKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp c) {
      if (c.getCallee().starts_with(kSparseInt8) || c.getCallee().starts_with(kSparseF32))
        calls.push_back(c);
    });
    for (func::CallOp c : calls)
      expandSparse(c, c.getCallee().starts_with(kSparseInt8));
    for (auto f : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (f.isDeclaration() &&
          (f.getSymName().starts_with(kSparseInt8) || f.getSymName().starts_with(kSparseF32)))
        f.erase();
  }
};

} // namespace
