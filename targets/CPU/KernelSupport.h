//===- KernelSupport.h - shared pieces of the CPU kernel passes -----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGETS_CPU_KERNELSUPPORT_H
#define AUTOGLM_TARGETS_CPU_KERNELSUPPORT_H

#include "autoglm/Support/Intrinsic.h"
#include "autoglm/Support/VectorClone.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlir::autoglm::cpu {

/// Iterations of a linalg op with static extents (each extent counted as at
/// least 1).
int64_t staticWork(linalg::LinalgOp op);

/// Appends a trailing memref<bytes x i8> argument to `func` (the arena,
/// the weights) and returns it, or null when the signature cannot change.
Value appendByteBuffer(func::FuncOp func, int64_t bytes);

/// Tiles `op` by `sizes` (0: that dim untiled), the loops in `interchange`
/// order when given, as one scf.forall when `forall` (the OpenMP threads
/// share its iterations) else nested scf.for, and replaces `op`. Returns the
/// tiled ops, or failure with `op` untouched.
FailureOr<SmallVector<Operation *>> tileOp(RewriterBase &rw, TilingInterface op,
                                           ArrayRef<int64_t> sizes, bool forall,
                                           ArrayRef<int64_t> interchange = {});

/// A scalar body on vectors, as autoglm/Support/VectorClone.h says.
using autoglm::cloneOnVectors;
using autoglm::isVectorizableBodyOp;
using autoglm::vectorOf;

/// Collapses `op`'s loops from `first` to the last into one when every
/// operand reads them in order (linalg::areDimSequencesPreserved); true if
/// it did (the op is replaced).
bool collapseTrailingLoops(RewriterBase &rw, linalg::GenericOp op, unsigned first);

/// Drops a body's `maximumf(x, c)` (a ReLU, NaN-propagating: three
/// instructions a vector on x86) whose only use starts a requantization
/// `maxnumf(roundeven(r * k) + z, lo)` with constants k > 0 and
/// roundeven(c * k) + z <= lo: the clamp gives lo for every x <= c and for
/// NaN either way, so the result is the same without it. Returns how many
/// it dropped.
unsigned dropClampedMaxima(linalg::GenericOp op);

/// Kernels call LLVM intrinsics as autoglm/Support/Intrinsic.h says.
using autoglm::intrinsicCall;
using autoglm::kIntrinsicPrefix;

/// `x` as lowering::padConstant builds a zero padding, possibly behind an
/// expand_shape whose groups keep each padded dim alone: an empty tensor with
/// a source copied into its interior at static offsets `low` and only zeros
/// inserted outside it. Returns that source, expanded like `x` (built at
/// `b`'s insertion point), and the offsets in `x`'s dims. Positions nothing
/// writes are undefined in `x`, so reading zeros there is a refinement.
struct ZeroPad {
  Value source;
  SmallVector<int64_t> low, high;
};
std::optional<ZeroPad> matchZeroPad(OpBuilder &b, Value x);

} // namespace mlir::autoglm::cpu

#endif // AUTOGLM_TARGETS_CPU_KERNELSUPPORT_H
