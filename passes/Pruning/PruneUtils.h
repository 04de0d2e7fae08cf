//===- PruneUtils.h - what the pruning passes share ----------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_PRUNING_PRUNEUTILS_H
#define AUTOGLM_PASSES_PRUNING_PRUNEUTILS_H

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include <string>

namespace mlir::autoglm {

/// The module attribute the pruning passes append their decisions to (an
/// array of dictionaries, one per group or layer), which the compile
/// session's report reads.
constexpr const char *kPruneReport = "autoglm.prune_report";

/// Appends `entry` to the module's prune report.
void appendPruneReport(Operation *module, DictionaryAttr entry);

/// The module attribute autoglm-prune-structured records every weight slice
/// in, in order, for --emit pruned-onnx to replay on the ONNX model:
/// {initializer, nodes, shape (before), axis, inner, kept, set_group}.
constexpr const char *kPruneEdits = "autoglm.prune_edits";
void appendPruneEdit(Operation *module, DictionaryAttr edit);

/// The ONNX node an op came from, or its op name when it has none (for
/// remarks and the report).
std::string layerName(Operation *op);

/// `v` as printf's %g writes it (diagnostics print doubles as 1.5e+00).
std::string formatRatio(double v);

/// A constant to replace `old` (an f32 constant): the same form (dense<>
/// stays dense<>, a resource blob becomes one named `<old's name><suffix>`).
Value replacementConstant(OpBuilder &b, Value old, ArrayRef<int64_t> shape, ArrayRef<float> values,
                          StringRef suffix);

/// A prunable weight: the constant f32 weight of a conv, linear or matmul
/// with a 2-D constant right-hand side, seen as [rows = output channels,
/// cols = reduction]. `rowStride` / `colStride` locate (r, c) in the
/// constant's row-major data.
struct WeightView {
  unsigned operand = 1;
  int64_t rows = 0, cols = 0, rowStride = 0, colStride = 0;
};

/// The op's weight view, or nothing when it has no prunable weight.
std::optional<WeightView> prunableWeight(Operation *op);

} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_PRUNING_PRUNEUTILS_H
