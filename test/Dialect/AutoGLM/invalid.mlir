// RUN: autoglm-opt %s --split-input-file --verify-diagnostics

func.func @unary_missing_alpha(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{kind 'leaky_relu' requires an alpha attribute}}
  %0 = autoglm.unary leaky_relu %a : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unary_extra_beta(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{kind 'relu' does not take a beta attribute}}
  %0 = autoglm.unary relu %a {beta = 1.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unary_float_kind_on_int(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+2 {{unary 'exp' expects a float tensor}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.unary exp %a : tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @unary_not_on_float(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{unary 'not' expects an i1 tensor}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.unary not %a : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @binary_no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{operands are not broadcast-compatible: [2, 3] vs [4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.binary add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @binary_mixed_types(%a: tensor<3xf32>, %b: tensor<3xi32>) -> tensor<3xf32> {
  // expected-error @+2 {{binary operands must share an element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.binary mul %a, %b : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @binary_logical_on_float(%a: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{logical binary kinds expect i1 operands}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.binary and %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @binary_bitwise_on_float(%a: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{bitwise binary kinds expect integer operands}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.binary bit_and %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @binary_wrong_result(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'autoglm.binary' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.binary add %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @compare_mixed(%a: tensor<3xf32>, %b: tensor<3xf16>) -> tensor<3xi1> {
  // expected-error @+2 {{compare operands must share an element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.compare eq %a, %b : (tensor<3xf32>, tensor<3xf16>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

func.func @select_cond_not_bool(%c: tensor<3xf32>, %a: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{select condition must be an i1 tensor}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.select %c, %a, %a : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @select_branch_types(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xi32>) -> tensor<3xf32> {
  // expected-error @+2 {{select branches must share an element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.select %c, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @cast_reshapes(%a: tensor<2x3xf32>) -> tensor<6xi32> {
  // expected-error @+1 {{cannot change the shape: [2, 3] -> [6]}}
  %0 = autoglm.cast %a : tensor<2x3xf32> -> tensor<6xi32>
  return %0 : tensor<6xi32>
}

// -----

func.func @matmul_k_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{matmul contraction dims differ: [2, 3] x [4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @matmul_batch_mismatch(%a: tensor<2x2x3xf32>, %b: tensor<3x3x5xf32>) -> tensor<2x2x5xf32> {
  // expected-error @+2 {{matmul batch dims do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<2x2x3xf32>, tensor<3x3x5xf32>) -> tensor<2x2x5xf32>
  return %0 : tensor<2x2x5xf32>
}

// -----

func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<3xf32>) -> tensor<f32> {
  // expected-error @+2 {{matmul operands must have rank >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<f32>, tensor<3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @matmul_types(%a: tensor<2x3xf32>, %b: tensor<3x5xf16>) -> tensor<2x5xf32> {
  // expected-error @+2 {{matmul operands must share an element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.matmul %a, %b : (tensor<2x3xf32>, tensor<3x5xf16>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @linear_features(%a: tensor<2x3xf32>, %w: tensor<4x5xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{linear input features [2, 3] do not match weight [out, in] [4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.linear %a, %w : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @linear_weight_rank(%a: tensor<2x3xf32>, %w: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{linear expects input rank >= 1 and a 2-D [out, in] weight}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.linear %a, %w : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @linear_types(%a: tensor<2x3xf32>, %w: tensor<4x3xf16>) -> tensor<2x4xf32> {
  // expected-error @+2 {{linear input and weight must share an element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.linear %a, %w : (tensor<2x3xf32>, tensor<4x3xf16>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @linear_bias(%a: tensor<2x3xf32>, %w: tensor<4x3xf32>, %b: tensor<5xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{linear bias must be 1-D with the weight's out extent}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.linear %a, %w, %b : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<5xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{input channels 3 != weight channels 2 x group 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_group(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32> {
  // expected-error @+2 {{output channels 3 are not divisible by group 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32>
  return %0 : tensor<1x3x6x6xf32>
}

// -----

func.func @conv_zero_group(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{group must be >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 0 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_rank(%x: tensor<3x8xf32>, %w: tensor<4x3xf32>) -> tensor<4x8xf32> {
  // expected-error @+2 {{conv expects input and weight of equal rank >= 3 (N, C, spatial...)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64>, group = 1 : i64, pads = array<i64>, strides = array<i64>} : (tensor<3x8xf32>, tensor<4x3xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @conv_attr_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{expects 2 strides and dilations (one per spatial dim)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_pads_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{expects 4 pads (every begin, then every end)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_stride_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{strides must be >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 0, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_dilation_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{dilations must be >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 0, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_negative_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{pads must be >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: -1, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_window_too_big(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error @+2 {{conv window is larger than the padded input in spatial dim 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return %0 : tensor<1x4x1x1xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{conv bias must be 1-D with the output channel count}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x3x4x4xf32>, %w: tensor<2x2x2x2xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+2 {{input channels must equal weight dim 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0, 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x3x4x4xf32>, tensor<2x2x2x2xf32>) -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

func.func @conv_transpose_outpad(%x: tensor<1x3x4x4xf32>, %w: tensor<3x2x2x2xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+2 {{expects one output_padding per spatial dim}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, output_padding = array<i64: 0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x3x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

func.func @reduce_axis_range(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{reduce axis 2 is out of range for rank 2 (axes are normalized to [0, rank))}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.reduce sum %x {axes = array<i64: 2>, keepdims = false} : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @reduce_axes_unsorted(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{reduce axes must be sorted and unique}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.reduce sum %x {axes = array<i64: 2, 0>, keepdims = false} : tensor<2x3x4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @argmax_two_axes(%x: tensor<2x3x4xf32>) -> tensor<3xi64> {
  // expected-error @+2 {{argmax/argmin reduce exactly one axis}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.reduce argmax %x {axes = array<i64: 0, 2>, keepdims = false} : tensor<2x3x4xf32> -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @pool_rank(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{pool expects rank >= 3 (N, C, spatial...)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64>, kernel = array<i64>, pads = array<i64>, strides = array<i64>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @pool_kernel_count(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+2 {{expects one kernel extent per spatial dim}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @pool_kernel_zero(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+2 {{kernel extents must be >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 0, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @pool_extra_pads(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+2 {{extra_pads must be empty or hold 2 per spatial dim}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, extra_pads = array<i64: 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @pool_window(%x: tensor<1x3x2x2xf32>) -> tensor<1x3x1x1xf32> {
  // expected-error @+2 {{pool window is larger than the padded input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pool max %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x3x2x2xf32> -> tensor<1x3x1x1xf32>
  return %0 : tensor<1x3x1x1xf32>
}

// -----

func.func @batch_norm_params(%x: tensor<1x3x4x4xf32>, %c: tensor<4xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @+2 {{batch_norm parameters must be 1-D with the channel count [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f64} : (tensor<1x3x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @batch_norm_rank(%x: tensor<3xf32>, %c: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{batch_norm expects rank >= 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @layer_norm_axis(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{layer_norm axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.layer_norm %x, %g {axis = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @layer_norm_scale(%x: tensor<2x8xf32>, %g: tensor<6xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{layer_norm scale/bias [6] do not broadcast to the normalized dims [8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x8xf32>, tensor<6xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @layer_norm_scale_rank(%x: tensor<2x8xf32>, %g: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{layer_norm scale/bias rank exceeds the normalized dims}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @group_norm_groups(%x: tensor<1x6x4xf32>, %c: tensor<6xf32>) -> tensor<1x6x4xf32> {
  // expected-error @+2 {{channels 6 are not divisible into 4 groups}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.group_norm %x, %c, %c {num_groups = 4 : i64, epsilon = 1.0e-5 : f64} : (tensor<1x6x4xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<1x6x4xf32>
  return %0 : tensor<1x6x4xf32>
}

// -----

func.func @group_norm_rank(%x: tensor<6x4xf32>, %c: tensor<4xf32>) -> tensor<6x4xf32> {
  // expected-error @+2 {{group_norm expects rank >= 3 (N, C, spatial...)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.group_norm %x, %c, %c {num_groups = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

func.func @group_norm_params(%x: tensor<1x6x4xf32>, %c: tensor<3xf32>) -> tensor<1x6x4xf32> {
  // expected-error @+2 {{group_norm scale/bias must be 1-D per channel}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.group_norm %x, %c, %c {num_groups = 3 : i64, epsilon = 1.0e-5 : f64} : (tensor<1x6x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x6x4xf32>
  return %0 : tensor<1x6x4xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{softmax axis -1 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.softmax %x {axis = -1 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @softmax_int(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error @+2 {{softmax expects a float tensor}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.softmax %x {axis = 1 : i64} : tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @attention_head_dim(%q: tensor<1x8x16xf32>, %k: tensor<1x8x8xf32>, %v: tensor<1x8x16xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+2 {{query and key head dims differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %v {scale = 1.0 : f64} : (tensor<1x8x16xf32>, tensor<1x8x8xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

func.func @attention_kv_len(%q: tensor<1x8x16xf32>, %k: tensor<1x8x16xf32>, %v: tensor<1x9x16xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+2 {{key and value sequence lengths differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %v {scale = 1.0 : f64} : (tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<1x9x16xf32>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

func.func @attention_rank(%q: tensor<1x8x16xf32>, %k: tensor<8x16xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+2 {{attention expects query, key and value of equal rank >= 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

func.func @attention_batch(%q: tensor<2x8x16xf32>, %k: tensor<3x8x16xf32>) -> tensor<2x8x16xf32> {
  // expected-error @+2 {{attention batch dims differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<2x8x16xf32>, tensor<3x8x16xf32>, tensor<3x8x16xf32>) -> tensor<2x8x16xf32>
  return %0 : tensor<2x8x16xf32>
}

// -----

func.func @attention_mask(%q: tensor<1x8x16xf32>, %m: tensor<1x7x8xi1>) -> tensor<1x8x16xf32> {
  // expected-error @+2 {{attention mask [1, 7, 8] does not broadcast to the scores [1, 8, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<1x7x8xi1>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error @+1 {{element count changes: [2, 3] has 6, [7] has 7}}
  %0 = autoglm.reshape %x : (tensor<2x3xf32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @reshape_elem(%x: tensor<2x3xf32>) -> tensor<6xi32> {
  // expected-error @+1 {{cannot change the element type}}
  %0 = autoglm.reshape %x : (tensor<2x3xf32>) -> tensor<6xi32>
  return %0 : tensor<6xi32>
}

// -----

func.func @reshape_shape_operand(%x: tensor<?x3xf32>, %s: tensor<3xi64>) -> tensor<?x3xf32> {
  // expected-error @+1 {{shape operand must be a 1-D integer tensor with one extent per result dim}}
  %0 = autoglm.reshape %x, %s : (tensor<?x3xf32>, tensor<3xi64>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{perm is not a permutation of [0, rank)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.transpose %x {perm = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @transpose_perm_size(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{perm has 3 entries for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @slice_oob(%x: tensor<4xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{slice of dim 0 reads outside [0, 4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {starts = array<i64: 2>, sizes = array<i64: 3>, steps = array<i64: 1>} : tensor<4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @slice_step(%x: tensor<4xf32>) -> tensor<1xf32> {
  // expected-error @+2 {{slice step must not be 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {starts = array<i64: 0>, sizes = array<i64: 1>, steps = array<i64: 0>} : tensor<4xf32> -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

func.func @slice_size(%x: tensor<4xf32>) -> tensor<1xf32> {
  // expected-error @+2 {{slice size must be >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {starts = array<i64: 0>, sizes = array<i64: -1>, steps = array<i64: 1>} : tensor<4xf32> -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

func.func @slice_counts(%x: tensor<4x4xf32>) -> tensor<1xf32> {
  // expected-error @+2 {{slice expects one start, size and step per dim}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {starts = array<i64: 0>, sizes = array<i64: 1>, steps = array<i64: 1>} : tensor<4x4xf32> -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+2 {{concat inputs differ in dim 0 (not the concat axis)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<6xf32>) -> tensor<2x6xf32> {
  // expected-error @+2 {{concat inputs must share rank and element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<6xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{concat axis 5 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.concat %a {axis = 5 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @split_sum(%x: tensor<6xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  // expected-error @+1 {{sizes sum to 4 but the axis has 6}}
  %0:2 = autoglm.split %x {axis = 0 : i64, sizes = array<i64: 2, 2>} : tensor<6xf32> -> tensor<2xf32>, tensor<2xf32>
  return %0#0, %0#1 : tensor<2xf32>, tensor<2xf32>
}

// -----

func.func @split_count(%x: tensor<6xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{expects one size per result}}
  %0 = autoglm.split %x {axis = 0 : i64, sizes = array<i64: 2, 4>} : tensor<6xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

func.func @split_result(%x: tensor<6xf32>) -> (tensor<2xf32>, tensor<3xf32>) {
  // expected-error @+1 {{result 1 should be [4]}}
  %0:2 = autoglm.split %x {axis = 0 : i64, sizes = array<i64: 2, 4>} : tensor<6xf32> -> tensor<2xf32>, tensor<3xf32>
  return %0#0, %0#1 : tensor<2xf32>, tensor<3xf32>
}

// -----

func.func @split_axis(%x: tensor<6xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{axis 1 is out of range}}
  %0 = autoglm.split %x {axis = 1 : i64, sizes = array<i64: 6>} : tensor<6xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

func.func @split_negative(%x: tensor<6xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{split sizes must be >= 0}}
  %0 = autoglm.split %x {axis = 0 : i64, sizes = array<i64: -1>} : tensor<6xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @gather_indices(%x: tensor<4x3xf32>, %i: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{gather indices must be integers}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.gather %x, %i {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @gather_axis(%x: tensor<4x3xf32>, %i: tensor<2xi64>) -> tensor<2x3xf32> {
  // expected-error @+2 {{gather axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.gather %x, %i {axis = 2 : i64} : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @gather_elements_rank(%x: tensor<4x3xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @+2 {{gather_elements indices must be integers of the data's rank}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.gather_elements %x, %i {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @scatter_shapes(%x: tensor<4x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x2xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{scatter_elements indices and updates must share a shape of the data's rank}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2x3xi64>, tensor<2x2xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @scatter_types(%x: tensor<4x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf16>) -> tensor<4x3xf32> {
  // expected-error @+2 {{scatter_elements updates must match the data's type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2x3xi64>, tensor<2x3xf16>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @pad_count(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{pad expects 4 pads (every begin, then every end)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pad constant %x {pads = array<i64: 0, 0>} : tensor<4x3xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @pad_crop(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{pad crops dim 1 below zero}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pad constant %x {pads = array<i64: 0, -2, 0, -2>} : tensor<4x3xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @pad_reflect_empty(%x: tensor<4x0xf32>) -> tensor<4x2xf32> {
  // expected-error @+2 {{reflect/edge padding of an empty dim}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pad reflect %x {pads = array<i64: 0, 1, 0, 1>} : tensor<4x0xf32> -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @expand_bad(%x: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{[3] does not broadcast to [2, 4]}}
  %0 = autoglm.expand %x : tensor<3xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @expand_type(%x: tensor<3xf32>) -> tensor<2x3xi32> {
  // expected-error @+1 {{cannot change the element type}}
  %0 = autoglm.expand %x : tensor<3xf32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @tile_count(%x: tensor<3xf32>) -> tensor<6xf32> {
  // expected-error @+2 {{tile expects one repeat count per dim}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.tile %x {repeats = array<i64: 2, 1>} : tensor<3xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

func.func @tile_negative(%x: tensor<3xf32>) -> tensor<6xf32> {
  // expected-error @+2 {{tile repeats must be >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.tile %x {repeats = array<i64: -2>} : tensor<3xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

func.func @resize_scales(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{expects one scale per dim}}
  %0 = autoglm.resize nearest %x {coordinate_transformation_mode = "asymmetric", scales = array<f64: 2.0, 2.0>} : tensor<1x3x4x4xf32> -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

func.func @resize_mode(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{unknown coordinate_transformation_mode 'sideways'}}
  %0 = autoglm.resize nearest %x {coordinate_transformation_mode = "sideways", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x3x4x4xf32> -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

func.func @resize_negative(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{scales must be positive}}
  %0 = autoglm.resize nearest %x {coordinate_transformation_mode = "asymmetric", scales = array<f64: 1.0, 1.0, -2.0, 2.0>} : tensor<1x3x4x4xf32> -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

func.func @resize_rank(%x: tensor<1x3x4x4xf32>) -> tensor<3x8x8xf32> {
  // expected-error @+1 {{must keep rank and element type}}
  %0 = autoglm.resize nearest %x {coordinate_transformation_mode = "asymmetric", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x3x4x4xf32> -> tensor<3x8x8xf32>
  return %0 : tensor<3x8x8xf32>
}

// -----

func.func @shape_result(%x: tensor<2x3xf32>) -> tensor<3xi64> {
  // expected-error @+1 {{result must be 1-D with one entry per input dim}}
  %0 = autoglm.shape %x : tensor<2x3xf32> -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @quantize_float_zp(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<f32>) -> tensor<4xi8> {
  // expected-error @+1 {{zero_point must have the quantized element type}}
  %0 = autoglm.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @quantize_int_input(%x: tensor<4xi32>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<4xi8> {
  // expected-error @+1 {{input must be a float tensor}}
  %0 = autoglm.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xi32>, tensor<f32>, tensor<i8>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @quantize_scale_int(%x: tensor<4xf32>, %s: tensor<i32>, %z: tensor<i8>) -> tensor<4xi8> {
  // expected-error @+1 {{scale must be a float tensor}}
  %0 = autoglm.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<i32>, tensor<i8>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @quantize_per_axis(%x: tensor<4x8xf32>, %s: tensor<3xf32>, %z: tensor<3xi8>) -> tensor<4x8xi8> {
  // expected-error @+1 {{per-axis scale must have the axis' extent}}
  %0 = autoglm.quantize %x, %s, %z {axis = 1 : i64} : (tensor<4x8xf32>, tensor<3xf32>, tensor<3xi8>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

func.func @quantize_axis(%x: tensor<4x8xf32>, %s: tensor<8xf32>, %z: tensor<8xi8>) -> tensor<4x8xi8> {
  // expected-error @+1 {{axis 3 is out of range}}
  %0 = autoglm.quantize %x, %s, %z {axis = 3 : i64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

func.func @quantize_scale_rank(%x: tensor<4x8xf32>, %s: tensor<2x8xf32>, %z: tensor<2x8xi8>) -> tensor<4x8xi8> {
  // expected-error @+1 {{scale must be a scalar or 1-D (per axis)}}
  %0 = autoglm.quantize %x, %s, %z {axis = 1 : i64} : (tensor<4x8xf32>, tensor<2x8xf32>, tensor<2x8xi8>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

func.func @quantize_zp_shape(%x: tensor<4x8xf32>, %s: tensor<8xf32>, %z: tensor<4xi8>) -> tensor<4x8xi8> {
  // expected-error @+1 {{scale and zero_point must share a shape}}
  %0 = autoglm.quantize %x, %s, %z {axis = 1 : i64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<4xi8>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

func.func @quantize_float_result(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<f16>) -> tensor<4xf16> {
  // expected-error @+1 {{quantized type must be an integer}}
  %0 = autoglm.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<f32>, tensor<f16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<5xi8> {
  // expected-error @+1 {{cannot change the shape}}
  %0 = autoglm.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4xf32>, tensor<f32>, tensor<i8>) -> tensor<5xi8>
  return %0 : tensor<5xi8>
}

// -----

func.func @dequantize_int_result(%x: tensor<4xi8>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<4xi32> {
  // expected-error @+1 {{result must be a float tensor}}
  %0 = autoglm.dequantize %x, %s, %z {axis = 0 : i64} : (tensor<4xi8>, tensor<f32>, tensor<i8>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @dequantize_shape(%x: tensor<4xi8>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<3xf32> {
  // expected-error @+1 {{cannot change the shape}}
  %0 = autoglm.dequantize %x, %s, %z {axis = 0 : i64} : (tensor<4xi8>, tensor<f32>, tensor<i8>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @epilogue_params(%a: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{activation 'clip' needs exactly its parameters (act_alpha, act_beta)}}
  %0 = autoglm.linear %a, %w {activation = #autoglm<unary_kind clip>} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @epilogue_not_activation(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'isnan' is not an activation}}
  %0 = autoglm.matmul %a, %b {activation = #autoglm<unary_kind isnan>} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @epilogue_stray_alpha(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{act_alpha/act_beta without an activation}}
  %0 = autoglm.matmul %a, %b {act_alpha = 1.0 : f64} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @string_normalize_rank(%a: tensor<2x3x!autoglm.string>) -> tensor<2x?x!autoglm.string> {
  // expected-error @+1 {{input must be [C] or [1, C]}}
  %0 = autoglm.string_normalize %a {case_change = #autoglm<string_case none>, case_sensitive = true, stopwords = ["a"]} : tensor<2x3x!autoglm.string> -> tensor<2x?x!autoglm.string>
  return %0 : tensor<2x?x!autoglm.string>
}

// -----

func.func @string_normalize_grows(%a: tensor<3x!autoglm.string>) -> tensor<4x!autoglm.string> {
  // expected-error @+1 {{result extent 4 is impossible for input extent 3}}
  %0 = autoglm.string_normalize %a {case_change = #autoglm<string_case upper>, case_sensitive = true, stopwords = ["a"]} : tensor<3x!autoglm.string> -> tensor<4x!autoglm.string>
  return %0 : tensor<4x!autoglm.string>
}

// -----

func.func @string_normalize_no_stopwords(%a: tensor<3x!autoglm.string>) -> tensor<2x!autoglm.string> {
  // Nothing can be removed without stopwords.
  // expected-error @+1 {{result extent 2 is impossible for input extent 3}}
  %0 = autoglm.string_normalize %a {case_change = #autoglm<string_case lower>, case_sensitive = false, stopwords = []} : tensor<3x!autoglm.string> -> tensor<2x!autoglm.string>
  return %0 : tensor<2x!autoglm.string>
}

// -----

func.func @string_normalize_not_strings(%a: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of}}
  %0 = autoglm.string_normalize %a {case_change = #autoglm<string_case lower>, case_sensitive = false, stopwords = []} : tensor<3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @top_k_too_large(%x: tensor<2x4xf32>) -> (tensor<2x5xf32>, tensor<2x5xi64>) {
  // expected-error @+1 {{k = 5 exceeds the axis' extent 4}}
  %v, %i = autoglm.top_k %x {axis = 1 : i64, k = 5 : i64, largest = true} : tensor<2x4xf32> -> tensor<2x5xf32>, tensor<2x5xi64>
  return %v, %i : tensor<2x5xf32>, tensor<2x5xi64>
}

// -----

func.func @top_k_shape(%x: tensor<2x8xf32>) -> (tensor<2x4xf32>, tensor<2x3xi64>) {
  // expected-error @+1 {{does not match input}}
  %v, %i = autoglm.top_k %x {axis = 1 : i64, k = 3 : i64, largest = true} : tensor<2x8xf32> -> tensor<2x4xf32>, tensor<2x3xi64>
  return %v, %i : tensor<2x4xf32>, tensor<2x3xi64>
}
