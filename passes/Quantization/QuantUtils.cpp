//===- QuantUtils.cpp - what the quantization passes share ---------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "QuantUtils.h"

using namespace mlir;
using namespace mlir::autoglm;

int64_t mlir::autoglm::quantWeightAxis(Operation *op) {
  if (!isa<ConvOp, LinearOp, MatMulOp>(op))
    return -1;
  auto x = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto w = op->getOperand(1).getDefiningOp<ConstantOp>();
  if (!x || !x.getElementType().isF32() || !w || !w.getType().getElementType().isF32() ||
      !w.getType().hasStaticShape())
    return -1;
  if (isa<MatMulOp>(op))
    return w.getType().getRank() == 2 ? 1 : -1;
  // Grouped and depthwise convolutions stay f32: no int8 kernel takes them
  // yet, and as widened int32 loops they would run slower than f32.
  if (auto conv = dyn_cast<ConvOp>(op); conv && conv.getGroup() != 1)
    return -1;
  return 0;
}

std::string mlir::autoglm::nodeName(Operation *op) {
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (auto n = dyn_cast<NameLoc>(l))
        return n.getName().str();
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  return "";
}

bool mlir::autoglm::fromNodeIn(Operation *op, ArrayRef<std::string> names) {
  bool found = false;
  op->getLoc()->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l))
      found |= llvm::is_contained(names, n.getName().str());
    return WalkResult::advance();
  });
  return found;
}
