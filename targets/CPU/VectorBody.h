//===- VectorBody.h - elementwise linalg bodies applied to vectors --*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGETS_CPU_VECTORBODY_H
#define AUTOGLM_TARGETS_CPU_VECTORBODY_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::autoglm::cpu {

/// True for a body op that can take vectors as is: an arith.constant (made
/// a splat) or an elementwise arith / math op without regions.
bool isVectorizableBodyOp(Operation &op);

/// Clones the elementwise arith/math ops of a linalg body (up to `stop`,
/// exclusive) onto vectors: values in `map` are already vectors, constants
/// become splats, values from outside the body are broadcast, and every
/// result gets the vector type `vecOf` gives for its scalar type.
void cloneOnVectors(OpBuilder &b, Location loc, Block &body, IRMapping &map,
                    llvm::function_ref<VectorType(Type)> vecOf, Operation *stop = nullptr);

/// The vector `map` holds for `v`, or `v` (a value from outside the body)
/// broadcast.
Value vectorOf(OpBuilder &b, Location loc, Value v, IRMapping &map,
               llvm::function_ref<VectorType(Type)> vecOf);

} // namespace mlir::autoglm::cpu

#endif // AUTOGLM_TARGETS_CPU_VECTORBODY_H
