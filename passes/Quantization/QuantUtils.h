//===- QuantUtils.h - what the quantization passes share -----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_QUANTIZATION_QUANTUTILS_H
#define AUTOGLM_PASSES_QUANTIZATION_QUANTUTILS_H

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include <string>

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

/// Whether any ONNX node the op came from (a fused op has several) is one of
/// `names`.
bool fromNodeIn(Operation *op, ArrayRef<std::string> names);

} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_QUANTIZATION_QUANTUTILS_H
