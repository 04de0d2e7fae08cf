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

// ReLU over 4 x 55: 16-lane tiles over the first 48 columns, then one
// 7-lane vector per row for the rest (no scalar generic left).
// CHECK-LABEL: func.func @relu_tail
// CHECK: vector.transfer_read {{.*}} vector<1x16xf32>
// CHECK: arith.maximumf {{.*}} : vector<1x16xf32>
// CHECK: vector.transfer_read {{.*}} vector<1x7xf32>
// CHECK: arith.maximumf {{.*}} : vector<1x7xf32>
// CHECK-NOT: linalg.generic
func.func @relu_tail(%x: tensor<4x55xf32>) -> tensor<4x55xf32> {
  %e = tensor.empty() : tensor<4x55xf32>
  %z = arith.constant 0.0 : f32
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x55xf32>) outs(%e : tensor<4x55xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %z : f32
    linalg.yield %r : f32
  } -> tensor<4x55xf32>
  return %0 : tensor<4x55xf32>
}

// -----

// Not vectorized here: 64-bit integer elements, and a reduction.
// CHECK-LABEL: func.func @not_matched
// CHECK-NOT: vector.
// CHECK-COUNT-2: linalg.generic
func.func @not_matched(%x: tensor<4x32xi64>, %y: tensor<4x32xf32>, %init: tensor<4xf32>) -> (tensor<4x32xi64>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4x32xi64>
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x32xi64>) outs(%e : tensor<4x32xi64>) {
  ^bb0(%a: i64, %o: i64):
    %r = arith.addi %a, %a : i64
    linalg.yield %r : i64
  } -> tensor<4x32xi64>
  %1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%y : tensor<4x32xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %0, %1 : tensor<4x32xi64>, tensor<4xf32>
}

// -----

// A quantize into the [.., K/4, 4] view of an int8 contraction's input: an
// innermost extent of 4, every operand read in the same order, so all dims
// collapse into one of 128 and the f32 -> i8 body runs 16 lanes at a time.
// CHECK-LABEL: func.func @narrow
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c16
// CHECK: math.roundeven %{{.*}} : vector<16xf32>
// CHECK: arith.fptoui %{{.*}} : vector<16xf32> to vector<16xi8>
func.func @narrow(%x: tensor<2x16x4xf32>, %s: tensor<f32>) -> tensor<2x16x4xi8> {
  %e = tensor.empty() : tensor<2x16x4xi8>
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> ()>, affine_map<(i, j, k) -> (i, j, k)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %s : tensor<2x16x4xf32>, tensor<f32>) outs(%e : tensor<2x16x4xi8>) {
  ^bb0(%a: f32, %sc: f32, %o: i8):
    %d = arith.divf %a, %sc : f32
    %r = math.roundeven %d : f32
    %q = arith.fptoui %r : f32 to i8
    linalg.yield %q : i8
  } -> tensor<2x16x4xi8>
  return %0 : tensor<2x16x4xi8>
}

// -----

// A quantize writing the [N, C/4, H, W, 4] relayout of an int8 conv's input
// from NCHW: the output's innermost dim (4 channels) is the input's third.
// Each 16 x 4 tile reads 4 rows of 16 along W (the input's own order),
// computes on them as they are, and transposes the bytes once before the
// write (before: 16 separate 4-lane vectors, read through a permutation).
// CHECK-LABEL: func.func @relayout
// CHECK: scf.for
// CHECK: %[[R:.*]] = vector.transfer_read {{.*}} : tensor<1x1x4x1x16xf32>, vector<4x16xf32>
// CHECK: %[[D:.*]] = arith.divf %[[R]], %{{.*}} : vector<4x16xf32>
// CHECK: math.roundeven %[[D]] : vector<4x16xf32>
// CHECK: %[[Q:.*]] = arith.fptoui %{{.*}} : vector<4x16xf32> to vector<4x16xi8>
// CHECK: %[[T:.*]] = vector.transpose %[[Q]], [1, 0] : vector<4x16xi8> to vector<16x4xi8>
// CHECK: vector.transfer_write %[[T]]
// CHECK-NOT: vector<1x1x1x16x4xf32>
func.func @relayout(%x: tensor<1x2x4x8x16xf32>) -> tensor<1x2x8x16x4xi8> {
  %s = arith.constant 0.0235 : f32
  %e = tensor.empty() : tensor<1x2x8x16x4xi8>
  %0 = linalg.generic {indexing_maps = [affine_map<(n, c, h, w, k) -> (n, c, k, h, w)>, affine_map<(n, c, h, w, k) -> (n, c, h, w, k)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x2x4x8x16xf32>) outs(%e : tensor<1x2x8x16x4xi8>) {
  ^bb0(%a: f32, %o: i8):
    %d = arith.divf %a, %s : f32
    %r = math.roundeven %d : f32
    %q = arith.fptoui %r : f32 to i8
    linalg.yield %q : i8
  } -> tensor<1x2x8x16x4xi8>
  return %0 : tensor<1x2x8x16x4xi8>
}
