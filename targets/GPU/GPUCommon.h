//===- GPUCommon.h - what the GPU family's pass files share ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGETS_GPU_GPUCOMMON_H
#define AUTOGLM_TARGETS_GPU_GPUCOMMON_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AffineMap.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::autoglm::gpu_detail {

/// Threads per block a loop asks autoglm-gpu-map-loops for (row kernels,
/// shared-memory tiles: kernels with barriers).
constexpr llvm::StringLiteral kBlockAttr = "autoglm.gpu.block";

/// Whether `map` reads loop dim `d`.
bool usesDim(AffineMap map, unsigned d);

/// The op that folds each step into the accumulator, when the payload is
/// `acc = combine(acc, f(inputs))` with an associative combine whose
/// identity is known (then lanes can each fold a share and merge); sets
/// `identity`.
Operation *combiner(linalg::GenericOp op, TypedAttr &identity);

} // namespace mlir::autoglm::gpu_detail

#endif // AUTOGLM_TARGETS_GPU_GPUCOMMON_H
