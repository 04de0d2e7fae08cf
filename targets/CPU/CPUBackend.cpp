//===- CPUBackend.cpp - CPU targets as registrable backends --------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// One backend class serves every CPU target: the spec's description sets the
// shared kernel generator's tiles and LLVM's triple / CPU / features; the
// spec's library folders, OpenMP runtime and emulator say how it links and
// runs.
//===----------------------------------------------------------------------===//

#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Target/CPU.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::autoglm;

int64_t mlir::autoglm::vectorBitsOfFeatures(llvm::StringRef triple, llvm::StringRef features,
                                            int64_t fallback) {
  llvm::SmallVector<llvm::StringRef> list;
  features.split(list, ',', -1, false);
  auto has = [&](llvm::StringRef f) { return llvm::is_contained(list, ("+" + f).str()); };
  llvm::Triple t(triple);
  if (t.isX86()) {
    if (has("avx512f"))
      return 512;
    if (has("avx2") || has("avx"))
      return 256;
    return list.empty() ? fallback : 128;
  }
  if (t.isAArch64() || t.isARM())
    return 128; // NEON (SVE kernels are length-agnostic and not used yet)
  if (t.isRISCV())
    return has("v") ? 128 : fallback;
  return fallback;
}

std::string mlir::autoglm::int8DotOfFeatures(llvm::StringRef triple, llvm::StringRef features) {
  llvm::SmallVector<llvm::StringRef> list;
  features.split(list, ',', -1, false);
  auto has = [&](llvm::StringRef f) { return llvm::is_contained(list, ("+" + f).str()); };
  if (llvm::Triple(triple).isX86() && has("avx512f") && has("avx512vnni"))
    return "avx512-vnni";
  return "";
}

CPUKernelParams mlir::autoglm::cpuKernelParams(int64_t vectorBits, int64_t vectorRegisters) {
  CPUKernelParams p;
  p.lanes = std::max<int64_t>(1, vectorBits / 32);
  // Two registers wide along the vector dim; rows fill half the registers
  // with accumulators (the rest hold operands), counted in 16-lane units.
  p.contractionWidth = 2 * p.lanes;
  p.accumulators = std::max<int64_t>(1, vectorRegisters / 2 * p.lanes / 16);
  return p;
}

CPUTargetSpec mlir::autoglm::hostCPUSpec() {
  CPUTargetSpec spec;
  TargetDescription &d = spec.description;
  d.name = "host";
  d.summary = "this machine's CPU (shared library, OpenMP threads)";
  d.triple = llvm::sys::getDefaultTargetTriple();
  d.cpu = llvm::sys::getHostCPUName().str();
  // Sorted, so the same machine always gives the same string (and the same
  // artifact).
  std::vector<std::string> feats;
  for (auto &f : llvm::sys::getHostCPUFeatures())
    feats.push_back((f.second ? "+" : "-") + f.first().str());
  llvm::sort(feats);
  d.features = llvm::join(feats, ",");
  d.vectorBits = vectorBitsOfFeatures(d.triple, d.features, 512);
  // x86-64 has 32 vector registers with AVX-512, 16 before it.
  d.kernels = cpuKernelParams(d.vectorBits, d.vectorBits == 512 ? 32 : 16);
  d.kernels.int8Dot = int8DotOfFeatures(d.triple, d.features);
  spec.libraryDirs = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"};
  spec.openMPRuntime = "/usr/lib/llvm-22/lib/libomp.so.5";
  return spec;
}

namespace {

class CPUBackend : public TargetBackend {
public:
  explicit CPUBackend(CPUTargetSpec spec) : spec(std::move(spec)) {}

  const TargetDescription &description() const override { return spec.description; }

  FailureOr<TargetDescription> resolve(const TargetOverrides &o,
                                       std::string &error) const override {
    TargetDescription d = spec.description;
    if (o.cpu.empty() && o.features.empty())
      return d;
    if (!o.cpu.empty()) {
      d.cpu = o.cpu;
      // A named CPU brings its own features unless they are given too.
      if (o.features.empty())
        d.features.clear();
    }
    if (!o.features.empty())
      d.features = o.features;
    int64_t bits = vectorBitsOfFeatures(d.triple, d.features, spec.description.vectorBits);
    if (bits != d.vectorBits) {
      d.vectorBits = bits;
      d.kernels = cpuKernelParams(bits, bits == 512 ? 32 : 16);
    }
    d.kernels.int8Dot = int8DotOfFeatures(d.triple, d.features);
    return d;
  }

