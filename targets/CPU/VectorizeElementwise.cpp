//===- VectorizeElementwise.cpp - elementwise ops as vector tiles ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// An f32 elementwise linalg.generic is tiled to rows of `width` lanes along
// its innermost dim and each tile vectorized (upstream linalg::vectorize).
// LLVM's loop vectorizer gives up on some of these loops (the polynomial
// expansions of exp / erf / tanh with their clamps and selects, odd extents),
// which then run one element at a time. An innermost extent no width divides
// is split: whole vectors here, the remainder left as a small scalar op.
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"
#include "KernelSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUVECTORIZEELEMENTWISE
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

bool isF32Elementwise(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() != 0 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() == 0 ||
      !op.getIndexingMapsArray().back().isIdentity())
    return false;
  for (OpOperand &o : op->getOpOperands()) {
    auto t = dyn_cast<RankedTensorType>(o.get().getType());
    if (!t || !t.getElementType().isF32() || !t.hasStaticShape() ||
        !op.getMatchingIndexingMap(&o).isProjectedPermutation())
      return false;
  }
  return llvm::all_of(op.getRegion().front().without_terminator(),
                      [](Operation &b) { return autoglm::cpu::isVectorizableBodyOp(b); });
}

struct CPUVectorizeElementwisePass
    : autoglm::impl::CPUVectorizeElementwiseBase<CPUVectorizeElementwisePass> {
  using CPUVectorizeElementwiseBase::CPUVectorizeElementwiseBase;

  void tileAndVectorize(IRRewriter &rw, linalg::GenericOp op, int64_t w) {
    SmallVector<int64_t> sizes(op.getNumLoops(), 1);
    sizes.back() = w;
    auto tiled = autoglm::cpu::tileOp(rw, cast<TilingInterface>(op.getOperation()), sizes,
                                      parallel && autoglm::cpu::staticWork(op) >= minParallelWork);
    if (failed(tiled))
      return;
    for (Operation *t : *tiled) {
      rw.setInsertionPoint(t);
      auto vec = linalg::vectorize(rw, t);
      if (succeeded(vec))
        rw.replaceOp(t, vec->replacements);
    }
  }

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isF32Elementwise(op) && op.getStaticLoopRanges().back() >= width)
        ops.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (linalg::GenericOp op : ops) {
      int64_t e = op.getStaticLoopRanges().back();
      if (e % width == 0) {
        tileAndVectorize(rw, op, width);
        continue;
      }
      rw.setInsertionPoint(op);
      auto [head, tail] = linalg::splitOp(rw, cast<TilingInterface>(op.getOperation()),
                                          op.getNumLoops() - 1,
                                          rw.getIndexAttr(e / width * width));
      if (head)
        tileAndVectorize(rw, cast<linalg::GenericOp>(head.getOperation()), width);
    }
  }
};

} // namespace
