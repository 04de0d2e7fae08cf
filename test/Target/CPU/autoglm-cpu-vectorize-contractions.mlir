// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-vectorize-contractions --canonicalize | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-vectorize-contractions="min-parallel-work=1" --canonicalize | FileCheck %s --check-prefix=PAR
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-vectorize-contractions --canonicalize | FileCheck %s --check-prefix=DW
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-vectorize-contractions --canonicalize | FileCheck %s --check-prefix=DWF
// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-vectorize-contractions="min-parallel-work=1024" --canonicalize | FileCheck %s --check-prefix=ROWS

// The test ops are below min-parallel-work, so their tile loops are scf.for;
// with enough work they are one scf.forall whose iterations the threads
// share.
// PAR-LABEL: func.func @conv_stride2
// PAR: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (2, 14, 14) step (1, 1, 7)
// PAR: vector.outerproduct

// A stride-2 3x3 conv with blocked weights [G, MB, C, kh, kw, B]: tiles of
// 32 output channels (V) x 7 output columns (R, the largest divisor of 14 up
// to 8 rows). The accumulator is read once, carried through the c/kh/kw
// loops, and written once; each step reads 32 weights as one vector and 7
// scalars of x at ow * 2 + kw.
// CHECK-DAG: #[[X1:.*]] = affine_map<(d0) -> (d0 + 2)>
// CHECK-LABEL: func.func @conv_stride2
// CHECK: %[[C:.*]] = tensor.extract_slice {{.*}} : tensor<1x1x1x32x1x7xf32> to tensor<32x7xf32>
// CHECK: %[[R:.*]] = vector.transfer_read %[[C]]{{.*}} : tensor<32x7xf32>, vector<32x7xf32>
// CHECK: %[[ACC:.*]] = vector.transpose %[[R]], [1, 0] : vector<32x7xf32> to vector<7x32xf32>
// CHECK: scf.for {{.*}} to %c4 step %c1 iter_args(%{{.*}} = %[[ACC]]) -> (vector<7x32xf32>)
// CHECK: scf.for {{.*}} to %c3
// CHECK: scf.for %[[KW:.*]] = %c0 to %c3 step %c1 iter_args(%[[A:.*]] = %{{.*}}) -> (vector<7x32xf32>)
// CHECK: %[[W:.*]] = vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<1x1x4x3x3x32xf32>, vector<32xf32>
// CHECK: tensor.extract {{.*}}[%c0, %c0, %{{.*}}, %{{.*}}, %[[KW]]]
// CHECK: affine.apply #[[X1]](%[[KW]])
// CHECK-COUNT-6: tensor.extract
// CHECK: %[[XV:.*]] = vector.from_elements {{.*}} : vector<7xf32>
// CHECK: vector.outerproduct %[[XV]], %[[W]], %[[A]] {{.*}} : vector<7xf32>, vector<32xf32>
// CHECK: vector.transpose %{{.*}}, [1, 0] : vector<7x32xf32> to vector<32x7xf32>
// CHECK: vector.transfer_write {{.*}} : vector<32x7xf32>, tensor<32x7xf32>
func.func @conv_stride2(%x: tensor<1x1x4x29x29xf32>, %w: tensor<1x2x4x3x3x32xf32>, %c: tensor<1x1x2x32x14x14xf32>) -> tensor<1x1x2x32x14x14xf32> {
  %r = linalg.generic {indexing_maps = [
      affine_map<(n, g, mb, mi, oh, ow, c, kh, kw) -> (n, g, c, oh * 2 + kh, ow * 2 + kw)>,
      affine_map<(n, g, mb, mi, oh, ow, c, kh, kw) -> (g, mb, c, kh, kw, mi)>,
      affine_map<(n, g, mb, mi, oh, ow, c, kh, kw) -> (n, g, mb, mi, oh, ow)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x1x4x29x29xf32>, tensor<1x2x4x3x3x32xf32>) outs(%c : tensor<1x1x2x32x14x14xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x1x2x32x14x14xf32>
  return %r : tensor<1x1x2x32x14x14xf32>
}

// -----

// A matmul with a blocked weight [N/32, K, 32] (loops m, nb, ni, k): R = m
// (8 rows), V = ni (32); C [m, nb, ni] has R before V, so the tile is read
// and written as is; every k step one 32-float vector of the weight panel.
// The loop over the weight's column blocks is outermost: every row tile
// reuses a panel while it is in cache.
// CHECK-LABEL: func.func @blocked_matmul
// CHECK-NOT: vector.transpose
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK: vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: vector.transfer_read {{.*}} : tensor<1x4x32xf32>, vector<32xf32>
// CHECK-COUNT-8: tensor.extract
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
// CHECK: vector.transfer_write {{.*}} : vector<8x32xf32>, tensor<8x32xf32>
func.func @blocked_matmul(%a: tensor<16x4xf32>, %b: tensor<2x4x32xf32>, %c: tensor<16x2x32xf32>) -> tensor<16x2x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, nb, ni, k) -> (m, k)>, affine_map<(m, nb, ni, k) -> (nb, k, ni)>, affine_map<(m, nb, ni, k) -> (m, nb, ni)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<16x4xf32>, tensor<2x4x32xf32>) outs(%c : tensor<16x2x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x2x32xf32>
  return %0 : tensor<16x2x32xf32>
}

