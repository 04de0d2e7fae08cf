// RUN: autoglm-opt %s --split-input-file --autoglm-fuse-attention | FileCheck %s

// BERT-style: q·kᵀ / 8 + additive mask, softmax, ·v.
// CHECK-LABEL: func.func @bert
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x16x64xf32>, %[[KT:.*]]: tensor<1x4x64x16xf32>, %[[V:.*]]: tensor<1x4x16x64xf32>, %[[M:.*]]: tensor<1x1x1x16xf32>)
func.func @bert(%q: tensor<1x4x16x64xf32>, %kt: tensor<1x4x64x16xf32>, %v: tensor<1x4x16x64xf32>, %mask: tensor<1x1x1x16xf32>) -> tensor<1x4x16x64xf32> {
  // CHECK: %[[K:.*]] = autoglm.transpose %[[KT]] {perm = array<i64: 0, 1, 3, 2>}
  // CHECK: autoglm.attention %[[Q]], %[[K]], %[[V]], %[[M]] {scale = 1.250000e-01 : f64}
  // CHECK-NOT: autoglm.softmax
  %c8 = autoglm.constant dense<8.0> : tensor<f32>
  %s = autoglm.matmul %q, %kt : (tensor<1x4x16x64xf32>, tensor<1x4x64x16xf32>) -> tensor<1x4x16x16xf32>
  %t = autoglm.binary div %s, %c8 : (tensor<1x4x16x16xf32>, tensor<f32>) -> tensor<1x4x16x16xf32>
  %a = autoglm.binary add %t, %mask : (tensor<1x4x16x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x4x16x16xf32>
  %p = autoglm.softmax %a {axis = 3 : i64} : tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  %o = autoglm.matmul %p, %v : (tensor<1x4x16x16xf32>, tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32>
  return %o : tensor<1x4x16x64xf32>
}

// -----

// GPT-style causal masked_fill(-inf) with a constant mask becomes causal.
// CHECK-LABEL: func.func @gpt
func.func @gpt(%q: tensor<1x2x3x8xf32>, %kt: tensor<1x2x8x3xf32>, %v: tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> {
  // CHECK: autoglm.attention {{.*}} {causal = true, scale = 5.000000e-01 : f64}
  %c = autoglm.constant dense<2.0> : tensor<f32>
  %ninf = autoglm.constant dense<0xFF800000> : tensor<f32>
  %cond = autoglm.constant dense<[[false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>
  %s = autoglm.matmul %q, %kt : (tensor<1x2x3x8xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x3x3xf32>
  %t = autoglm.binary div %s, %c : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %m = autoglm.select %cond, %ninf, %t : (tensor<3x3xi1>, tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %p = autoglm.softmax %m {axis = 3 : i64} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  %o = autoglm.matmul %p, %v : (tensor<1x2x3x3xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %o : tensor<1x2x3x8xf32>
}

// -----

// Negative: the probabilities are also returned, so the chain must stay.
// CHECK-LABEL: func.func @probs_used
func.func @probs_used(%q: tensor<1x4x8xf32>, %kt: tensor<1x8x4xf32>, %v: tensor<1x4x8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x4xf32>) {
  // CHECK-NOT: autoglm.attention
  %s = autoglm.matmul %q, %kt : (tensor<1x4x8xf32>, tensor<1x8x4xf32>) -> tensor<1x4x4xf32>
  %p = autoglm.softmax %s {axis = 2 : i64} : tensor<1x4x4xf32> -> tensor<1x4x4xf32>
  %o = autoglm.matmul %p, %v : (tensor<1x4x4xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %o, %p : tensor<1x4x8xf32>, tensor<1x4x4xf32>
}

// -----

// Negative: softmax over another axis is not attention.
// CHECK-LABEL: func.func @wrong_axis
func.func @wrong_axis(%q: tensor<1x4x8xf32>, %kt: tensor<1x8x4xf32>, %v: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  // CHECK-NOT: autoglm.attention
  %s = autoglm.matmul %q, %kt : (tensor<1x4x8xf32>, tensor<1x8x4xf32>) -> tensor<1x4x4xf32>
  %p = autoglm.softmax %s {axis = 1 : i64} : tensor<1x4x4xf32> -> tensor<1x4x4xf32>
  %o = autoglm.matmul %p, %v : (tensor<1x4x4xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %o : tensor<1x4x8xf32>
}

// -----

// A constant scale on q (MultiheadAttention: q / sqrt(d)) or on k (SDPA:
// both times d^-1/4) folds into the attention's scale; the elementwise ops
// go.
// CHECK-LABEL: func.func @operand_scales
// CHECK-SAME: (%[[Q:.*]]: tensor<4x9x16xf32>, %[[K:.*]]: tensor<4x9x16xf32>, %[[V:.*]]: tensor<4x9x16xf32>)
func.func @operand_scales(%q: tensor<4x9x16xf32>, %k: tensor<4x9x16xf32>, %v: tensor<4x9x16xf32>) -> (tensor<4x9x16xf32>, tensor<4x9x16xf32>) {
  // CHECK: autoglm.attention %[[Q]], %[[K]], %[[V]] {scale = 1.250000e-01 : f64}
  // CHECK: autoglm.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f64}
  // CHECK-NOT: autoglm.binary
  %c8 = autoglm.constant dense<8.0> : tensor<f32>
  %h = autoglm.constant dense<0.5> : tensor<f32>
  %qs = autoglm.binary div %q, %c8 : (tensor<4x9x16xf32>, tensor<f32>) -> tensor<4x9x16xf32>
  %a = autoglm.attention %qs, %k, %v {scale = 1.0 : f64} : (tensor<4x9x16xf32>, tensor<4x9x16xf32>, tensor<4x9x16xf32>) -> tensor<4x9x16xf32>
  %q2 = autoglm.binary mul %q, %h : (tensor<4x9x16xf32>, tensor<f32>) -> tensor<4x9x16xf32>
  %k2 = autoglm.binary mul %h, %k : (tensor<f32>, tensor<4x9x16xf32>) -> tensor<4x9x16xf32>
  %b = autoglm.attention %q2, %k2, %v {scale = 1.0 : f64} : (tensor<4x9x16xf32>, tensor<4x9x16xf32>, tensor<4x9x16xf32>) -> tensor<4x9x16xf32>
  return %a, %b : tensor<4x9x16xf32>, tensor<4x9x16xf32>
}

// -----

// Not folded: the scaled q is also returned, or the scale is a tensor.
// CHECK-LABEL: func.func @operand_scales_kept
func.func @operand_scales_kept(%q: tensor<4x9x16xf32>, %k: tensor<4x9x16xf32>, %v: tensor<4x9x16xf32>, %s: tensor<4x9x16xf32>) -> (tensor<4x9x16xf32>, tensor<4x9x16xf32>, tensor<4x9x16xf32>) {
  // CHECK: autoglm.binary div
  // CHECK: autoglm.attention {{.*}} {scale = 1.000000e+00 : f64}
  // CHECK: autoglm.binary mul
  // CHECK: autoglm.attention {{.*}} {scale = 1.000000e+00 : f64}
  %c8 = autoglm.constant dense<8.0> : tensor<f32>
  %qs = autoglm.binary div %q, %c8 : (tensor<4x9x16xf32>, tensor<f32>) -> tensor<4x9x16xf32>
  %a = autoglm.attention %qs, %k, %v {scale = 1.0 : f64} : (tensor<4x9x16xf32>, tensor<4x9x16xf32>, tensor<4x9x16xf32>) -> tensor<4x9x16xf32>
  %q2 = autoglm.binary mul %q, %s : (tensor<4x9x16xf32>, tensor<4x9x16xf32>) -> tensor<4x9x16xf32>
  %b = autoglm.attention %q2, %k, %v {scale = 1.0 : f64} : (tensor<4x9x16xf32>, tensor<4x9x16xf32>, tensor<4x9x16xf32>) -> tensor<4x9x16xf32>
  return %a, %b, %qs : tensor<4x9x16xf32>, tensor<4x9x16xf32>, tensor<4x9x16xf32>
}
