//===- driver.h - run a launch plan through the CUDA driver or HIP --*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The CUDA driver (libcuda.so.1) or the HIP runtime (libamdhip64.so) is
// dlopen'd the first time a GPU artifact of its api loads; the runtime
// neither links them nor needs their headers, so one binary serves machines
// with and without a GPU. HIP's module API mirrors the driver API call for
// call, so one implementation drives both through a table of entry points.
// The handles stay opaque here (void *, uint64_t device pointers).
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUNTIME_DRIVER_H
#define AUTOGLM_RUNTIME_DRIVER_H

#include "gpu.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace autoglm::rt {

struct Driver;

/// The module, its kernels and the weights on one device, in the device's
/// primary context.
struct DeviceModel {
  const GpuPlan *plan = nullptr;
  const Driver *driver = nullptr; // CUDA or HIP, after plan->api
  int ordinal = 0, cuDevice = 0;
  std::string device; // "cuda:0 (NVIDIA H200, sm_90)", "hip:0 (..., gfx906)"
  void *context = nullptr, *module = nullptr;
  std::vector<void *> functions; // one per plan->kernels
  uint64_t weights = 0;
  bool retained = false;
  ~DeviceModel();
};

/// The device buffers and stream of one autoglm_context.
struct DeviceContext {
  const DeviceModel *model = nullptr;
  void *stream = nullptr;
  std::vector<uint64_t> inputs, outputs;
  // Device memory the caller bound in place of an input or output (0: the
  // context's own buffer above, copied from or to host memory each run).
  std::vector<uint64_t> boundInputs, boundOutputs;
  uint64_t arena = 0, status = 0;
  // Runs enqueued without waiting (runDevice's `wait` false) since the last
  // synchronizeDevice.
  uint64_t pending = 0;
  // The status's host side: zero before a run, the check's code after.
  int32_t statusZero = 0, statusValue = 0;
  // Per launch, each parameter's value and the pointers cuLaunchKernel reads.
  std::vector<std::vector<uint64_t>> values;
  std::vector<std::vector<void *>> params;
  // The kernel launches as a CUDA graph, captured on the second run.
  enum class Graph { NotYet, Ready, Off } graph = Graph::NotYet;
  void *graphExec = nullptr;
  uint64_t runs = 0;
  ~DeviceContext();
};

/// Loads the plan's driver (CUDA or HIP), picks device `device` (-1: 0),
/// checks its compute capability (CUDA), loads `code` (PTX, JIT-compiled;
/// or an AMDGPU code object) and uploads `weights` (plan.weightsBytes bytes).
std::unique_ptr<DeviceModel> loadDeviceModel(const GpuPlan &plan, std::string code,
                                             const std::string &weights, int device,
                                             std::string &error);

/// A stream and device buffers of the given sizes (inputs, outputs, and
/// the plan's arena).
std::unique_ptr<DeviceContext> createDeviceContext(const DeviceModel &model,
                                                   const std::vector<size_t> &inputBytes,
                                                   const std::vector<size_t> &outputBytes,
                                                   std::string &error);

/// Points input (or output) `index` of the launches at the caller's device
/// memory `ptr`, or back at the context's own buffer (`ptr` 0). A captured
/// graph holds the old pointers: when any changed, it is captured again at
/// the next run.
void bindDevicePointer(DeviceContext &context, bool input, size_t index, uint64_t ptr);

/// Copies the host inputs in (those not bound to device memory), runs the
/// plan, copies the host-bound outputs back and waits for all of it; a
/// model with run-time checks leaves the code of a failed one (0: none) in
/// context.statusValue. With `wait` false (every input and output bound to
/// device memory) the run is only enqueued on the context's stream, after
/// the runs before it; synchronizeDevice waits for them.
bool runDevice(DeviceContext &context, const std::vector<const void *> &inputs,
               const std::vector<size_t> &inputBytes, const std::vector<void *> &outputs,
               const std::vector<size_t> &outputBytes, bool wait, std::string &error);

/// Waits for the runs enqueued since the last call; statusValue is the code
/// of a run-time check any of them failed (0: none).
bool synchronizeDevice(DeviceContext &context, std::string &error);

/// Device memory on the model's device (its primary context), for callers
/// that do not use the driver API themselves; copies to and from it.
bool deviceAlloc(const DeviceModel &model, size_t bytes, uint64_t &ptr, std::string &error);
bool deviceFree(const DeviceModel &model, uint64_t ptr, std::string &error);
/// Copies `bytes` between host memory `host` and device memory `dev` of
/// the model's device (to the device with `toDevice`), waiting for it.
bool deviceCopy(const DeviceModel &model, void *host, uint64_t dev, size_t bytes, bool toDevice,
                std::string &error);

} // namespace autoglm::rt

#endif // AUTOGLM_RUNTIME_DRIVER_H
