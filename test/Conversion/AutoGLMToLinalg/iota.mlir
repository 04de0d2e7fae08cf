// RUN: autoglm-opt %s --split-input-file --convert-autoglm-to-linalg --verify-diagnostics | FileCheck %s

// autoglm.iota: each element's index along `dim`, as a generic over the
// shape of `like` (its open extents read from `like`, so they stay bounded).
// CHECK-LABEL: func.func @iota_static
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: arith.index_cast %[[I]] : index to i64
func.func @iota_static(%x: tensor<3x4xf32>) -> tensor<3x4xi64> {
  %0 = autoglm.iota %x {dim = 1 : i64} : tensor<3x4xf32> -> tensor<3x4xi64>
  return %0 : tensor<3x4xi64>
}

// -----

// CHECK-LABEL: func.func @iota_open
// CHECK-SAME: %[[X:.*]]: tensor<?x4xf32>
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK: tensor.empty(%[[D]]) : tensor<?x4xi64>
// CHECK: linalg.index 0 : index
func.func @iota_open(%x: tensor<?x4xf32>) -> tensor<?x4xi64> {
  %0 = autoglm.iota %x {dim = 0 : i64} : tensor<?x4xf32> -> tensor<?x4xi64>
  return %0 : tensor<?x4xi64>
}

// -----

func.func @iota_bad_dim(%x: tensor<3x4xf32>) -> tensor<3x4xi64> {
  // expected-error @+1 {{'autoglm.iota' op dim 2 is not a dim of 'tensor<3x4xf32>'}}
  %0 = autoglm.iota %x {dim = 2 : i64} : tensor<3x4xf32> -> tensor<3x4xi64>
  return %0 : tensor<3x4xi64>
}
