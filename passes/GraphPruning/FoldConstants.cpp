//===- FoldConstants.cpp - autoglm-fold-constants --------------------- -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_FOLDCONSTANTS
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

int64_t resultElements(Operation *op) {
  int64_t n = 0;
  for (Type t : op->getResultTypes()) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt || !rt.hasStaticShape())
      return -1;
    n += rt.getNumElements();
  }
  return n;
}

struct FoldConstantsPass : autoglm::impl::FoldConstantsBase<FoldConstantsPass> {
  using FoldConstantsBase::FoldConstantsBase;
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<AutoGLMDialect>(op->getDialect()) && !isa<ConstantOp>(op))
        ops.push_back(op);
    });
    OpBuilder b(&getContext());
    int64_t count = 0;
    for (Operation *op : ops) {
      int64_t n = resultElements(op);
      if (n < 0 || n > maxElements)
        continue;
      SmallVector<Attribute> operands;
      for (Value v : op->getOperands()) {
        auto c = v.getDefiningOp<ConstantOp>();
        operands.push_back(c ? c.getValue() : Attribute());
      }
      SmallVector<OpFoldResult> folded;
      if (failed(op->fold(operands, folded)) || folded.size() != op->getNumResults())
        continue;
      // Only results the op computes as constants; identities are pruning.
      if (!llvm::all_of(folded, [](OpFoldResult r) { return isa<Attribute>(r); }))
        continue;
      b.setInsertionPoint(op);
      SmallVector<Value> repl;
      for (auto [r, res] : llvm::zip(folded, op->getResults())) {
        auto attr = dyn_cast<ElementsAttr>(cast<Attribute>(r));
        if (!attr || attr.getType() != res.getType())
          break;
        repl.push_back(ConstantOp::create(b, op->getLoc(), attr));
      }
      if (repl.size() != op->getNumResults()) {
        for (Value v : repl)
          v.getDefiningOp()->erase();
        continue;
      }
      op->replaceAllUsesWith(repl);
      op->erase();
      ++count;
    }
    recordCount(getOperation(), "ops folded to constants", count);
  }
};

} // namespace
