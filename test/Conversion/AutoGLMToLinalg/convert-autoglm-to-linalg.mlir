// RUN: autoglm-opt %s --split-input-file --convert-autoglm-to-linalg --verify-diagnostics | FileCheck %s

// Broadcasting reads extent-1 dims at index 0 and drops leading dims.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @binary_broadcast
func.func @binary_broadcast(%a: tensor<2x1xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  // CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #{{.*}}], iterator_types = ["parallel", "parallel"]}
  // CHECK: arith.subf
  %0 = autoglm.binary sub %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Unsigned tensors become signless; the comparison stays unsigned.
// CHECK-LABEL: func.func @unsigned_compare
// CHECK-SAME: (%{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> tensor<4xi1>
func.func @unsigned_compare(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xi1> {
  // CHECK: arith.cmpi ult
  %0 = autoglm.compare lt %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// A grouped convolution exposes the group as a loop dimension; its output
// channels split into blocks (here one block of 3) that are the weight's
// innermost dim, [G, Mg/B, Cg, kh, kw, B]: a non-constant weight is
// reshaped and transposed at run time.
// CHECK-LABEL: func.func @grouped_conv
func.func @grouped_conv(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x3x3xf32> {
  // CHECK: %[[V:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3]
  // CHECK: %[[T:.*]] = linalg.transpose ins(%[[V]] : tensor<2x3x2x3x3xf32>) {{.*}} permutation = [0, 2, 3, 4, 1]
  // CHECK: tensor.expand_shape %[[T]] {{\[}}[0, 1], [2], [3], [4], [5]] output_shape [2, 1, 2, 3, 3, 3]
  // CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 5, 5]
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
  // CHECK: arith.mulf
  // CHECK: arith.addf
  // CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3], [4], [5]] : tensor<1x2x1x3x3x3xf32> into tensor<1x6x3x3xf32>
  %0 = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x3x3xf32>
  return %0 : tensor<1x6x3x3xf32>
}

// -----

// A constant conv weight is packed at compile time: w[m, 0, 0, kw] = 1 2 / 3 4
// becomes [kw][m] = 1 3 2 4.
// CHECK-LABEL: func.func @conv_packed_weight
// CHECK: arith.constant dense_resource<weight_blocked> : tensor<1x1x1x2x2xf32>
// CHECK-NOT: linalg.transpose
// CHECK: weight_blocked: "0x400000000000803F000040400000004000008040"
func.func @conv_packed_weight(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x2xf32> {
  %w = autoglm.constant dense<[[[[1.0, 2.0]]], [[[3.0, 4.0]]]]> : tensor<2x1x1x2xf32>
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x2xf32>) -> tensor<1x2x3x2xf32>
  return %0 : tensor<1x2x3x2xf32>
}

// -----

// Batched matmul broadcasts the batch dims of its operands.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-LABEL: func.func @matmul_broadcast
func.func @matmul_broadcast(%a: tensor<5x2x3xf32>, %b: tensor<3x4xf32>) -> tensor<5x2x4xf32> {
  // CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
  %0 = autoglm.matmul %a, %b : (tensor<5x2x3xf32>, tensor<3x4xf32>) -> tensor<5x2x4xf32>
  return %0 : tensor<5x2x4xf32>
}

// -----

// keepdims reductions reduce, then re-insert the unit dims.
// CHECK-LABEL: func.func @reduce_mean_keepdims
func.func @reduce_mean_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x4xf32> {
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
  // CHECK: arith.divf
  // CHECK: tensor.expand_shape {{.*}} into tensor<2x1x4xf32>
  %0 = autoglm.reduce mean %x {axes = array<i64: 1>, keepdims = true} : tensor<2x3x4xf32> -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// Max pooling pads with -inf and reduces over a window operand.
// CHECK-LABEL: func.func @max_pool
func.func @max_pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
  // CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
  // CHECK: tensor.yield %[[NINF]]
  // CHECK: tensor.empty() : tensor<3x3xf32>
  // CHECK: arith.maximumf
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// Average pooling divides by the count of real (unpadded) taps.
// CHECK-LABEL: func.func @avg_pool_counts
func.func @avg_pool_counts(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32> {
  // CHECK: arith.constant dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00], [2.000000e+00, 4.000000e+00]]]]> : tensor<1x1x2x2xf32>
  %0 = autoglm.pool avg %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x1x3x3xf32> -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Attention becomes matmul, scale, causal select, softmax, matmul.
// CHECK-LABEL: func.func @causal_attention
func.func @causal_attention(%q: tensor<1x2x4xf32>, %k: tensor<1x3x4xf32>, %v: tensor<1x3x4xf32>) -> tensor<1x2x4xf32> {
  // CHECK: arith.constant dense<{{\[}}[true, true, false], [true, true, true]]> : tensor<2x3xi1>
  // CHECK: linalg.transpose
  // CHECK: math.exp
  // CHECK: arith.divf
  %0 = autoglm.attention %q, %k, %v {causal = true, scale = 0.5 : f64} : (tensor<1x2x4xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}

// -----

// Negative steps read backwards through an affine map.
// CHECK-DAG: #[[REV:.*]] = affine_map<(d0) -> (-d0 + 4)>
// CHECK-LABEL: func.func @reverse_slice
func.func @reverse_slice(%x: tensor<5xf32>) -> tensor<5xf32> {
  // CHECK: linalg.generic {indexing_maps = [#[[REV]], #{{.*}}]
  %0 = autoglm.slice %x {starts = array<i64: 4>, sizes = array<i64: 5>, steps = array<i64: -1>} : tensor<5xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Gather indices are wrapped when negative and clamped into range.
// CHECK-LABEL: func.func @gather
func.func @gather(%x: tensor<4x3xf32>, %i: tensor<2xi64>) -> tensor<2x3xf32> {
  // CHECK: arith.index_cast
  // CHECK: arith.maxsi
  // CHECK: arith.minsi
  // CHECK: tensor.extract
  %0 = autoglm.gather %x, %i {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Quantization rounds half to even and saturates.
// CHECK-LABEL: func.func @quantize
func.func @quantize(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<4xi8> {
  // CHECK: math.roundeven
  // CHECK: arith.constant -1.280000e+02 : f32
  // CHECK: arith.constant 1.270000e+02 : f32
  // CHECK: arith.fptosi
  %0 = autoglm.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<f32>, tensor<i8>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @dynamic(%a: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+2 {{'autoglm.unary' with dynamic extents is not lowered by the CPU backend yet}}
  // expected-error @+1 {{failed to legalize operation 'autoglm.unary'}}
  %0 = autoglm.unary relu %a : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A fused activation is applied to the contraction's result.
// CHECK-LABEL: func.func @linear_epilogue
func.func @linear_epilogue(%a: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> tensor<2x4xf32> {
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
  // CHECK: arith.maximumf
  %0 = autoglm.linear %a, %w {activation = #autoglm<unary_kind relu>} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// A 1x1 conv is a batched matmul over the flattened spatial dims (no kernel
// loops: one reduction, over channels); the residual seeds the accumulator,
// viewed in the same grouped, flattened layout.
// CHECK-LABEL: func.func @conv_residual
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>, %[[W:.*]]: tensor<2x2x1x1xf32>)
func.func @conv_residual(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  // CHECK-COUNT-2: tensor.collapse_shape %[[X]] {{\[}}[0], [1], [2, 3]] : tensor<1x2x4x4xf32> into tensor<1x2x16xf32>
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<1x1x2x16xf32>)
  // CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [1, 2, 4, 4]
  %0 = autoglm.conv %x, %w residual %x {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// Nearest resize: one read per element at the rounded, clamped coordinate;
// the unresized dims read at their own index.
// CHECK-LABEL: func.func @resize_nearest
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK-COUNT-1: tensor.extract
// CHECK-NOT: tensor.extract
func.func @resize_nearest(%x: tensor<1x2x4xf32>) -> tensor<1x2x8xf32> {
  %0 = autoglm.resize nearest %x {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 2.0>} : tensor<1x2x4xf32> -> tensor<1x2x8xf32>
  return %0 : tensor<1x2x8xf32>
}

// -----

// Bilinear: 2 x 2 taps, weighted in f64, rounded to f32 once.
// CHECK-LABEL: func.func @resize_linear
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @resize_linear(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %0 = autoglm.resize linear %x {coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x4x4xf32> -> tensor<1x1x8x8xf32>
  return %0 : tensor<1x1x8x8xf32>
}

// -----

// Bicubic: 4 x 4 taps.
// CHECK-LABEL: func.func @resize_cubic
// CHECK-COUNT-16: tensor.extract
// CHECK-NOT: tensor.extract
func.func @resize_cubic(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %0 = autoglm.resize cubic %x {coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x4x4xf32> -> tensor<1x1x8x8xf32>
  return %0 : tensor<1x1x8x8xf32>
}
