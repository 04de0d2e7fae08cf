// RUN: autoglm-opt %s --autoglm-gpu-prepare=func-name=heads | FileCheck %s
// RUN: autoglm-opt %s --autoglm-gpu-prepare=func-name=merge | FileCheck %s --check-prefix=MERGE
// RUN: autoglm-opt %s --autoglm-gpu-prepare=func-name=kept | FileCheck %s --check-prefix=KEPT

// Attention's K^T: a transpose read only by a batched matmul is read
// through its permutation by the matmul (no copy), which keeps its payload
// (multiply, add: the tensor-core form still matches it).
// CHECK-LABEL: func.func @heads
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[A:.*]], #[[B:.*]], #[[C:.*]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<4x16x8xf32>, tensor<4x16x8xf32>)
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func @merge
#q = affine_map<(h, i, j, d) -> (h, i, d)>
#k = affine_map<(h, i, j, d) -> (h, d, j)>
#s = affine_map<(h, i, j, d) -> (h, i, j)>
func.func @heads(%q: tensor<4x16x8xf32>, %k: tensor<4x16x8xf32>) -> tensor<4x16x16xf32> {
  %e = tensor.empty() : tensor<4x8x16xf32>
  %kt = linalg.transpose ins(%k : tensor<4x16x8xf32>) outs(%e : tensor<4x8x16xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<4x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%o : tensor<4x16x16xf32>) -> tensor<4x16x16xf32>
  %r = linalg.generic {indexing_maps = [#q, #k, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<4x16x8xf32>, tensor<4x8x16xf32>) outs(%f : tensor<4x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x16x16xf32>
  return %r : tensor<4x16x16xf32>
}

// The heads merged back ([h, s, d] -> [s, h, d] -> [s, h*d]) before the
// output projection: the collapse folds into the projection (its K loop
// splits in two), then the transpose fuses: the projection reads the
// heads' tensor directly.
// MERGE-LABEL: func.func @merge
// MERGE-NOT: linalg.transpose
// MERGE-NOT: tensor.collapse_shape
// MERGE: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// MERGE-SAME: ins(%arg0, %{{.*}} : tensor<4x16x8xf32>, tensor<4x8x32xf32>)
// MERGE-NOT: linalg.generic
// MERGE-LABEL: func.func @kept
#x = affine_map<(s, n, k) -> (s, k)>
#w = affine_map<(s, n, k) -> (k, n)>
#y = affine_map<(s, n, k) -> (s, n)>
func.func @merge(%h: tensor<4x16x8xf32>, %w: tensor<32x32xf32>) -> tensor<16x32xf32> {
  %e = tensor.empty() : tensor<16x4x8xf32>
  %t = linalg.transpose ins(%h : tensor<4x16x8xf32>) outs(%e : tensor<16x4x8xf32>) permutation = [1, 0, 2]
  %c = tensor.collapse_shape %t [[0], [1, 2]] : tensor<16x4x8xf32> into tensor<16x32xf32>
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%o : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%c, %w : tensor<16x32xf32>, tensor<32x32xf32>) outs(%f : tensor<16x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// A transpose that is also a result stays a copy (generalized; fusing it
// would make the matmul write it too); the matmul still reads it.
// KEPT-LABEL: func.func @kept
// KEPT: %[[T:.*]] = linalg.generic {{.*}} ins(%arg1 : tensor<4x16x8xf32>)
// KEPT-NEXT: ^bb0
// KEPT-NEXT: linalg.yield
// KEPT: linalg.generic {{.*}} ins(%arg0, %[[T]] :
// KEPT: return
#q2 = affine_map<(h, i, j, d) -> (h, i, d)>
#k2 = affine_map<(h, i, j, d) -> (h, d, j)>
#s2 = affine_map<(h, i, j, d) -> (h, i, j)>
func.func @kept(%q: tensor<4x16x8xf32>, %k: tensor<4x16x8xf32>) -> (tensor<4x16x16xf32>, tensor<4x8x16xf32>) {
  %e = tensor.empty() : tensor<4x8x16xf32>
  %kt = linalg.transpose ins(%k : tensor<4x16x8xf32>) outs(%e : tensor<4x8x16xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<4x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%o : tensor<4x16x16xf32>) -> tensor<4x16x16xf32>
  %r = linalg.generic {indexing_maps = [#q2, #k2, #s2], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : tensor<4x16x8xf32>, tensor<4x8x16xf32>) outs(%f : tensor<4x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x16x16xf32>
  return %r, %kt : tensor<4x16x16xf32>, tensor<4x8x16xf32>
}
