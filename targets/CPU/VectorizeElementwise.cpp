//===- VectorizeElementwise.cpp - elementwise ops as vector tiles ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// An elementwise linalg.generic on f32 (or 8- to 32-bit integers) is tiled to rows of `width` lanes
// along its innermost dim and each tile vectorized (upstream linalg::vectorize). LLVM's loop
// vectorizer gives up on some of these loops (the polynomial expansions of exp / erf / tanh with
// their clamps and selects, odd extents), which then run one element at a time. An innermost extent
// no width divides is split: whole vectors, then one narrower vector per row for a remainder of 4
// lanes or more (a shorter one stays a small scalar op).
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"
#include "KernelSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUVECTORIZEELEMENTWISE
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

/// f32 operands, and the 8- to 32-bit integers around int8 contractions
/// (quantize's uint8 result, the int32 accumulator's zero-point
/// correction and conversion).
bool isLaneType(Type t) {
  return t.isF32() || t.isInteger(8) || t.isInteger(16) || t.isInteger(32);
}

/// Every input read through a projected permutation without broadcast
/// zeros (what collapsing dims and 2-D tiles take).
bool plainMaps(linalg::GenericOp op) {
  return llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); });
}

bool isVectorElementwise(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() != 0 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() == 0 ||
      !op.getIndexingMapsArray().back().isIdentity())
    return false;
  for (OpOperand &o : op->getOpOperands()) {
    auto t = dyn_cast<RankedTensorType>(o.get().getType());
    if (!t || !isLaneType(t.getElementType()) || !t.hasStaticShape() ||
        !op.getMatchingIndexingMap(&o).isProjectedPermutation(/*allowZeroInResults=*/true))
      return false;
  }
  return llvm::all_of(op.getRegion().front().without_terminator(),
                      [](Operation &b) { return autoglm::cpu::isVectorizableBodyOp(b); });
}

/// A read through a permutation (vector dims in another order than the
/// source's) becomes a read in the source's order and a vector.transpose:
/// rows along the source's innermost dim are whole vector loads.
struct ReadInSourceOrder : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransferReadOp op, PatternRewriter &rw) const override {
    AffineMap map = op.getPermutationMap();
    if (op.getMask() || !map.isProjectedPermutation() || map.getNumResults() < 2 ||
        llvm::any_of(op.getInBoundsValues(), [](bool b) { return !b; }))
      return failure();
    SmallVector<int64_t> order(map.getNumResults());
    for (unsigned i = 0; i < order.size(); ++i)
      order[i] = i;
    auto pos = [&](int64_t i) { return map.getDimPosition(i); };
    llvm::stable_sort(order, [&](int64_t a, int64_t b) { return pos(a) < pos(b); });
    if (llvm::is_sorted(order))
      return failure();
    SmallVector<AffineExpr> exprs;
    SmallVector<int64_t> shape;
    for (int64_t i : order) {
      exprs.push_back(map.getResult(i));
      shape.push_back(op.getVectorType().getDimSize(i));
    }
    auto sorted = AffineMap::get(map.getNumDims(), 0, exprs, rw.getContext());
    auto type = VectorType::get(shape, op.getVectorType().getElementType());
    Value read = vector::TransferReadOp::create(
        rw, op.getLoc(), type, op.getBase(), op.getIndices(), AffineMapAttr::get(sorted),
        op.getPadding(), Value(), rw.getBoolArrayAttr(SmallVector<bool>(order.size(), true)));
    // Result dim i is read dim k where order[k] == i.
    SmallVector<int64_t> perm(order.size());
    for (unsigned k = 0; k < order.size(); ++k)
      perm[order[k]] = k;
    rw.replaceOpWithNewOp<vector::TransposeOp>(op, read, perm);
    return success();
  }
};

