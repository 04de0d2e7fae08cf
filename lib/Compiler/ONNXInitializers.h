//===- ONNXInitializers.h - reading a ModelProto's initializers ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Shared by the writers that edit the user's own ONNX file (--emit
// pruned-onnx, --emit qdq-onnx).
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_COMPILER_ONNXINITIALIZERS_H
#define AUTOGLM_LIB_COMPILER_ONNXINITIALIZERS_H

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace mlir::autoglm::session {

/// The f32 contents of an initializer stored in the model file (raw or
/// float_data; not external data).
inline bool readFloats(const onnx::TensorProto &t, std::vector<float> &out) {
  if (t.data_type() != onnx::TensorProto::FLOAT || t.data_location() == onnx::TensorProto::EXTERNAL)
    return false;
  int64_t n = 1;
  for (int64_t d : t.dims())
    n *= d;
  if (t.has_raw_data()) {
    if ((int64_t)t.raw_data().size() != n * 4)
      return false;
    out.resize(n);
    std::memcpy(out.data(), t.raw_data().data(), n * 4);
    return true;
  }
  if (t.float_data_size() != n)
    return false;
  out.assign(t.float_data().begin(), t.float_data().end());
  return true;
}

} // namespace mlir::autoglm::session

#endif // AUTOGLM_LIB_COMPILER_ONNXINITIALIZERS_H