// -----

// An input with a unit dim ([16, 1, 4], as torch's sequence-first attention
// layout gives): R is m (16), not the later unit dim, so tiles have 8 rows.
// CHECK-LABEL: func.func @unit_dim_rows
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
func.func @unit_dim_rows(%a: tensor<16x1x4xf32>, %b: tensor<2x4x32xf32>, %c: tensor<16x1x2x32xf32>) -> tensor<16x1x2x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, u, nb, ni, k) -> (m, u, k)>, affine_map<(m, u, nb, ni, k) -> (nb, k, ni)>, affine_map<(m, u, nb, ni, k) -> (m, u, nb, ni)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<16x1x4xf32>, tensor<2x4x32xf32>) outs(%c : tensor<16x1x2x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x1x2x32xf32>
  return %0 : tensor<16x1x2x32xf32>
}

// -----

// A plain matmul: R = m, V = n, and C is already [rows, width], so no
// transposes.
// CHECK-LABEL: func.func @plain_matmul
// CHECK-NOT: vector.transpose
// CHECK: vector.transfer_read {{.*}} : tensor<8x16xf32>, vector<8x16xf32>
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<16xf32>
// CHECK-NOT: vector.transpose
func.func @plain_matmul(%a: tensor<8x3xf32>, %b: tensor<3x16xf32>, %c: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x3xf32>, tensor<3x16xf32>) outs(%c : tensor<8x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// A depthwise conv reads x through the channel dim too, so no outer
// product; it takes the rows form instead: V = ow (8, the whole row), rows
// of oh (8). Its 9 taps are unrolled and the reads of x grouped by where
// they start: each of the 10 x 3 row vectors is read once and feeds the
// FMAs of every (tap, output row) that uses it (row 1 at column 0: output
// row 1's kh = 0 and output row 0's kh = 1), 72 FMAs in all.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: vector.outerproduct
// CHECK-NOT: vector.transpose
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1
// CHECK: vector.transfer_read {{.*}} : tensor<8x8xf32>, vector<8x8xf32>
// CHECK-NOT: scf.for
// CHECK: %[[X:.*]] = vector.transfer_read %{{.*}}[%c0, %c0, %c0, %c0]{{.*}} : tensor<1x1x10x10xf32>, vector<8xf32>
// CHECK: %[[W:.*]] = tensor.extract
// CHECK: %[[WB:.*]] = vector.broadcast %[[W]] : f32 to vector<8xf32>
// CHECK: vector.fma %[[X]], %[[WB]]
// CHECK: %[[X10:.*]] = vector.transfer_read %{{.*}}[%c0, %c0, %c1, %c0]{{.*}} : tensor<1x1x10x10xf32>, vector<8xf32>
// CHECK: vector.fma %[[X10]]
// CHECK: vector.fma %[[X10]]
// CHECK-NOT: vector.transfer_read %{{.*}}[%c0, %c0, %c1, %c0]
// CHECK: vector.transfer_write {{.*}} : vector<8x8xf32>, tensor<8x8xf32>
// DW-LABEL: func.func @depthwise(
// DW-COUNT-30: vector.transfer_read {{.*}} : tensor<1x1x10x10xf32>, vector<8xf32>
// DW-NOT: vector.transfer_read {{.*}} : tensor<1x1x10x10xf32>
// DW: vector.transfer_write
// DWF-LABEL: func.func @depthwise(
// DWF-COUNT-72: vector.fma
// DWF-NOT: vector.fma
// DWF: vector.transfer_write
func.func @depthwise(%x: tensor<1x32x10x10xf32>, %w: tensor<3x3x32xf32>, %c: tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32> {
  %r = linalg.generic {indexing_maps = [
      affine_map<(n, m, oh, ow, kh, kw) -> (n, m, oh + kh, ow + kw)>,
      affine_map<(n, m, oh, ow, kh, kw) -> (kh, kw, m)>,
      affine_map<(n, m, oh, ow, kh, kw) -> (n, m, oh, ow)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x32x10x10xf32>, tensor<3x3x32xf32>) outs(%c : tensor<1x32x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x32x8x8xf32>
  return %r : tensor<1x32x8x8xf32>
}

// -----

// Stride 2 in the rows form: the 15 elements 8 outputs span are read as
// [0, 8) and [7, 15); one shuffle of the two keeps the even ones.
// CHECK-LABEL: func.func @depthwise_stride2
// CHECK: %[[A:.*]] = vector.transfer_read %{{.*}}[%c0, %c0, %c0, %c0], {{.*}} : tensor<1x1x17x17xf32>, vector<8xf32>
// CHECK: %[[B:.*]] = vector.transfer_read %{{.*}}[%c0, %c0, %c0, %c7], {{.*}} : tensor<1x1x17x17xf32>, vector<8xf32>
// CHECK: vector.shuffle %[[A]], %[[B]] [0, 2, 4, 6, 9, 11, 13, 15] : vector<8xf32>, vector<8xf32>
func.func @depthwise_stride2(%x: tensor<1x32x17x17xf32>, %w: tensor<3x3x32xf32>, %c: tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32> {
  %r = linalg.generic {indexing_maps = [
      affine_map<(n, m, oh, ow, kh, kw) -> (n, m, oh * 2 + kh, ow * 2 + kw)>,
      affine_map<(n, m, oh, ow, kh, kw) -> (kh, kw, m)>,
      affine_map<(n, m, oh, ow, kh, kw) -> (n, m, oh, ow)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x32x17x17xf32>, tensor<3x3x32xf32>) outs(%c : tensor<1x32x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x32x8x8xf32>
  return %r : tensor<1x32x8x8xf32>
}

// -----

// No width divides V = 36: it is split into 32 (one whole tile) and a
// 4-wide remainder, each its own kernel.
// CHECK-LABEL: func.func @split
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<4xf32>
func.func @split(%a: tensor<8x3xf32>, %b: tensor<3x36xf32>, %c: tensor<8x36xf32>) -> tensor<8x36xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x3xf32>, tensor<3x36xf32>) outs(%c : tensor<8x36xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x36xf32>
  return %0 : tensor<8x36xf32>
}

// -----

// A 1x1 convolution with 58 output channels (V, the outer dim of C): no
// width divides 58, so it is split into 48 (16-wide tiles) and a 10-wide
// remainder, never into 32 and 26 (two registers of odd lanes, 3x slower).
// CHECK-LABEL: func.func @conv_split_channels
// CHECK: vector.outerproduct {{.*}} : vector<{{[0-9]+}}xf32>, vector<16xf32>
// CHECK-NOT: vector<26xf32>
// CHECK: vector.outerproduct {{.*}} : vector<{{[0-9]+}}xf32>, vector<10xf32>
func.func @conv_split_channels(%x: tensor<1x1x58x28x28xf32>, %w: tensor<1x1x58x1x1x58xf32>, %c: tensor<1x1x1x58x28x28xf32>) -> tensor<1x1x1x58x28x28xf32> {
  %r = linalg.generic {indexing_maps = [
      affine_map<(n, g, mb, mi, oh, ow, c, kh, kw) -> (n, g, c, oh + kh, ow + kw)>,
      affine_map<(n, g, mb, mi, oh, ow, c, kh, kw) -> (g, mb, c, kh, kw, mi)>,
      affine_map<(n, g, mb, mi, oh, ow, c, kh, kw) -> (n, g, mb, mi, oh, ow)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x1x58x28x28xf32>, tensor<1x1x58x1x1x58xf32>) outs(%c : tensor<1x1x1x58x28x28xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x1x1x58x28x28xf32>
  return %r : tensor<1x1x1x58x28x28xf32>
}

// -----

// Not matched: a matrix-vector product has a single output dim, so no rows.
// CHECK-LABEL: func.func @matvec
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @matvec(%a: tensor<16x8xf32>, %b: tensor<8xf32>, %c: tensor<16xf32>) -> tensor<16xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (k)>, affine_map<(m, k) -> (m)>], iterator_types = ["parallel", "reduction"]} ins(%a, %b : tensor<16x8xf32>, tensor<8xf32>) outs(%c : tensor<16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// Not matched: the body is not a multiply-accumulate (max pooling-like).
// CHECK-LABEL: func.func @not_mac
// CHECK-NOT: vector.outerproduct
// CHECK: arith.maximumf
func.func @not_mac(%a: tensor<8x3xf32>, %b: tensor<3x16xf32>, %c: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x3xf32>, tensor<3x16xf32>) outs(%c : tensor<8x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.maximumf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// Not matched: f64 (the kernels are f32).
// CHECK-LABEL: func.func @f64
// CHECK-NOT: vector.outerproduct
func.func @f64(%a: tensor<8x3xf64>, %b: tensor<3x16xf64>, %c: tensor<8x16xf64>) -> tensor<8x16xf64> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x3xf64>, tensor<3x16xf64>) outs(%c : tensor<8x16xf64>) {
  ^bb0(%x: f64, %y: f64, %acc: f64):
    %p = arith.mulf %x, %y : f64
    %s = arith.addf %acc, %p : f64
    linalg.yield %s : f64
  } -> tensor<8x16xf64>
  return %0 : tensor<8x16xf64>
}

// -----

// Fused neighbours: the accumulator starts from the bias broadcast (its
// vector read once per tile, C is not read) and the relu consumer runs on
// the accumulator before the one write; neither generic is left.
// CHECK-LABEL: func.func @fused_bias_relu
// CHECK-NOT: linalg.generic
// CHECK: %[[B:.*]] = vector.transfer_read {{.*}} : tensor<32xf32>, vector<32xf32>
// CHECK: %[[ACC:.*]] = vector.broadcast %[[B]] : vector<32xf32> to vector<8x32xf32>
// CHECK: %[[K:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[ACC]])
// CHECK: vector.outerproduct
// CHECK: %[[R:.*]] = arith.maximumf %[[K]], %{{.*}} : vector<8x32xf32>
// CHECK: vector.transfer_write %[[R]]
// CHECK-NOT: linalg.generic
func.func @fused_bias_relu(%a: tensor<8x4xf32>, %b: tensor<4x32xf32>, %bias: tensor<32xf32>) -> tensor<8x32xf32> {
  %e = tensor.empty() : tensor<8x32xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<32xf32>) outs(%e : tensor<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<8x32xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x4xf32>, tensor<4x32xf32>) outs(%init : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  %e2 = tensor.empty() : tensor<8x32xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<8x32xf32>) outs(%e2 : tensor<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %r = arith.maximumf %x, %z : f32
    linalg.yield %r : f32
  } -> tensor<8x32xf32>
  return %1 : tensor<8x32xf32>
}

// -----

// One bias broadcast feeding two contractions (CSE merges the broadcasts of
// a shared bias constant, as torch's constant folding leaves them): each
// kernel gets its own copy and starts its accumulator from the bias; no
// broadcast generic is left.
// CHECK-LABEL: func.func @shared_bias
// CHECK-NOT: linalg.generic
// CHECK: vector.broadcast {{.*}} : vector<32xf32> to vector<8x32xf32>
// CHECK: vector.outerproduct
// CHECK: vector.broadcast {{.*}} : vector<32xf32> to vector<8x32xf32>
// CHECK: vector.outerproduct
// CHECK-NOT: linalg.generic
func.func @shared_bias(%a: tensor<8x4xf32>, %b: tensor<4x32xf32>, %c: tensor<4x32xf32>, %bias: tensor<32xf32>) -> (tensor<8x32xf32>, tensor<8x32xf32>) {
  %e = tensor.empty() : tensor<8x32xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<32xf32>) outs(%e : tensor<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<8x32xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x4xf32>, tensor<4x32xf32>) outs(%init : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %c : tensor<8x4xf32>, tensor<4x32xf32>) outs(%init : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  return %0, %1 : tensor<8x32xf32>, tensor<8x32xf32>
}

// -----

// Not fused: the consumer also reads a value computed after the
// contraction (the kernel could not read it), and an i1 mask (vectors of i1
// are bit-packed in memory, the buffers are not); a zero fill still is.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT: linalg.fill
// CHECK: vector.outerproduct
// CHECK: linalg.generic
// CHECK: vector.outerproduct
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x32xi1>, tensor<8x32xf32>)
func.func @not_fused(%a: tensor<8x4xf32>, %b: tensor<4x32xf32>, %later: tensor<8x32xf32>, %mask: tensor<8x32xi1>) -> (tensor<8x32xf32>, tensor<8x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x4xf32>, tensor<4x32xf32>) outs(%f : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  %e2 = tensor.empty() : tensor<8x32xf32>
  %late = linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%later : tensor<8x32xf32>) outs(%e2 : tensor<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  } -> tensor<8x32xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%0, %late : tensor<8x32xf32>, tensor<8x32xf32>) outs(%e2 : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<8x32xf32>
  %2 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x4xf32>, tensor<4x32xf32>) outs(%later : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  %3 = linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%mask, %2 : tensor<8x32xi1>, tensor<8x32xf32>) outs(%e2 : tensor<8x32xf32>) {
  ^bb0(%c: i1, %x: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %r = arith.select %c, %x, %z : f32
    linalg.yield %r : f32
  } -> tensor<8x32xf32>
  return %1, %3 : tensor<8x32xf32>, tensor<8x32xf32>
}

// -----

// An init generic that yields a value from outside its body (a splat):
// the accumulator starts as its broadcast (a constant vector here).
// CHECK-LABEL: func.func @splat_init
// CHECK: %[[ACC:.*]] = arith.constant dense<1.000000e+00> : vector<8x32xf32>
// CHECK-NOT: linalg.generic
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[ACC]])
func.func @splat_init(%a: tensor<8x4xf32>, %b: tensor<4x32xf32>) -> tensor<8x32xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<8x32xf32>) {
  ^bb0(%o: f32):
    linalg.yield %one : f32
  } -> tensor<8x32xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x4xf32>, tensor<4x32xf32>) outs(%init : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// Rows no good tile divides (13 = prime): whole 8-row tiles and a 5-row
// remainder kernel.
// CHECK-LABEL: func.func @split_rows
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
// CHECK: vector.outerproduct {{.*}} : vector<5xf32>, vector<32xf32>
func.func @split_rows(%a: tensor<13x4xf32>, %b: tensor<4x32xf32>, %c: tensor<13x32xf32>) -> tensor<13x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<13x4xf32>, tensor<4x32xf32>) outs(%c : tensor<13x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<13x32xf32>
  return %0 : tensor<13x32xf32>
}

