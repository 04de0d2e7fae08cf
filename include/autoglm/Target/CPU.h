//===- CPU.h - the CPU backend family: object emission and linking -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Every CPU target (the host, Linux on AArch64 / ARMv7 / RISC-V, ...) is one
// CPUTargetSpec: a TargetDescription that parameterizes the shared CPU kernel
// generator, plus how its artifacts link and run. createCPUBackend turns a
// spec into a registrable backend.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_CPU_H
#define AUTOGLM_TARGET_CPU_H

#include "autoglm/Target/TargetBackend.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::autoglm {

struct CPUTargetSpec {
  TargetDescription description;
  /// Where ld.lld finds the target's libc and libm, and the libraries
  /// linked after them (e.g. "gcc": libgcc.a's helpers such as
  /// __aeabi_d2h, which a cross target's libc does not export).
  std::vector<std::string> libraryDirs, extraLibraries;
  /// The target's OpenMP runtime (libomp.so.5); empty: none, so the
  /// artifact runs on one thread.
  std::string openMPRuntime;
  /// Empty for the host; else the user-mode emulator that runs the target's
  /// programs here and the sysroot it takes (-L).
  std::string emulator, emulatorSysroot;
  /// Bare metal (microcontrollers): the artifact is a static library of the
  /// model's object for the user's firmware; no heap, threads or OS calls.
  bool bareMetal = false;
  /// The qemu-system-arm machine that runs this target's test images here
  /// (mps2-an386, ...), and picolibc's multilib folder for it (relative to
  /// /usr/lib/picolibc/arm-none-eabi/lib).
  std::string board, picolibcMultilib;
};

/// A backend for the spec. The host spec is resolved against this machine
/// (CPU name, features, vector width) when the backend is created.
std::unique_ptr<TargetBackend> createCPUBackend(CPUTargetSpec spec);

/// The host spec: this machine's triple, CPU and features.
CPUTargetSpec hostCPUSpec();

/// The widest f32 vector (bits) an x86 / Arm / RISC-V feature string allows;
/// `fallback` when it names no vector extension.
int64_t vectorBitsOfFeatures(llvm::StringRef triple, llvm::StringRef features, int64_t fallback);

/// The kernel generator's register tiles for a vector width and register
/// count.
CPUKernelParams cpuKernelParams(int64_t vectorBits, int64_t vectorRegisters);

/// The 8-bit dot4 kernels' instruction for these features: "avx512-vnni"
/// on x86 with AVX-512 F and VNNI, else empty.
std::string int8DotOfFeatures(llvm::StringRef triple, llvm::StringRef features);

/// Every feature LLVM enables for `cpu` with `features` on `triple` (the
/// CPU's own and those the string adds, less those it removes), sorted: what
/// the code may use, so what the machine that runs it must have. The
/// manifest records it (target.requires) and the runtime checks it at load.
std::vector<std::string> enabledTargetFeatures(llvm::StringRef triple, llvm::StringRef cpu,
                                               llvm::StringRef features);

/// Registers the host target (the cross CPU targets are in
/// targets/Embedded, Embedded.h).
void registerCPUTargets();

/// Translates an LLVM-dialect module to LLVM IR for `target`, optimizes it
/// at `optLevel` and returns its textual IR (`--emit=llvm`).
LogicalResult emitLLVMIR(ModuleOp module, const TargetDescription &target, int optLevel,
                         std::string &out);

/// Emits an object file (or assembly with `assembly`) for the target.
LogicalResult emitObject(ModuleOp module, const TargetDescription &target, int optLevel,
                         bool assembly, std::vector<char> &out);

/// Whether the lowered (LLVM dialect) model has OpenMP parallel loops.
bool usesOpenMP(ModuleOp module);

/// Links an object into a shared library with ld.lld against the libc in
/// `libraryDirs` and `extraLibraries` (and the OpenMP runtime
/// `openMPRuntime` when not empty).
LogicalResult linkSharedLibrary(const std::string &objectPath, const std::string &outputPath,
                                const std::vector<std::string> &libraryDirs,
                                const std::vector<std::string> &extraLibraries,
                                const std::string &openMPRuntime, std::string &error);

/// Bare-metal artifacts: checks that the object needs nothing a
/// freestanding image lacks (no heap, threads or OS calls; the error names
/// the symbol), records its section sizes ("code_size") and imports in
/// `out`'s manifest sections, and writes it as a deterministic static
/// library at `outputPath`.
LogicalResult linkStaticLibrary(const std::string &objectPath, const std::string &outputPath,
                                LinkedLibrary &out, std::string &error);

void registerCPUTranslations(DialectRegistry &registry);

} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_CPU_H
