//===- GPUCommon.h - what the GPU family's pass files share ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGETS_GPU_GPUCOMMON_H
#define AUTOGLM_TARGETS_GPU_GPUCOMMON_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/AffineMap.h"
#include "llvm/ADT/StringRef.h"

#include <limits>

#include <string>

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

// ---- Shared by the forms of autoglm-gpu-lower-reductions (GPULowerSupport.cpp)

/// The bytes of `v`'s memory: the buffer it is a view of and the byte
/// range within it of the nearest memref.view (the whole buffer when
/// there is none or an offset is not constant).
struct ByteRange {
  Value root;
  int64_t lo = 0, hi = std::numeric_limits<int64_t>::max();
};
ByteRange regionOf(Value v);
/// Whether `a` and `b` may name a common byte: one buffer (argument or
/// allocation) through views, overlapping byte ranges of it, and not
/// subviews of one memref apart along a dimension.
bool mayOverlap(Value a, Value b);

/// Lane `lane ^ offset`'s `v` (a gpu.shuffle xor over `width` lanes);
/// integers narrower than 32 bits travel as i32.
Value shuffleXor(OpBuilder &b, Location loc, Value v, int64_t offset, int64_t width);
/// `map`'s results at the loop values `ivs` (affine.apply for non-dim ones).
SmallVector<Value> indices(OpBuilder &b, Location loc, AffineMap map, ValueRange ivs);
/// The memory op next to `op` in its block (before it with `before`).
Operation *neighbour(Operation *op, bool before);
/// The op that only initializes `out` right before `op` (a fill, a bias
/// broadcast), whose value can start the accumulators; or null.
linalg::LinalgOp initProducer(linalg::GenericOp op, Value out);
/// The elementwise op right after `op` that rewrites `out` in place (a
/// ReLU, a residual add), applied before the one store; or null.
linalg::GenericOp epilogueConsumer(linalg::GenericOp op, Value out);
/// Clones `g`'s payload at the point `at` of its output; operands equal to
/// `out` read `current`.
Value applyPayload(OpBuilder &b, Location loc, linalg::LinalgOp g, Value out, Value current,
                   ArrayRef<Value> at);

/// A flat M, N or K position of an mma contraction: whether it is inside
/// the extent (null when it always is) and the loop dims it stands for.
struct Pos {
  Value valid;
  SmallVector<std::pair<unsigned, Value>> dims;
};
/// The position `flat` over `dims` (row-major) of extents `ranges`;
/// `maybePast`: `flat` may reach `total` (clamped, with `valid`).
Pos position(OpBuilder &b, Location loc, ArrayRef<int64_t> ranges, Value flat,
             ArrayRef<unsigned> dims, int64_t total, bool maybePast);
/// `x && y` where a null condition is true.
Value andIf(OpBuilder &b, Location loc, Value x, Value y);
/// The output points of an mma warp's accumulators (4 per 16 x 8 tile),
/// whether each is inside the output, and their start values.
void startAccumulators(OpBuilder &b, Location loc, linalg::GenericOp op, ArrayRef<Pos> rows,
                       ArrayRef<Pos> cols, int64_t tm, int64_t tn, SmallVectorImpl<Value> &ivs,
                       Value out, linalg::LinalgOp init, SmallVectorImpl<SmallVector<Value>> &at,
                       SmallVectorImpl<Value> &valid, SmallVectorImpl<Value> &accs);
/// Erases a lowered reduction and the ops fused into its kernel.
void eraseFused(Operation *op, linalg::LinalgOp init, linalg::GenericOp epilogue);
/// Stores each result (with the epilogue applied) where `valid` holds,
/// then erases `op` and the ops fused into it.
void storeAndErase(OpBuilder &b, Location loc, linalg::GenericOp op, ValueRange results,
                   ArrayRef<SmallVector<Value>> at, ArrayRef<Value> valid, Value out,
                   linalg::LinalgOp init, linalg::GenericOp epilogue);
/// An scf.parallel over `extents` asking for blocks of `block` threads,
/// and each extent's index (0 for an extent of 1, which gets no loop dim).
std::pair<scf::ParallelOp, SmallVector<Value>> blockLoop(OpBuilder &b, Location loc,
                                                         ArrayRef<int64_t> extents, int64_t block);

// ---- Tensor-core contractions (GPULowerMMA.cpp)

/// autoglm-gpu-lower-reductions' options that the mma forms read.
struct MMAOptions {
  std::string mma = "none", mmaShared = "auto";
  int64_t mmaTileM = 2, mmaTileN = 4, mmaUnroll = 1, mmaSlice = 32, mmaStages = 2,
          minThreads = 32768;
  bool mmaPipeline = true, fuse = true;
};
/// Lowers `op` to mma.sync warps (from global memory, or shared-memory
/// tiles) when it is an f32 multiply-add contraction the options take;
/// false (and `op` untouched) otherwise.
bool lowerMMA(linalg::GenericOp op, const MMAOptions &options);

} // namespace mlir::autoglm::gpu_detail

#endif // AUTOGLM_TARGETS_GPU_GPUCOMMON_H
