//===- Kernels.h - shared matchers of the CPU kernel passes ---------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGETS_CPU_KERNELS_H
#define AUTOGLM_TARGETS_CPU_KERNELS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::autoglm::cpu {

/// True for an f32 linalg.generic on tensors with two inputs, one init and
/// the body `out + a * b` (either operand order).
bool isF32Mac(linalg::GenericOp op);

} // namespace mlir::autoglm::cpu

#endif // AUTOGLM_TARGETS_CPU_KERNELS_H
