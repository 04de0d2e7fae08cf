//===- Samples.cpp - calibration samples and labels ------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "Samples.h"
#include "autoglm/Support/TensorProto.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;
using session::fail;

namespace {

/// The runtime's dtype name of an ONNX element type ("" if none).
std::string dtypeOfOnnx(int32_t t) {
  switch (t) {
  case onnx::TensorProto::FLOAT:
    return "float32";
  case onnx::TensorProto::DOUBLE:
    return "float64";
  case onnx::TensorProto::INT8:
    return "int8";
  case onnx::TensorProto::UINT8:
    return "uint8";
  case onnx::TensorProto::INT32:
    return "int32";
  case onnx::TensorProto::INT64:
    return "int64";
  case onnx::TensorProto::BOOL:
    return "bool";
  default:
    return "";
  }
}

/// Reads a TensorProto file's data as `spec`'s dtype; with `stacked`, any
/// whole number of samples.
LogicalResult readTensorFile(const std::string &path, const InputSpec &spec, bool stacked,
                             std::vector<char> &bytes, std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return fail(error,
                "cannot read the calibration file '" + path + "': " + buffer.getError().message());
  onnx::TensorProto t;
  if (!t.ParseFromArray((*buffer)->getBufferStart(), (int)(*buffer)->getBufferSize()))
    return fail(error, "calibration file '" + path + "' is not a TensorProto (.pb)");
  std::string dtype = dtypeOfOnnx(t.data_type());
  if (dtype != spec.dtype)
    return fail(error, "calibration file '" + path + "' holds " +
                           (dtype.empty() ? "an unsupported element type" : dtype) + ", input '" +
                           spec.name + "' takes " + spec.dtype);
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && n > (int64_t(1) << 40) / d))
      return fail(error, "calibration file '" + path + "' declares an invalid shape");
    n *= d;
  }
  if (!::autoglm::tensorProtoBytes(t, n, bytes, error))
    return fail(error, "calibration file '" + path + "': " + error);
  if (bytes.empty() || (stacked ? bytes.size() % spec.bytes : bytes.size() != spec.bytes)) {
    std::string shape;
    for (int64_t d : spec.shape)
      shape += (shape.empty() ? "" : "x") + std::to_string(d);
    return fail(error, "calibration file '" + path + "' holds " + std::to_string(bytes.size()) +
                           " bytes, not " + (stacked ? "whole samples" : "one sample") +
                           " of input '" + spec.name + "' (" + spec.dtype + "[" + shape + "], " +
                           std::to_string(spec.bytes) + " bytes)");
  }
  if (spec.dtype == "float32")
    for (size_t i = 0; i < bytes.size(); i += 4) {
      float v;
      std::memcpy(&v, bytes.data() + i, 4);
      if (!std::isfinite(v))
        return fail(error, "calibration file '" + path + "' holds NaN or Inf (element " +
                               std::to_string(i / 4) + ")");
    }
  return success();
}

} // namespace

std::vector<InputSpec> mlir::autoglm::inputSpecs(autoglm_model *model, size_t count) {
  std::vector<InputSpec> inputs;
  for (size_t i = 0; i < std::min(count, autoglm_model_num_inputs(model)); ++i) {
    InputSpec s;
    s.name = autoglm_model_input_name(model, i);
    s.dtype = autoglm_dtype_name(autoglm_model_input_dtype(model, i));
    const int64_t *shape = autoglm_model_input_shape(model, i);
    s.shape.assign(shape, shape + autoglm_model_input_rank(model, i));
    s.bytes = autoglm_model_input_bytes(model, i);
    inputs.push_back(s);
  }
  return inputs;
}

LogicalResult mlir::autoglm::readSamples(const std::string &path,
                                         const std::vector<InputSpec> &inputs,
                                         std::vector<Sample> &out, std::string &error) {
  if (!llvm::sys::fs::exists(path))
    return fail(error, "calibration set '" + path + "' does not exist");
  if (!llvm::sys::fs::is_directory(path)) {
    if (inputs.size() != 1)
      return fail(error, "a stacked calibration file needs a single-input model (this one has " +
                             std::to_string(inputs.size()) +
                             " inputs: give a folder of input_<i>.pb folders)");
    std::vector<char> all;
    if (failed(readTensorFile(path, inputs[0], /*stacked=*/true, all, error)))
      return failure();
    size_t n = all.size() / inputs[0].bytes;
    for (size_t s = 0; s < n; ++s)
      out.push_back({{std::vector<char>(all.begin() + s * inputs[0].bytes,
                                        all.begin() + (s + 1) * inputs[0].bytes)},
                     path + " sample " + std::to_string(s)});
    return success();
  }
  std::vector<std::string> entries;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec; it.increment(ec))
    entries.push_back(it->path());
  if (ec)
    return fail(error, "cannot list the calibration folder '" + path + "': " + ec.message());
  llvm::sort(entries);
  for (const std::string &e : entries) {
    Sample s;
    s.source = e;
    if (llvm::sys::fs::is_directory(e)) {
      for (size_t i = 0; i < inputs.size(); ++i) {
        std::vector<char> bytes;
        if (failed(readTensorFile(e + "/input_" + std::to_string(i) + ".pb", inputs[i], false,
                                  bytes, error)))
          return failure();
        s.inputs.push_back(std::move(bytes));
      }
    } else if (llvm::StringRef(e).ends_with(".pb")) {
      if (inputs.size() != 1)
        return fail(error, "calibration file '" + e + "' is one tensor, but the model has " +
                               std::to_string(inputs.size()) +
                               " inputs (give folders of input_<i>.pb)");
      std::vector<char> bytes;
      if (failed(readTensorFile(e, inputs[0], false, bytes, error)))
        return failure();
      s.inputs.push_back(std::move(bytes));
    } else {
      continue;
    }
    out.push_back(std::move(s));
  }
  return success();
}

LogicalResult mlir::autoglm::readLabels(const std::string &path, size_t count,
                                        std::vector<int64_t> &out, std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return fail(error,
                "cannot read the labels file '" + path + "': " + buffer.getError().message());
  onnx::TensorProto t;
  if (!t.ParseFromArray((*buffer)->getBufferStart(), (int)(*buffer)->getBufferSize()))
    return fail(error, "labels file '" + path + "' is not a TensorProto (.pb)");
  int elem = t.data_type() == onnx::TensorProto::INT64   ? 8
             : t.data_type() == onnx::TensorProto::INT32 ? 4
                                                         : 0;
  if (!elem)
    return fail(error, "labels file '" + path + "' holds " +
                           (dtypeOfOnnx(t.data_type()).empty() ? std::string("non-integer")
                                                               : dtypeOfOnnx(t.data_type())) +
                           " data, not int64 or int32 class labels");
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && n > (int64_t(1) << 40) / d))
      return fail(error, "labels file '" + path + "' declares an invalid shape");
    n *= d;
  }
  if ((size_t)n != count)
    return fail(error, "labels file '" + path + "' holds " + std::to_string(n) +
                           " labels, the calibration samples need " + std::to_string(count) +
                           " (one per row of output 0)");
  std::vector<char> bytes;
  if (!::autoglm::tensorProtoBytes(t, n, bytes, error))
    return fail(error, "labels file '" + path + "': " + error);
  out.resize(count);
  for (size_t i = 0; i < count; ++i) {
    if (elem == 8) {
      std::memcpy(&out[i], bytes.data() + i * 8, 8);
    } else {
      int32_t v;
      std::memcpy(&v, bytes.data() + i * 4, 4);
      out[i] = v;
    }
  }
  return success();
}
