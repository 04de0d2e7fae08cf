// RUN: autoglm-opt %s --split-input-file --autoglm-fuse-epilogue | FileCheck %s

// CHECK-LABEL: func.func @conv_relu6
func.func @conv_relu6(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: %[[C:.*]] = autoglm.conv {{.*}}act_alpha = 0.000000e+00 : f64, act_beta = 6.000000e+00 : f64, activation = #autoglm<unary_kind clip>
  // CHECK-NEXT: return %[[C]]
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32>
  %r = autoglm.unary clip %c {alpha = 0.0 : f64, beta = 6.0 : f64} : tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32>
  return %r : tensor<1x3x4x4xf32>
}

// -----

// A constant [1, C, 1, 1] add becomes the bias, then the relu the epilogue.
// CHECK-LABEL: func.func @conv_bias_relu
func.func @conv_bias_relu(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32> {
  // CHECK: %[[B:.*]] = autoglm.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
  // CHECK: autoglm.conv %{{.*}}, %{{.*}}, %[[B]] {activation = #autoglm<unary_kind relu>
  // CHECK-NOT: autoglm.binary
  %b = autoglm.constant dense<[[[[1.0]], [[2.0]], [[3.0]]]]> : tensor<1x3x1x1xf32>
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32>
  %a = autoglm.binary add %c, %b : (tensor<1x3x4x4xf32>, tensor<1x3x1x1xf32>) -> tensor<1x3x4x4xf32>
  %r = autoglm.unary relu %a : tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32>
  return %r : tensor<1x3x4x4xf32>
}

// -----

// Negative: the pre-activation value is used too.
// CHECK-LABEL: func.func @two_users
func.func @two_users(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  // CHECK: autoglm.linear %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  // CHECK: autoglm.unary relu
  %l = autoglm.linear %x, %w : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  %r = autoglm.unary relu %l : tensor<2x4xf32> -> tensor<2x4xf32>
  return %l, %r : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Negative: exp is not an activation epilogue; a [C] add on a 4-D conv
// broadcasts over the width, not the channels.
// CHECK-LABEL: func.func @not_epilogue
func.func @not_epilogue(%x: tensor<1x2x3x3xf32>, %w: tensor<3x2x1x1xf32>) -> tensor<1x3x3x3xf32> {
  // CHECK: autoglm.binary add
  // CHECK: autoglm.unary exp
  %b = autoglm.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x3x3xf32>
  %a = autoglm.binary add %c, %b : (tensor<1x3x3x3xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
  %e = autoglm.unary exp %a : tensor<1x3x3x3xf32> -> tensor<1x3x3x3xf32>
  return %e : tensor<1x3x3x3xf32>
}

// -----

// ResNet's skip connection: relu(conv + identity) -> one conv.
// CHECK-LABEL: func.func @residual
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>, %[[W:.*]]: tensor<2x2x1x1xf32>)
func.func @residual(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  // CHECK: %[[C:.*]] = autoglm.conv %[[X]], %[[W]] residual %[[X]] {activation = #autoglm<unary_kind relu>
  // CHECK-NEXT: return %[[C]]
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a = autoglm.binary add %c, %x : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %r = autoglm.unary relu %a : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// Negative: an add that broadcasts is not a residual.
// CHECK-LABEL: func.func @broadcast_add
func.func @broadcast_add(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %y: tensor<4xf32>) -> tensor<1x2x4x4xf32> {
  // CHECK: autoglm.binary add
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a = autoglm.binary add %c, %y : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return %a : tensor<1x2x4x4xf32>
}
