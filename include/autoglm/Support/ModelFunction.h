//===- ModelFunction.h - the module's model function --------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Header-only: passes of every stage (quantization, the CPU and GPU
// backends) and the artifact writer look up the function the model became,
// and say so in one way when it is missing.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_SUPPORT_MODELFUNCTION_H
#define AUTOGLM_SUPPORT_MODELFUNCTION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::autoglm {

/// `module`'s function `name`, or null after an error on the module naming
/// it.
inline func::FuncOp lookupModelFunction(ModuleOp module, llvm::StringRef name) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func)
    module.emitError() << "no model function '" << name << "'";
  return func;
}

} // namespace mlir::autoglm

#endif // AUTOGLM_SUPPORT_MODELFUNCTION_H
