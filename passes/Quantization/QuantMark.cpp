//===- QuantMark.cpp - autoglm-quant-mark ---------------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "QuantUtils.h"
#include "autoglm/Transforms/Passes.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_QUANTMARK
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

struct QuantMarkPass : autoglm::impl::QuantMarkBase<QuantMarkPass> {
  using QuantMarkBase::QuantMarkBase;
  void runOnOperation() override {
    int64_t id = 0;
    auto i64 = IntegerType::get(&getContext(), 64);
    getOperation().walk([&](Operation *op) {
      if (quantWeightAxis(op) < 0 || fromNodeIn(op, exclude))
        return;
      op->setAttr(kQuantId, IntegerAttr::get(i64, id++));
    });
  }
};

} // namespace
