//===- QuantExposeActivations.cpp - autoglm-quant-expose-activations -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "QuantUtils.h"
#include "autoglm/Support/ModelFunction.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>

namespace mlir::autoglm {
#define GEN_PASS_DEF_QUANTEXPOSEACTIVATIONS
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

struct QuantExposeActivationsPass
    : autoglm::impl::QuantExposeActivationsBase<QuantExposeActivationsPass> {
  void runOnOperation() override {
    func::FuncOp func = lookupModelFunction(getOperation(), "main");
    if (!func)
      return signalPassFailure();
    std::map<int64_t, Value> inputs;
    func.walk([&](Operation *op) {
      if (auto id = op->getAttrOfType<IntegerAttr>(kQuantId))
        inputs[id.getInt()] = op->getOperand(0);
    });
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    Builder b(&getContext());
    for (auto &[id, value] : inputs) {
      unsigned index = func.getNumResults();
      if (failed(func.insertResult(
              index, value.getType(),
              b.getDictionaryAttr(b.getNamedAttr(
                  "autoglm.name", b.getStringAttr("autoglm.calib." + std::to_string(id)))))))
        return signalPassFailure();
      ret->insertOperands(ret->getNumOperands(), value);
    }
  }
};

} // namespace
