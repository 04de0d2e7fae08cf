// RUN: autoglm-opt %s --convert-autoglm-to-linalg | FileCheck %s

// Attention over the runtime's paged cache (docs/llm.md): the caches are
// written in place through their buffers (the new key and value of each kv
// head at the block the table names for the position), then each (row, kv
// head) of the open batch makes one pass over its own positions for the
// queries of its 2 heads (grouped-query attention: each key and value read
// once for both), in runs of 8 positions (the block size; at most 16): per
// head the run's 8 scores as a vector, lanes past the row's length masked,
// one max, one scalar exp (the rescale) and one vector exp per run, then the
// weighted values as vectors of the head dim.
// CHECK-LABEL: func.func @main
// CHECK: %[[KC:.*]] = bufferization.to_buffer %{{.*}} : tensor<15x2x8x16xf32> to memref<15x2x8x16xf32>
// CHECK: %[[VC:.*]] = bufferization.to_buffer %{{.*}} : tensor<15x2x8x16xf32> to memref<15x2x8x16xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %{{.*}} : tensor<?x5xi32>
// CHECK: arith.minsi %{{.*}}, %c14
// CHECK: vector.transfer_write %{{.*}}, %[[KC]]
// CHECK: vector.transfer_write %{{.*}}, %[[VC]]
// CHECK: vector.transfer_write %{{.*}}, %[[KC]]
// CHECK: vector.transfer_write %{{.*}}, %[[VC]]
// CHECK: scf.forall (%[[B:.*]], %[[HK:.*]]) in (%{{.*}}, 2)
// CHECK: arith.muli %[[HK]], %c2
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (tensor<1x2x1x16xf32>)
// CHECK: %[[RUNS:.*]] = arith.ceildivui %{{.*}}, %c8
// CHECK: scf.for {{.*}} to %[[RUNS]] {{.*}} -> (f32, f32, f32, f32, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-8: vector.transfer_read %[[KC]][%{{.*}}, %[[HK]], %{{.*}}, %{{.*}}]
// CHECK-NOT: vector.transfer_read %[[KC]]
// CHECK: vector.step : vector<8xindex>
// CHECK: arith.cmpi ult
// CHECK: vector.reduction <maximumf>, %{{.*}} : vector<8xf32> into f32
// CHECK: math.exp %{{.*}} : f32
// CHECK: math.exp %{{.*}} : vector<8xf32>
// CHECK: vector.reduction <maximumf>, %{{.*}} : vector<8xf32> into f32
// CHECK: math.exp %{{.*}} : f32
// CHECK: math.exp %{{.*}} : vector<8xf32>
// CHECK-NOT: math.exp
// CHECK-COUNT-8: vector.transfer_read %[[VC]]
// CHECK: scf.yield
// CHECK: vector.transfer_write
// CHECK: vector.transfer_write
// CHECK: tensor.parallel_insert_slice
module attributes {autoglm.dim_bounds = {batch = 4 : i64}} {
  func.func @main(%q: tensor<?x4x1x16xf32> {autoglm.dim_params = ["batch", "", "", ""]},
                  %k: tensor<?x2x1x16xf32> {autoglm.dim_params = ["batch", "", "", ""]},
                  %v: tensor<?x2x1x16xf32> {autoglm.dim_params = ["batch", "", "", ""]},
                  %pos: tensor<?xi64> {autoglm.dim_params = ["batch"]},
                  %table: tensor<?x5xi32> {autoglm.dim_params = ["batch", ""]},
                  %kc: tensor<15x2x8x16xf32>, %vc: tensor<15x2x8x16xf32>) -> tensor<?x4x1x16xf32> {
    %o = autoglm.cached_attention %q, %k, %v, %kc, %vc, %pos, %table {scale = 2.500000e-01 : f64} : (tensor<?x4x1x16xf32>, tensor<?x2x1x16xf32>, tensor<?x2x1x16xf32>, tensor<15x2x8x16xf32>, tensor<15x2x8x16xf32>, tensor<?xi64>, tensor<?x5xi32>) -> tensor<?x4x1x16xf32>
    return %o : tensor<?x4x1x16xf32>
  }
}
