//===- VectorizeConvolutions.cpp - outer-product conv kernels -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A multiply-accumulate linalg.generic whose operands split into a "vector"
// side W (its last dim is a parallel dim V of the output, and it does not
// depend on a second output dim R) and a "broadcast" side X (depends on R,
// not on V, through any affine expression) is computed as a register tile of
// `rows` values of R by `width` values of V:
//
//   acc[rows][width] = C tile
//   for every reduction point p:          (all reduction dims, in order)
//     w = W[.., p, v0 : v0 + width]       (one contiguous vector read)
//     x[i] = X[f(r0 + i, p)]              (rows scalars, any affine index)
//     acc += outer(x, w)                  (rows x width FMAs)
//   C tile = acc
//
// A convolution lowered with channels-last weights ([Cg, K..., G, Mg]) is
// exactly this with V = output channel and R = output width, whatever the
// stride, dilation or padding: X's index ow * s + kw * d is a scalar address.
// Matmul-like ops the contraction kernels did not take (extents their tile
// does not divide) match too, with R = m and V = n.
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"
#include "Kernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUVECTORIZECONVOLUTIONS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

/// Loop positions of the kernel's dims and which input is which side.
struct KernelDims {
  unsigned v, r;         // vector dim, row dim
  unsigned wIdx, xIdx;   // input operand numbers of the vector / broadcast side
};

} // namespace

bool mlir::autoglm::cpu::isF32Mac(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics())
    return false;
  auto outTy = dyn_cast<RankedTensorType>(op.getDpsInitOperand(0)->get().getType());
  if (!outTy || !outTy.getElementType().isF32())
    return false;
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body.getArgument(2);
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  auto mul = (add.getLhs() == acc ? add.getRhs() : add.getLhs()).getDefiningOp<arith::MulFOp>();
  Value a = body.getArgument(0), b = body.getArgument(1);
  return mul && ((mul.getLhs() == a && mul.getRhs() == b) ||
                 (mul.getLhs() == b && mul.getRhs() == a));
}

