// RUN: autoglm-opt %s --split-input-file --verify-diagnostics \
// RUN:   "--autoglm-prune-structured=ratio=0.5 align=1" | FileCheck %s
// RUN: not autoglm-opt %s --split-input-file "--autoglm-prune-structured=ratio=1.5" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADRATIO
// BADRATIO: error: autoglm-prune-structured: ratio 1.5 is not in [0, 1)
// RUN: not autoglm-opt %s --split-input-file "--autoglm-prune-structured=criterion=taylor" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADCRIT
// BADCRIT: error: autoglm-prune-structured: criterion 'taylor' is not l1, l2, bn or act
// RUN: not autoglm-opt %s --split-input-file "--autoglm-prune-structured=align=0" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADALIGN
// BADALIGN: error: autoglm-prune-structured: align must be at least 1

// The kept channels are the largest weight rows by L1 norm (rows 1 and 3 of
// conv1: norms 4 and 3); conv2 loses the matching input columns; conv2's
// own channels are a model output and stay, with a remark.
// CHECK-LABEL: func.func @chain
// CHECK: %[[W1:.*]] = autoglm.constant dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}1.500000e+00]], {{\[\[}}1.500000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK: %[[A:.*]] = autoglm.conv %arg0, %[[W1]] {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[R:.*]] = autoglm.unary relu %[[A]] : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
// CHECK: %[[W2:.*]] = autoglm.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}3.000000e+00]]], {{\[\[\[}}5.000000e+00]], {{\[\[}}7.000000e+00]]], {{\[\[\[}}9.000000e+00]], {{\[\[}}1.100000e+01]]]]> : tensor<3x2x1x1xf32>
// CHECK: autoglm.conv %[[R]], %[[W2]] {{.*}} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x4xf32>
func.func @chain(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w1 = autoglm.constant dense<[[[[0.5]], [[0.5]]], [[[2.0]], [[2.0]]], [[[1.0]], [[1.0]]], [[[1.5]], [[1.5]]]]> : tensor<4x2x1x1xf32>
  %w2 = autoglm.constant dense<[[[[0.0]], [[1.0]], [[2.0]], [[3.0]]], [[[4.0]], [[5.0]], [[6.0]], [[7.0]]], [[[8.0]], [[9.0]], [[10.0]], [[11.0]]]]> : tensor<3x4x1x1xf32>
  %a = autoglm.conv %x, %w1 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %r = autoglm.unary relu %a : tensor<1x4x4x4xf32> -> tensor<1x4x4x4xf32>
  %y = autoglm.conv %r, %w2 {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x4x4xf32>
  // expected-remark@+1 {{autoglm-prune-structured: the output channels of 'autoglm.conv' are kept: a model output}}
  return %y : tensor<1x3x4x4xf32>
}

// -----

// A residual add ties two producers into one group, through a batch norm
// (its parameters sliced), a per-channel constant add (sliced) and a
// depthwise conv (weight rows sliced, group 4 -> 2); the consumer (a global
// pool, a flatten and a linear) loses the matching columns.
// CHECK-LABEL: func.func @residual
// CHECK: autoglm.conv %arg0, %{{.*}} -> tensor<1x2x4x4xf32>
// CHECK: autoglm.batch_norm {{.*}} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
// CHECK: autoglm.conv {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: autoglm.binary add {{.*}} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK: autoglm.binary add {{.*}} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK: autoglm.conv {{.*}}group = 2 : i64{{.*}} : (tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
// CHECK: autoglm.reduce mean {{.*}} : tensor<1x2x4x4xf32> -> tensor<1x2x1x1xf32>
// CHECK: autoglm.reshape {{.*}} : (tensor<1x2x1x1xf32>) -> tensor<1x2xf32>
// CHECK: autoglm.linear {{.*}} : (tensor<1x2xf32>, tensor<5x2xf32>) -> tensor<1x5xf32>
func.func @residual(%x: tensor<1x3x4x4xf32>) -> tensor<1x5xf32> {
  %wa = autoglm.constant dense<1.0> : tensor<4x3x1x1xf32>
  %wb = autoglm.constant dense<2.0> : tensor<4x3x1x1xf32>
  %g = autoglm.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %z = autoglm.constant dense<0.0> : tensor<4xf32>
  %o = autoglm.constant dense<1.0> : tensor<4xf32>
  %bias = autoglm.constant dense<[[[[0.1]], [[0.2]], [[0.3]], [[0.4]]]]> : tensor<1x4x1x1xf32>
  %wd = autoglm.constant dense<1.0> : tensor<4x1x3x3xf32>
  %wl = autoglm.constant dense<1.0> : tensor<5x4xf32>
  %a = autoglm.conv %x, %wa {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32>
  %an = autoglm.batch_norm %a, %g, %z, %z, %o {epsilon = 1.0e-5 : f64} : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %b = autoglm.conv %x, %wb {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32>
  %s = autoglm.binary add %an, %b : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %t = autoglm.binary add %s, %bias : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %d = autoglm.conv %t, %wd {dilations = array<i64: 1, 1>, group = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  %m = autoglm.reduce mean %d {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x4x4x4xf32> -> tensor<1x4x1x1xf32>
  %f = autoglm.reshape %m : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
  %y = autoglm.linear %f, %wl : (tensor<1x4xf32>, tensor<5x4xf32>) -> tensor<1x5xf32>
  // expected-remark@+1 {{the output channels of 'autoglm.linear' are kept: a model output}}
  return %y : tensor<1x5xf32>
}

// -----

// A flatten of [1, 4, 2, 2] into [1, 16]: channel c is the linear's columns
// 4c .. 4c + 3 (rows 2 and 3 of the conv are the largest).
// CHECK-LABEL: func.func @flatten
// CHECK: autoglm.reshape {{.*}} : (tensor<1x2x2x2xf32>) -> tensor<1x8xf32>
// CHECK: %[[WL:.*]] = autoglm.constant dense<{{\[\[}}8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01, 1.200000e+01, 1.300000e+01, 1.400000e+01, 1.500000e+01]]> : tensor<1x8xf32>
// CHECK: autoglm.linear %{{.*}}, %[[WL]] : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x1xf32>
func.func @flatten(%x: tensor<1x1x2x2xf32>) -> tensor<1x1xf32> {
  %w = autoglm.constant dense<[[[[1.0]]], [[[2.0]]], [[[3.0]]], [[[4.0]]]]> : tensor<4x1x1x1xf32>
  %wl = autoglm.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0]]> : tensor<1x16xf32>
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<4x1x1x1xf32>) -> tensor<1x4x2x2xf32>
  %f = autoglm.reshape %c : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>
  %y = autoglm.linear %f, %wl : (tensor<1x16xf32>, tensor<1x16xf32>) -> tensor<1x1xf32>
  // expected-remark@+1 {{a model output}}
  return %y : tensor<1x1xf32>
}

// -----

// Groups the pass leaves alone, each with a remark naming why: a concat
// along the channels, a reshape that splits the features into heads, a
// softmax over the channels.
// CHECK-LABEL: func.func @blocked
// CHECK: -> tensor<1x4x2x2xf32>
// CHECK: -> tensor<1x8x2x2xf32>
// CHECK: -> tensor<2x8xf32>
// CHECK: -> tensor<2x4xf32>
func.func @blocked(%x: tensor<1x1x2x2xf32>, %t: tensor<2x8xf32>) -> (tensor<1x8x2x2xf32>, tensor<2x2x4xf32>, tensor<2x4xf32>) {
  %w = autoglm.constant dense<1.0> : tensor<4x1x1x1xf32>
  %wl = autoglm.constant dense<1.0> : tensor<8x8xf32>
  %ws = autoglm.constant dense<1.0> : tensor<4x8xf32>
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<4x1x1x1xf32>) -> tensor<1x4x2x2xf32>
  // expected-remark@+1 {{kept: a concat along the channels}}
  %cat = autoglm.concat %c, %c {axis = 1 : i64} : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x8x2x2xf32>
  %l = autoglm.linear %t, %wl : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  // expected-remark@+1 {{kept: a reshape that splits the channels}}
  %h = autoglm.reshape %l : (tensor<2x8xf32>) -> tensor<2x2x4xf32>
  %s = autoglm.linear %t, %ws : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
  // expected-remark@+1 {{kept: a softmax over the channels}}
  %p = autoglm.softmax %s {axis = 1 : i64} : tensor<2x4xf32> -> tensor<2x4xf32>
  return %cat, %h, %p : tensor<1x8x2x2xf32>, tensor<2x2x4xf32>, tensor<2x4xf32>
}
