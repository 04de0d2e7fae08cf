//===- BroadcastTest.cpp - numpy broadcasting of shapes ---------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr int64_t D = ShapedType::kDynamic;

SmallVector<int64_t> bc(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  auto r = broadcastShapes(a, b);
  EXPECT_TRUE(succeeded(r));
  return succeeded(r) ? *r : SmallVector<int64_t>{};
}

TEST(Broadcast, Numpy) {
  EXPECT_EQ(bc({2, 3}, {3}), (SmallVector<int64_t>{2, 3}));
  EXPECT_EQ(bc({4, 1, 5}, {3, 1}), (SmallVector<int64_t>{4, 3, 5}));
  EXPECT_EQ(bc({}, {2, 2}), (SmallVector<int64_t>{2, 2}));
  EXPECT_EQ(bc({1}, {0}), (SmallVector<int64_t>{0}));
}

TEST(Broadcast, DynamicExtents) {
  // A dynamic extent against a static one (not 1) takes the static extent.
  EXPECT_EQ(bc({D, 3}, {4, 3}), (SmallVector<int64_t>{4, 3}));
  EXPECT_EQ(bc({D, 3}, {1, 3}), (SmallVector<int64_t>{D, 3}));
  EXPECT_EQ(bc({D}, {D}), (SmallVector<int64_t>{D}));
}

TEST(Broadcast, Mismatch) {
  EXPECT_TRUE(failed(broadcastShapes({2, 3}, {4})));
  EXPECT_TRUE(failed(broadcastShapes({2, 3}, {3, 3})));
}
} // namespace
