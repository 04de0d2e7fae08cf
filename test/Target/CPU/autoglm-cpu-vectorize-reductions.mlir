// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-vectorize-reductions --canonicalize | FileCheck %s

// softmax's sum of exp(x - max) over the last dim: per row, a 16-lane
// accumulator over k in steps of 16 (exp applied to vectors, the row max
// broadcast), then one horizontal add seeded with the initial value.
// CHECK-LABEL: func.func @sum_exp
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: %[[ACC:.*]] = scf.for %[[K:.*]] = %c0 to %c64 step %c16 iter_args(%[[A:.*]] = %{{.*}}) -> (vector<16xf32>)
// CHECK: %[[X:.*]] = vector.transfer_read %{{.*}}[%c0, %[[K]]]{{.*}} : tensor<1x64xf32>, vector<16xf32>
// CHECK: %[[M:.*]] = vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[M]] : vector<16xf32>
// CHECK: %[[E:.*]] = math.exp %[[D]] : vector<16xf32>
// CHECK: arith.addf %[[A]], %[[E]] : vector<16xf32>
// CHECK: vector.reduction <add>, %[[ACC]], %{{.*}} : vector<16xf32> into f32
func.func @sum_exp(%x: tensor<4x64xf32>, %m: tensor<4xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x, %m : tensor<4x64xf32>, tensor<4xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    %s = arith.addf %o, %e : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A max reduction starts its lanes at -inf.
// CHECK-LABEL: func.func @max
// CHECK: arith.constant dense<0xFF800000> : vector<16xf32>
// CHECK: arith.maximumf
// CHECK: vector.reduction <maximumf>
func.func @max(%x: tensor<4x32xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x32xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.maximumf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A reduced extent of 20: the first 16 as one vector step, the last 4 a
// scalar generic that continues from that result.
// CHECK-LABEL: func.func @split
// CHECK: %[[V:.*]] = scf.for
// CHECK: vector.transfer_read {{.*}} : tensor<1x16xf32>, vector<16xf32>
// CHECK: vector.reduction <add>
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<4x4xf32>) outs(%[[V]] : tensor<4xf32>)
func.func @split(%y: tensor<4x20xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%y : tensor<4x20xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Not vectorized: the reduced dim is not the input's innermost (a column
// sum), an extent under 16, and a product (no such combiner here).
// CHECK-LABEL: func.func @not_matched
// CHECK-NOT: vector.
// CHECK-COUNT-3: linalg.generic
func.func @not_matched(%x: tensor<32x4xf32>, %y: tensor<4x12xf32>, %init: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, k) -> (k, i)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<32x4xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%y : tensor<4x12xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %2 = linalg.generic {indexing_maps = [affine_map<(k, i) -> (k, i)>, affine_map<(k, i) -> (i)>], iterator_types = ["reduction", "parallel"]} ins(%x : tensor<32x4xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.mulf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A global average pool's sum over H x W (7 x 7, with the SiLU before it
// fused in): the two trailing reduced dims, read in order, collapse into
// one of 49: per channel a 16-lane loop over 48 (the sigmoid's exp on
// vectors) and a scalar op for the last element. A pool whose reduced dims
// another operand reads out of order stays as it is.
// CHECK-LABEL: func.func @pool_hw
// CHECK: scf.for %{{.*}} = %c0 to %c48 step %c16
// CHECK: math.exp %{{.*}} : vector<16xf32>
// CHECK: vector.reduction <add>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-LABEL: func.func @pool_transposed
// CHECK-NOT: vector.
// CHECK: iterator_types = ["parallel", "parallel", "reduction", "reduction"]
func.func @pool_hw(%x: tensor<1x32x7x7xf32>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %one = arith.constant 1.0 : f32
  %0 = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%x : tensor<1x32x7x7xf32>) outs(%init : tensor<1x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %s = arith.divf %a, %d : f32
    %r = arith.addf %o, %s : f32
    linalg.yield %r : f32
  } -> tensor<1x32xf32>
  return %0 : tensor<1x32xf32>
}

func.func @pool_transposed(%x: tensor<1x32x7x7xf32>, %y: tensor<1x32x7x7xf32>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, w, h)>, affine_map<(n, c, h, w) -> (n, c)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%x, %y : tensor<1x32x7x7xf32>, tensor<1x32x7x7xf32>) outs(%init : tensor<1x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x32xf32>
  return %0 : tensor<1x32xf32>
}

// -----

// A window (oh + kh, ow + kw) is no sequence of dims to collapse, and a
// body that reads the window's weights is no pool: left alone.
// CHECK-LABEL: func.func @window
// CHECK-NOT: vector.
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
func.func @window(%x: tensor<1x4x9x9xf32>, %k: tensor<3x3xf32>, %init: tensor<1x4x7x7xf32>) -> tensor<1x4x7x7xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(n, c, h, w, kh, kw) -> (n, c, h + kh, w + kw)>, affine_map<(n, c, h, w, kh, kw) -> (kh, kw)>, affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %k : tensor<1x4x9x9xf32>, tensor<3x3xf32>) outs(%init : tensor<1x4x7x7xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.maximumf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x7x7xf32>
  return %0 : tensor<1x4x7x7xf32>
}

