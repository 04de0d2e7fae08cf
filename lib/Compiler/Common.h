//===- Common.h - what the compile session's files share ------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_COMPILER_COMMON_H
#define AUTOGLM_LIB_COMPILER_COMMON_H

#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::autoglm::session {

/// A session error: `msg` into `error`, and failure.
inline LogicalResult fail(std::string &error, std::string msg) {
  error = std::move(msg);
  return failure();
}

/// The ONNX node an op came from (its first NameLoc), or "".
inline std::string opNodeName(Operation *op) {
  std::string name;
  op->getLoc()->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l); n && name.empty())
      name = n.getName().str();
    return WalkResult::advance();
  });
  return name;
}

} // namespace mlir::autoglm::session

#endif // AUTOGLM_LIB_COMPILER_COMMON_H
