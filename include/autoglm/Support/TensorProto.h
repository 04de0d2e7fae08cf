//===- TensorProto.h - inline ONNX TensorProto data as bytes -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Header-only and free of LLVM/MLIR: used by the importer and by
// autoglm-run, which deploys beside the runtime.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_SUPPORT_TENSORPROTO_H
#define AUTOGLM_SUPPORT_TENSORPROTO_H

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace autoglm {

/// Bytes per element of an ONNX data type the toolchain carries (0 if none).
inline int64_t onnxElementSize(int32_t t) {
  switch (t) {
  case onnx::TensorProto::BOOL:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return 1;
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
    return 2;
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::FLOAT:
    return 4;
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
  case onnx::TensorProto::DOUBLE:
    return 8;
  default:
    return 0;
  }
}

namespace detail {
template <typename Field>
void copyTyped(const Field &field, int64_t n, int64_t size, int32_t type,
               std::vector<char> &out) {
  out.resize(n * size);
  for (int64_t i = 0; i < n; ++i) {
    auto v = field.Get(i);
    char *dst = &out[i * size];
    if (type == onnx::TensorProto::FLOAT) {
      float x = (float)v;
      std::memcpy(dst, &x, 4);
    } else if (type == onnx::TensorProto::DOUBLE) {
      double x = (double)v;
      std::memcpy(dst, &x, 8);
    } else {
      // Integers and fp16/bf16 bit patterns: little-endian truncation.
      uint64_t x = (uint64_t)(int64_t)v;
      std::memcpy(dst, &x, size);
    }
  }
}
} // namespace detail

/// The tensor's inline data (raw_data or the typed field) as little-endian
/// bytes of `n` elements; false with a reason if it holds a different count.
inline bool tensorProtoBytes(const onnx::TensorProto &t, int64_t n,
                             std::vector<char> &out, std::string &error) {
  int32_t type = t.data_type();
  int64_t size = onnxElementSize(type);
  uint64_t want = (uint64_t)n * (uint64_t)size;
  if (t.has_raw_data()) {
    if (t.raw_data().size() != want) {
      error = "raw_data holds " + std::to_string(t.raw_data().size()) +
              " bytes but the shape needs " + std::to_string(want);
      return false;
    }
    out.assign(t.raw_data().begin(), t.raw_data().end());
    return true;
  }
  int64_t have;
  switch (type) {
  case onnx::TensorProto::FLOAT:
    have = t.float_data_size();
    if (have == n)
      detail::copyTyped(t.float_data(), n, size, type, out);
    break;
  case onnx::TensorProto::DOUBLE:
    have = t.double_data_size();
    if (have == n)
      detail::copyTyped(t.double_data(), n, size, type, out);
    break;
  case onnx::TensorProto::INT64:
    have = t.int64_data_size();
    if (have == n)
      detail::copyTyped(t.int64_data(), n, size, type, out);
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    have = t.uint64_data_size();
    if (have == n)
      detail::copyTyped(t.uint64_data(), n, size, type, out);
    break;
  default: // int32_data carries every narrower type, fp16/bf16 as bits
    have = t.int32_data_size();
    if (have == n)
      detail::copyTyped(t.int32_data(), n, size, type, out);
    break;
  }
  if (have != n) {
    error = "data holds " + std::to_string(have) + " elements but the shape needs " +
            std::to_string(n);
    return false;
  }
  return true;
}

} // namespace autoglm

#endif // AUTOGLM_SUPPORT_TENSORPROTO_H
