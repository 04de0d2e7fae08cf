//===- Passes.h - passes that stay inside the autoglm dialect -----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TRANSFORMS_PASSES_H
#define AUTOGLM_TRANSFORMS_PASSES_H

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include "mlir/Pass/Pass.h"

namespace mlir::autoglm {

#define GEN_PASS_DECL
#include "autoglm/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "autoglm/Transforms/Passes.h.inc"

/// Multiply-adds times two of a conv, linear or matmul whose weight
/// (operand 1) is a constant and whose input, weight and result have static
/// shapes: a conv's C/group * kernel per result element, a linear's or
/// matmul's reduction extent. -1 for any other op. The pruning report and
/// autoglm-prune-structured's probe count FLOPs this way.
int64_t contractionFlops(Operation *op);

/// The channels autoglm-prune-structured keeps of a group of `channels`
/// at `ratio`: (1 - ratio) of them rounded up to a multiple of `align`, at
/// least `align` (or all of them).
int64_t keptChannels(int64_t channels, double ratio, int64_t align);

/// The module attribute autoglm-prune-structured{probe} records its groups
/// in: {groups: [{nodes, channels, order, arg, weight_norms}], contractions:
/// [{flops, groups}]} (order: the channels most important first; arg: the
/// mask's argument index of @main; weight_norms: per channel, the norms of
/// the consumers' weight columns reading it (each consumer normalized by
/// its mean); a contraction's groups: the probe groups whose kept fraction
/// scales its FLOPs, once per side it is pruned on). The probe also returns
/// autoglm.prune_act.<i>: E[x^2] per channel at group i's consumers.
constexpr const char *kPruneProbe = "autoglm.prune_probe";

/// The module attribute autoglm-prune-structured{criterion=act} ranks
/// channels by: {first producer's ONNX name: [score per channel]}, set by
/// the compile session from the probe's activation statistics.
constexpr const char *kPruneScores = "autoglm.prune_scores";

} // namespace mlir::autoglm

#endif // AUTOGLM_TRANSFORMS_PASSES_H