struct CPUVectorizeElementwisePass
    : autoglm::impl::CPUVectorizeElementwiseBase<CPUVectorizeElementwisePass> {
  using CPUVectorizeElementwiseBase::CPUVectorizeElementwiseBase;

  /// Tiles of `w` along the innermost dim (and `w2` along the one before
  /// it), each vectorized.
  /// `work`: the iterations that decide on threads (default: the op's).
  /// `sinkTransposes`: the tile's operands are read in their own order
  /// (rows along their innermost dim) and computed on so; one transpose
  /// before the write puts the result in the output's order.
  void tileAndVectorize(IRRewriter &rw, linalg::GenericOp op, int64_t w, int64_t w2 = 1,
                        int64_t work = 0, bool sinkTransposes = false) {
    SmallVector<int64_t> sizes(op.getNumLoops(), 1);
    sizes.back() = w;
    if (sizes.size() > 1)
      sizes[sizes.size() - 2] = w2;
    if (!work)
      work = autoglm::cpu::staticWork(op);
    auto tiled = autoglm::cpu::tileOp(rw, cast<TilingInterface>(op.getOperation()), sizes,
                                      parallel && work >= minParallelWork);
    if (failed(tiled))
      return;
    for (Operation *t : *tiled) {
      rw.setInsertionPoint(t);
      Operation *loop = t->getParentOp();
      auto vec = linalg::vectorize(rw, t);
      if (failed(vec))
        continue;
      rw.replaceOp(t, vec->replacements);
      if (!sinkTransposes)
        continue;
      // A read through a permutation becomes a plain read and a transpose
      // (here: rows of 16 f32 along W, four of them); elementwise ops then
      // take the transpose's input, and the one transpose left is the
      // result's (16 x 4 bytes: one shuffle), not 16 narrow vectors of 4
      // lanes each computed alone.
      RewritePatternSet patterns(&getContext());
      vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
      patterns.add<ReadInSourceOrder>(&getContext());
      vector::populateSinkVectorOpsPatterns(patterns);
      vector::TransposeOp::getCanonicalizationPatterns(patterns, &getContext());
      (void)applyPatternsGreedily(loop, std::move(patterns));
    }
  }

  /// Elementwise ops of more than one dim, inputs read through plain
  /// projected permutations, whose innermost extent is under a vector.
  SmallVector<linalg::GenericOp> narrowOps() {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isVectorElementwise(op) && plainMaps(op) && op.getNumLoops() > 1 &&
          op.getStaticLoopRanges().back() < width)
        ops.push_back(op);
    });
    return ops;
  }

  void runOnOperation() override {
    IRRewriter rw(&getContext());
    // An innermost extent shorter than a vector (a [.., K/4, 4] view that
    // canonicalization pushed into the producer of an int8 contraction's
    // input): the trailing dims every operand reads in the same order are
    // collapsed into one.
    for (linalg::GenericOp op : narrowOps()) {
      // The longest run of trailing dims that every operand reads in order
      // (an input broadcast along a leading dim keeps the ones after it).
      for (unsigned k = 0; k + 1 < op.getNumLoops(); ++k)
        if (autoglm::cpu::collapseTrailingLoops(rw, op, k))
          break;
    }
    // Still narrow (a quantize writing the [N, C/4, H, W, 4] relayout reads
    // its input along W): 2-D tiles of the innermost dim whole by up to
    // `width` of the one before.
    for (linalg::GenericOp op : narrowOps()) {
      SmallVector<int64_t> r = op.getStaticLoopRanges();
      int64_t inner = r.back(), outer = r[r.size() - 2];
      for (int64_t w2 = width; w2 >= 2; w2 /= 2)
        if (outer % w2 == 0) {
          tileAndVectorize(rw, op, inner, w2, 0, /*sinkTransposes=*/true);
          break;
        }
    }
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isVectorElementwise(op) && op.getStaticLoopRanges().back() >= width)
        ops.push_back(op);
    });
    for (linalg::GenericOp op : ops) {
      int64_t e = op.getStaticLoopRanges().back();
      if (e % width == 0) {
        tileAndVectorize(rw, op, width);
        continue;
      }
      // A remainder of 4 lanes or more is one narrower vector per row, on
      // the threads when the whole op is (left scalar, LLVM vectorized it
      // across rows with gathers and scatters, serially: a ReLU over
      // 64x55x55 after a Winograd crop spent 7 of its 55 columns there).
      // A shorter one stays a scalar op: across rows (the 65th key of a
      // softmax's exp) LLVM's gathers beat one-lane vectors.
      int64_t work = autoglm::cpu::staticWork(op);
      rw.setInsertionPoint(op);
      auto [head, tail] = linalg::splitOp(rw, cast<TilingInterface>(op.getOperation()),
                                          op.getNumLoops() - 1,
                                          rw.getIndexAttr(e / width * width));
      if (head)
        tileAndVectorize(rw, cast<linalg::GenericOp>(head.getOperation()), width, 1, work);
      if (tail && e % width >= 4)
        tileAndVectorize(rw, cast<linalg::GenericOp>(tail.getOperation()), e % width, 1, work);
    }
  }
};

} // namespace
