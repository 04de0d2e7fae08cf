// RUN: autoglm-opt %s | autoglm-opt | FileCheck %s
// RUN: autoglm-opt %s --mlir-print-op-generic | autoglm-opt | FileCheck %s

// Round trip of every autoglm op.

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x3xi1>) -> tensor<2x3xf32> {
  // CHECK: autoglm.constant dense<1.000000e+00> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  // CHECK: autoglm.unary relu %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
  %0 = autoglm.unary relu %a : tensor<2x3xf32> -> tensor<2x3xf32>
  // CHECK: autoglm.unary clip %{{.*}} {alpha = 0.000000e+00 : f64, beta = 6.000000e+00 : f64}
  %1 = autoglm.unary clip %0 {alpha = 0.0 : f64, beta = 6.0 : f64} : tensor<2x3xf32> -> tensor<2x3xf32>
  // CHECK: autoglm.unary isnan %{{.*}} : tensor<2x3xf32> -> tensor<2x3xi1>
  %n = autoglm.unary isnan %1 : tensor<2x3xf32> -> tensor<2x3xi1>
  // CHECK: autoglm.binary add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = autoglm.binary add %1, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: autoglm.compare lt %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xi1>
  %3 = autoglm.compare lt %2, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xi1>
  // CHECK: autoglm.select %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %4 = autoglm.select %3, %2, %one : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  // CHECK: autoglm.cast %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf16>
  %5 = autoglm.cast %4 : tensor<2x3xf32> -> tensor<2x3xf16>
  return %4 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @contractions
func.func @contractions(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %bias: tensor<4xf32>,
                        %a: tensor<2x5x7xf32>, %b: tensor<7x6xf32>, %lw: tensor<6x7xf32>,
                        %tw: tensor<3x2x2x2xf32>) -> tensor<1x4x4x4xf32> {
  // CHECK: autoglm.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %0 = autoglm.conv %x, %w, %bias {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: autoglm.conv_transpose
  %1 = autoglm.conv_transpose %x, %tw {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x16x16xf32>
  // CHECK: autoglm.matmul %{{.*}}, %{{.*}} : (tensor<2x5x7xf32>, tensor<7x6xf32>) -> tensor<2x5x6xf32>
  %2 = autoglm.matmul %a, %b : (tensor<2x5x7xf32>, tensor<7x6xf32>) -> tensor<2x5x6xf32>
  // CHECK: autoglm.linear %{{.*}}, %{{.*}} : (tensor<2x5x7xf32>, tensor<6x7xf32>) -> tensor<2x5x6xf32>
  %3 = autoglm.linear %a, %lw : (tensor<2x5x7xf32>, tensor<6x7xf32>) -> tensor<2x5x6xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// CHECK-LABEL: func.func @reductions_and_norms
func.func @reductions_and_norms(%x: tensor<2x4x6x6xf32>, %c: tensor<4xf32>, %s: tensor<2x8x16xf32>, %g: tensor<16xf32>) -> tensor<2x4xi64> {
  // CHECK: autoglm.reduce mean %{{.*}} {axes = array<i64: 2, 3>, keepdims = true}
  %0 = autoglm.reduce mean %x {axes = array<i64: 2, 3>, keepdims = true} : tensor<2x4x6x6xf32> -> tensor<2x4x1x1xf32>
  // CHECK: autoglm.reduce argmax
  %1 = autoglm.reduce argmax %x {axes = array<i64: 3>, keepdims = false} : tensor<2x4x6x6xf32> -> tensor<2x4x6xi64>
  // CHECK: autoglm.pool max %{{.*}} {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %2 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<2x4x6x6xf32> -> tensor<2x4x3x3xf32>
  // CHECK: autoglm.pool avg {{.*}}count_include_pad = true
  %3 = autoglm.pool avg %x {count_include_pad = true, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<2x4x6x6xf32> -> tensor<2x4x3x3xf32>
  // CHECK: autoglm.batch_norm
  %4 = autoglm.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f64} : (tensor<2x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x6x6xf32>
  // CHECK: autoglm.layer_norm
  %5 = autoglm.layer_norm %s, %g, %g {axis = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  // CHECK: autoglm.group_norm
  %6 = autoglm.group_norm %x, %c, %c {num_groups = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x6x6xf32>
  // CHECK: autoglm.softmax %{{.*}} {axis = 2 : i64, log = true}
  %7 = autoglm.softmax %s {axis = 2 : i64, log = true} : tensor<2x8x16xf32> -> tensor<2x8x16xf32>
  %8 = autoglm.reduce argmin %0 {axes = array<i64: 2>, keepdims = false, select_last_index = true} : tensor<2x4x1x1xf32> -> tensor<2x4x1xi64>
  %9 = autoglm.reshape %8 : (tensor<2x4x1xi64>) -> tensor<2x4xi64>
  return %9 : tensor<2x4xi64>
}

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x10x16xf32>, %v: tensor<1x4x10x32xf32>, %m: tensor<1x1x8x10xi1>) -> tensor<1x4x8x32xf32> {
  // CHECK: autoglm.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {causal = true, scale = 2.500000e-01 : f64}
  %0 = autoglm.attention %q, %k, %v, %m {causal = true, scale = 0.25 : f64} : (tensor<1x4x8x16xf32>, tensor<1x4x10x16xf32>, tensor<1x4x10x32xf32>, tensor<1x1x8x10xi1>) -> tensor<1x4x8x32xf32>
  return %0 : tensor<1x4x8x32xf32>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<2x3x4xf32>, %i: tensor<5xi64>, %ie: tensor<2x3x4xi64>, %d: tensor<?x4xf32>, %s: tensor<2xi64>) -> tensor<2x3x4xf32> {
  // CHECK: autoglm.reshape %{{.*}} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %0 = autoglm.reshape %x : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  // CHECK: autoglm.reshape %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  %1 = autoglm.reshape %d, %s : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  // CHECK: autoglm.transpose %{{.*}} {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %2 = autoglm.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  // CHECK: autoglm.slice
  %3 = autoglm.slice %x {starts = array<i64: 0, 2, 3>, sizes = array<i64: 2, 2, 2>, steps = array<i64: 1, -1, -2>} : tensor<2x3x4xf32> -> tensor<2x2x2xf32>
  // CHECK: autoglm.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
  %4 = autoglm.concat %x, %x {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
  // CHECK: autoglm.split %{{.*}} {axis = 2 : i64, sizes = array<i64: 1, 3>} : tensor<2x3x4xf32> -> tensor<2x3x1xf32>, tensor<2x3x3xf32>
  %5:2 = autoglm.split %x {axis = 2 : i64, sizes = array<i64: 1, 3>} : tensor<2x3x4xf32> -> tensor<2x3x1xf32>, tensor<2x3x3xf32>
  // CHECK: autoglm.gather %{{.*}}, %{{.*}} {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<2x3x5xf32>
  %6 = autoglm.gather %x, %i {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<2x3x5xf32>
  // CHECK: autoglm.gather_elements
  %7 = autoglm.gather_elements %x, %ie {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xi64>) -> tensor<2x3x4xf32>
  // CHECK: autoglm.scatter_elements {{.*}}reduction = #autoglm<scatter_reduction add>
  %8 = autoglm.scatter_elements %x, %ie, %x {axis = 1 : i64, reduction = #autoglm<scatter_reduction add>} : (tensor<2x3x4xf32>, tensor<2x3x4xi64>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: autoglm.pad reflect %{{.*}} {pads = array<i64: 0, 1, 1, 0, 1, 1>}
  %9 = autoglm.pad reflect %x {pads = array<i64: 0, 1, 1, 0, 1, 1>} : tensor<2x3x4xf32> -> tensor<2x5x6xf32>
  // CHECK: autoglm.expand %{{.*}} : tensor<2x3x4xf32> -> tensor<5x2x3x4xf32>
  %10 = autoglm.expand %x : tensor<2x3x4xf32> -> tensor<5x2x3x4xf32>
  // CHECK: autoglm.tile %{{.*}} {repeats = array<i64: 1, 2, 3>}
  %11 = autoglm.tile %x {repeats = array<i64: 1, 2, 3>} : tensor<2x3x4xf32> -> tensor<2x6x12xf32>
  // CHECK: autoglm.resize linear %{{.*}} {coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.000000e+00, 2.000000e+00, 2.000000e+00>}
  %12 = autoglm.resize linear %x {coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 2.0, 2.0>} : tensor<2x3x4xf32> -> tensor<2x6x8xf32>
  // CHECK: autoglm.shape %{{.*}} : tensor<?x4xf32> -> tensor<2xi64>
  %13 = autoglm.shape %d : tensor<?x4xf32> -> tensor<2xi64>
  return %x : tensor<2x3x4xf32>
}

// CHECK-LABEL: func.func @quantization
func.func @quantization(%x: tensor<4x8xf32>, %s: tensor<f32>, %z: tensor<ui8>, %ps: tensor<8xf32>, %pz: tensor<8xi8>) -> tensor<4x8xf32> {
  // CHECK: autoglm.quantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<4x8xf32>, tensor<f32>, tensor<ui8>) -> tensor<4x8xui8>
  %0 = autoglm.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4x8xf32>, tensor<f32>, tensor<ui8>) -> tensor<4x8xui8>
  // CHECK: autoglm.dequantize
  %1 = autoglm.dequantize %0, %s, %z {axis = 0 : i64} : (tensor<4x8xui8>, tensor<f32>, tensor<ui8>) -> tensor<4x8xf32>
  // Per-axis (axis 1, 8 channels).
  // CHECK: autoglm.quantize {{.*}}{axis = 1 : i64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xi8>
  %2 = autoglm.quantize %x, %ps, %pz {axis = 1 : i64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xi8>
  return %1 : tensor<4x8xf32>
}

// Dynamic extents are inferred and verified too.
// CHECK-LABEL: func.func @dynamic
func.func @dynamic(%a: tensor<?x16xf32>, %w: tensor<8x16xf32>) -> tensor<?x8xf32> {
  // CHECK: autoglm.linear %{{.*}}, %{{.*}} : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %0 = autoglm.linear %a, %w : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @strings
func.func @strings(%a: tensor<1x6x!autoglm.string>) -> tensor<1x?x!autoglm.string> {
  // CHECK: autoglm.string_normalize %{{.*}} {case_change = #autoglm<string_case upper>, case_sensitive = false, stopwords = ["monday"]} : tensor<1x6x!autoglm.string> -> tensor<1x?x!autoglm.string>
  %0 = autoglm.string_normalize %a {case_change = #autoglm<string_case upper>, case_sensitive = false, stopwords = ["monday"]} : tensor<1x6x!autoglm.string> -> tensor<1x?x!autoglm.string>
  return %0 : tensor<1x?x!autoglm.string>
}
