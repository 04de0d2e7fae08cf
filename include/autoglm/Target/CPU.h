//===- CPU.h - the host CPU backend: object emission and linking --*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CPU_H
#define AUTOGLM_TARGET_CPU_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::autoglm {

struct CPUTargetOptions {
  std::string triple;   // empty: the host
  std::string cpu;      // empty: the host CPU
  std::string features; // empty: the host CPU's features
  int optLevel = 3;     // LLVM optimization level 0..3
};

/// Fills in host defaults for the empty fields.
CPUTargetOptions resolveCPUTarget(CPUTargetOptions options);

/// Translates an LLVM-dialect module to LLVM IR, optimizes it and returns
/// its textual IR (`--emit=llvm`).
LogicalResult emitLLVMIR(ModuleOp module, const CPUTargetOptions &options,
                         std::string &out);

/// Emits an object file (or assembly with `assembly`) for the target.
LogicalResult emitObject(ModuleOp module, const CPUTargetOptions &options,
                         bool assembly, std::vector<char> &out);

/// Whether the lowered (LLVM dialect) model has OpenMP parallel loops.
bool usesOpenMP(ModuleOp module);
/// The OpenMP runtime an artifact with parallel loops ships beside itself.
std::string openMPRuntimePath();

/// Links an object into a shared library with ld.lld (with LLVM's OpenMP
/// runtime when `openMP`).
LogicalResult linkSharedLibrary(const std::string &objectPath,
                                const std::string &outputPath, bool openMP,
                                std::string &error);

void registerCPUTranslations(DialectRegistry &registry);

} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_H
