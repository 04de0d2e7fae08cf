//===- VectorizePools.h - pooling windows as vectors ---------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGETS_CPU_VECTORIZEPOOLS_H
#define AUTOGLM_TARGETS_CPU_VECTORIZEPOOLS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm::cpu {

/// Every f32 pooling generic under `root` (max, min or sum over a window
/// x[n, c, oh * sh + kh * dh, ow * sw + kw], sw 1 or 2, static shapes):
/// tiles of up to `width` outputs along a row, one vector accumulator each
/// (VectorizePools.cpp). `parallel`: the tiles on the threads when the op
/// has at least `minParallelWork` iterations.
void vectorizePools(RewriterBase &rw, Operation *root, int64_t width, bool parallel,
                    int64_t minParallelWork);

} // namespace mlir::autoglm::cpu

#endif // AUTOGLM_TARGETS_CPU_VECTORIZEPOOLS_H
