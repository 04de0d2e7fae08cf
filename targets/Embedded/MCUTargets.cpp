//===- MCUTargets.cpp - bare-metal Cortex-M microcontrollers -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A microcontroller target is a CPUTargetSpec with bareMetal set: code for
// a fixed address (no PIC), a 32-bit index where it can, one thread, and a static library
// artifact (model.a) that the user links into their firmware with their
// startup code; model.h's autoglm_model_run takes one caller-provided arena
// for every temporary. The board and picolibc multilib say how the tests
// run its images under qemu-system-arm (test/Target/Embedded/mcu/).
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU.h"
#include "autoglm/Target/Embedded.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {

struct MCU {
  const char *name, *summary, *triple, *cpu;
  /// 128 with Helium (MVE), else 32: a scalar FPU (plain loops, no
  /// register-tiled kernels).
  int64_t vectorBits;
  /// qemu-system-arm's board and picolibc's multilib for the test images.
  const char *board, *multilib;
};

const MCU kMCUs[] = {
    {"cortex-m4", "Cortex-M4F, single-precision FPU, DSP (static library, no OS)",
     "thumbv7em-unknown-none-eabihf", "cortex-m4", 32, "mps2-an386", "thumb/v7e-m+fp/hard"},
    {"cortex-m7", "Cortex-M7, double-precision FPU (static library, no OS)",
     "thumbv7em-unknown-none-eabihf", "cortex-m7", 32, "mps2-an500", "thumb/v7e-m+dp/hard"},
    {"cortex-m33", "Cortex-M33 (Armv8-M Mainline), FPU, DSP (static library, no OS)",
     "thumbv8m.main-unknown-none-eabihf", "cortex-m33", 32, "mps2-an505",
     "thumb/v8-m.main+fp/hard"},
    // picolibc's v8.1-M MVE multilib is integer MVE (its crt0 leaves the
    // FPU off); the Armv8-M Mainline FP one runs on an M55.
    {"cortex-m55", "Cortex-M55, Helium (MVE) float vectors (static library, no OS)",
     "thumbv8.1m.main-unknown-none-eabihf", "cortex-m55", 128, "mps3-an547",
     "thumb/v8-m.main+fp/hard"},
};

CPUTargetSpec mcuSpec(const MCU &m) {
  CPUTargetSpec spec;
  TargetDescription &d = spec.description;
  d.name = m.name;
  d.summary = m.summary;
  d.triple = m.triple;
  d.cpu = m.cpu;
  d.vectorBits = m.vectorBits;
  // Helium has 8 128-bit Q registers.
  d.kernels = cpuKernelParams(m.vectorBits, 8);
  d.threads = false;
  d.artifactKind = "static-library";
  d.libraryName = "model.a";
  d.pic = false;
  // 32-bit index, except with Helium: MLIR 22's convert-vector-to-llvm
  // takes no index width (it lowers with 64 bits), so vector kernels keep
  // the 64-bit index.
  d.indexBits = m.vectorBits >= 64 ? 64 : 32;
  spec.bareMetal = true;
  spec.board = m.board;
  spec.picolibcMultilib = m.multilib;
  return spec;
}

} // namespace

void mlir::autoglm::registerMCUTargets() {
  for (const MCU &m : kMCUs)
    registerTargetBackend(createCPUBackend(mcuSpec(m)));
}
