//===- ONNXImporter.h - ONNX ModelProto to the autoglm dialect ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_IMPORTER_ONNXIMPORTER_H
#define AUTOGLM_IMPORTER_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <vector>
#include <string>

namespace mlir::autoglm {

struct ONNXImportOptions {
  /// Folder that external data must stay inside; defaults to the model's.
  std::string modelDir;
  /// Name used for locations and diagnostics (usually the file path).
  std::string sourceName = "model.onnx";
  /// Models whose default-domain opset is older than this are upgraded with
  /// onnx's version converter first.
  int64_t minOpset = 13;
  /// Name of the emitted function.
  std::string funcName = "main";
  /// Graph inputs fixed to constants: name -> serialized TensorProto file.
  /// They become initializers (and so can feed shape parameters).
  std::map<std::string, std::string> boundInputs;
  /// Shape specialization, applied before ONNX shape inference: every graph
  /// input dimension named `dim_param` gets the given extent...
  std::map<std::string, int64_t> dimValues;
  /// ...and these graph inputs get these shapes (extents the model fixes
  /// must agree).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// A decoder's static entry (enable_cache for targets that take static
  /// shapes): input_ids' open extents, by their dim_params wherever those
  /// appear, become {batch, tokens}. Empty: left as exported.
  std::vector<int64_t> tokenShape;
  /// Open dimensions (by dim_param) kept open, with an upper bound; recorded
  /// as the module attribute `autoglm.dim_bounds` for the lowering.
  std::map<std::string, int64_t> dimBounds;
  /// The least extent of an open dimension (dynamic_shape's min), recorded
  /// as `autoglm.dim_mins`: the manifest's min_shape, which the runtime
  /// checks.
  std::map<std::string, int64_t> dimMins;
  /// Per graph input, the range of shapes the artifact takes (the build
  /// config's `dynamic_shape: {input: {min, opt, max}}`): extents equal in
  /// min and max are fixed, the others kept open up to max (by their
  /// dim_param; one the model fixes must lie in the range), at least min
  /// (dimMins). `opt` is recorded, not yet used to specialize kernels.
  struct ShapeRange {
    std::vector<int64_t> min, opt, max;
  };
  std::map<std::string, ShapeRange> inputRanges;
  /// Every static extent of a graph input made open, bounded by its value
  /// (how the conformance suite exercises open extents).
  bool openInputs = false;

  /// Resource limits, checked before anything is allocated for what they
  /// bound (docs/fuzzing.md, "Resource limits and external data"): the most
  /// bytes of constant data, each constant alone (an initializer, a Constant
  /// node, one the importer builds such as Range's) and all the model's
  /// declared ones together; 0 takes defaultMaxMemory().
  uint64_t maxMemory = 0;
  /// The most nodes, counting those of subgraphs and each iteration of an
  /// unrolled loop.
  int64_t maxNodes = 1000000;
  /// The deepest nesting of subgraphs (If branches, Loop and Scan bodies).
  int64_t maxSubgraphDepth = 64;
};

/// The default of ONNXImportOptions::maxMemory: half of the memory this
/// process may use (physical memory, or less under a cgroup memory limit or
/// `ulimit -v`); 16 GiB where none of those can be read.
uint64_t defaultMaxMemory();

/// Largest value --max-subgraph-depth takes (the protobuf parser and ONNX's
/// checker recurse once per level).
constexpr int64_t kMaxSubgraphDepthLimit = 256;

/// Imports a serialized ModelProto. On any error a diagnostic is emitted on
/// `ctx` (naming the ONNX node where there is one) and null is returned.
OwningOpRef<ModuleOp> importONNXModel(llvm::StringRef bytes, MLIRContext *ctx,
                                      const ONNXImportOptions &options);

/// Imports a model written in ONNX's textual syntax (onnx/defs/parser.h).
OwningOpRef<ModuleOp> importONNXText(llvm::StringRef text, MLIRContext *ctx,
                                     const ONNXImportOptions &options);

/// Reads `path` (binary ModelProto) and imports it; modelDir defaults to the
/// file's folder.
OwningOpRef<ModuleOp> importONNXFile(llvm::StringRef path, MLIRContext *ctx,
                                     ONNXImportOptions options = {});

/// Registers the dialects that imported modules use.
void registerONNXImportDialects(DialectRegistry &registry);

} // namespace mlir::autoglm

#endif // AUTOGLM_IMPORTER_ONNXIMPORTER_H
