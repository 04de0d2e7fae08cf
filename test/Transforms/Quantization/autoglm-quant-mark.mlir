// RUN: autoglm-opt %s --split-input-file --autoglm-quant-mark | FileCheck %s
// RUN: autoglm-opt %s --split-input-file "--autoglm-quant-mark=exclude=fc1" | FileCheck %s --check-prefix=EXCLUDE

// Convs, linears and 2-D-weight matmuls with f32 constant weights are
// numbered in program order; a matmul of two activations is not.
// CHECK-LABEL: func.func @mark
// EXCLUDE-LABEL: func.func @mark
func.func @mark(%x: tensor<1x1x4x4xf32>, %a: tensor<2x3xf32>) -> (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = autoglm.constant dense<1.0> : tensor<2x1x3x3xf32>
  %l = autoglm.constant dense<1.0> : tensor<2x8xf32>
  %m = autoglm.constant dense<1.0> : tensor<3x2xf32>
  // CHECK: autoglm.conv {{.*}}autoglm.quant_id = 0 : i64
  // EXCLUDE: autoglm.conv {{.*}}autoglm.quant_id = 0 : i64
  %c = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x2x2xf32>
  %r = autoglm.reshape %c : (tensor<1x2x2x2xf32>) -> tensor<1x8xf32>
  // CHECK: autoglm.linear {{.*}}{autoglm.quant_id = 1 : i64}
  // EXCLUDE: autoglm.linear %{{[0-9]+}}, %{{[0-9]+}} : (tensor<1x8xf32>
  %y = autoglm.linear %r, %l : (tensor<1x8xf32>, tensor<2x8xf32>) -> tensor<1x2xf32> loc("fc1")
  // CHECK: autoglm.matmul {{.*}}{autoglm.quant_id = 2 : i64}
  // EXCLUDE: autoglm.matmul {{.*}}{autoglm.quant_id = 1 : i64}
  %z = autoglm.matmul %a, %m : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  // CHECK: autoglm.matmul %arg1, %{{[0-9]+}} : (tensor<2x3xf32>, tensor<3x2xf32>)
  %t = autoglm.transpose %a {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %s = autoglm.matmul %a, %t : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  return %y, %z, %s : tensor<1x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}
