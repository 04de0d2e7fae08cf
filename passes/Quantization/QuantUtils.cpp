//===- QuantUtils.cpp - what the quantization passes share ---------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "QuantUtils.h"

#include <algorithm>

#include "mlir/IR/DialectResourceBlobManager.h"

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
  // Depthwise convolutions (one input channel per output channel) have
  // their own 8-bit form; other grouped ones stay f32 (as widened int32
  // loops they would run slower than f32).
  if (auto conv = dyn_cast<ConvOp>(op); conv && conv.getGroup() != 1) {
    ArrayRef<int64_t> ws = w.getType().getShape();
    if (x.getRank() < 3 || x.isDynamicDim(1) || conv.getGroup() != x.getDimSize(1) ||
        ws[0] != conv.getGroup() || ws[1] != 1)
      return -1;
  }
  return 0;
}

PerChannelInt8 mlir::autoglm::quantizePerChannel(ArrayRef<float> w, ArrayRef<int64_t> shape,
                                                 int64_t axis) {
  PerChannelInt8 r;
  int64_t channels = shape[axis];
  for (int64_t d = axis + 1; d < (int64_t)shape.size(); ++d)
    r.inner *= shape[d];
  r.scale.assign(channels, 1.0f);
  std::vector<double> absMax(channels, 0.0);
  for (size_t i = 0; i < w.size(); ++i) {
    int64_t c = (int64_t)(i / r.inner) % channels;
    absMax[c] = std::max(absMax[c], (double)std::fabs(w[i]));
  }
  for (int64_t c = 0; c < channels; ++c)
    if (absMax[c] > 0)
      r.scale[c] = (float)(absMax[c] / 127.0);
  r.q.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    float s = r.scale[r.channelOf(i)];
    double v = std::clamp((double)std::nearbyint(w[i] / s), -127.0, 127.0);
    r.q[i] = (int8_t)v;
    r.signal += (double)w[i] * w[i];
    r.noise += (w[i] - v * s) * (w[i] - v * s);
  }
  return r;
}

Value mlir::autoglm::scalarConstant(OpBuilder &b, Location loc, Type elem, double v) {
  Attribute a = isa<FloatType>(elem) ? (Attribute)b.getFloatAttr(elem, v)
                                     : (Attribute)b.getIntegerAttr(elem, (int64_t)v);
  return ConstantOp::create(b, loc, DenseElementsAttr::get(RankedTensorType::get({}, elem), a));
}

ActParams mlir::autoglm::activationParams(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  double s = hi > lo ? (hi - lo) / 255.0 : 1.0;
  return {s, std::clamp(std::nearbyint(-lo / s), 0.0, 255.0)};
}

Value mlir::autoglm::makeI8Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                                    ArrayRef<int8_t> values, StringRef name) {
  auto type = RankedTensorType::get(shape, b.getIntegerType(8));
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>((const char *)values.data(), values.size()), 64);
  return ConstantOp::create(b, loc, DenseResourceElementsAttr::get(type, name, std::move(blob)));
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
