//===- Utils.h - helpers shared by the autoglm transform passes ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_UTILS_H
#define AUTOGLM_PASSES_UTILS_H

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <vector>

namespace mlir::autoglm {

/// The f32 contents of a constant (dense or dense_resource), or nothing.
std::optional<std::vector<float>> constantF32(Value v);
/// A splat/scalar constant's value as double, or nothing.
std::optional<double> constantScalar(Value v);
/// A new f32 constant: dense_resource named `name` when large, dense<>
/// otherwise.
Value makeF32Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                      ArrayRef<float> values, StringRef name);
/// The weight blob's name of a constant, for naming derived weights.
std::string constantName(Value v, StringRef fallback);

/// Adds `n` to the count `key` kept on the module (attribute
/// "autoglm.counts"), which autoglm-compile's report reads.
void recordCount(Operation *module, StringRef key, int64_t n);

/// A rewrite pattern that counts its rewrites into a counter the pass owns
/// (and later records with recordCount).
template <typename Op>
struct CountingPattern : OpRewritePattern<Op> {
  CountingPattern(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern<Op>(ctx), count(count) {}
  int64_t &count;
};

} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_UTILS_H
