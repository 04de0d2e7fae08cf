// RUN: autoglm-opt %s --split-input-file --convert-autoglm-to-linalg | FileCheck %s

// autoglm.top_k: per slice along the axis (here the middle one), one pass
// over the slice; an entry that beats the k-th kept (or arrives while
// fewer than k are kept) finds its place among the kept ones, which move
// one down behind it. Both results start as zeros.
// CHECK-LABEL: func.func @top_k_middle
// CHECK: linalg.fill
// CHECK: linalg.fill
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for %[[J:[a-z0-9_]+]] = %{{.*}} to %dim_0 step
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %[[J]], %{{.*}}] : tensor<2x5x3xf32>
// CHECK: arith.cmpi eq
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf uno
// CHECK: scf.if
// CHECK: tensor.insert %{{.*}} into %{{.*}} : tensor<2x4x3xf32>
// CHECK: arith.index_cast %[[J]] : index to i64
// CHECK: tensor.insert %{{.*}} into %{{.*}} : tensor<2x4x3xi64>
func.func @top_k_middle(%x: tensor<2x5x3xf32>) -> (tensor<2x4x3xf32>, tensor<2x4x3xi64>) {
  %v, %i = autoglm.top_k %x {axis = 1 : i64, k = 4 : i64, largest = true} : tensor<2x5x3xf32> -> tensor<2x4x3xf32>, tensor<2x4x3xi64>
  return %v, %i : tensor<2x4x3xf32>, tensor<2x4x3xi64>
}

// -----

// Unsigned integers compare unsigned; smallest first.
// CHECK-LABEL: func.func @top_k_unsigned_smallest
// CHECK: arith.cmpi ult
// CHECK-NOT: arith.cmpf
func.func @top_k_unsigned_smallest(%x: tensor<16xui8>) -> (tensor<3xui8>, tensor<3xi64>) {
  %v, %i = autoglm.top_k %x {axis = 0 : i64, k = 3 : i64, largest = false} : tensor<16xui8> -> tensor<3xui8>, tensor<3xi64>
  return %v, %i : tensor<3xui8>, tensor<3xi64>
}
