//===- Intrinsic.h - LLVM intrinsics called before the LLVM dialect -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Header-only: code built on tensors or memrefs (the CPU kernels, the
// block-sparse lowering) calls an LLVM intrinsic through a func.call of a
// private declaration named kIntrinsicPrefix plus the intrinsic's name
// (func.call has effects bufferization knows; llvm.call_intrinsic does not).
// The CPU backend's autoglm-cpu-entry-point turns those calls into the
// intrinsics after the conversion to LLVM.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_SUPPORT_INTRINSIC_H
#define AUTOGLM_SUPPORT_INTRINSIC_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::autoglm {

constexpr llvm::StringLiteral kIntrinsicPrefix = "__autoglm_intrinsic.";

/// A call of LLVM intrinsic `name` returning `result`, its declaration added
/// to `op`'s module once.
inline Value intrinsicCall(OpBuilder &b, Location loc, Operation *op, llvm::StringRef name,
                           Type result, ValueRange args) {
  auto module = op->getParentOfType<ModuleOp>();
  std::string symbol = (kIntrinsicPrefix + name).str();
  auto decl = module.lookupSymbol<func::FuncOp>(symbol);
  if (!decl) {
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    decl = func::FuncOp::create(mb, loc, symbol,
                                mb.getFunctionType(TypeRange(args), TypeRange{result}));
    decl.setPrivate();
  }
  return func::CallOp::create(b, loc, decl, args).getResult(0);
}

} // namespace mlir::autoglm

#endif // AUTOGLM_SUPPORT_INTRINSIC_H
