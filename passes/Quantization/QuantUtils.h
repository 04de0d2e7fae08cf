//===- QuantUtils.h - what the quantization passes share -----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_QUANTIZATION_QUANTUTILS_H
#define AUTOGLM_PASSES_QUANTIZATION_QUANTUTILS_H

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include <cmath>
#include <string>
#include <vector>

namespace mlir::autoglm {

/// The op's id among the ops static quantization rewrites
/// (autoglm-quant-mark), and its calibrated input range [lo, hi].
constexpr const char *kQuantId = "autoglm.quant_id";
constexpr const char *kActRange = "autoglm.act_range";

/// The weight's output-channel axis of an op static int8 quantization can
/// rewrite (conv / linear: 0, matmul: 1), or -1: the op must be a conv,
/// linear or 2-D-weight matmul of an f32 input and an f32 constant weight,
/// and a conv of group 1.
int64_t quantWeightAxis(Operation *op);

/// The ONNX node name an op came from (its first NameLoc), or "".
std::string nodeName(Operation *op);

/// A weight quantized to int8, symmetric per channel along `axis`
/// (scale = max |w| / 127, 1 for an all-zero channel), with its SQNR.
struct PerChannelInt8 {
  std::vector<int8_t> q;
  std::vector<float> scale;
  int64_t inner = 1; // elements after the channel axis
  double signal = 0, noise = 0;
  int64_t channelOf(size_t i) const { return (int64_t)(i / inner) % (int64_t)scale.size(); }
  double sqnrDb(double none) const { return noise > 0 ? 10 * std::log10(signal / noise) : none; }
};
PerChannelInt8 quantizePerChannel(ArrayRef<float> w, ArrayRef<int64_t> shape, int64_t axis);

/// The uint8 activation parameters of a calibrated range [lo, hi]: the
/// range widened to hold 0 (zero padding and ReLU's zeros stay exact),
/// scale = (hi - lo) / 255 (1 for an empty range), zero point round(-lo /
/// scale).
struct ActParams {
  double scale, zeroPoint;
};
ActParams activationParams(double lo, double hi);

/// A rank-0 constant of `elem` (float or integer) holding `v`.
Value scalarConstant(OpBuilder &b, Location loc, Type elem, double v);

/// An int8 constant of `shape` (a dense_resource blob named `name`).
Value makeI8Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, ArrayRef<int8_t> values,
                     StringRef name);

/// Whether any ONNX node the op came from (a fused op has several) is one of
/// `names`.
bool fromNodeIn(Operation *op, ArrayRef<std::string> names);

} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_QUANTIZATION_QUANTUTILS_H
