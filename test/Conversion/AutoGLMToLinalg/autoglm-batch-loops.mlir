// RUN: autoglm-opt %s --split-input-file --autoglm-batch-loops | FileCheck %s

// A network whose every op treats each batch element alone runs as one
// loop over the open batch, one sample at a time, with static types inside.
// CHECK-LABEL: func.func @net(
// CHECK-SAME: %[[X:.*]]: tensor<?x3x8x8xf32> {{.*}}, %[[W:.*]]: tensor<4x3x3x3xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x8x8xf32>
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK: %[[LOOP:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]])
// CHECK: %[[XI:.*]] = tensor.extract_slice %[[X]][%[[I]], 0, 0, 0] [1, 3, 8, 8] [1, 1, 1, 1]
// CHECK: %[[C:.*]] = autoglm.conv %[[XI]], %[[W]] {{.*}} -> tensor<1x4x8x8xf32>
// CHECK: %[[R:.*]] = autoglm.unary relu %[[C]] : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
// CHECK: %[[M:.*]] = autoglm.reduce mean %[[R]] {{.*}} -> tensor<1x4xf32>
// CHECK: %[[PUT:.*]] = tensor.insert_slice %[[M]] into %[[ACC]][%[[I]], 0] [1, 4] [1, 1]
// CHECK: scf.yield %[[PUT]]
// CHECK: return %[[LOOP]]
func.func @net(%x: tensor<?x3x8x8xf32> {autoglm.dim_params = ["N", "", "", ""]}, %w: tensor<4x3x3x3xf32>) -> tensor<?x4xf32> {
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x8x8xf32>
  %1 = autoglm.unary relu %0 : tensor<?x4x8x8xf32> -> tensor<?x4x8x8xf32>
  %2 = autoglm.reduce mean %1 {axes = array<i64: 2, 3>, keepdims = false} : tensor<?x4x8x8xf32> -> tensor<?x4xf32>
  return %2 : tensor<?x4xf32>
}

// -----

// A reduction over the batch mixes samples: no loop around the network;
// the separable conv gets a loop of its own, the elementwise op lowers its
// open extent itself and the reduction over dim 0 is left as it is.
// CHECK-LABEL: func.func @mixed(
// CHECK: %[[CONV:.*]] = scf.for
// CHECK: autoglm.conv %{{.*}} -> tensor<1x4x8x8xf32>
// CHECK: scf.yield
// CHECK: %[[R:.*]] = autoglm.unary relu %[[CONV]] : tensor<?x4x8x8xf32> -> tensor<?x4x8x8xf32>
// CHECK: autoglm.reduce sum %[[R]] {axes = array<i64: 0>, keepdims = true} : tensor<?x4x8x8xf32> -> tensor<1x4x8x8xf32>
// CHECK-NOT: scf.for
func.func @mixed(%x: tensor<?x3x8x8xf32> {autoglm.dim_params = ["N", "", "", ""]}, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x8x8xf32>
  %1 = autoglm.unary relu %0 : tensor<?x4x8x8xf32> -> tensor<?x4x8x8xf32>
  %2 = autoglm.reduce sum %1 {axes = array<i64: 0>, keepdims = true} : tensor<?x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return %2 : tensor<1x4x8x8xf32>
}

// -----

// The shape of a batched value depends on the batch: not per sample.
// CHECK-LABEL: func.func @shape(
// CHECK-NOT: scf.for
// CHECK: autoglm.shape
func.func @shape(%x: tensor<?x3xf32>) -> tensor<2xi64> {
  %0 = autoglm.shape %x : tensor<?x3xf32> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// Batched inputs whose leading extents are named differently (or not at
// all) may differ, or one may be 1 and broadcast: no loop around the
// network; the elementwise op lowers its open extents itself.
// CHECK-LABEL: func.func @two_batches(
// CHECK-NOT: scf.for
// CHECK: autoglm.binary add
func.func @two_batches(%a: tensor<?x4xf32> {autoglm.dim_params = ["N", ""]}, %b: tensor<?x4xf32> {autoglm.dim_params = ["M", ""]}) -> tensor<?x4xf32> {
  %0 = autoglm.binary add %a, %b : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// An MLP: its work is linears of 2-D rows, which a loop over samples would
// make 1-row matmuls; kept open, the CPU kernels tile the rows. No loop.
// CHECK-LABEL: func.func @mlp(
// CHECK-NOT: scf.for
// CHECK: autoglm.linear {{.*}} -> tensor<?x16xf32>
// CHECK: autoglm.linear {{.*}} -> tensor<?x4xf32>
func.func @mlp(%x: tensor<?x8xf32> {autoglm.dim_params = ["N", ""]}, %w1: tensor<16x8xf32>, %w2: tensor<4x16xf32>) -> tensor<?x4xf32> {
  %0 = autoglm.linear %x, %w1 : (tensor<?x8xf32>, tensor<16x8xf32>) -> tensor<?x16xf32>
  %1 = autoglm.unary relu %0 : tensor<?x16xf32> -> tensor<?x16xf32>
  %2 = autoglm.linear %1, %w2 : (tensor<?x16xf32>, tensor<4x16xf32>) -> tensor<?x4xf32>
  return %2 : tensor<?x4xf32>
}

// -----

// A CNN whose classifier is a linear of 2-D rows: the convolutions carry
// the work, so the whole network is still one loop over samples.
// CHECK-LABEL: func.func @cnn_head(
// CHECK: scf.for
// CHECK: autoglm.conv {{.*}} -> tensor<1x8x8x8xf32>
// CHECK: autoglm.linear {{.*}} -> tensor<1x4xf32>
func.func @cnn_head(%x: tensor<?x3x8x8xf32> {autoglm.dim_params = ["N", "", "", ""]}, %w: tensor<8x3x3x3xf32>, %l: tensor<4x8xf32>) -> tensor<?x4xf32> {
  %0 = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<?x8x8x8xf32>
  %1 = autoglm.reduce mean %0 {axes = array<i64: 2, 3>, keepdims = false} : tensor<?x8x8x8xf32> -> tensor<?x8xf32>
  %2 = autoglm.linear %1, %l : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  return %2 : tensor<?x4xf32>
}