// -----

// Open rows (an open batch or sequence length; everything else static):
// tiles of 8 rows up to the last whole tile (threads share them), then one
// row at a time; each iteration is the static kernel.
// CHECK-LABEL: func.func @open_rows
// CHECK: %[[M:.*]] = tensor.dim %{{.*}}, %c0 : tensor<?x4xf32>
// CHECK: %[[WHOLE:.*]] = affine.apply #{{.*}}()[%[[M]]]
// CHECK: scf.for %{{.*}} = %c0 to %[[WHOLE]] step %c8
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
// CHECK: scf.for %{{.*}} = %[[WHOLE]] to %[[M]] step %c1
// CHECK: vector.outerproduct {{.*}} : vector<1xf32>, vector<32xf32>
// Threads: when one row is work enough (min-parallel-work=1: 256 per row),
// every tile splits its column tiles over them, so each thread reads its
// part of the weight once (a decoder's step over 8 sequences is one tile of
// 8 rows); lighter rows (min-parallel-work=1024: 8 rows are work enough,
// one is not) share the row tiles instead.
// PAR-LABEL: func.func @open_rows
// PAR: scf.for %{{.*}} = %c0 to %{{.*}} step %c8
// PAR: scf.forall (%{{.*}}) in (2)
// PAR: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
// PAR: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// PAR: scf.forall (%{{.*}}) in (2)
// PAR: vector.outerproduct {{.*}} : vector<1xf32>, vector<32xf32>
// ROWS-LABEL: func.func @open_rows
// ROWS: scf.forall (%{{.*}}) = (0) to (%{{.*}}) step (8)
// ROWS-NOT: scf.forall
// ROWS: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
// ROWS: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// ROWS-NOT: scf.forall
// ROWS: vector.outerproduct {{.*}} : vector<1xf32>, vector<32xf32>
// ROWS-LABEL: func.func @open_reduction
func.func @open_rows(%a: tensor<?x4xf32>, %b: tensor<2x4x32xf32>, %c: tensor<?x2x32xf32>) -> tensor<?x2x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, nb, ni, k) -> (m, k)>, affine_map<(m, nb, ni, k) -> (nb, k, ni)>, affine_map<(m, nb, ni, k) -> (m, nb, ni)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<?x4xf32>, tensor<2x4x32xf32>) outs(%c : tensor<?x2x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x2x32xf32>
  return %0 : tensor<?x2x32xf32>
}

// -----

// An open reduction extent (attention's second matmul over an open key
// length): the kernel's reduction loop is bounded at run time.
// CHECK-LABEL: func.func @open_reduction
// CHECK: %[[K:.*]] = tensor.dim %{{.*}}, %c1 : tensor<8x?xf32>
// CHECK: scf.for %{{.*}} = %c0 to %[[K]] step %c1 iter_args(%{{.*}}) -> (vector<8x32xf32>)
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
func.func @open_reduction(%a: tensor<8x?xf32>, %b: tensor<?x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x?xf32>, tensor<?x32xf32>) outs(%c : tensor<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}
