// RUN: autoglm-opt %s --verify-diagnostics "--autoglm-prune-structured=ratio=0.5 align=1 criterion=act" | FileCheck %s
// Without scores for conv2 its group is left alone, with a remark:
// RUN: sed 's/, conv2 = array<f64: 0.5, 3.0, 2.0>//' %s | autoglm-opt "--autoglm-prune-structured=ratio=0.5 align=1 criterion=act" 2>&1 | FileCheck %s --check-prefix=NOSCORE
// NOSCORE: remark: {{.*}}the output channels of 'conv2' are kept: no activation statistics for criterion act (the compile session measures them on --calib)
// NOSCORE: autoglm.conv {{.*}} : (tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x2x2xf32>

// criterion=act ranks channels by the scores the compile session measured
// (autoglm.prune_scores, by the group's first producer): conv1 keeps
// channels 0 and 2 (scores 5 and 7), although rows 1 and 3 have the larger
// weights (the L1 criterion would keep those); conv2 keeps its two
// largest-scored channels (1, 2).
// CHECK: %[[W1:.*]] = autoglm.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}1.000000e+00]], {{\[\[}}1.000000e+00]]], {{\[\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]]]]> : tensor<2x3x1x1xf32>
// CHECK: autoglm.conv %arg0, %[[W1]] {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: autoglm.conv {{.*}} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
// CHECK: autoglm.linear {{.*}} : (tensor<1x8xf32>, tensor<5x8xf32>) -> tensor<1x5xf32>
module attributes {autoglm.prune_scores = {conv1 = array<f64: 5.0, 1.0, 7.0, 2.0>, conv2 = array<f64: 0.5, 3.0, 2.0>}} {
func.func @main(%x: tensor<1x3x4x4xf32>) -> tensor<1x5xf32> {
  %wa = autoglm.constant dense<[[[[1.0]], [[1.0]], [[1.0]]], [[[3.0]], [[3.0]], [[3.0]]], [[[2.0]], [[2.0]], [[2.0]]], [[[4.0]], [[4.0]], [[4.0]]]]> : tensor<4x3x1x1xf32>
  %wb = autoglm.constant dense<[[[[1.0]], [[1.0]], [[1.0]], [[1.0]]], [[[2.0]], [[2.0]], [[2.0]], [[2.0]]], [[[3.0]], [[3.0]], [[3.0]], [[3.0]]]]> : tensor<3x4x1x1xf32>
  %wl = autoglm.constant dense<1.0> : tensor<5x12xf32>
  %a = autoglm.conv %x, %wa {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %r = autoglm.unary relu %a : tensor<1x4x4x4xf32> -> tensor<1x4x4x4xf32>
  %b = autoglm.conv %r, %wb {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x2x2xf32> loc("conv2")
  %f = autoglm.reshape %b : (tensor<1x3x2x2xf32>) -> tensor<1x12xf32>
  %y = autoglm.linear %f, %wl : (tensor<1x12xf32>, tensor<5x12xf32>) -> tensor<1x5xf32> loc("fc")
  // expected-remark@+1 {{the output channels of 'fc' are kept: a model output}}
  return %y : tensor<1x5xf32>
}
}
