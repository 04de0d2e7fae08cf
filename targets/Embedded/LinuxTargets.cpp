//===- LinuxTargets.cpp - cross CPU targets running Linux ----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A Linux cross target is a description (triple, CPU, features, vector
// width and registers for the shared kernel generator) plus Debian's cross
// libc to link against and the qemu-user emulator that runs its programs
// here. Artifacts are shared libraries, like the host's; the runtime and
// autoglm-run are cross-built with cmake/toolchains/<name>.cmake.
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU.h"
#include "autoglm/Target/Embedded.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// A Linux target of Debian multiarch triple `multiarch` (the cross libc's
/// folder /usr/<multiarch>) and qemu-user emulator `qemu`.
CPUTargetSpec linuxSpec(const char *name, const char *summary, const char *triple,
                        const char *multiarch, const char *cpu, const char *features,
                        int64_t vectorBits, int64_t vectorRegisters, const char *qemu) {
  CPUTargetSpec spec;
  TargetDescription &d = spec.description;
  d.name = name;
  d.summary = summary;
  d.triple = triple;
  d.cpu = cpu;
  d.features = features;
  d.vectorBits = vectorBits;
  d.kernels = cpuKernelParams(vectorBits, vectorRegisters);
  // Debian ships no cross OpenMP runtime: one thread.
  d.threads = false;
  std::string root = std::string("/usr/") + multiarch;
  spec.libraryDirs = {root + "/lib", std::string("/usr/lib/gcc-cross/") + multiarch + "/12"};
  spec.extraLibraries = {"gcc"};
  spec.emulator = qemu;
  spec.emulatorSysroot = root;
  return spec;
}

} // namespace

void mlir::autoglm::registerEmbeddedTargets() {
  registerTargetBackend(createCPUBackend(linuxSpec(
      "aarch64-linux", "64-bit Arm Linux, NEON (shared library; Debian libc6-dev-arm64-cross)",
      "aarch64-unknown-linux-gnu", "aarch64-linux-gnu", "generic", "+neon,+fp-armv8", 128, 32,
      "qemu-aarch64")));
  registerTargetBackend(
      createCPUBackend(linuxSpec("armv7-linux",
                                 "32-bit Arm Linux, hard float, NEON (shared library; Debian "
                                 "libc6-dev-armhf-cross)",
                                 "armv7-unknown-linux-gnueabihf", "arm-linux-gnueabihf",
                                 "cortex-a7", "+neon,+vfp4", 128, 16, "qemu-arm")));
  // RV64GC; RVV 1.0 as a feature (--target-features ...,+v: 128-bit
  // fixed-length vectors, which run at any VLEN >= 128). Without it the
  // FPU is scalar: plain loops (vector width 32 turns the kernels off).
  registerTargetBackend(createCPUBackend(
      linuxSpec("riscv64-linux",
                "64-bit RISC-V Linux, RV64GC; +v for RVV 1.0 (shared library; Debian "
                "libc6-dev-riscv64-cross)",
                "riscv64-unknown-linux-gnu", "riscv64-linux-gnu", "generic-rv64",
                "+a,+c,+d,+f,+m,+zicsr,+zifencei", 32, 32, "qemu-riscv64")));
  registerMCUTargets();
}
