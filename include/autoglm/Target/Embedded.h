//===- Embedded.h - CPU targets other than the host ----------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_EMBEDDED_H
#define AUTOGLM_TARGET_EMBEDDED_H

namespace mlir::autoglm {

/// Registers the cross CPU targets: Linux on AArch64 (and, as they land,
/// ARMv7, RISC-V and the bare-metal Cortex-M boards). Each is a CPUTargetSpec
/// on the shared CPU backend.
void registerEmbeddedTargets();

/// Registers the bare-metal Cortex-M targets (cortex-m4, -m7, -m33, -m55):
/// static-library artifacts with a caller-provided arena.
void registerMCUTargets();

} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_EMBEDDED_H
