//===- Passes.h - lowerings out of the autoglm dialect ------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_CONVERSION_PASSES_H
#define AUTOGLM_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::autoglm {

#define GEN_PASS_DECL
#include "autoglm/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "autoglm/Conversion/Passes.h.inc"

} // namespace mlir::autoglm

#endif // AUTOGLM_CONVERSION_PASSES_H
