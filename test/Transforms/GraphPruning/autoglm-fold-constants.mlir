// RUN: autoglm-opt %s --split-input-file --autoglm-fold-constants | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-fold-constants="max-elements=2" | FileCheck %s --check-prefix=CAP

// A torch shape sub-graph folds to one constant.
// CHECK-LABEL: func.func @shape_subgraph
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
func.func @shape_subgraph(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  // CHECK-NOT: autoglm.shape
  // CHECK-NOT: autoglm.gather
  // CHECK-NOT: autoglm.concat
  // CHECK: autoglm.reshape %[[X]], %{{.*}} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  %s = autoglm.shape %x : tensor<2x3x4xf32> -> tensor<3xi64>
  %i = autoglm.constant dense<[0]> : tensor<1xi64>
  %d = autoglm.gather %s, %i {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %m = autoglm.constant dense<[-1]> : tensor<1xi64>
  %c = autoglm.concat %d, %m {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = autoglm.reshape %x, %c : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  return %r : tensor<2x12xf32>
}

// -----

// An op with a non-constant operand is not evaluated; neither is a result
// above the size cap.
// CHECK-LABEL: func.func @not_constant
// CAP-LABEL: func.func @not_constant
func.func @not_constant(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  // CHECK: autoglm.binary add %{{.*}}, %{{.*}}
  // CHECK: autoglm.constant dense<[2.000000e+00, 4.000000e+00, 6.000000e+00]>
  // CAP: autoglm.binary add %{{.*}}, %{{.*}}
  // CAP: autoglm.binary add
  %c = autoglm.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %a = autoglm.binary add %x, %c : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %b = autoglm.binary add %c, %c : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %a, %b : tensor<3xf32>, tensor<3xf32>
}
