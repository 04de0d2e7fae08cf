//===- AutoGLM.h - the autoglm dialect and its ops --------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_DIALECT_AUTOGLM_IR_AUTOGLM_H
#define AUTOGLM_DIALECT_AUTOGLM_IR_AUTOGLM_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

#include "autoglm/Dialect/AutoGLM/IR/AutoGLMDialect.h.inc"
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMAttrs.h.inc"

#define GET_OP_CLASSES
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMOps.h.inc"

namespace mlir::autoglm {

/// Numpy broadcasting of two shapes (dynamic extents allowed). Fails on a
/// static mismatch.
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                ArrayRef<int64_t> b);

/// The static shape that bounds the extents of `v` when they depend on the
/// data (a string_normalize result), or nothing. Lowerings of such values
/// write a buffer of this shape and report the extents beside it.
std::optional<SmallVector<int64_t>> resultBound(Value v);

/// True when the kind reads `alpha` (and, for some, `beta`).
/// Scales that resize an open extent n to an exact affine floor(n * s): an
/// integer up to 1024, or 1/2^k up to 1/65536 (both exact in binary).
bool isExactOpenResizeScale(double s);

bool unaryKindNeedsAlpha(UnaryKind kind);
bool unaryKindNeedsBeta(UnaryKind kind);

} // namespace mlir::autoglm

#endif // AUTOGLM_DIALECT_AUTOGLM_IR_AUTOGLM_H
