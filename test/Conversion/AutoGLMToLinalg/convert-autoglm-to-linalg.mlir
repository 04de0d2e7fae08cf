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

// A constant's extent-1 dims that broadcast are collapsed away (its map a
// projected permutation, which reshape propagation and fusion take): a
// per-channel [1, 3, 1, 1] scale is read as [1, 3].
// CHECK-DAG: #[[SCALE:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @constant_broadcast
func.func @constant_broadcast(%x: tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32> {
  // CHECK: %[[S:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] : tensor<1x3x1x1xf32> into tensor<1x3xf32>
  // CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SCALE]], #{{.*}}]{{.*}} ins(%arg0, %[[S]] : tensor<1x3x2x2xf32>, tensor<1x3xf32>)
  %s = autoglm.constant dense<[[[[1.0]], [[2.0]], [[3.0]]]]> : tensor<1x3x1x1xf32>
  %0 = autoglm.binary mul %x, %s : (tensor<1x3x2x2xf32>, tensor<1x3x1x1xf32>) -> tensor<1x3x2x2xf32>
  return %0 : tensor<1x3x2x2xf32>
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

// Max pooling pads with -inf and reduces over a window operand. Padding is
// the source copied (linalg.copy, chunked across threads like any op) into
// the interior of a new tensor and only the border filled: the top and
// bottom rows, then the left and right columns.
// CHECK-LABEL: func.func @max_pool
func.func @max_pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
  // CHECK: linalg.copy ins(%{{.*}} : tensor<1x2x4x4xf32>)
  // CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x4xf32> into tensor<1x2x6x6xf32>
  // CHECK: linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x2x1x6xf32>)
  // CHECK: linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x2x1x6xf32>)
  // CHECK: linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x2x6x1xf32>)
  // CHECK: linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x2x6x1xf32>)
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

// A result that leaves open an extent its input fixes: the loop's extent
// is the input's (tensor.empty sized by a constant; was a null size).
// CHECK-LABEL: func.func @quantize_open_result
// CHECK: %[[N:.*]] = arith.constant 3 : index
// CHECK: tensor.empty(%[[N]]) : tensor<2x?xi8>
func.func @quantize_open_result(%x: tensor<2x3xf32>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<2x?xi8> {
  %0 = autoglm.quantize %x, %s, %z {axis = 0 : i64} : (tensor<2x3xf32>, tensor<f32>, tensor<i8>) -> tensor<2x?xi8>
  return %0 : tensor<2x?xi8>
}

// -----

// Ops that do not size open extents (open-extents.mlir has those that do;
// here a resize of an open dim by 1.5) are refused at the op.
func.func @dynamic(%a: tensor<1x2x?x4xf32>) -> tensor<1x2x?x8xf32> {
  // expected-error @+2 {{'autoglm.resize' with dynamic extents is not lowered by the CPU backend yet}}
  // expected-error @+1 {{failed to legalize operation 'autoglm.resize'}}
  %0 = autoglm.resize linear %a {coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 1.5, 2.0>} : tensor<1x2x?x4xf32> -> tensor<1x2x?x8xf32>
  return %0 : tensor<1x2x?x8xf32>
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

// A 1x1 conv over 32 positions is a batched matmul over the flattened
// spatial dims (no kernel loops: one reduction, over channels); the residual
// seeds the accumulator, viewed in the same grouped, flattened layout.
// CHECK-LABEL: func.func @conv_residual
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x8x4xf32>, %[[W:.*]]: tensor<2x2x1x1xf32>)
func.func @conv_residual(%x: tensor<1x2x8x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x8x4xf32> {
  // CHECK-COUNT-2: tensor.collapse_shape %[[X]] {{\[}}[0], [1], [2, 3]] : tensor<1x2x8x4xf32> into tensor<1x2x32xf32>
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<1x1x2x32xf32>)
  // CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [1, 2, 8, 4]
  %0 = autoglm.conv %x, %w residual %x {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x8x4xf32>, tensor<2x2x1x1xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

// Over 16 positions (no multiple of 32) a 1x1 conv stays spatial: blocked
// weights, vector tiles along the output channels.
// CHECK-LABEL: func.func @conv_1x1_spatial
// CHECK: linalg.transpose
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]{{.*}} outs(%{{.*}} : tensor<1x1x1x2x4x4xf32>)
func.func @conv_1x1_spatial(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
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

// Bilinear: per resized dim a table generic over that dim computes the
// two taps' indices and weights once (coordinates in f64, weights rounded
// to f32); the resize reads the tables through maps of their dim and sums
// 2 x 2 taps in f32.
// CHECK-LABEL: func.func @resize_linear
// CHECK: %[[H:.*]]:4 = linalg.generic {{.*}}iterator_types = ["parallel"]{{.*}}outs({{.*}} : tensor<8xi64>, tensor<8xf32>, tensor<8xi64>, tensor<8xf32>)
// CHECK: math.floor %{{.*}} : f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: %[[W:.*]]:4 = linalg.generic {{.*}}iterator_types = ["parallel"]
// CHECK: linalg.generic {{.*}}ins(%[[H]]#0, %[[H]]#1, %[[H]]#2, %[[H]]#3, %[[W]]#0, %[[W]]#1, %[[W]]#2, %[[W]]#3 :
// CHECK-NOT: math.floor
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK-NOT: f64
// CHECK: linalg.yield %{{.*}} : f32
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

// -----

// A linear with a constant weight [N = 64, K = 2] packs it [N/32, K, 32] at
// compile time and computes [M, N/32, 32] (loops m, nb, ni, k), collapsed
// back to [M, N]; the bias initializes the blocked accumulator.
// CHECK-LABEL: func.func @linear_blocked
// CHECK: %[[W:.*]] = arith.constant dense_resource<weight_blocked> : tensor<2x2x32xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [2, 32] : tensor<64xf32> into tensor<2x32xf32>
// CHECK: %[[G:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %[[W]] : tensor<3x2xf32>, tensor<2x2x32xf32>) outs(%{{.*}} : tensor<3x2x32xf32>)
// CHECK: tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2]] : tensor<3x2x32xf32> into tensor<3x64xf32>
func.func @linear_blocked(%a: tensor<3x2xf32>, %b: tensor<64xf32>) -> tensor<3x64xf32> {
  %w = autoglm.constant dense<[[0.0, 0.5], [1.0, 1.5], [2.0, 2.5], [3.0, 3.5], [4.0, 4.5], [5.0, 5.5], [6.0, 6.5], [7.0, 7.5], [8.0, 8.5], [9.0, 9.5], [10.0, 10.5], [11.0, 11.5], [12.0, 12.5], [13.0, 13.5], [14.0, 14.5], [15.0, 15.5], [16.0, 16.5], [17.0, 17.5], [18.0, 18.5], [19.0, 19.5], [20.0, 20.5], [21.0, 21.5], [22.0, 22.5], [23.0, 23.5], [24.0, 24.5], [25.0, 25.5], [26.0, 26.5], [27.0, 27.5], [28.0, 28.5], [29.0, 29.5], [30.0, 30.5], [31.0, 31.5], [32.0, 32.5], [33.0, 33.5], [34.0, 34.5], [35.0, 35.5], [36.0, 36.5], [37.0, 37.5], [38.0, 38.5], [39.0, 39.5], [40.0, 40.5], [41.0, 41.5], [42.0, 42.5], [43.0, 43.5], [44.0, 44.5], [45.0, 45.5], [46.0, 46.5], [47.0, 47.5], [48.0, 48.5], [49.0, 49.5], [50.0, 50.5], [51.0, 51.5], [52.0, 52.5], [53.0, 53.5], [54.0, 54.5], [55.0, 55.5], [56.0, 56.5], [57.0, 57.5], [58.0, 58.5], [59.0, 59.5], [60.0, 60.5], [61.0, 61.5], [62.0, 62.5], [63.0, 63.5]]> : tensor<64x2xf32>
  %0 = autoglm.linear %a, %w, %b : (tensor<3x2xf32>, tensor<64x2xf32>, tensor<64xf32>) -> tensor<3x64xf32>
  return %0 : tensor<3x64xf32>
}

// -----

// A matmul with a constant rhs [K = 2, N = 64] is blocked the same way
// (loops m, nb, ni, k); a non-constant rhs is not: the named linalg.matmul.
// CHECK-LABEL: func.func @matmul_blocked
// CHECK: %[[W:.*]] = arith.constant dense_resource<weight_blocked> : tensor<2x2x32xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[W]] : tensor<3x2xf32>, tensor<2x2x32xf32>) outs(%{{.*}} : tensor<3x2x32xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x2xf32>, tensor<2x64xf32>) outs(%{{.*}} : tensor<3x64xf32>)
func.func @matmul_blocked(%a: tensor<3x2xf32>, %r: tensor<2x64xf32>) -> (tensor<3x64xf32>, tensor<3x64xf32>) {
  %w = autoglm.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0], [64.0, 65.0, 66.0, 67.0, 68.0, 69.0, 70.0, 71.0, 72.0, 73.0, 74.0, 75.0, 76.0, 77.0, 78.0, 79.0, 80.0, 81.0, 82.0, 83.0, 84.0, 85.0, 86.0, 87.0, 88.0, 89.0, 90.0, 91.0, 92.0, 93.0, 94.0, 95.0, 96.0, 97.0, 98.0, 99.0, 100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0, 110.0, 111.0, 112.0, 113.0, 114.0, 115.0, 116.0, 117.0, 118.0, 119.0, 120.0, 121.0, 122.0, 123.0, 124.0, 125.0, 126.0, 127.0]]> : tensor<2x64xf32>
  %0 = autoglm.matmul %a, %w : (tensor<3x2xf32>, tensor<2x64xf32>) -> tensor<3x64xf32>
  %1 = autoglm.matmul %a, %r : (tensor<3x2xf32>, tensor<2x64xf32>) -> tensor<3x64xf32>
  return %0, %1 : tensor<3x64xf32>, tensor<3x64xf32>
}

// -----

// Batched matmuls with no broadcasting are linalg.batch_matmul; a batch dim
// that broadcasts (1 against 5) keeps the generic.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<5x2x3xf32>, tensor<5x3x4xf32>) outs(%{{.*}} : tensor<5x2x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<5x2x3xf32>, tensor<1x3x4xf32>)
func.func @batch_matmul(%a: tensor<5x2x3xf32>, %b: tensor<5x3x4xf32>, %c: tensor<1x3x4xf32>) -> (tensor<5x2x4xf32>, tensor<5x2x4xf32>) {
  %0 = autoglm.matmul %a, %b : (tensor<5x2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  %1 = autoglm.matmul %a, %c : (tensor<5x2x3xf32>, tensor<1x3x4xf32>) -> tensor<5x2x4xf32>
  return %0, %1 : tensor<5x2x4xf32>, tensor<5x2x4xf32>
}
