//===- TensorData.h - ONNX TensorProto contents as MLIR attributes -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_ONNX_TENSORDATA_H
#define AUTOGLM_LIB_IMPORTER_ONNX_TENSORDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace mlir::autoglm::onnx_import {

/// Largest extent and element count the importer accepts; anything larger is
/// certainly a corrupt or hostile model.
constexpr int64_t kMaxDim = int64_t(1) << 40;
constexpr int64_t kMaxElements = int64_t(1) << 40;

/// Reads a TensorProto (inline or external data) into an ElementsAttr:
/// dense_resource for anything larger than `maxInlineElements`, dense<>
/// otherwise. `modelDir` confines external data. On failure returns null and
/// sets `error`.
ElementsAttr readTensor(MLIRContext *ctx, const onnx::TensorProto &tensor,
                        const std::string &modelDir, std::string &error,
                        int64_t maxInlineElements = 64);

/// Resolves an external-data `location` inside `modelDir`: absolute paths
/// and anything whose real path (after .. and symlinks) leaves the folder are
/// refused with a message in `error`.
bool resolveExternal(const std::string &modelDir, const std::string &location,
                     std::string &path, std::string &error);

/// Checks a tensor's external-data location (if any) without reading it.
bool checkExternalData(const onnx::TensorProto &tensor, const std::string &modelDir,
                       std::string &error);

/// The raw little-endian bytes of a tensor whose data may be external.
bool readTensorBytes(const onnx::TensorProto &tensor, const std::string &modelDir,
                     int64_t elementSize, int64_t numElements,
                     std::vector<char> &bytes, std::string &error);

} // namespace mlir::autoglm::onnx_import

#endif // AUTOGLM_LIB_IMPORTER_ONNX_TENSORDATA_H
