// RUN: autoglm-opt %s --convert-autoglm-to-linalg | FileCheck %s

// Blocks of 16 positions and a head dim of whole 16-lane vectors (32): a
// run's 16 dot products per head are q * k folded to 16 lanes each (one add
// of the two halves), then summed all together by a shuffle butterfly: 8 + 4
// + 2 + 1 adds of shuffled pairs, no horizontal reduction per position.
// CHECK-LABEL: func.func @main
// CHECK: scf.forall
// CHECK: arith.ceildivui %{{.*}}, %c16
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, vector<32xf32>, vector<32xf32>)
// CHECK-NOT: vector.reduction <add>
// CHECK: vector.shape_cast %{{.*}} : vector<32xf32> to vector<2x16xf32>
// CHECK-COUNT-8: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]
// CHECK-COUNT-4: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]
// CHECK-COUNT-2: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29]
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
// CHECK: vector.reduction <maximumf>, %{{.*}} : vector<16xf32> into f32
// CHECK: math.exp %{{.*}} : vector<16xf32>
module attributes {autoglm.dim_bounds = {batch = 2 : i64}} {
  func.func @main(%q: tensor<?x2x1x32xf32> {autoglm.dim_params = ["batch", "", "", ""]},
                  %k: tensor<?x1x1x32xf32> {autoglm.dim_params = ["batch", "", "", ""]},
                  %v: tensor<?x1x1x32xf32> {autoglm.dim_params = ["batch", "", "", ""]},
                  %pos: tensor<?xi64> {autoglm.dim_params = ["batch"]},
                  %table: tensor<?x4xi32> {autoglm.dim_params = ["batch", ""]},
                  %kc: tensor<8x1x16x32xf32>, %vc: tensor<8x1x16x32xf32>) -> tensor<?x2x1x32xf32> {
    %o = autoglm.cached_attention %q, %k, %v, %kc, %vc, %pos, %table {scale = 1.250000e-01 : f64} : (tensor<?x2x1x32xf32>, tensor<?x1x1x32xf32>, tensor<?x1x1x32xf32>, tensor<8x1x16x32xf32>, tensor<8x1x16x32xf32>, tensor<?xi64>, tensor<?x4xi32>) -> tensor<?x2x1x32xf32>
    return %o : tensor<?x2x1x32xf32>
  }
}
