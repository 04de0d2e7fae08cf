// RUN: autoglm-opt %s --split-input-file --autoglm-prune-graph | FileCheck %s

// No-op reshape / transpose pairs / cast / pad / x*1 go, dead ops and unused
// constants go, duplicates merge.
// CHECK-LABEL: func.func @prune
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
func.func @prune(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  // CHECK-NEXT: %[[R:.*]] = autoglm.unary relu %[[X]]
  // CHECK-NEXT: return %[[X]], %[[R]], %[[R]]
  %unused = autoglm.constant dense<7.0> : tensor<4xf32>
  %t1 = autoglm.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %t2 = autoglm.transpose %t1 {perm = array<i64: 1, 0>} : tensor<3x2xf32> -> tensor<2x3xf32>
  %r = autoglm.reshape %t2 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %c = autoglm.cast %r : tensor<2x3xf32> -> tensor<2x3xf32>
  %p = autoglm.pad constant %c {pads = array<i64: 0, 0, 0, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %m = autoglm.binary mul %p, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %dead = autoglm.unary exp %m : tensor<2x3xf32> -> tensor<2x3xf32>
  %a = autoglm.unary relu %m : tensor<2x3xf32> -> tensor<2x3xf32>
  %b = autoglm.unary relu %m : tensor<2x3xf32> -> tensor<2x3xf32>
  return %m, %a, %b : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Negative: ops that change something stay.
// CHECK-LABEL: func.func @keep
func.func @keep(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x3xf16>, tensor<2x5xf32>, tensor<2x3xf32>) {
  // CHECK: autoglm.transpose
  // CHECK: autoglm.cast
  // CHECK: autoglm.pad
  // CHECK: autoglm.binary mul
  %t = autoglm.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %c = autoglm.cast %x : tensor<2x3xf32> -> tensor<2x3xf16>
  %p = autoglm.pad constant %x {pads = array<i64: 0, 1, 0, 1>} : tensor<2x3xf32> -> tensor<2x5xf32>
  %two = autoglm.constant dense<2.0> : tensor<f32>
  %m = autoglm.binary mul %x, %two : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %t, %c, %p, %m : tensor<3x2xf32>, tensor<2x3xf16>, tensor<2x5xf32>, tensor<2x3xf32>
}
