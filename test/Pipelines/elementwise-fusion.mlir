// RUN: autoglm-opt %s --autoglm-to-linalg-pipeline | FileCheck %s

// An elementwise chain becomes one loop nest: no intermediate tensors.
// CHECK-LABEL: func.func @chain
func.func @chain(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  // CHECK-COUNT-1: linalg.generic
  // CHECK-NOT: linalg.generic
  // CHECK: math.exp
  // CHECK: arith.addf
  // CHECK: arith.maximumf
  %e = autoglm.unary exp %x : tensor<4x8xf32> -> tensor<4x8xf32>
  %a = autoglm.binary add %e, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %r = autoglm.unary relu %a : tensor<4x8xf32> -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// A contraction's epilogue and the elementwise op after it fuse into one
// elementwise loop after the contraction.
// CHECK-LABEL: func.func @epilogue_then_chain
func.func @epilogue_then_chain(%x: tensor<4x3xf32>, %w: tensor<8x3xf32>) -> tensor<4x8xf32> {
  // CHECK: linalg.generic {{.*}}"reduction"
  // CHECK: linalg.generic
  // CHECK: arith.maximumf
  // CHECK: math.exp
  // CHECK-NOT: linalg.generic
  %l = autoglm.linear %x, %w {activation = #autoglm<unary_kind relu>} : (tensor<4x3xf32>, tensor<8x3xf32>) -> tensor<4x8xf32>
  %e = autoglm.unary exp %l : tensor<4x8xf32> -> tensor<4x8xf32>
  return %e : tensor<4x8xf32>
}
