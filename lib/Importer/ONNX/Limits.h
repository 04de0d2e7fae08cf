//===- Limits.h - resource limits of an ONNX import ---------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Private to lib/Importer/ONNX. A hostile model declares sizes it does not
// hold (a 2 GB initializer in a 1 KB file, 10^6 nodes, 1,000 nested Ifs);
// these checks refuse it from its declarations, before ONNX's checker and
// shape inference run and before anything is allocated for them.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_ONNX_LIMITS_H
#define AUTOGLM_LIB_IMPORTER_ONNX_LIMITS_H

#include "autoglm/Importer/ONNXImporter.h"

#include "mlir/IR/Location.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace mlir::autoglm::onnx_import {

/// "8589934592 bytes (8.0 GiB)".
std::string formatBytes(uint64_t bytes);

/// options.maxMemory, or its default.
uint64_t memoryLimit(const ONNXImportOptions &options);

/// Why a tensor of `dims` with `elementSize`-byte elements (0: unknown) is
/// too large: more than 2^40 elements, or more bytes than `limit`; empty if
/// it is not. Open extents (negative) do not count; callers check each
/// extent's range themselves.
std::string tensorSizeError(llvm::ArrayRef<int64_t> dims, int64_t elementSize, uint64_t limit);

/// The node count of a serialized ModelProto's main graph, read from the
/// wire format without parsing the nodes (a 36 MB file of 10^6 nodes parses
/// into ~550 MB); -1 if the bytes do not scan as a ModelProto.
int64_t scanNodeCount(llvm::StringRef bytes);

/// The limits of `options` on the shape of `model`'s graph: the nesting of
/// its subgraphs and its node count. Runs first: everything after walks the
/// graph.
LogicalResult checkGraphLimits(const onnx::ModelProto &model, Location fileLoc,
                               const ONNXImportOptions &options);

/// What `model` declares: every value at most 2^40 elements, every constant
/// (initializer, Constant node) and all of them together within the memory
/// limit. Runs after the graph checks that name a node
/// (a bad shape they catch is better named there), before ONNX's checker
/// and shape inference.
LogicalResult checkTensorLimits(const onnx::ModelProto &model, Location fileLoc,
                                const ONNXImportOptions &options);

} // namespace mlir::autoglm::onnx_import

#endif // AUTOGLM_LIB_IMPORTER_ONNX_LIMITS_H
