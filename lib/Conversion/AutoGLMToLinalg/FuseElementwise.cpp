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

/// Fuse `operand`'s producer into its owner? The producer must have one use
/// (else it is computed twice), and a consumer with reduction loops must
/// read each element once.
bool shouldFuse(OpOperand *operand) {
  Operation *producer = operand->get().getDefiningOp();
  if (!producer || !producer->hasOneUse())
    return false;
  if (bodySize(producer) + bodySize(operand->getOwner()) > kMaxFusedBodyOps)
    return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
  if (!consumer || consumer.getNumReductionLoops() == 0)
    return true;
  return consumer.getMatchingIndexingMap(operand).isPermutation();
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
