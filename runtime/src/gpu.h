//===- gpu.h - the launch plan of a GPU artifact --------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A GPU artifact's manifest carries a "gpu" section: the code object, the
// weights blob, the arena and the list of kernel launches, each argument a
// byte offset into one of the model's buffers or a scalar. It is parsed and
// checked here, before any driver is loaded, so that a malformed plan is
// refused with the same message on a machine with no GPU. Vendor-neutral:
// the CUDA driver (cuda.cpp) and later HIP replay the same plan.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUNTIME_GPU_H
#define AUTOGLM_RUNTIME_GPU_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace autoglm::rt {

struct GpuArg {
  enum Kind : uint8_t { Input, Output, Arena, Weights, Status, I64, I32, F32, F64 };
  Kind kind = Input;
  size_t index = 0;    // which input / output
  uint64_t offset = 0; // bytes into the buffer
  // A scalar's value, its bytes at the start (4 or 8 of them).
  unsigned char bits[8] = {};
  bool isBuffer() const { return kind <= Status; }
};

struct GpuLaunch {
  size_t kernel = 0;
  unsigned grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
  unsigned sharedBytes = 0;
  std::vector<GpuArg> args;
  std::string node; // the ONNX node it computes, where the manifest says
};

struct GpuPlan {
  std::string target; // the manifest's target name, e.g. "cuda-sm90"
  std::string api;    // "cuda"
  std::string arch;   // "sm_90"
  // The compute capability the code needs: this one or newer; `exact`
  // (sm_90a) that one only; `family` (sm_100f) that major version only.
  int major = 0, minor = 0;
  bool exact = false, family = false;
  std::string module, weights;
  size_t weightsBytes = 0, arenaBytes = 0;
  // The model has run-time checks (manifest "status"): an int32 on the
  // device that the kernels set to the 1-based code of a failed check.
  bool status = false;
  std::vector<std::string> kernels;
  std::vector<GpuLaunch> launches;
};

/// Reads and checks the manifest's "gpu" section against the artifact's
/// input and output byte sizes and its "files"; `dir` is the artifact, for
/// the message. Sizes of files on disk are checked by the caller.
bool parseGpuPlan(const nlohmann::json &manifest, const std::string &dir,
                  const std::vector<size_t> &inputBytes, const std::vector<size_t> &outputBytes,
                  GpuPlan &plan, std::string &error);

} // namespace autoglm::rt

#endif // AUTOGLM_RUNTIME_GPU_H
