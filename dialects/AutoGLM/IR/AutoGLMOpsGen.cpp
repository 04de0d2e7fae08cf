//===- AutoGLMOpsGen.cpp - generated op definitions ---------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The generated Ops.cpp.inc is large; it gets its own translation unit so the
// hand-written verifiers and folders rebuild quickly.
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::autoglm;

#define GET_OP_CLASSES
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMOps.cpp.inc"
