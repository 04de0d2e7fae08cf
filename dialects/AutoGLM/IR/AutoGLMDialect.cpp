//===- AutoGLMDialect.cpp - autoglm dialect registration ----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::autoglm;

#include "autoglm/Dialect/AutoGLM/IR/AutoGLMDialect.cpp.inc"
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMEnums.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMAttrs.cpp.inc"

void AutoGLMDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "autoglm/Dialect/AutoGLM/IR/AutoGLMOps.cpp.inc"
      >();
}

Operation *AutoGLMDialect::materializeConstant(OpBuilder &builder,
                                               Attribute value, Type type,
                                               Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}
