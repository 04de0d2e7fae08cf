// RUN: autoglm-opt %s --autoglm-cpu-parallelize="min-work=1000 chunks=4" | FileCheck %s

// Enough work: the outermost parallel loop is cut into 4 chunks.
// CHECK-LABEL: func.func @big
// CHECK: scf.forall (%{{.*}}) = (0) to (64) step (16) shared_outs
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0] [16, 64] [1, 1]
// CHECK: linalg.generic
// CHECK: tensor.parallel_insert_slice
func.func @big(%a: tensor<64x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<64x64xf32>) outs(%c : tensor<64x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}

// Too little work to pay for the threads: left alone.
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.forall
func.func @small(%a: tensor<8x8xf32>, %c: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<8x8xf32>) outs(%c : tensor<8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// Work for 3 chunks of min-work (3072 / 1000): 3 chunks, not 4, and each
// chunk a multiple of 8 wide (96 / 3 = 32) for the register-tiled kernels.
// CHECK-LABEL: func.func @medium
// CHECK: scf.forall (%{{.*}}) = (0) to (96) step (32) shared_outs
func.func @medium(%a: tensor<96x32xf32>, %c: tensor<96x32xf32>) -> tensor<96x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<96x32xf32>) outs(%c : tensor<96x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<96x32xf32>
  return %0 : tensor<96x32xf32>
}

// 4 chunks of 100 / 4 = 25 rows: no multiple of 8 divides 100, 25 does, so
// every chunk has the same static shape.
// CHECK-LABEL: func.func @rounded
// CHECK: scf.forall (%{{.*}}) = (0) to (100) step (25) shared_outs
// CHECK: tensor<25x64xf32>
func.func @rounded(%a: tensor<100x64xf32>, %c: tensor<100x64xf32>) -> tensor<100x64xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<100x64xf32>) outs(%c : tensor<100x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<100x64xf32>
  return %0 : tensor<100x64xf32>
}

// 4 chunks of 120 / 4 = 30 rows: the nearest multiple of 8 that divides 120
// is 40, so 3 equal chunks that keep whole 8-row tiles.
// CHECK-LABEL: func.func @divisor
// CHECK: scf.forall (%{{.*}}) = (0) to (120) step (40) shared_outs
// CHECK: tensor<40x64xf32>
func.func @divisor(%a: tensor<120x64xf32>, %c: tensor<120x64xf32>) -> tensor<120x64xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<120x64xf32>) outs(%c : tensor<120x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<120x64xf32>
  return %0 : tensor<120x64xf32>
}
