// RUN: autoglm-opt %s --split-input-file --autoglm-fold-batchnorm | FileCheck %s

// s = scale / sqrt(var + eps) = [2, 0.5]; W' = W * s per output channel;
// b' = (b - mean) * s + bias.
// CHECK-LABEL: func.func @conv_bn
func.func @conv_bn(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  // CHECK-DAG: %[[W:.*]] = autoglm.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}5.000000e-01]]]]> : tensor<2x1x1x1xf32>
  // CHECK-DAG: %[[B:.*]] = autoglm.constant dense<[1.000000e+00, 1.500000e+00]> : tensor<2xf32>
  // CHECK: autoglm.conv %{{.*}}, %[[W]], %[[B]]
  // CHECK-NOT: autoglm.batch_norm
  %w = autoglm.constant dense<[[[[1.0]]], [[[1.0]]]]> : tensor<2x1x1x1xf32>
  %b = autoglm.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %g = autoglm.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = autoglm.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %m = autoglm.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %v = autoglm.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %c = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %y = autoglm.batch_norm %c, %g, %be, %m, %v {epsilon = 0.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Negative: the conv result has another user, so folding would change it.
// CHECK-LABEL: func.func @conv_two_users
func.func @conv_two_users(%x: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  // CHECK: autoglm.batch_norm
  %w = autoglm.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = autoglm.constant dense<1.0> : tensor<2xf32>
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = autoglm.batch_norm %c, %p, %p, %p, %p {epsilon = 0.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %c, %y : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// Negative: BN parameters that are not constants.
// CHECK-LABEL: func.func @runtime_params
func.func @runtime_params(%x: tensor<1x1x3x3xf32>, %g: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  // CHECK: autoglm.batch_norm
  %w = autoglm.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = autoglm.constant dense<1.0> : tensor<2xf32>
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = autoglm.batch_norm %c, %g, %p, %p, %p {epsilon = 0.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// linear + BN over its 2-D output features.
// CHECK-LABEL: func.func @linear_bn
func.func @linear_bn(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  // CHECK: autoglm.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  // CHECK-NOT: autoglm.batch_norm
  %w = autoglm.constant dense<1.0> : tensor<2x3xf32>
  %p = autoglm.constant dense<1.0> : tensor<2xf32>
  %l = autoglm.linear %x, %w : (tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<4x2xf32>
  %y = autoglm.batch_norm %l, %p, %p, %p, %p {epsilon = 0.0 : f64} : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Transposed convolution, 2 groups: output channel g*Mg+m scales weight
// [g*Cg+c, m]. s = [1, 2, 3, 4] (var = s^-2 - eps = ..., here eps = 0 and
// scale = s with var = 1).
// CHECK-LABEL: func.func @conv_transpose_bn
func.func @conv_transpose_bn(%x: tensor<1x2x2x2xf32>) -> tensor<1x4x2x2xf32> {
  // CHECK-DAG: autoglm.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}3.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<2x2x1x1xf32>
  // CHECK: autoglm.conv_transpose
  // CHECK-NOT: autoglm.batch_norm
  %w = autoglm.constant dense<1.0> : tensor<2x2x1x1xf32>
  %s = autoglm.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %z = autoglm.constant dense<0.0> : tensor<4xf32>
  %one = autoglm.constant dense<1.0> : tensor<4xf32>
  %c = autoglm.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x4x2x2xf32>
  %y = autoglm.batch_norm %c, %s, %z, %z, %one {epsilon = 0.0 : f64} : (tensor<1x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}
