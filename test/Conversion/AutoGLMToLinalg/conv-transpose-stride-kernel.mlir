// RUN: autoglm-opt %s --split-input-file --convert-autoglm-to-linalg | FileCheck %s

// A transposed convolution whose stride equals its kernel (2x2, stride 2)
// is a 1x1 convolution to Cout*4 channels and a depth-to-space: the
// weight is repacked at compile time, no zero-inserted input is built, and
// one generic moves [N, M, a, b, H, W] to [N, M, H, a, W, b].
// CHECK-LABEL: func.func @stride_kernel
// CHECK-DAG: arith.constant dense_resource<convt_weight> : tensor<12x2x1x1xf32>
// CHECK-DAG: arith.constant dense_resource<convt_bias> : tensor<12xf32>
// CHECK-NOT: tensor.insert_slice {{.*}} [1, 1, 2, 2]
// CHECK: tensor.expand_shape {{.*}} : tensor<1x12x4x5xf32> into tensor<1x3x2x2x4x5xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x3x2x2x4x5xf32>) outs(%{{.*}} : tensor<1x3x4x2x5x2xf32>)
// CHECK: tensor.collapse_shape {{.*}} : tensor<1x3x4x2x5x2xf32> into tensor<1x3x8x10xf32>
func.func @stride_kernel(%x: tensor<1x2x4x5xf32>) -> tensor<1x3x8x10xf32> {
  %w = autoglm.constant dense<[[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]], [[9.0, 10.0], [11.0, 12.0]]], [[[-1.0, -2.0], [-3.0, -4.0]], [[-5.0, -6.0], [-7.0, -8.0]], [[-9.0, -10.0], [-11.0, -12.0]]]]> : tensor<2x3x2x2xf32>
  %b = autoglm.constant dense<[0.5, 1.5, 2.5]> : tensor<3xf32>
  %0 = autoglm.conv_transpose %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x2x4x5xf32>, tensor<2x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x8x10xf32>
  return %0 : tensor<1x3x8x10xf32>
}

// -----

// Not this form: padding makes the windows of the output overlap the crop,
// so the general lowering (zero-inserted input, flipped weight) stays.
// CHECK-LABEL: func.func @padded
// CHECK-NOT: convt_weight
// CHECK: tensor.insert_slice {{.*}} [1, 1, 2, 2]
func.func @padded(%x: tensor<1x2x4x5xf32>) -> tensor<1x3x6x8xf32> {
  %w = autoglm.constant dense<1.0> : tensor<2x3x2x2xf32>
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x4x5xf32>, tensor<2x3x2x2xf32>) -> tensor<1x3x6x8xf32>
  return %0 : tensor<1x3x6x8xf32>
}
