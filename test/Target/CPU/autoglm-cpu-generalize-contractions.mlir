// RUN: autoglm-opt %s --autoglm-cpu-generalize-contractions | FileCheck %s

// linalg.matmul and linalg.batch_matmul become the generic the CPU kernels
// match (out + a * b over (m, n, k)); fill and transpose keep their names.
// CHECK-LABEL: func.func @named
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[A:.*]], #[[B:.*]], #[[C:.*]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: linalg.transpose
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.batch_matmul
func.func @named(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>, %x: tensor<2x4x3xf32>, %y: tensor<2x3x5xf32>) -> (tensor<4x5xf32>, tensor<2x4x5xf32>, tensor<5x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x5xf32>) -> tensor<4x5xf32>
  %m = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x5xf32>) outs(%f : tensor<4x5xf32>) -> tensor<4x5xf32>
  %e2 = tensor.empty() : tensor<2x4x5xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %bm = linalg.batch_matmul ins(%x, %y : tensor<2x4x3xf32>, tensor<2x3x5xf32>) outs(%f2 : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %e3 = tensor.empty() : tensor<5x4xf32>
  %t = linalg.transpose ins(%m : tensor<4x5xf32>) outs(%e3 : tensor<5x4xf32>) permutation = [1, 0]
  return %m, %bm, %t : tensor<4x5xf32>, tensor<2x4x5xf32>, tensor<5x4xf32>
}
