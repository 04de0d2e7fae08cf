//===- InitAllTargets.h - register every target backend ------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Explicit registration (no static initializers, which a static library
// drops when nothing references them). Idempotent: a second call replaces
// each backend by an equal one.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_INITALLTARGETS_H
#define AUTOGLM_INITALLTARGETS_H

#include "autoglm/Target/CPU.h"
#include "autoglm/Target/Embedded.h"
#include "autoglm/Target/GPU.h"

namespace mlir::autoglm {

inline void registerAllTargets() {
  registerCPUTargets();
  registerEmbeddedTargets();
  registerGPUTargets();
}

} // namespace mlir::autoglm

#endif // AUTOGLM_INITALLTARGETS_H
