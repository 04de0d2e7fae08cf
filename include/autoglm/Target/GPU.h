//===- GPU.h - the GPU backend family --------------------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// GPU targets compile the model's kernels to one code object (PTX for
// NVIDIA) and its host part to a launch plan: the list of kernel launches
// with their grid, block and arguments, each argument an offset into one of
// the model's buffers (inputs, outputs, the arena, the weights) or a scalar.
// The runtime loads the code object through the vendor driver (dlopen'd at
// run time) and replays the plan. docs/gpu.md has the manifest's "gpu"
// section.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_GPU_H
#define AUTOGLM_TARGET_GPU_H

#include "autoglm/Target/TargetBackend.h"

#include <string>

namespace mlir::autoglm {

/// The "gpu" manifest section (as JSON text) and the weights blob of a
/// module lowered by buildGPUCodegenPipeline; `api` is "cuda".
struct LaunchPlan {
  std::string json, weights, code;
};
LogicalResult buildLaunchPlan(ModuleOp module, const TargetDescription &target, llvm::StringRef api,
                              LaunchPlan &plan, std::string &error);

/// The code object of the module's gpu.binary (PTX text for NVVM targets;
/// a module without kernels for `chip` when the model computes nothing).
LogicalResult gpuCodeObject(ModuleOp module, llvm::StringRef chip, std::string &code,
                            std::string &error);

void registerGPUTargets();

/// LLVM translations the GPU serialization needs (NVVM target attribute,
/// NVVM / GPU dialect translation).
void registerGPUTranslations(DialectRegistry &registry);

} // namespace mlir::autoglm

#endif // AUTOGLM_TARGET_GPU_H
