//===- TargetBackend.h - target descriptions, backends, registry ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A target is a description plus a backend. The description says what the
// machine is (triple, CPU, features, vector width, registers, threads, what
// the artifact is) and parameterizes the one kernel generator of its family;
// the backend turns linalg into the family's lowered IR, serializes it and
// links the artifact's library. Backends register themselves by name with
// registerTargetBackend (registerAllTargets in InitAllTargets.h calls each
// family's register function); the compile session looks them up by the
// name given to --target. docs/targets.md says how to add one.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_TARGETBACKEND_H
#define AUTOGLM_TARGET_TARGETBACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mlir::autoglm {

/// Register tiles of the shared CPU kernel generator (the options of the
/// autoglm-cpu-vectorize-* passes), chosen per ISA.
struct CPUKernelParams {
  /// f32 lanes of one vector register (AVX-512: 16, AVX2: 8, NEON: 4).
  int64_t lanes = 16;
  /// Widest vector tile of a contraction's vector dim, in lanes.
  int64_t contractionWidth = 32;
  /// Accumulator registers (in units of 16 f32 lanes) a kernel's rows may
  /// fill.
  int64_t accumulators = 16;
  /// The instruction of the 8-bit dot4 kernels ("avx512-vnni"), or empty
  /// (8-bit contractions run as loops).
  std::string int8Dot;
};

struct TargetDescription {
  /// The --target name and a one-line summary for --list-targets.
  std::string name, summary;
  /// The kernel generator family: "cpu" or "gpu".
  std::string family = "cpu";
  /// LLVM's triple, CPU name and feature string.
  std::string triple, cpu, features;
  /// Widest vector of the ISA in bits.
  int64_t vectorBits = 512;
  CPUKernelParams kernels;
  /// Large ops may run on several threads (an OpenMP runtime ships with the
  /// artifact).
  bool threads = true;
  /// What the artifact's library is ("shared-library", or "static-library"
  /// for bare-metal firmware) and its file name.
  std::string artifactKind = "shared-library", libraryName = "model.so";
  /// Position-independent code (shared libraries); bare-metal images are
  /// linked at fixed addresses.
  bool pic = true;
  /// Width of MLIR's `index` in the generated code: 64, or 32 on
  /// microcontrollers (32-bit address space; 64-bit arithmetic is slow
  /// there).
  unsigned indexBits = 64;
};

/// What a user may change of a registered target (--target-cpu,
/// --target-features); empty keeps the target's own.
struct TargetOverrides {
  std::string cpu, features;
};

/// Session switches a backend honours.
struct CodegenOptions {
  bool parallel = true;
  bool vectorize = true;
  /// LLVM's optimization level 0..3.
  int optLevel = 2;
  /// GPU code generator tuning: `pass{option=value ...},...` (see
  /// parseGPUTuning in Pipelines.h).
  std::string gpuTuning;
  /// fp32, tf32, bf16 or fp16 (the session checked the target takes it).
  std::string precision = "fp32";
  /// Per-op timing marks in the code (--profile; CPU shared libraries).
  bool profile = false;
  /// CPU shared libraries: large constants in weights.bin beside the
  /// library, mapped by the runtime (--weights external).
  bool externalWeights = false;
};

/// The linked library of an artifact and what must ship beside it.
struct LinkedLibrary {
  std::string path;
  /// (name in the artifact, source path) of runtime libraries it needs.
  std::vector<std::pair<std::string, std::string>> extraFiles;
  std::vector<std::string> notes;
  /// Sections the manifest gains (key, JSON text), e.g. a GPU launch plan.
  std::vector<std::pair<std::string, std::string>> manifestSections;
};

class TargetBackend {
public:
  virtual ~TargetBackend();

  /// The target as registered (the host's CPU and features filled in).
  virtual const TargetDescription &description() const = 0;

  /// The description with `overrides` applied; an error when the backend
  /// cannot take them.
  virtual FailureOr<TargetDescription> resolve(const TargetOverrides &overrides,
                                               std::string &error) const;

  /// How artifacts of this target run on this machine: "native", an
  /// emulator command line ("qemu-aarch64 -L /usr/aarch64-linux-gnu"), or
  /// "no: <why>".
  virtual std::string runsHere() const = 0;

  /// linalg on tensors -> the family's lowered IR with the artifact's
  /// entry point.
  virtual void buildCodegenPipeline(OpPassManager &pm, const TargetDescription &target,
                                    const CodegenOptions &options) const = 0;

  /// Optimized LLVM IR of a lowered module (--emit llvm).
  virtual LogicalResult emitLLVMIR(ModuleOp module, const TargetDescription &target, int optLevel,
                                   std::string &out) const = 0;

  /// An object file, or assembly (--emit obj / asm).
  virtual LogicalResult emitObject(ModuleOp module, const TargetDescription &target, int optLevel,
                                   bool assembly, std::vector<char> &out) const = 0;

  /// Links the object of `module` into the artifact's library inside
  /// `scratchDir`.
  virtual LogicalResult link(ModuleOp module, const TargetDescription &target,
                             const std::string &objectPath, const std::string &scratchDir,
                             LinkedLibrary &out, std::string &error) const = 0;
};

/// Adds a backend under its description's name; a second backend of the
/// same name replaces the first for later lookups (a plugin may override a
/// built-in target); the first stays alive for whoever holds it.
void registerTargetBackend(std::unique_ptr<TargetBackend> backend);

/// The backend registered as `name`, or null.
const TargetBackend *lookupTargetBackend(llvm::StringRef name);

/// Every registered backend, in registration order.
std::vector<const TargetBackend *> getTargetBackends();

/// "host, aarch64-linux, ..." for error messages.
std::string targetNames();

} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_TARGETBACKEND_H
