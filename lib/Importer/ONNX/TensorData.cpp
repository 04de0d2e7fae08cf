//===- TensorData.cpp - ONNX TensorProto contents as attributes ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "TensorData.h"
#include "ImportContext.h"
#include "autoglm/Support/TensorProto.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <fmt/format.h>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

/// Resolves `location` inside `modelDir`, refusing absolute paths and any
/// path whose real location escapes the folder (.., symlinks).
bool onnx_import::resolveExternal(const std::string &modelDir, const std::string &location,
                     std::string &path, std::string &error) {
  if (location.empty() || llvm::sys::path::is_absolute(location) ||
      (!location.empty() && (location[0] == '/' || location[0] == '\\'))) {
    error = fmt::format("external data location '{}' must be a relative path "
                        "inside the model folder",
                        location);
    return false;
  }
  // Lexical check first, so an escape is refused whether or not its target
  // exists; the real-path check below catches symlinks.
  llvm::SmallString<256> lexical(location);
  llvm::sys::path::remove_dots(lexical, /*remove_dot_dot=*/true);
  if (lexical == ".." || llvm::StringRef(lexical).starts_with("../")) {
    error = fmt::format("external data location '{}' resolves outside the "
                        "model folder",
                        location);
    return false;
  }
  llvm::SmallString<256> dirReal, fileReal;
  if (llvm::sys::fs::real_path(modelDir.empty() ? "." : modelDir, dirReal)) {
    error = fmt::format("cannot resolve the model folder '{}'", modelDir);
    return false;
  }
  llvm::SmallString<256> joined(dirReal);
  llvm::sys::path::append(joined, location);
  if (llvm::sys::fs::real_path(joined, fileReal)) {
    error = fmt::format("external data file '{}' does not exist", location);
    return false;
  }
  llvm::StringRef dir(dirReal), file(fileReal);
  if (!file.starts_with(dir) || file.size() == dir.size() ||
      !llvm::sys::path::is_separator(file[dir.size()])) {
    error = fmt::format("external data location '{}' resolves outside the "
                        "model folder",
                        location);
    return false;
  }
  path = fileReal.str().str();
  return true;
}

bool onnx_import::checkExternalData(const onnx::TensorProto &t,
                                    const std::string &modelDir,
                                    std::string &error) {
  if (t.data_location() != onnx::TensorProto::EXTERNAL)
    return true;
  std::string location, path;
  for (const auto &kv : t.external_data())
    if (kv.key() == "location")
      location = kv.value();
  return resolveExternal(modelDir, location, path, error);
}

bool onnx_import::readTensorBytes(const onnx::TensorProto &t,
                                  const std::string &modelDir, int64_t size,
                                  int64_t n, std::vector<char> &bytes,
                                  std::string &error) {
  const std::string name = t.name();
  uint64_t want = (uint64_t)n * (uint64_t)size;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    uint64_t offset = 0, length = 0;
    bool haveLength = false;
    for (const auto &kv : t.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset")
        offset = std::strtoull(kv.value().c_str(), nullptr, 10);
      else if (kv.key() == "length") {
        length = std::strtoull(kv.value().c_str(), nullptr, 10);
        haveLength = true;
      }
    }
    std::string path;
    if (!resolveExternal(modelDir, location, path, error))
      return false;
    auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!buf) {
      error = fmt::format("cannot read external data '{}'", location);
      return false;
    }
    uint64_t fileSize = (*buf)->getBufferSize();
    if (!haveLength)
      length = offset <= fileSize ? fileSize - offset : 0;
    if (offset > fileSize || length > fileSize - offset || length != want) {
      error = fmt::format("external data '{}' holds {} bytes at offset {} but "
                          "the shape needs {}",
                          location, offset <= fileSize ? fileSize - offset : 0,
                          offset, want);
      return false;
    }
    const char *p = (*buf)->getBufferStart() + offset;
    bytes.assign(p, p + want);
    return true;
  }
  return ::autoglm::tensorProtoBytes(t, n, bytes, error);
}

ElementsAttr onnx_import::readTensor(MLIRContext *ctx, const onnx::TensorProto &t,
                                     const std::string &modelDir,
                                     std::string &error,
                                     int64_t maxInlineElements) {
  Type elem = convertElementType(ctx, t.data_type());
  int64_t size = ::autoglm::onnxElementSize(t.data_type());
  if (!elem || !size) {
    error = fmt::format("element type {} is not supported",
                        onnx::TensorProto_DataType_Name(
                            (onnx::TensorProto_DataType)t.data_type()));
    return {};
  }
  SmallVector<int64_t> shape;
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > kMaxDim) {
      error = fmt::format("dimension {} is out of range", d);
      return {};
    }
    shape.push_back(d);
    if (d && n > kMaxElements / d) {
      error = "element count exceeds 2^40";
      return {};
    }
    n *= d;
  }
  std::vector<char> bytes;
  if (!readTensorBytes(t, modelDir, size, n, bytes, error))
    return {};
  auto type = RankedTensorType::get(shape, elem);
  if (elem.isInteger(1)) {
    SmallVector<bool> bits(n);
    for (int64_t i = 0; i < n; ++i)
      bits[i] = bytes[i] != 0;
    return DenseElementsAttr::get(type, ArrayRef<bool>(bits));
  }
  if (n <= maxInlineElements)
    return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(bytes));
  std::string key = t.name().empty() ? std::string("tensor") : t.name();
  for (char &c : key)
    if (!isalnum((unsigned char)c) && c != '_' && c != '.')
      c = '_';
  if (!isalpha((unsigned char)key[0]) && key[0] != '_')
    key = "w_" + key;
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(bytes), std::max<size_t>(size, 8));
  return DenseResourceElementsAttr::get(type, key, std::move(blob));
}
