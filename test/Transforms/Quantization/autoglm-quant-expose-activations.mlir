// RUN: autoglm-opt %s --autoglm-quant-expose-activations | FileCheck %s

// The input of each marked op becomes an extra result, in id order, named
// for the runtime.
// CHECK-LABEL: func.func @main
// CHECK-SAME: -> (tensor<1x2xf32> {autoglm.name = "y"}, tensor<1x4xf32> {autoglm.name = "autoglm.calib.0"}, tensor<1x3xf32> {autoglm.name = "autoglm.calib.1"})
// CHECK: %[[H:.*]] = autoglm.linear %arg0
// CHECK: return %{{.*}}, %arg0, %[[H]] : tensor<1x2xf32>, tensor<1x4xf32>, tensor<1x3xf32>
func.func @main(%x: tensor<1x4xf32> {autoglm.name = "x"}) -> (tensor<1x2xf32> {autoglm.name = "y"}) {
  %w0 = autoglm.constant dense<1.0> : tensor<3x4xf32>
  %w1 = autoglm.constant dense<1.0> : tensor<2x3xf32>
  %h = autoglm.linear %x, %w0 {autoglm.quant_id = 0 : i64} : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<1x3xf32>
  %y = autoglm.linear %h, %w1 {autoglm.quant_id = 1 : i64} : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
