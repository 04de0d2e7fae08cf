// RUN: autoglm-opt %s --convert-autoglm-to-linalg | FileCheck %s

// A reshape to a shape known at run time only is a tensor.reshape (the
// result's shape then reads the shape operand).
// CHECK: %[[R:.*]] = tensor.reshape %{{.*}}(%{{.*}}) : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK: tensor.dim %[[R]], %{{.*}} : tensor<?x?xf32>
module attributes {autoglm.dim_bounds = {N = 4 : i64}} {
  func.func @main(%x: tensor<?x6xf32> {autoglm.dim_params = ["N", ""]}, %s: tensor<2xi64>) -> tensor<2xi64> {
    %0 = autoglm.reshape %x, %s : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
    %1 = autoglm.shape %0 : tensor<?x?xf32> -> tensor<2xi64>
    return %1 : tensor<2xi64>
  }
}
