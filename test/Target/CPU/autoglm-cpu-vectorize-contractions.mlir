// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-vectorize-contractions | FileCheck %s

// A 16x64x32 matmul becomes 8x32 register tiles: the accumulator is read
// before the k loop (step 4), carried through it as a vector and written
// after it; inside, one vector.contract per step.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK: %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK: %[[K:.*]]:3 = scf.for %{{.*}} = %c0 to %c32 step %c4 iter_args({{.*}}, %[[A:[a-z0-9]+]] = %[[ACC]]) -> ({{.*}}, vector<8x32xf32>)
// CHECK-NOT: vector.transfer_write
// CHECK: vector.contract {{.*}} %[[A]] : vector<8x4xf32>, vector<4x32xf32> into vector<8x32xf32>
// CHECK: vector.transfer_write %[[K]]#2
func.func @matmul(%a: tensor<16x32xf32>, %b: tensor<32x64xf32>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<16x32xf32>, tensor<32x64xf32>) outs(%c : tensor<16x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x64xf32>
  return %0 : tensor<16x64xf32>
}

// -----

// Batch dims tile by 1 and are cast away: the kernel is 2-D.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: vector.contract {{.*}} : vector<8x4xf32>, vector<4x32xf32> into vector<8x32xf32>
func.func @batch_matmul(%a: tensor<2x8x4xf32>, %b: tensor<2x4x32xf32>, %c: tensor<2x8x32xf32>) -> tensor<2x8x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<2x8x4xf32>, tensor<2x4x32xf32>) outs(%c : tensor<2x8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

// Left alone: n (7) is not a multiple of 8, and a body that is not
// acc + a * b is not a matmul.
// CHECK-LABEL: func.func @odd_n
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @odd_n(%a: tensor<8x4xf32>, %b: tensor<4x7xf32>, %c: tensor<8x7xf32>) -> tensor<8x7xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x4xf32>, tensor<4x7xf32>) outs(%c : tensor<8x7xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x7xf32>
  return %0 : tensor<8x7xf32>
}

// -----

// CHECK-LABEL: func.func @max_plus
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @max_plus(%a: tensor<8x4xf32>, %b: tensor<4x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x4xf32>, tensor<4x32xf32>) outs(%c : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.addf %x, %y : f32
    %s = arith.maximumf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// A pointwise conv reads x [k, n] first and w [m, k] second: the same
// 8x32 register tile, the contract keeps the operand order.
// CHECK-LABEL: func.func @pointwise_conv_order
// CHECK: vector.contract {{.*}} : vector<4x32xf32>, vector<8x4xf32> into vector<8x32xf32>
func.func @pointwise_conv_order(%x: tensor<1x16x64xf32>, %w: tensor<8x16xf32>, %c: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (m, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<1x16x64xf32>, tensor<8x16xf32>) outs(%c : tensor<1x8x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}
