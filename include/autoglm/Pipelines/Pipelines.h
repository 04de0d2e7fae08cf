//===- Pipelines.h - the pass pipelines the tools share -----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PIPELINES_PIPELINES_H
#define AUTOGLM_PIPELINES_PIPELINES_H

#include "autoglm/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"

#include <map>
#include <optional>

namespace mlir::autoglm {

struct GraphPipelineOptions {
  /// Channel pruning, after pattern recognition (so layer norms are ops
  /// that end a channel group) and before BN folding (so the bn criterion
  /// sees the scales).
  std::optional<PruneStructuredOptions> pruneStructured;
  /// Magnitude pruning, after BN folding and fusion (the folded weights are
  /// what the kernels multiply).
  std::optional<PruneMagnitudeOptions> pruneMagnitude;
};

/// The graph optimizations autoglm-compile runs at -O1 and above: constant
/// folding, graph pruning, pattern recognition, BN folding, attention
/// fusion, and the pruning `options` asks for.
void buildGraphOptimizationPipeline(OpPassManager &pm, const GraphPipelineOptions &options = {});

struct LinalgPipelineOptions {
  /// 3x3 stride-1 convolutions as Winograd F(2x2, 3x3) where it pays.
  bool winograd = true;
  /// Linears with at most this fraction of nonzero 16x1 weight blocks run
  /// block-sparse kernels (CPU; 0: never).
  double sparseDensity = 0.0;
  /// ... on the CPU backend's threads (scf.forall).
  bool sparseParallel = false;
  /// 8-bit block-sparse linears with this dot instruction ("avx512-vnni";
  /// empty: 8-bit linears stay dense).
  std::string sparseInt8Dot;
  /// Constant pads as one gather-style op (GPU) rather than copy + fills.
  bool gatherPads = false;
  /// Attention over the KV cache a thread per element (GPU).
  bool gpuCacheAttention = false;
};

/// autoglm (optimized) -> linalg on tensors, then the contract check.
void buildAutoGLMToLinalgPipeline(OpPassManager &pm,
                                  const LinalgPipelineOptions &options = {});

struct CPUPipelineOptions {
  /// Split large ops into chunks that run on the OpenMP runtime's threads.
  bool parallel = true;
  /// Register-tiled vector kernels for matmul-like contractions.
  bool vectorize = true;
  /// The target's register tiles (TargetDescription::kernels): f32 lanes of
  /// a vector register, the widest contraction tile, accumulator registers
  /// in 16-lane units.
  int64_t lanes = 16;
  int64_t contractionWidth = 32;
  int64_t accumulators = 16;
  /// CPUKernelParams::int8Dot.
  std::string int8Dot;
  /// Expand arith.maximumf / minimumf into compares and selects before LLVM
  /// (32-bit Arm: LLVM 22 cannot select its expansion of llvm.maximum.f64),
  /// and f64 -> f16 casts through f32 rounded to odd (no __aeabi_d2h).
  bool expandFloatMinMax = false;
  /// f16 casts as integer arithmetic (autoglm-cpu-soft-f16): riscv64
  /// without Zfhmin, whose libgcc lacks the helpers LLVM calls.
  bool softF16 = false;
  /// Bits of `index` in the LLVM dialect (TargetDescription::indexBits).
  unsigned indexBits = 64;
  /// Per-op timing marks (autoglm-cpu-profile-marks; --profile).
  bool profile = false;
  /// roundeven / ceil are one instruction (x86 SSE4.1, AArch64): not
  /// expanded by autoglm-math-approximation.
  bool nativeRounding = false;
  /// Constants of at least this many bytes go to weights.bin
  /// (autoglm-cpu-external-weights); -1 keeps every one in the library.
  int64_t externalWeightsMinBytes = -1;
};

/// linalg on tensors -> LLVM dialect for a CPU, with the artifact's entry
/// point. The module's model function is `main`.
void buildCPUCodegenPipeline(OpPassManager &pm,
                             const CPUPipelineOptions &options = {});

/// Registers `autoglm-to-linalg-pipeline` and `autoglm-cpu-pipeline` (the
/// whole path from autoglm to the LLVM dialect) for autoglm-opt.
struct GPUPipelineOptions {
  /// "cuda": NVVM -> PTX; "hip": ROCDL -> an AMDGPU code object (HSACO).
  std::string api = "cuda";
  /// LLVM's GPU triple and chip: "nvptx64-nvidia-cuda" with "sm_90", or
  /// "amdgcn-amd-amdhsa" with "gfx906".
  std::string triple = "nvptx64-nvidia-cuda", chip = "sm_90", features;
  /// "hip": a folder with amdgcn/bitcode (ROCm's device libraries) and
  /// llvm/bin/ld.lld, which the code object's serialization links with.
  std::string toolkit;
  /// Threads per block of the mapped loops.
  int64_t blockSize = 256;
  /// LLVM's optimization level for the kernels.
  int optLevel = 3;
  /// Options of the GPU passes, by short name (split-reductions,
  /// lower-reductions, map-loops): what their textual pipeline form takes,
  /// e.g. {"lower-reductions", "tile=4 warp-below=0"}.
  std::map<std::string, std::string> tuning;
};

/// Parses `--gpu-tuning`: `name{option=value ...}` entries separated by
/// commas, a name being a GPU pass's short name (split-reductions,
/// lower-reductions, map-loops). Checks each pass takes its options; on
/// failure `error` says which.
LogicalResult parseGPUTuning(llvm::StringRef text, std::map<std::string, std::string> &tuning,
                             std::string &error);

/// linalg on tensors -> the GPU family's form: the model function keeps
/// kernel launches over views of its buffers (inputs, outputs, the arena,
/// memref.globals), and one gpu.binary `@autoglm_kernels` holds the kernels'
/// code (PTX for NVVM targets, an HSACO for ROCDL ones). docs/gpu.md
/// describes it.
void buildGPUCodegenPipeline(OpPassManager &pm, const GPUPipelineOptions &options = {});

void registerAutoGLMPipelines();

/// Registers every dialect the pipelines create.
void registerPipelineDialects(DialectRegistry &registry);

} // namespace mlir::autoglm

#endif // AUTOGLM_PIPELINES_PIPELINES_H
