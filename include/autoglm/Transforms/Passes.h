//===- Passes.h - passes that stay inside the autoglm dialect -----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TRANSFORMS_PASSES_H
#define AUTOGLM_TRANSFORMS_PASSES_H

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include "mlir/Pass/Pass.h"

namespace mlir::autoglm {

#define GEN_PASS_DECL
#include "autoglm/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "autoglm/Transforms/Passes.h.inc"

} // namespace mlir::autoglm

#endif // AUTOGLM_TRANSFORMS_PASSES_H
