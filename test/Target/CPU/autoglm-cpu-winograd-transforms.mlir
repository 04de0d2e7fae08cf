// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-winograd-transforms | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-winograd-transforms=parallel=false | FileCheck %s --check-prefix=SERIAL

// The input transform of 2 channels, 7x7 tiles: per (channel, tile row) 16
// tiles along the row at a time (7 here: masked); each of the 4 patch rows
// read as 4 vectors, split into even and odd columns, Bt applied by adds and
// subtracts, 16 writes along the tiles.
// CHECK-LABEL: func.func @input
// CHECK-NOT: linalg.generic
// CHECK: scf.forall (%[[C:.*]], %[[TH:.*]]) in (2, 7)
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-COUNT-4: vector.transfer_read %{{.*}}[%{{.*}}, %[[C]], %{{.*}}, %{{.*}}], %{{.*}} : tensor<1x2x16x16xf32>, vector<16xf32>
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
// CHECK-NOT: arith.mulf
// CHECK: arith.subf
// CHECK-COUNT-16: vector.transfer_write {{.*}} : vector<16xf32>, tensor<4x4x7xf32>
// CHECK: tensor.parallel_insert_slice
// SERIAL-LABEL: func.func @input
// SERIAL-NOT: scf.forall
// SERIAL: scf.for
func.func @input(%xp: tensor<1x2x16x16xf32>) -> tensor<4x4x2x7x7xf32> {
  %bt = arith.constant dense<[[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, -1.0, 1.0, 0.0], [0.0, 1.0, 0.0, -1.0]]> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4x2x7x7xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4x2x7x7xf32>) -> tensor<4x4x2x7x7xf32>
  %v = linalg.generic {indexing_maps = [
      affine_map<(a, b, c, th, tw, i, j) -> (a, i)>,
      affine_map<(a, b, c, th, tw, i, j) -> (b, j)>,
      affine_map<(a, b, c, th, tw, i, j) -> (0, c, th * 2 + i, tw * 2 + j)>,
      affine_map<(a, b, c, th, tw, i, j) -> (a, b, c, th, tw)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%bt, %bt, %xp : tensor<4x4xf32>, tensor<4x4xf32>, tensor<1x2x16x16xf32>) outs(%init : tensor<4x4x2x7x7xf32>)
      attrs = {autoglm.winograd = "input"} {
  ^bb0(%p: f32, %q: f32, %x: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %n = arith.mulf %m, %x : f32
    %s = arith.addf %o, %n : f32
    linalg.yield %s : f32
  } -> tensor<4x4x2x7x7xf32>
  return %v : tensor<4x4x2x7x7xf32>
}

// -----

// The output transform of 32 channels, 2x3 tiles: per (16 channels, tile
// row, tile) the 16 values of M read along the channels, At applied, the
// four outputs written across the channels.
// CHECK-LABEL: func.func @output
// CHECK-NOT: linalg.generic
// CHECK: scf.forall (%[[MB:.*]], %[[TH:.*]]) in (2, 2)
// CHECK: scf.for %[[TW:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-COUNT-16: vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}, %[[TH]], %[[TW]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<4x4x2x3x32xf32>, vector<16xf32>
// CHECK-COUNT-4: vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %[[TW]], %{{.*}}] {in_bounds = [true], permutation_map = #{{.*}}} : vector<16xf32>, tensor<16x2x3x2xf32>
func.func @output(%m: tensor<4x4x2x3x32xf32>) -> tensor<32x2x2x3x2xf32> {
  %at = arith.constant dense<[[1.0, 1.0, 1.0, 0.0], [0.0, 1.0, -1.0, -1.0]]> : tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x2x2x3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<32x2x2x3x2xf32>) -> tensor<32x2x2x3x2xf32>
  %y = linalg.generic {indexing_maps = [
      affine_map<(m, th, p, tw, q, a, b) -> (p, a)>,
      affine_map<(m, th, p, tw, q, a, b) -> (q, b)>,
      affine_map<(m, th, p, tw, q, a, b) -> (a, b, th, tw, m)>,
      affine_map<(m, th, p, tw, q, a, b) -> (m, th, p, tw, q)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%at, %at, %m : tensor<2x4xf32>, tensor<2x4xf32>, tensor<4x4x2x3x32xf32>) outs(%init : tensor<32x2x2x3x2xf32>)
      attrs = {autoglm.winograd = "output"} {
  ^bb0(%p: f32, %q: f32, %x: f32, %o: f32):
    %u = arith.mulf %p, %q : f32
    %n = arith.mulf %u, %x : f32
    %s = arith.addf %o, %n : f32
    linalg.yield %s : f32
  } -> tensor<32x2x2x3x2xf32>
  return %y : tensor<32x2x2x3x2xf32>
}

// -----

// Another matrix than Bt (or an init that is not zero): the generic stays.
// CHECK-LABEL: func.func @not_bt
// CHECK: linalg.generic
// CHECK-NOT: scf.forall
func.func @not_bt(%xp: tensor<1x2x16x16xf32>) -> tensor<4x4x2x7x7xf32> {
  %bt = arith.constant dense<[[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, -1.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4x2x7x7xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4x2x7x7xf32>) -> tensor<4x4x2x7x7xf32>
  %v = linalg.generic {indexing_maps = [
      affine_map<(a, b, c, th, tw, i, j) -> (a, i)>,
      affine_map<(a, b, c, th, tw, i, j) -> (b, j)>,
      affine_map<(a, b, c, th, tw, i, j) -> (0, c, th * 2 + i, tw * 2 + j)>,
      affine_map<(a, b, c, th, tw, i, j) -> (a, b, c, th, tw)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%bt, %bt, %xp : tensor<4x4xf32>, tensor<4x4xf32>, tensor<1x2x16x16xf32>) outs(%init : tensor<4x4x2x7x7xf32>)
      attrs = {autoglm.winograd = "input"} {
  ^bb0(%p: f32, %q: f32, %x: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %n = arith.mulf %m, %x : f32
    %s = arith.addf %o, %n : f32
    linalg.yield %s : f32
  } -> tensor<4x4x2x7x7xf32>
  return %v : tensor<4x4x2x7x7xf32>
}
