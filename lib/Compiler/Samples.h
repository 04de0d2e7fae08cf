//===- Samples.h - calibration samples and the runs over them -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// What the session's data-driven stages share (int8 calibration and its
// accuracy budget, pruning sensitivity and allocation): the samples a user
// gives (--calib), their labels (--calib-labels), and a host artifact run
// over them through the real runtime.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_COMPILER_SAMPLES_H
#define AUTOGLM_LIB_COMPILER_SAMPLES_H

#include "Common.h"
#include "autoglm/runtime.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <string>
#include <vector>

namespace mlir::autoglm {

struct InputSpec {
  std::string name, dtype;
  std::vector<int64_t> shape;
  size_t bytes = 0;
};

/// One calibration sample: the bytes of every model input, and where they
/// came from (for messages).
struct Sample {
  std::vector<std::vector<char>> inputs;
  std::string source;
};

/// A temporary folder, removed with everything in it at the end of scope.
struct ScratchDir {
  llvm::SmallString<128> path;
  ScratchDir() = default;
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;
  ~ScratchDir() {
    if (!path.empty())
      llvm::sys::fs::remove_directories(path);
  }
  LogicalResult create(const char *prefix, std::string &error) {
    if (llvm::sys::fs::createUniqueDirectory(prefix, path))
      return session::fail(error, "cannot create a temporary directory");
    return success();
  }
};

/// Bisection between `lo` and `hi` (hi > lo) for a predicate that holds at
/// `lo` and not at `hi` (each call a measurement): on return hi == lo + 1,
/// the last index where it held and the first where it did not.
inline LogicalResult bisect(size_t &lo, size_t &hi,
                            llvm::function_ref<FailureOr<bool>(size_t)> holds) {
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    FailureOr<bool> h = holds(mid);
    if (failed(h))
      return failure();
    (*h ? lo : hi) = mid;
  }
  return success();
}

/// The first `count` inputs of a loaded model (all of them by default).
std::vector<InputSpec> inputSpecs(autoglm_model *model, size_t count = SIZE_MAX);

/// The samples at `path`: a folder of .pb files (one sample of a
/// single-input model each) or of folders with input_<i>.pb, or one .pb of
/// samples stacked along axis 0.
LogicalResult readSamples(const std::string &path, const std::vector<InputSpec> &inputs,
                          std::vector<Sample> &out, std::string &error);

/// Integer class labels (a TensorProto .pb of int64 or int32), `count` of
/// them (one per row of output 0 over all samples).
LogicalResult readLabels(const std::string &path, size_t count, std::vector<int64_t> &out,
                         std::string &error);

/// Loads the calibration artifact and runs it; `visit(k, data, n)` sees the
/// k-th exposed tensor of every sample.
struct CalibrationRunner {
  CalibrationRunner() = default;
  CalibrationRunner(const CalibrationRunner &) = delete;
  CalibrationRunner &operator=(const CalibrationRunner &) = delete;
  autoglm_model *model = nullptr;
  autoglm_context *ctx = nullptr;
  std::vector<std::vector<char>> outputs;
  std::vector<bool> fixedShape;
  /// The float32 outputs of fixed shape before the exposed ones (what an
  /// accuracy measurement compares).
  std::vector<size_t> comparableOutputs() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < firstExposed; ++i)
      if (fixedShape[i] &&
          std::string(autoglm_dtype_name(autoglm_model_output_dtype(model, i))) == "float32")
        out.push_back(i);
    return out;
  }
  size_t firstExposed = 0;
  ~CalibrationRunner() {
    if (ctx)
      autoglm_context_release(ctx);
    if (model)
      autoglm_model_release(model);
  }
  LogicalResult open(const std::string &dir, size_t exposed, std::string &error, int threads = 0) {
    if (autoglm_model_load(dir.c_str(), &model) || autoglm_context_create(model, threads, &ctx))
      return session::fail(error, std::string("calibration model: ") + autoglm_last_error());
    size_t n = autoglm_model_num_outputs(model);
    firstExposed = n - exposed;
    outputs.resize(n);
    for (size_t i = 0; i < n; ++i) {
      // An output whose extents depend on the data (NonZero, NMS) binds a
      // buffer of its bound; `fixedShape` says which ones the session may
      // compare element by element.
      const int64_t *shape = autoglm_model_output_shape(model, i);
      fixedShape.push_back(std::none_of(shape, shape + autoglm_model_output_rank(model, i),
                                        [](int64_t d) { return d < 0; }));
      outputs[i].resize(autoglm_model_output_bytes(model, i));
      if (autoglm_context_set_output(
              ctx, i, autoglm_model_output_dtype(model, i), autoglm_model_output_rank(model, i),
              autoglm_model_output_max_shape(model, i), outputs[i].data(), outputs[i].size()))
        return session::fail(error, std::string("calibration model: ") + autoglm_last_error());
    }
    return success();
  }
  template <typename Fn> LogicalResult run(const Sample &s, Fn visit, std::string &error) {
    for (size_t i = 0; i < s.inputs.size(); ++i)
      if (autoglm_context_set_input(
              ctx, i, autoglm_model_input_dtype(model, i), autoglm_model_input_rank(model, i),
              autoglm_model_input_shape(model, i), s.inputs[i].data(), s.inputs[i].size()))
        return session::fail(error, s.source + ": " + autoglm_last_error());
    if (autoglm_context_run(ctx))
      return session::fail(error, s.source + ": " + autoglm_last_error());
    for (size_t k = firstExposed; k < outputs.size(); ++k)
      visit(k - firstExposed, (const float *)outputs[k].data(), outputs[k].size() / 4);
    return success();
  }
};

} // namespace mlir::autoglm

#endif // AUTOGLM_LIB_COMPILER_SAMPLES_H
