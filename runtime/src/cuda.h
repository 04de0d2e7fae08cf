//===- cuda.h - run a launch plan through the CUDA driver -----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The CUDA driver (libcuda.so.1) is dlopen'd the first time a GPU artifact
// loads; the runtime neither links it nor needs CUDA's headers, so one
// binary serves machines with and without a GPU. The driver's handles stay
// opaque here (void *, uint64_t device pointers).
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUNTIME_CUDA_H
#define AUTOGLM_RUNTIME_CUDA_H

#include "gpu.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace autoglm::rt {

/// The module, its kernels and the weights on one device, in the device's
/// primary context.
struct CudaModel {
  const GpuPlan *plan = nullptr;
  int ordinal = 0, cuDevice = 0;
  std::string device; // "cuda:0 (NVIDIA H200, sm_90)"
  void *context = nullptr, *module = nullptr;
  std::vector<void *> functions; // one per plan->kernels
  uint64_t weights = 0;
  bool retained = false;
  ~CudaModel();
};

/// The device buffers and stream of one autoglm_context.
struct CudaContext {
  const CudaModel *model = nullptr;
  void *stream = nullptr;
  std::vector<uint64_t> inputs, outputs;
  uint64_t arena = 0, status = 0;
  // The status's host side: zero before a run, the check's code after.
  int32_t statusZero = 0, statusValue = 0;
  // Per launch, each parameter's value and the pointers cuLaunchKernel reads.
  std::vector<std::vector<uint64_t>> values;
  std::vector<std::vector<void *>> params;
  // The kernel launches as a CUDA graph, captured on the second run.
  enum class Graph { NotYet, Ready, Off } graph = Graph::NotYet;
  void *graphExec = nullptr;
  uint64_t runs = 0;
  ~CudaContext();
};

/// Loads the driver, picks device `device` (-1: 0), checks its compute
/// capability, JITs `ptx` and uploads `weights` (plan.weightsBytes bytes).
std::unique_ptr<CudaModel> loadCudaModel(const GpuPlan &plan, std::string ptx,
                                         const std::string &weights, int device,
                                         std::string &error);

/// A stream and device buffers of the given sizes (inputs, outputs, and
/// the plan's arena).
std::unique_ptr<CudaContext> createCudaContext(const CudaModel &model,
                                               const std::vector<size_t> &inputBytes,
                                               const std::vector<size_t> &outputBytes,
                                               std::string &error);

/// Copies the host inputs in, runs the plan, copies the outputs back and
/// waits for all of it; a model with run-time checks leaves the code of a
/// failed one (0: none) in context.statusValue.
bool runCuda(CudaContext &context, const std::vector<const void *> &inputs,
             const std::vector<size_t> &inputBytes, const std::vector<void *> &outputs,
             const std::vector<size_t> &outputBytes, std::string &error);

} // namespace autoglm::rt

#endif // AUTOGLM_RUNTIME_CUDA_H