namespace {

std::optional<KernelDims> matchKernel(linalg::GenericOp op) {
  if (!autoglm::cpu::isF32Mac(op) || op.getNumReductionLoops() == 0)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap c = maps[2];
  auto iters = op.getIteratorTypesArray();
  if (!c.isProjectedPermutation())
    return std::nullopt;
  // Every parallel dim is an output dim (tiles of 1 or the kernel's).
  for (unsigned d = 0; d < iters.size(); ++d)
    if (iters[d] == utils::IteratorType::parallel && !c.isFunctionOfDim(d))
      return std::nullopt;
  for (unsigned w = 0; w < 2; ++w) {
    AffineMap wm = maps[w], xm = maps[1 - w];
    if (!wm.isProjectedPermutation() || wm.getNumResults() == 0)
      continue;
    auto last = dyn_cast<AffineDimExpr>(wm.getResult(wm.getNumResults() - 1));
    if (!last)
      continue;
    unsigned v = last.getPosition();
    if (iters[v] != utils::IteratorType::parallel || xm.isFunctionOfDim(v))
      continue;
    // R: the output dim latest in C's layout that X reads and W does not.
    std::optional<unsigned> r;
    for (AffineExpr e : c.getResults()) {
      unsigned d = cast<AffineDimExpr>(e).getPosition();
      if (d != v && xm.isFunctionOfDim(d) && !wm.isFunctionOfDim(d))
        r = d;
    }
    if (r)
      return KernelDims{v, *r, w, 1 - w};
  }
  return std::nullopt;
}

/// Replaces the tiled op `t` (V and R at the kernel's extents, other parallel
/// dims 1) by the register-tile loop nest.
void emitKernel(IRRewriter &rw, linalg::GenericOp t, const KernelDims &d) {
  Location loc = t.getLoc();
  MLIRContext *ctx = rw.getContext();
  rw.setInsertionPoint(t);
  SmallVector<int64_t> ranges = t.getStaticLoopRanges();
  SmallVector<AffineMap> maps = t.getIndexingMapsArray();
  int64_t width = ranges[d.v], rows = ranges[d.r];
  Type f32 = rw.getF32Type();
  Value wIn = t.getDpsInputOperand(d.wIdx)->get();
  Value xIn = t.getDpsInputOperand(d.xIdx)->get();
  Value cIn = t.getDpsInitOperand(0)->get();
  auto cTy = cast<RankedTensorType>(cIn.getType());

  // The C tile as a 2-D tensor ([width, rows] or [rows, width] in C's order).
  AffineMap cm = maps[2];
  unsigned posV = *cm.getResultPosition(getAffineDimExpr(d.v, ctx));
  unsigned posR = *cm.getResultPosition(getAffineDimExpr(d.r, ctx));
  bool vFirst = posV < posR;
  SmallVector<OpFoldResult> zeros(cTy.getRank(), rw.getIndexAttr(0)),
      ones(cTy.getRank(), rw.getIndexAttr(1)), sizes(cTy.getRank(), rw.getIndexAttr(1));
  sizes[posV] = rw.getIndexAttr(width);
  sizes[posR] = rw.getIndexAttr(rows);
  auto c2Ty = RankedTensorType::get(vFirst ? ArrayRef<int64_t>{width, rows}
                                           : ArrayRef<int64_t>{rows, width},
                                    f32);
  Value c2 = tensor::ExtractSliceOp::create(rw, loc, c2Ty, cIn, zeros, sizes, ones);
  Value c0 = arith::ConstantIndexOp::create(rw, loc, 0);
  Value pad = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0.0f));
  auto accTy = VectorType::get({rows, width}, f32);
  auto c2VecTy = VectorType::get(c2Ty.getShape(), f32);
  Value acc = vector::TransferReadOp::create(rw, loc, c2VecTy, c2, ValueRange{c0, c0}, pad,
                                             ArrayRef<bool>{true, true});
  if (vFirst)
    acc = vector::TransposeOp::create(rw, loc, acc, ArrayRef<int64_t>{1, 0});

  // The reduction loops, in the op's order, carrying the accumulator.
  SmallVector<unsigned> red;
  auto iters = t.getIteratorTypesArray();
  for (unsigned i = 0; i < iters.size(); ++i)
    if (iters[i] == utils::IteratorType::reduction)
      red.push_back(i);
  SmallVector<Value> lbs, ubs, steps;
  Value c1 = arith::ConstantIndexOp::create(rw, loc, 1);
  for (unsigned i : red) {
    lbs.push_back(c0);
    ubs.push_back(arith::ConstantIndexOp::create(rw, loc, ranges[i]));
    steps.push_back(c1);
  }
  auto wVecTy = VectorType::get({width}, f32);
  auto xVecTy = VectorType::get({rows}, f32);
  scf::LoopNest nest = scf::buildLoopNest(
      rw, loc, lbs, ubs, steps, ValueRange{acc},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) -> scf::ValueVector {
        SmallVector<OpFoldResult> point(ranges.size(), b.getIndexAttr(0));
        for (auto [i, rd] : llvm::enumerate(red))
          point[rd] = ivs[i];
        auto indices = [&](AffineMap map) {
          SmallVector<Value> idx;
          for (AffineExpr e : map.getResults())
            idx.push_back(getValueOrCreateConstantIndexOp(
                b, l,
                affine::makeComposedFoldedAffineApply(
                    b, l, AffineMap::get(map.getNumDims(), 0, e, b.getContext()), point)));
          return idx;
        };
        Value wv = vector::TransferReadOp::create(b, l, wVecTy, wIn, indices(maps[d.wIdx]), pad,
                                                  ArrayRef<bool>{true});
        SmallVector<Value> xs;
        for (int64_t i = 0; i < rows; ++i) {
          point[d.r] = b.getIndexAttr(i);
          xs.push_back(tensor::ExtractOp::create(b, l, xIn, indices(maps[d.xIdx])));
        }
        Value xv = vector::FromElementsOp::create(b, l, xVecTy, xs);
        return {vector::OuterProductOp::create(b, l, accTy, xv, wv, args[0]).getResult()};
      });
  Value res = nest.results.front();
  if (vFirst)
    res = vector::TransposeOp::create(rw, loc, res, ArrayRef<int64_t>{1, 0});
  Value c2New = vector::TransferWriteOp::create(rw, loc, res, c2, ValueRange{c0, c0},
                                                ArrayRef<bool>{true, true})
                    .getResult();
  Value cNew = tensor::InsertSliceOp::create(rw, loc, c2New, cIn, zeros, sizes, ones);
  rw.replaceOp(t, cNew);
}

struct CPUVectorizeConvolutionsPass
    : autoglm::impl::CPUVectorizeConvolutionsBase<CPUVectorizeConvolutionsPass> {
  using CPUVectorizeConvolutionsBase::CPUVectorizeConvolutionsBase;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, KernelDims>> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (auto d = matchKernel(op))
        ops.push_back({op, *d});
    });
    IRRewriter rw(&getContext());
    for (auto [op, d] : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic))
        continue;
      int64_t width = 0;
      for (int64_t w : {(int64_t)vectorWidth, (int64_t)vectorWidth / 2, (int64_t)vectorWidth / 4})
        if (w >= 1 && ranges[d.v] % w == 0) {
          width = w;
          break;
        }
      if (!width)
        continue;
      // About `accumulators` registers of 16 lanes: rows x width / 16.
      int64_t maxRows = std::max<int64_t>(1, accumulators * 16 / std::max<int64_t>(width, 16));
      int64_t rowTile = 1;
      for (int64_t r = std::min(maxRows, ranges[d.r]); r >= 1; --r)
        if (ranges[d.r] % r == 0) {
          rowTile = r;
          break;
        }
      auto iters = op.getIteratorTypesArray();
      SmallVector<int64_t> sizes(ranges.size(), 0);
      for (unsigned i = 0; i < ranges.size(); ++i)
        if (iters[i] == utils::IteratorType::parallel)
          sizes[i] = 1;
      sizes[d.v] = width;
      sizes[d.r] = rowTile;
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
      rw.setInsertionPoint(op);
      auto tiled = scf::tileUsingSCF(rw, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      rw.replaceOp(op, tiled->replacements);
      for (Operation *t : tiled->tiledOps)
        emitKernel(rw, cast<linalg::GenericOp>(t), d);
    }
  }
};

} // namespace