  std::string runsHere() const override {
    if (spec.bareMetal) {
      if (!llvm::sys::findProgramByName("qemu-system-arm"))
        return "no: qemu-system-arm is not installed (Debian: qemu-system-arm)";
      std::string libc = "/usr/lib/picolibc/arm-none-eabi/lib/" + spec.picolibcMultilib;
      if (!llvm::sys::fs::is_directory(libc))
        return "no: " + libc + " is missing (Debian: picolibc-arm-none-eabi)";
      return "qemu-system-arm -M " + spec.board;
    }
    if (spec.emulator.empty())
      return "native";
    auto path = llvm::sys::findProgramByName(spec.emulator);
    if (!path)
      return "no: " + spec.emulator + " is not installed (Debian: qemu-user)";
    if (!llvm::sys::fs::is_directory(spec.emulatorSysroot))
      return "no: " + spec.emulatorSysroot + " is missing (Debian: libc6-dev-*-cross)";
    return spec.emulator + " -L " + spec.emulatorSysroot;
  }

  void buildCodegenPipeline(OpPassManager &pm, const TargetDescription &target,
                            const CodegenOptions &options) const override {
    CPUPipelineOptions cpu;
    cpu.parallel = options.parallel && target.threads && !spec.openMPRuntime.empty();
    cpu.vectorize = options.vectorize;
    cpu.lanes = target.kernels.lanes;
    cpu.contractionWidth = target.kernels.contractionWidth;
    cpu.accumulators = target.kernels.accumulators;
    cpu.int8Dot = target.kernels.int8Dot;
    llvm::Triple triple(target.triple);
    cpu.expandFloatMinMax = triple.isARM() || triple.isThumb();
    cpu.softF16 = triple.isRISCV() && !llvm::StringRef(target.features).contains("+zfh");
    cpu.indexBits = target.indexBits;
    cpu.profile = options.profile;
    if (options.externalWeights && !spec.bareMetal)
      cpu.externalWeightsMinBytes = 4096;
    cpu.nativeRounding =
        triple.isAArch64() ||
        (triple.isX86() && llvm::is_contained(llvm::split(target.features, ','), "+sse4.1"));
    // Scalar FPUs (Cortex-M4 / M7 / M33): plain loops, which LLVM
    // schedules; the register-tiled kernels need vector registers.
    if (target.vectorBits < 64)
      cpu.vectorize = false;
    buildCPUCodegenPipeline(pm, cpu);
  }

  LogicalResult emitLLVMIR(ModuleOp module, const TargetDescription &target, int optLevel,
                           std::string &out) const override {
    return autoglm::emitLLVMIR(module, target, optLevel, out);
  }

  LogicalResult emitObject(ModuleOp module, const TargetDescription &target, int optLevel,
                           bool assembly, std::vector<char> &out) const override {
    return autoglm::emitObject(module, target, optLevel, assembly, out);
  }

  LogicalResult link(ModuleOp module, const TargetDescription &target,
                     const std::string &objectPath, const std::string &scratchDir,
                     LinkedLibrary &out, std::string &error) const override {
    out.path = scratchDir + "/" + target.libraryName;
    if (spec.bareMetal)
      return linkStaticLibrary(objectPath, out.path, out, error);
    std::string openMP;
    if (usesOpenMP(module)) {
      if (spec.openMPRuntime.empty()) {
        error = "target '" + target.name +
                "' ships no OpenMP runtime, and the code has parallel regions (compile with "
                "--parallel=false)";
        return failure();
      }
      openMP = spec.openMPRuntime;
      llvm::StringRef name = llvm::sys::path::filename(openMP);
      out.extraFiles.push_back({name.str(), openMP});
      out.notes.push_back("parallel loops run on LLVM's OpenMP runtime (" + name.str() +
                          ", shipped in this directory)");
    }
    return linkSharedLibrary(objectPath, out.path, spec.libraryDirs, spec.extraLibraries, openMP,
                             error);
  }

private:
  CPUTargetSpec spec;
};

} // namespace

std::unique_ptr<TargetBackend> mlir::autoglm::createCPUBackend(CPUTargetSpec spec) {
  return std::make_unique<CPUBackend>(std::move(spec));
}

void mlir::autoglm::registerCPUTargets() { registerTargetBackend(createCPUBackend(hostCPUSpec())); }
