//===- FuseElementwise.cpp - elementwise fusion that never recomputes ----===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "autoglm/Conversion/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

/// A fused body stops growing past this many ops. Each fusion clones the
/// producer's body into a new op, so fusing a chain of n elementwise ops
/// into one kernel costs O(n^2): a 10,000-node Add/Relu/Mul chain spent 19 s
/// here (docs/fuzzing.md, "Resource limits and external data"). Capped, the
/// chain becomes kernels of at most this many ops, in O(n). Real fusions
/// (an expanded GELU, a layer norm's epilogue) are far smaller.
constexpr size_t kMaxFusedBodyOps = 256;

size_t bodySize(Operation *op) {
  if (op->getNumRegions() == 0 || op->getRegion(0).empty())
    return 0;
  return op->getRegion(0).front().getOperations().size();
}

/// True if `v` is a contraction's result (a linalg op with reduction
/// loops) or an elementwise chain's over one, seen through reshapes
/// (`depth` bounds the walk).
bool isContractionResult(Value v, int depth = 16) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def)) {
      v = def->getOperand(0);
      continue;
    }
    auto l = dyn_cast<linalg::LinalgOp>(def);
    if (!l)
      return false;
    if (l.getNumReductionLoops() > 0)
      return true;
    return depth > 0 && llvm::any_of(l.getDpsInputs(),
                                     [&](Value in) { return isContractionResult(in, depth - 1); });
  }
  return false;
}

/// Fuse `operand`'s producer into its owner? The producer must have one use
/// (else it is computed twice), and a consumer with reduction loops must
/// read each element once. A contraction's 8-bit epilogue (an elementwise
/// chain from its result to the next layer's quantize) stays out of a
/// consumer that reads it transposed (an 8-bit conv's relayout of its
/// input): the register kernels compute such an epilogue on their
/// accumulator tile, in the contraction's layout, and write bytes; fused
/// into the relayout it would be a pass of its own over the wider
/// accumulator.
bool shouldFuse(OpOperand *operand) {
  Operation *producer = operand->get().getDefiningOp();
  if (!producer || !producer->hasOneUse())
    return false;
  // A constant's collapse (a per-channel [1, C, 1, 1] scale read as [1, C])
  // is not propagated into its consumer: expanding the consumer to fold it
  // would split its channel dim into [C, 1, 1], and an epilogue so reshaped
  // no longer has its contraction's shape (the kernels then write the
  // accumulator and run the epilogue as a pass of its own).
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(producer);
      collapse && isa<linalg::LinalgOp>(operand->getOwner()) && collapse.getSrc().getDefiningOp() &&
      collapse.getSrc().getDefiningOp()->hasTrait<OpTrait::ConstantLike>())
    return false;
  if (bodySize(producer) + bodySize(operand->getOwner()) > kMaxFusedBodyOps)
    return false;
  auto isEpilogue = [&] {
    auto g = dyn_cast<linalg::GenericOp>(producer);
    return g && g.getNumReductionLoops() == 0 &&
           getElementTypeOrSelf(g->getResult(0).getType()).isInteger(8) &&
           llvm::any_of(g.getDpsInputs(), [](Value in) { return isContractionResult(in); });
  };
  // (Nor is such an epilogue reshaped to the relayout's view: it keeps the
  // contraction's shape.)
  if (isa<tensor::ExpandShapeOp>(operand->getOwner()) && isEpilogue())
    return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
  if (!consumer)
    return true;
  AffineMap read = consumer.getMatchingIndexingMap(operand);
  if (read.isPermutation() && !read.isIdentity() && isEpilogue())
    return false;
  if (consumer.getNumReductionLoops() == 0)
    return true;
  return read.isPermutation();
}

struct FuseElementwisePass
    : autoglm::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, shouldFuse);
    linalg::populateConstantFoldLinalgOperations(patterns, shouldFuse);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
