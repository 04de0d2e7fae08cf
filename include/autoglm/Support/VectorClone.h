//===- VectorClone.h - a scalar elementwise body on vectors --------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Header-only: the code that computes a linalg body on vector registers
// (the CPU kernels' fused epilogues and elementwise loops, the block-sparse
// kernels' epilogues in the lowering) clones its arith / math ops onto
// vectors one way.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_SUPPORT_VECTORCLONE_H
#define AUTOGLM_SUPPORT_VECTORCLONE_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::autoglm {

/// True for a body op that can take vectors as is: an arith.constant (made
/// a splat) or an elementwise arith / math op without regions.
inline bool isVectorizableBodyOp(Operation &op) {
  if (isa<arith::ConstantOp>(op))
    return true;
  return !op.getNumRegions() && OpTrait::hasElementwiseMappableTraits(&op) &&
         isa<arith::ArithDialect, math::MathDialect>(op.getDialect());
}

/// The vector `map` holds for `v`, or `v` (a value from outside the body)
/// broadcast.
inline Value vectorOf(OpBuilder &b, Location loc, Value v, IRMapping &map,
                      llvm::function_ref<VectorType(Type)> vecOf) {
  if (Value m = map.lookupOrNull(v))
    return m;
  Value bc = vector::BroadcastOp::create(b, loc, vecOf(v.getType()), v);
  map.map(v, bc);
  return bc;
}

/// Clones the elementwise arith/math ops of a linalg body (up to `stop`,
/// exclusive) onto vectors: values in `map` are already vectors, constants
/// become splats, values from outside the body are broadcast, and every
/// result gets the vector type `vecOf` gives for its scalar type.
inline void cloneOnVectors(OpBuilder &b, Location loc, Block &body, IRMapping &map,
                           llvm::function_ref<VectorType(Type)> vecOf, Operation *stop = nullptr) {
  for (Operation &op : body.without_terminator()) {
    if (&op == stop)
      break;
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto vt = vecOf(c.getType());
      map.map(c.getResult(),
              arith::ConstantOp::create(b, loc, vt, SplatElementsAttr::get(vt, c.getValue())));
      continue;
    }
    for (Value operand : op.getOperands())
      vectorOf(b, loc, operand, map, vecOf);
    Operation *clone = b.clone(op, map);
    for (Value r : clone->getResults())
      r.setType(vecOf(r.getType()));
  }
}

} // namespace mlir::autoglm

#endif // AUTOGLM_SUPPORT_VECTORCLONE_H
