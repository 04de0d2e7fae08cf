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
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

constexpr int64_t kGroup = 16; // outputs per block (one f32 vector of AVX-512)
constexpr int64_t kRows = 8;   // rows of x per register tile

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

/// Rows [m0, m0 + rows) of y (groups of 16 outputs starting at n0) +=
/// x · blocks ptr[g] .. ptr[g + 1]; returns the updated y.
Value emitTile(OpBuilder &b, Location loc, Value y, Value x, Value ptrLo, Value ptrHi, Value idxT,
               Value valT, Value m0, Value n0, int64_t rows) {
  auto vecTy = VectorType::get({kGroup}, b.getF32Type());
  Value c0 = idx(b, loc, 0);
  // An explicit padding (never read: the transfers are in bounds); the
  // default would be ub.poison, which this conversion does not admit.
  Value pad = scalarConst(b, loc, b.getF32Type(), 0.0);
  SmallVector<Value> rowIdx, accs;
  for (int64_t r = 0; r < rows; ++r) {
    rowIdx.push_back(r == 0 ? m0 : arith::AddIOp::create(b, loc, m0, idx(b, loc, r)));
    accs.push_back(vector::TransferReadOp::create(b, loc, vecTy, y, ValueRange{rowIdx[r], n0}, pad,
                                                  ArrayRef<bool>{true}));
  }
  auto loop = scf::ForOp::create(
      b, loc, ptrLo, ptrHi, idx(b, loc, 1), accs,
      [&](OpBuilder &nb, Location l, Value j, ValueRange acc) {
        Value k = arith::IndexCastOp::create(nb, l, nb.getIndexType(),
                                             tensor::ExtractOp::create(nb, l, idxT, ValueRange{j}));
        Value w = vector::TransferReadOp::create(nb, l, vecTy, valT, ValueRange{j, c0}, pad,
                                                 ArrayRef<bool>{true});
        SmallVector<Value> next;
        for (int64_t r = 0; r < rows; ++r) {
          Value xs = tensor::ExtractOp::create(nb, l, x, ValueRange{rowIdx[r], k});
          Value xb = vector::BroadcastOp::create(nb, l, vecTy, xs);
          next.push_back(vector::FMAOp::create(nb, l, xb, w, acc[r]));
        }
        scf::YieldOp::create(nb, l, next);
      });
  for (int64_t r = 0; r < rows; ++r)
    y = vector::TransferWriteOp::create(b, loc, loop.getResult(r), y, ValueRange{rowIdx[r], n0},
                                        ArrayRef<bool>{true})
            .getResult();
  return y;
}

} // namespace

Value lowering::buildSparseLinear(OpBuilder &b, Location loc, Value x, Value weight, Value bias,
                                  RankedTensorType resultType, double maxDensity, bool parallel) {
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
  auto x2Ty = RankedTensorType::get({M, K}, b.getF32Type());
  auto y2Ty = RankedTensorType::get({M, N}, b.getF32Type());
  Value x2 = reshapeStatic(b, loc, x, x2Ty);
  std::string name = "sparse_weight";
  if (auto c = weight.getDefiningOp<arith::ConstantOp>())
    if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue()))
      name = res.getRawHandle().getKey().str() + "_sparse";
  Value ptrT = i32Constant(b, loc, ptr, name + "_ptr");
  Value idxT = i32Constant(b, loc, index, name + "_idx");
  Value valT = floatConstant(b, loc, {(int64_t)index.size(), kGroup}, values, name);

  // y starts as the bias (or zeros), broadcast over the rows.
  Value y;
  if (bias) {
    Value biasT = floatConstant(b, loc, {N}, biasValues, name + "_bias");
    y = buildElementwise(b, loc, y2Ty, {biasT},
                         [](OpBuilder &, Location, ValueRange v) { return v[0]; });
  } else {
    y = fillTensor(b, loc, y2Ty, scalarConst(b, loc, b.getF32Type(), 0.0));
  }
  // One group: rows in 8-row tiles, then the rest one at a time, into `yg`
  // (whose columns start at `n0`).
  int64_t full = M / kRows * kRows;
  auto group = [&](OpBuilder &gb, Location l, Value g, Value yg, Value n0) -> Value {
    Value lo = arith::IndexCastOp::create(gb, l, gb.getIndexType(),
                                          tensor::ExtractOp::create(gb, l, ptrT, g));
    Value g1 = arith::AddIOp::create(gb, l, g, idx(gb, l, 1));
    Value hi = arith::IndexCastOp::create(gb, l, gb.getIndexType(),
                                          tensor::ExtractOp::create(gb, l, ptrT, g1));
    for (auto [start, end, rows] :
         {std::make_tuple((int64_t)0, full, kRows), std::make_tuple(full, M, (int64_t)1)}) {
      if (start == end)
        continue;
      auto rowLoop = scf::ForOp::create(
          gb, l, idx(gb, l, start), idx(gb, l, end), idx(gb, l, rows), ValueRange{yg},
          [&, rows = rows](OpBuilder &rb, Location rl, Value m0, ValueRange ym) {
            scf::YieldOp::create(rb, rl,
                                 emitTile(rb, rl, ym[0], x2, lo, hi, idxT, valT, m0, n0, rows));
          });
      yg = rowLoop.getResult(0);
    }
    return yg;
  };
  Value result;
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
    Value tile = group(b, loc, g, slice, idx(b, loc, 0));
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, tile, forall.getRegionIterArgs()[0], offsets,
                                          sizes, strides);
    result = forall.getResult(0);
  } else {
    auto groupLoop =
        scf::ForOp::create(b, loc, idx(b, loc, 0), idx(b, loc, groups), idx(b, loc, 1),
                           ValueRange{y}, [&](OpBuilder &gb, Location l, Value g, ValueRange yg) {
                             Value n0 = arith::MulIOp::create(gb, l, g, idx(gb, l, kGroup));
                             scf::YieldOp::create(gb, l, group(gb, l, g, yg[0], n0));
                           });
    result = groupLoop.getResult(0);
  }
  return reshapeStatic(b, loc, result, resultType);
}
