// RUN: autoglm-opt %s --convert-autoglm-to-linalg | FileCheck %s

// Flatten of several open extents imports as a reshape to the products of
// consecutive extents of its own input ([prod(shape[:1]), prod(shape[1:])]):
// the lowering recognizes that run-time shape as a collapse, and the
// function boundary bounds the collapsed extent by the product of the
// inputs' bounds (2 x 3 x 4 = 12), which ValueBounds does not multiply.
// CHECK: module attributes {{.*}}autoglm.hidden_results = [{kind = "shape", max_shape = array<i64: 2, 12>, output = 0 : i64}]
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<?x?x?xf32> into tensor<?x?xf32>
// CHECK-NOT: tensor.reshape
module attributes {autoglm.dim_bounds = {a = 2 : i64, b = 3 : i64, c = 4 : i64}} {
  func.func @main(%x: tensor<?x?x?xf32> {autoglm.dim_params = ["a", "b", "c"]}) -> tensor<?x?xf32> {
    %s = autoglm.shape %x : tensor<?x?x?xf32> -> tensor<3xi64>
    %h = autoglm.slice %s {starts = array<i64: 0>, sizes = array<i64: 1>, steps = array<i64: 1>} : tensor<3xi64> -> tensor<1xi64>
    %t = autoglm.slice %s {starts = array<i64: 1>, sizes = array<i64: 2>, steps = array<i64: 1>} : tensor<3xi64> -> tensor<2xi64>
    %ph = autoglm.reduce prod %h {axes = array<i64: 0>, keepdims = true} : tensor<1xi64> -> tensor<1xi64>
    %pt = autoglm.reduce prod %t {axes = array<i64: 0>, keepdims = true} : tensor<2xi64> -> tensor<1xi64>
    %shape = autoglm.concat %ph, %pt {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
    %y = autoglm.reshape %x, %shape : (tensor<?x?x?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
    return %y : tensor<?x?xf32>
  }
}
