// RUN: autoglm-opt %s --split-input-file --autoglm-quant-int8 | FileCheck %s

// range [0, 2.55]: x_scale 0.01, zero point 0. Weight rows scaled by
// max|w| / 127 (1/127 and 0.5/127): int8 [[127, -64], [64, 127]] (ties to
// even). The int32 product times 0.01 * w_scale per output channel, then the
// bias and the relu.
// CHECK-LABEL: func.func @linear
// x / 0.01 as x * 100, then quantized with scale 1 (the multiply joins the
// previous kernel's epilogue where a division was one per 16 lanes).
// CHECK-DAG: %[[INV:.*]] = autoglm.constant dense<1.000000e+02> : tensor<f32>
// CHECK-DAG: %[[XM:.*]] = autoglm.binary mul %arg0, %[[INV]]
// CHECK-DAG: %[[ONE:.*]] = autoglm.constant dense<1.000000e+00> : tensor<f32>
// CHECK-DAG: %[[XZ:.*]] = autoglm.constant dense<0> : tensor<ui8>
// CHECK: %[[Q:.*]] = autoglm.quantize %[[XM]], %[[ONE]], %[[XZ]] {axis = 0 : i64} : (tensor<1x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2xui8>
// CHECK: %[[WQ:.*]] = autoglm.constant dense_resource<[[BLOB:.*]]> : tensor<2x2xi8>
// CHECK: %[[ACC:.*]] = autoglm.linear %[[Q]], %[[WQ]] : (tensor<1x2xui8>, tensor<2x2xi8>) -> tensor<1x2xi32>
// CHECK: %[[F:.*]] = autoglm.cast %[[ACC]] : tensor<1x2xi32> -> tensor<1x2xf32>
// CHECK: %[[S:.*]] = autoglm.constant dense<{{\[\[}}7.874{{[0-9]*}}E-5, 3.937{{[0-9]*}}E-5]]> : tensor<1x2xf32>
// CHECK: %[[M:.*]] = autoglm.binary mul %[[F]], %[[S]]
// CHECK: %[[BR:.*]] = autoglm.reshape %{{.*}} : (tensor<2xf32>) -> tensor<1x2xf32>
// CHECK: %[[B:.*]] = autoglm.binary add %[[M]], %[[BR]]
// CHECK: %[[Y:.*]] = autoglm.unary relu %[[B]]
// CHECK: return %[[Y]]
// CHECK: [[BLOB]]: "0x400000007FC0407F"
func.func @linear(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = autoglm.constant dense<[[1.0, -0.5], [0.25, 0.5]]> : tensor<2x2xf32>
  %b = autoglm.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %y = autoglm.linear %x, %w, %b {activation = #autoglm<unary_kind relu>, autoglm.quant_id = 0 : i64, autoglm.act_range = array<f64: 0.5, 2.55>} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A conv whose input range [-1, 3] holds 0 already: scale 4/255, zero
// point round(255/4) = 64. The int32 product of the 8-bit operands minus
// 64 * (sum of each channel's int8 weights): 64 * 127 = 8128 and
// 64 * -127 = -8128. The per-channel scale and the bias broadcast along
// dim 1; the residual is added after.
// CHECK-LABEL: func.func @conv
// CHECK-DAG: %[[XZ:.*]] = autoglm.constant dense<64> : tensor<ui8>
// CHECK-DAG: %[[XM:.*]] = autoglm.binary mul %arg0, %{{.*}}
// CHECK: %[[Q:.*]] = autoglm.quantize %[[XM]], %{{.*}}, %[[XZ]]
// CHECK: %[[P:.*]] = autoglm.conv %[[Q]], %{{.*}} : (tensor<1x1x3x3xui8>, tensor<2x1x1x1xi8>) -> tensor<1x2x3x3xi32>
// CHECK: %[[C:.*]] = autoglm.constant dense_resource<[[SUM:.*]]> : tensor<1x2x1x1xi32>
// CHECK: %[[ACC:.*]] = autoglm.binary sub %[[P]], %[[C]]
// CHECK: autoglm.cast %[[ACC]] : tensor<1x2x3x3xi32> -> tensor<1x2x3x3xf32>
// CHECK: autoglm.constant {{.*}} : tensor<1x2x1x1xf32>
// CHECK: %[[BR:.*]] = autoglm.reshape %{{.*}} : (tensor<2xf32>) -> tensor<1x2x1x1xf32>
// CHECK: %[[B:.*]] = autoglm.binary add %{{.*}}, %[[BR]]
// CHECK: autoglm.binary add %[[B]], %arg1
// CHECK-NOT: autoglm.quant_id
// CHECK: [[SUM]]: "0x40000000C01F000040E0FFFF"
func.func @conv(%x: tensor<1x1x3x3xf32>, %r: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = autoglm.constant dense<[[[[0.5]]], [[[-2.0]]]]> : tensor<2x1x1x1xf32>
  %b = autoglm.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = autoglm.conv %x, %w, %b residual %r {autoglm.quant_id = 0 : i64, autoglm.act_range = array<f64: -1.0, 3.0>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// Zero padding of the f32 input is padding of the uint8 input with its
// zero point (here 64, the quantized 0.0); the conv itself then pads
// nothing.
// CHECK-LABEL: func.func @padded
// CHECK: %[[Q:.*]] = autoglm.quantize
// CHECK: %[[P:.*]] = autoglm.pad constant %[[Q]] {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 6.400000e+01 : f64} : tensor<1x1x3x3xui8> -> tensor<1x1x5x5xui8>
// CHECK: autoglm.conv %[[P]], %{{.*}} {{{.*}}pads = array<i64: 0, 0, 0, 0>{{.*}}} : (tensor<1x1x5x5xui8>, tensor<2x1x3x3xi8>) -> tensor<1x2x3x3xi32>
func.func @padded(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = autoglm.constant dense<0.5> : tensor<2x1x3x3xf32>
  %y = autoglm.conv %x, %w {autoglm.quant_id = 0 : i64, autoglm.act_range = array<f64: -1.0, 3.0>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// A conv reading a max pool quantizes the pool's input and pools the bytes
// (quantizing commutes with max); the pool's other user (a residual) reads
// its bytes dequantized: (q - 64) * 4/255.
// CHECK-LABEL: func.func @max_pool_bytes
// CHECK-NOT: autoglm.pool max %arg0
// CHECK: %[[YM:.*]] = autoglm.binary mul %arg0, %{{.*}} : (tensor<1x1x4x4xf32>, tensor<f32>)
// CHECK: %[[YQ:.*]] = autoglm.quantize %[[YM]], %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<1x1x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x1x4x4xui8>
// CHECK: %[[P:.*]] = autoglm.pool max %[[YQ]] {{.*}} : tensor<1x1x4x4xui8> -> tensor<1x1x2x2xui8>
// CHECK: %[[D:.*]] = autoglm.cast %[[P]] : tensor<1x1x2x2xui8> -> tensor<1x1x2x2xf32>
// CHECK: %[[Z:.*]] = autoglm.constant dense<6.400000e+01> : tensor<f32>
// CHECK: %[[DZ:.*]] = autoglm.binary sub %[[D]], %[[Z]]
// CHECK: %[[S:.*]] = autoglm.constant dense<0.01568{{[0-9]*}}> : tensor<f32>
// CHECK: %[[DQ:.*]] = autoglm.binary mul %[[DZ]], %[[S]]
// CHECK: autoglm.conv %[[P]], %{{.*}} : (tensor<1x1x2x2xui8>, tensor<2x1x1x1xi8>) -> tensor<1x2x2x2xi32>
// CHECK-NOT: autoglm.pool
// CHECK: return %{{.*}}, %[[DQ]]
func.func @max_pool_bytes(%y: tensor<1x1x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x1x2x2xf32>) {
  %x = autoglm.pool max %y {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x1x4x4xf32> -> tensor<1x1x2x2xf32>
  %w = autoglm.constant dense<[[[[0.5]]], [[[-2.0]]]]> : tensor<2x1x1x1xf32>
  %c = autoglm.conv %x, %w {autoglm.quant_id = 0 : i64, autoglm.act_range = array<f64: -1.0, 3.0>, dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %c, %x : tensor<1x2x2x2xf32>, tensor<1x1x2x2xf32>
}
