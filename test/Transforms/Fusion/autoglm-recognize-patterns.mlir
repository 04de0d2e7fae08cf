// RUN: autoglm-opt %s --split-input-file --autoglm-recognize-patterns | FileCheck %s

// The opset <= 16 LayerNorm expansion.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>, %[[G:.*]]: tensor<8xf32>)
func.func @layer_norm(%x: tensor<2x8xf32>, %gconst: tensor<8xf32>) -> tensor<2x8xf32> {
  // CHECK: %[[LN:.*]] = autoglm.layer_norm %[[X]], %{{.*}}, %{{.*}} {axis = 1 : i64, epsilon = 9.9999997473787516E-6 : f64}
  // CHECK-NEXT: return %[[LN]]
  %g = autoglm.constant dense<2.0> : tensor<8xf32>
  %b = autoglm.constant dense<0.5> : tensor<8xf32>
  %two = autoglm.constant dense<2.0> : tensor<f32>
  %eps = autoglm.constant dense<9.99999974E-6> : tensor<f32>
  %m = autoglm.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32> -> tensor<2x1xf32>
  %d = autoglm.binary sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p = autoglm.binary pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = autoglm.reduce mean %p {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32> -> tensor<2x1xf32>
  %ve = autoglm.binary add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = autoglm.unary sqrt %ve : tensor<2x1xf32> -> tensor<2x1xf32>
  %n = autoglm.binary div %d, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %y = autoglm.binary mul %n, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %z = autoglm.binary add %y, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %z : tensor<2x8xf32>
}

// -----

// Negative: the variance is also used elsewhere; recognizing would lose it.
// CHECK-LABEL: func.func @layer_norm_leaky
func.func @layer_norm_leaky(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x1xf32>) {
  // CHECK-NOT: autoglm.layer_norm
  %two = autoglm.constant dense<2.0> : tensor<f32>
  %eps = autoglm.constant dense<1.0e-5> : tensor<f32>
  %m = autoglm.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32> -> tensor<2x1xf32>
  %d = autoglm.binary sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p = autoglm.binary pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = autoglm.reduce mean %p {axes = array<i64: 1>, keepdims = true} : tensor<2x8xf32> -> tensor<2x1xf32>
  %ve = autoglm.binary add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = autoglm.unary sqrt %ve : tensor<2x1xf32> -> tensor<2x1xf32>
  %n = autoglm.binary div %d, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %n, %v : tensor<2x8xf32>, tensor<2x1xf32>
}

// -----

// Exact GELU as torch exports it.
// CHECK-LABEL: func.func @gelu_erf
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
func.func @gelu_erf(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: %[[G:.*]] = autoglm.unary gelu %[[X]]
  // CHECK-NEXT: return %[[G]]
  %sqrt2 = autoglm.constant dense<1.41421354> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %a = autoglm.binary div %x, %sqrt2 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = autoglm.unary erf %a : tensor<4xf32> -> tensor<4xf32>
  %b = autoglm.binary add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c = autoglm.binary mul %x, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %d = autoglm.binary mul %c, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// The tanh form, with x^3 as x * (x * x).
// CHECK-LABEL: func.func @gelu_tanh
func.func @gelu_tanh(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: autoglm.unary gelu_tanh
  // CHECK-NOT: autoglm.unary tanh
  %c0 = autoglm.constant dense<4.471500e-02> : tensor<f32>
  %c1 = autoglm.constant dense<0.797884583> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %x2 = autoglm.binary mul %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %x3 = autoglm.binary mul %x, %x2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %t0 = autoglm.binary mul %c0, %x3 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %t1 = autoglm.binary add %x, %t0 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %t2 = autoglm.binary mul %c1, %t1 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %t3 = autoglm.unary tanh %t2 : tensor<4xf32> -> tensor<4xf32>
  %t4 = autoglm.binary add %one, %t3 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %t5 = autoglm.binary mul %x, %t4 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %t6 = autoglm.binary mul %half, %t5 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %t6 : tensor<4xf32>
}

// -----

// Negative: a wrong constant (0.25 instead of 0.5) is not GELU.
// CHECK-LABEL: func.func @not_gelu
func.func @not_gelu(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NOT: autoglm.unary gelu
  // CHECK: autoglm.unary erf
  %sqrt2 = autoglm.constant dense<1.41421354> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %q = autoglm.constant dense<0.25> : tensor<f32>
  %a = autoglm.binary div %x, %sqrt2 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = autoglm.unary erf %a : tensor<4xf32> -> tensor<4xf32>
  %b = autoglm.binary add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c = autoglm.binary mul %x, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %d = autoglm.binary mul %c, %q : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @silu_hardswish
func.func @silu_hardswish(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // CHECK: autoglm.unary silu
  // CHECK: autoglm.unary hard_swish
  %s = autoglm.unary sigmoid %x : tensor<4xf32> -> tensor<4xf32>
  %a = autoglm.binary mul %x, %s : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %h = autoglm.unary hard_sigmoid %x {alpha = 0.16666666666666666 : f64, beta = 0.5 : f64} : tensor<4xf32> -> tensor<4xf32>
  %b = autoglm.binary mul %h, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// Negative: the gate reads another value.
// CHECK-LABEL: func.func @not_silu
func.func @not_silu(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NOT: autoglm.unary silu
  %s = autoglm.unary sigmoid %y : tensor<4xf32> -> tensor<4xf32>
  %a = autoglm.binary mul %x, %s : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %a : tensor<4xf32>
}

// -----

// torch's nn.Linear on 3-D input: matmul with a transposed constant + bias.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x3xf32>)
func.func @linear(%x: tensor<2x5x3xf32>) -> tensor<2x5x4xf32> {
  // CHECK: autoglm.linear %[[X]], %{{.*}}, %{{.*}} : (tensor<2x5x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x5x4xf32>
  // CHECK-NOT: autoglm.matmul
  %w = autoglm.constant dense<1.0> : tensor<4x3xf32>
  %b = autoglm.constant dense<0.5> : tensor<4xf32>
  %t = autoglm.transpose %w {perm = array<i64: 1, 0>} : tensor<4x3xf32> -> tensor<3x4xf32>
  %m = autoglm.matmul %x, %t : (tensor<2x5x3xf32>, tensor<3x4xf32>) -> tensor<2x5x4xf32>
  %y = autoglm.binary add %b, %m : (tensor<4xf32>, tensor<2x5x4xf32>) -> tensor<2x5x4xf32>
  return %y : tensor<2x5x4xf32>
}

// -----

// clip(x / 6 + 0.5, 0, 1) is HardSigmoid; times x it is HardSwish.
// CHECK-LABEL: func.func @hard_sigmoid_expansion
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
func.func @hard_sigmoid_expansion(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // CHECK: %[[H:.*]] = autoglm.unary hard_sigmoid %[[X]] {alpha = 0.16666666666666666 : f64, beta = 5.000000e-01 : f64}
  // CHECK: autoglm.unary hard_swish %[[X]]
  %six = autoglm.constant dense<6.0> : tensor<f32>
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %a = autoglm.binary div %x, %six : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %b = autoglm.binary add %a, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c = autoglm.unary clip %b {alpha = 0.0 : f64, beta = 1.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  %a2 = autoglm.binary div %x, %six : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %b2 = autoglm.binary add %a2, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c2 = autoglm.unary clip %b2 {alpha = 0.0 : f64, beta = 1.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  %d = autoglm.binary mul %x, %c2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %c, %d : tensor<4xf32>, tensor<4xf32>
}

// -----

// Negative: clip to [0, 6] is relu6, not a sigmoid.
// CHECK-LABEL: func.func @relu6_is_not_hard_sigmoid
func.func @relu6_is_not_hard_sigmoid(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: autoglm.unary clip
  // CHECK-NOT: autoglm.unary hard_sigmoid
  %half = autoglm.constant dense<0.5> : tensor<f32>
  %b = autoglm.binary add %x, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c = autoglm.unary clip %b {alpha = 0.0 : f64, beta = 6.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  return %c : tensor<4xf32>
}
