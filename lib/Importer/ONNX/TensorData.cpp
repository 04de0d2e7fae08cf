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
#include <optional>

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
  if (file == dir) {
    error = fmt::format("external data location '{}' names the model folder, not a file", location);
    return false;
  }
  // Inside: the folder's path and a separator (the folder may be "/").
  if (!file.starts_with(dir) || (!llvm::sys::path::is_separator(dir.back()) &&
                                 !llvm::sys::path::is_separator(file[dir.size()]))) {
    error = fmt::format("external data location '{}' resolves outside the "
                        "model folder",
                        location);
    return false;
  }
  path = fileReal.str().str();
  return true;
}

namespace {

/// Where a tensor's external data lies, checked against the file.
struct ExternalData {
  std::string location, path;
  uint64_t offset = 0, length = 0;
};

/// An external_data offset or length: decimal digits only (strtoull would
/// take "-16" as 2^64 - 16 and "abc" as 0).
bool parseExternalNumber(const std::string &text, uint64_t &out) {
  if (text.empty() || text.size() > 20 ||
      !llvm::all_of(text, [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return !llvm::StringRef(text).getAsInteger(10, out);
}

/// The bytes `t` declares (its shape times its element size), if its shape
/// and type are ones readTensor takes.
std::optional<uint64_t> declaredBytes(const onnx::TensorProto &t) {
  int64_t size = ::autoglm::onnxElementSize(t.data_type());
  uint64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > kMaxDim || (d && n > (uint64_t)kMaxElements / (uint64_t)d))
      return std::nullopt;
    n *= (uint64_t)d;
  }
  if (!size)
    return std::nullopt;
  return n * (uint64_t)size;
}

/// Everything about a tensor's external data but its bytes: the location
/// (inside the model folder, a regular file), offset and length (numbers
/// inside the file) and, when `want` is known, the length the shape needs.
bool locateExternal(const onnx::TensorProto &t, const std::string &modelDir,
                    std::optional<uint64_t> want, ExternalData &ext, std::string &error) {
  bool haveLength = false;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location") {
      ext.location = kv.value();
    } else if (kv.key() == "offset" || kv.key() == "length") {
      uint64_t &field = kv.key() == "offset" ? ext.offset : ext.length;
      if (!parseExternalNumber(kv.value(), field)) {
        error = fmt::format("external data {} '{}' is not a decimal integer in [0, 2^64)", kv.key(),
                            kv.value());
        return false;
      }
      haveLength |= kv.key() == "length";
    }
  }
  if (!resolveExternal(modelDir, ext.location, ext.path, error))
    return false;
  llvm::sys::fs::file_status st;
  if (llvm::sys::fs::status(ext.path, st)) {
    error = fmt::format("cannot read external data '{}'", ext.location);
    return false;
  }
  // A directory does not read; a FIFO or a device would block or never end.
  if (st.type() == llvm::sys::fs::file_type::directory_file) {
    error = fmt::format("external data location '{}' is a directory, not a file", ext.location);
    return false;
  }
  if (st.type() != llvm::sys::fs::file_type::regular_file) {
    error = fmt::format("external data location '{}' is not a regular file", ext.location);
    return false;
  }
  uint64_t fileSize = st.getSize();
  if (ext.offset > fileSize) {
    error = fmt::format("external data '{}': offset {} is past the end of the file ({} bytes)",
                        ext.location, ext.offset, fileSize);
    return false;
  }
  if (haveLength && ext.length > fileSize - ext.offset) {
    error = fmt::format("external data '{}': {} bytes at offset {} run past the end of the "
                        "file ({} bytes)",
                        ext.location, ext.length, ext.offset, fileSize);
    return false;
  }
  if (!haveLength)
    ext.length = fileSize - ext.offset;
  if (want && ext.length != *want) {
    error = haveLength ? fmt::format("external data '{}' has length {} but the shape needs {}",
                                     ext.location, ext.length, *want)
                       : fmt::format("external data '{}' holds {} bytes at offset {} but the "
                                     "shape needs {}",
                                     ext.location, ext.length, ext.offset, *want);
    return false;
  }
  return true;
}

} // namespace

bool onnx_import::checkExternalData(const onnx::TensorProto &t,
                                    const std::string &modelDir,
                                    std::string &error) {
  if (t.data_location() != onnx::TensorProto::EXTERNAL)
    return true;
  ExternalData ext;
  return locateExternal(t, modelDir, declaredBytes(t), ext, error);
}

bool onnx_import::readTensorBytes(const onnx::TensorProto &t, const std::string &modelDir,
                                  int64_t size, int64_t n, std::vector<char> &bytes,
                                  std::string &error) {
  uint64_t want = (uint64_t)n * (uint64_t)size;
  if (t.data_location() != onnx::TensorProto::EXTERNAL)
    return ::autoglm::tensorProtoBytes(t, n, bytes, error);
  ExternalData ext;
  if (!locateExternal(t, modelDir, want, ext, error))
    return false;
  // read(), not a mapping: a file cut short meanwhile is a short read here,
  // where a mapping would fault (SIGBUS) on the missing pages.
  auto file = llvm::sys::fs::openNativeFileForRead(ext.path);
  if (!file) {
    llvm::consumeError(file.takeError());
    error = fmt::format("cannot read external data '{}'", ext.location);
    return false;
  }
  bytes.resize(want);
  uint64_t done = 0;
  while (done < want) {
    auto got = llvm::sys::fs::readNativeFileSlice(
        *file, llvm::MutableArrayRef<char>(bytes.data() + done, want - done), ext.offset + done);
    if (!got || *got == 0) {
      if (!got)
        llvm::consumeError(got.takeError());
      break;
    }
    done += *got;
  }
  llvm::sys::fs::closeFile(*file);
  if (done != want) {
    error = fmt::format("external data '{}' ended after {} of {} bytes at offset {}", ext.location,
                        done, want, ext.offset);
    return false;
  }
  return true;
}

DenseElementsAttr onnx_import::denseOf(RankedTensorType type,
                                       llvm::function_ref<double(int64_t)> value) {
  Type elem = type.getElementType();
  int64_t n = type.getNumElements();
  if (elem.isInteger(1)) {
    SmallVector<bool> bits(n);
    for (int64_t i = 0; i < n; ++i)
      bits[i] = value(i) != 0;
    return DenseElementsAttr::get(type, ArrayRef<bool>(bits));
  }
  unsigned bytesPer = elem.getIntOrFloatBitWidth() / 8;
  std::vector<char> bytes((size_t)n * bytesPer);
  for (int64_t i = 0; i < n; ++i) {
    double v = value(i);
    char *dst = bytes.data() + i * bytesPer;
    uint64_t raw;
    if (elem.isF32()) {
      float f = (float)v;
      std::memcpy(dst, &f, 4);
      continue;
    }
    if (auto ft = dyn_cast<FloatType>(elem)) {
      APFloat a(v);
      bool lost;
      a.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      raw = a.bitcastToAPInt().getZExtValue();
    } else {
      raw = (uint64_t)(int64_t)v;
    }
    std::memcpy(dst, &raw, bytesPer);
  }
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
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