// -----

// Pooling windows: per tile of outputs along a row one vector accumulator,
// starting from the output tile, and one vector per window position. At
// stride 2 a read of w and a masked one of w after it (its last lane may be
// past the tile), then their even lanes; at stride 1 one read. A row no
// tile width divides: 16 + 2.
// CHECK-LABEL: func.func @maxpool_s2
// CHECK: %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<1x1x1x4xf32>, vector<4xf32>
// CHECK: %[[A:.*]] = vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x1x3x9xf32>, vector<4xf32>
// CHECK: %[[B:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %c4], %{{.*}} : tensor<1x1x3x9xf32>, vector<4xf32>
// CHECK: %[[E:.*]] = vector.shuffle %[[A]], %[[B]] [0, 2, 4, 6] : vector<4xf32>, vector<4xf32>
// CHECK: arith.maximumf %[[ACC]], %[[E]] : vector<4xf32>
// CHECK-COUNT-8: vector.shuffle
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func @sumpool_s1
// CHECK: vector.transfer_read {{.*}} : tensor<1x1x3x18xf32>, vector<16xf32>
// CHECK-COUNT-8: arith.addf %{{.*}} : vector<16xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<1x1x3x4xf32>, vector<2xf32>
// CHECK-NOT: linalg.generic
func.func @maxpool_s2(%x: tensor<1x4x9x9xf32>, %init: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %k = tensor.empty() : tensor<3x3xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(n, c, h, w, kh, kw) -> (n, c, h * 2 + kh, w * 2 + kw)>, affine_map<(n, c, h, w, kh, kw) -> (kh, kw)>, affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %k : tensor<1x4x9x9xf32>, tensor<3x3xf32>) outs(%init : tensor<1x4x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.maximumf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

func.func @sumpool_s1(%x: tensor<1x2x6x20xf32>, %init: tensor<1x2x4x18xf32>) -> tensor<1x2x4x18xf32> {
  %k = tensor.empty() : tensor<3x3xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(n, c, h, w, kh, kw) -> (n, c, h + kh, w + kw)>, affine_map<(n, c, h, w, kh, kw) -> (kh, kw)>, affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %k : tensor<1x2x6x20xf32>, tensor<3x3xf32>) outs(%init : tensor<1x2x4x18xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x18xf32>
  return %0 : tensor<1x2x4x18xf32>
}

// -----

// The output's fill (the max's identity) is where each tile's accumulator
// starts: no fill of the output, no read of it (the max with the -inf
// broadcast then folds away).
// CHECK-LABEL: func.func @maxpool_filled
// CHECK-NOT: linalg.fill
// CHECK-NOT: vector.transfer_read {{.*}} : tensor<1x1x1x4xf32>
// CHECK: %[[E0:.*]] = vector.shuffle
// CHECK: %[[E1:.*]] = vector.shuffle
// CHECK: arith.maximumf %[[E0]], %[[E1]] : vector<4xf32>
// CHECK: vector.transfer_write
func.func @maxpool_filled(%x: tensor<1x4x9x9xf32>) -> tensor<1x4x4x4xf32> {
  %k = tensor.empty() : tensor<3x3xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %init = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(n, c, h, w, kh, kw) -> (n, c, h * 2 + kh, w * 2 + kw)>, affine_map<(n, c, h, w, kh, kw) -> (kh, kw)>, affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %k : tensor<1x4x9x9xf32>, tensor<3x3xf32>) outs(%init : tensor<1x4x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.maximumf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// An empty output row (0 columns) is no vector: the pool stays as it is.
// CHECK-LABEL: func.func @pool_empty
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @pool_empty(%x: tensor<1x4x9x0xf32>, %init: tensor<1x4x4x0xf32>) -> tensor<1x4x4x0xf32> {
  %k = tensor.empty() : tensor<3x3xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(n, c, h, w, kh, kw) -> (n, c, h * 2 + kh, w * 2 + kw)>, affine_map<(n, c, h, w, kh, kw) -> (kh, kw)>, affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %k : tensor<1x4x9x0xf32>, tensor<3x3xf32>) outs(%init : tensor<1x4x4x0xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.maximumf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4x0xf32>
  return %0 : tensor<1x4x4x0xf32>
}
