// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-vectorize-elementwise --canonicalize | FileCheck %s

// exp(x - m) over 4 x 65: 16-lane tiles over the first 64 columns (the row
// value broadcast), the 65th column a scalar generic.
// CHECK-LABEL: func.func @exp_sub
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK: vector.transfer_read {{.*}} vector<1x16xf32>
// CHECK: math.exp %{{.*}} : vector<1x16xf32>
// CHECK: vector.transfer_write
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x1xf32>)
func.func @exp_sub(%x: tensor<4x65xf32>, %m: tensor<4xf32>) -> tensor<4x65xf32> {
  %e = tensor.empty() : tensor<4x65xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x, %m : tensor<4x65xf32>, tensor<4xf32>) outs(%e : tensor<4x65xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<4x65xf32>
  return %0 : tensor<4x65xf32>
}

// -----

// Not vectorized here: integer elements, and a reduction.
// CHECK-LABEL: func.func @not_matched
// CHECK-NOT: vector.
// CHECK-COUNT-2: linalg.generic
func.func @not_matched(%x: tensor<4x32xi32>, %y: tensor<4x32xf32>, %init: tensor<4xf32>) -> (tensor<4x32xi32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4x32xi32>
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x32xi32>) outs(%e : tensor<4x32xi32>) {
  ^bb0(%a: i32, %o: i32):
    %r = arith.addi %a, %a : i32
    linalg.yield %r : i32
  } -> tensor<4x32xi32>
  %1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%y : tensor<4x32xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %0, %1 : tensor<4x32xi32>, tensor<4xf32>
}
