//===- PruneGraph.cpp - autoglm-prune-graph --------------------------- -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_PRUNEGRAPH
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// pad by zeros everywhere is a no-op.
struct RemoveNoOpPad : OpRewritePattern<PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PadOp op, PatternRewriter &rw) const override {
    if (op.getInput().getType() != op.getType() ||
        llvm::any_of(op.getPads(), [](int64_t p) { return p != 0; }))
      return failure();
    rw.replaceOp(op, op.getInput());
    return success();
  }
};

/// tile by all-ones repeats and slices covering everything are no-ops.
struct RemoveNoOpTile : OpRewritePattern<TileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TileOp op, PatternRewriter &rw) const override {
    // All repeats 1 (equal open types say nothing about the repeats).
    if (op.getInput().getType() != op.getType() ||
        llvm::any_of(op.getRepeats(), [](int64_t r) { return r != 1; }))
      return failure();
    rw.replaceOp(op, op.getInput());
    return success();
  }
};

int64_t countOps(Operation *root) {
  int64_t n = 0;
  root->walk([&](Operation *op) { n += isa<AutoGLMDialect>(op->getDialect()); });
  return n;
}

struct PruneGraphPass : autoglm::impl::PruneGraphBase<PruneGraphPass> {
  void runOnOperation() override {
    int64_t before = countOps(getOperation());
    // The greedy driver applies every op's folder (identities, transpose and
    // reshape chains) and erases dead ops, unused constants included.
    RewritePatternSet patterns(&getContext());
    patterns.add<RemoveNoOpPad, RemoveNoOpTile>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    OpPassManager cse("builtin.module");
    cse.addPass(createCSEPass());
    if (failed(runPipeline(cse, getOperation())))
      return signalPassFailure();
    recordCount(getOperation(), "ops pruned", before - countOps(getOperation()));
  }
};

} // namespace
