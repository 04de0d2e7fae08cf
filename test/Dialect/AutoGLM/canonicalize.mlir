// RUN: autoglm-opt %s --split-input-file --canonicalize | FileCheck %s

// Shape arithmetic on constants folds away.
// CHECK-LABEL: func.func @fold_shape_math
func.func @fold_shape_math(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  // CHECK: %[[C:.*]] = autoglm.constant dense<[2, 12]> : tensor<2xi64>
  // CHECK-NOT: autoglm.shape
  // CHECK-NOT: autoglm.slice
  // CHECK: return %[[C]]
  %s = autoglm.shape %x : tensor<2x3x4xf32> -> tensor<3xi64>
  %a = autoglm.slice %s {starts = array<i64: 0>, sizes = array<i64: 1>, steps = array<i64: 1>} : tensor<3xi64> -> tensor<1xi64>
  %b = autoglm.slice %s {starts = array<i64: 1>, sizes = array<i64: 2>, steps = array<i64: 1>} : tensor<3xi64> -> tensor<2xi64>
  %i = autoglm.constant dense<[0]> : tensor<1xi64>
  %j = autoglm.constant dense<[1]> : tensor<1xi64>
  %b0 = autoglm.gather %b, %i {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<1xi64>
  %b1 = autoglm.gather %b, %j {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<1xi64>
  %p = autoglm.binary mul %b0, %b1 : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %r = autoglm.concat %a, %p {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %r : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @fold_float_binary_broadcast
func.func @fold_float_binary_broadcast() -> tensor<2x2xf32> {
  // CHECK: autoglm.constant dense<{{\[}}[1.100000e+01, 2.200000e+01], [1.300000e+01, 2.400000e+01]]> : tensor<2x2xf32>
  %a = autoglm.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = autoglm.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %c = autoglm.binary add %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %c : tensor<2x2xf32>
}

// -----

// Integer division by zero is not folded (it is undefined at run time too).
// CHECK-LABEL: func.func @no_fold_div_zero
func.func @no_fold_div_zero() -> tensor<2xi32> {
  // CHECK: autoglm.binary div
  %a = autoglm.constant dense<[4, 6]> : tensor<2xi32>
  %b = autoglm.constant dense<[2, 0]> : tensor<2xi32>
  %c = autoglm.binary div %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %c : tensor<2xi32>
}

// -----

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
func.func @identities(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NOT: autoglm.binary
  // CHECK-NOT: autoglm.cast
  // CHECK-NOT: autoglm.concat
  // CHECK: return %[[X]]
  %zero = autoglm.constant dense<0.0> : tensor<f32>
  %one = autoglm.constant dense<1.0> : tensor<f32>
  %a = autoglm.binary add %x, %zero : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %b = autoglm.binary mul %a, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c = autoglm.cast %b : tensor<4xf32> -> tensor<4xf32>
  %d = autoglm.concat %c {axis = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// x + 0 with broadcasting changes the shape: not an identity.
// CHECK-LABEL: func.func @no_identity_when_broadcasting
func.func @no_identity_when_broadcasting(%x: tensor<4xf32>) -> tensor<2x4xf32> {
  // CHECK: autoglm.binary add
  %zero = autoglm.constant dense<0.0> : tensor<2x4xf32>
  %a = autoglm.binary add %x, %zero : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %a : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @transposes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
func.func @transposes(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x2x3xf32>) {
  // Inverse permutations cancel; a chain composes into one transpose.
  // CHECK: %[[T:.*]] = autoglm.transpose %[[X]] {perm = array<i64: 2, 0, 1>}
  // CHECK: return %[[X]], %[[T]]
  %a = autoglm.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %b = autoglm.transpose %a {perm = array<i64: 2, 0, 1>} : tensor<3x4x2xf32> -> tensor<2x3x4xf32>
  %c = autoglm.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  %d = autoglm.transpose %c {perm = array<i64: 1, 0, 2>} : tensor<2x4x3xf32> -> tensor<4x2x3xf32>
  return %b, %d : tensor<2x3x4xf32>, tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshapes
// CHECK-SAME: (%[[X:.*]]: tensor<2x6xf32>)
func.func @reshapes(%x: tensor<2x6xf32>) -> tensor<4x3xf32> {
  // CHECK: %[[R:.*]] = autoglm.reshape %[[X]] : (tensor<2x6xf32>) -> tensor<4x3xf32>
  // CHECK-NEXT: return %[[R]]
  %a = autoglm.reshape %x : (tensor<2x6xf32>) -> tensor<12xf32>
  %b = autoglm.reshape %a : (tensor<12xf32>) -> tensor<4x3xf32>
  return %b : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @casts
func.func @casts() -> (tensor<3xi64>, tensor<3xf32>, tensor<2xi1>) {
  // CHECK-DAG: autoglm.constant dense<[1, -2, 3]> : tensor<3xi64>
  // CHECK-DAG: autoglm.constant dense<[1.000000e+00, -2.000000e+00, 3.000000e+00]> : tensor<3xf32>
  // CHECK-DAG: autoglm.constant dense<[false, true]> : tensor<2xi1>
  %f = autoglm.constant dense<[1.9, -2.5, 3.0]> : tensor<3xf32>
  %i = autoglm.cast %f : tensor<3xf32> -> tensor<3xi64>
  %g = autoglm.cast %i : tensor<3xi64> -> tensor<3xf32>
  %z = autoglm.constant dense<[0, 7]> : tensor<2xi32>
  %b = autoglm.cast %z : tensor<2xi32> -> tensor<2xi1>
  return %i, %g, %b : tensor<3xi64>, tensor<3xf32>, tensor<2xi1>
}

// -----

// CHECK-LABEL: func.func @compare
func.func @compare() -> tensor<3xi1> {
  // CHECK: autoglm.constant dense<[true, false, false]> : tensor<3xi1>
  %a = autoglm.constant dense<[1, 5, 3]> : tensor<3xi64>
  %b = autoglm.constant dense<3> : tensor<i64>
  %c = autoglm.compare lt %a, %b : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  return %c : tensor<3xi1>
}

// -----

// Weights in dense_resource blobs are left alone by these folders.
// CHECK-LABEL: func.func @resource_not_folded
func.func @resource_not_folded() -> tensor<2xf32> {
  // CHECK: autoglm.binary add
  %a = autoglm.constant dense_resource<w> : tensor<2xf32>
  %b = autoglm.binary add %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %b : tensor<2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// select of constants folds, with broadcasting of each operand.
// CHECK-LABEL: func.func @fold_select
// CHECK: %[[C:.*]] = autoglm.constant dense<[1, 7, 3]> : tensor<3xi64>
// CHECK: return %[[C]]
func.func @fold_select() -> tensor<3xi64> {
  %c = autoglm.constant dense<[true, false, true]> : tensor<3xi1>
  %a = autoglm.constant dense<[1, 2, 3]> : tensor<3xi64>
  %b = autoglm.constant dense<7> : tensor<i64>
  %0 = autoglm.select %c, %a, %b : (tensor<3xi1>, tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// Same open types are no identity for expand (an open extent of 1 may
// broadcast) nor for a reshape to a run-time shape (it may regroup).
// CHECK-LABEL: func.func @open_no_fold
// CHECK: autoglm.expand
// CHECK: autoglm.reshape
// CHECK: autoglm.reshape
func.func @open_no_fold(%x: tensor<?x4xf32>, %s: tensor<2xi64>) -> (tensor<?x4xf32>, tensor<?x?xf32>) {
  %0 = autoglm.expand %x : tensor<?x4xf32> -> tensor<?x4xf32>
  %1 = autoglm.reshape %0, %s : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %2 = autoglm.reshape %1, %s : (tensor<?x?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0, %2 : tensor<?x4xf32>, tensor<?x?xf32>
}
