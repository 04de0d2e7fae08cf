// RUN: autoglm-opt %s --autoglm-gpu-split-reductions='target-outputs=262144 min-steps=64' | FileCheck %s
// RUN: autoglm-opt %s --autoglm-gpu-split-reductions='target-outputs=0' | FileCheck %s --check-prefix=OFF
// RUN: autoglm-opt %s --autoglm-gpu-split-reductions='target-outputs=262144 min-steps=4096' | FileCheck %s --check-prefix=OFF
// RUN: autoglm-opt %s --autoglm-gpu-split-reductions | FileCheck %s --check-prefix=DEFAULT
// RUN: autoglm-opt %s --autoglm-gpu-split-reductions=warp-split-length=0 | FileCheck %s --check-prefix=NOWARPSPLIT

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

// 64x256 outputs (16K), 2048 steps: 16 shares of 128 steps reach 256K
// outputs. The inputs are viewed with k as 16 x 128; the partial sums start
// from 0 and keep the shares outermost; the fold adds them into the
// original output, whose bias broadcast moves right before it.
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[X:.*]] = tensor.expand_shape %arg0 {{\[}}[0], [1, 2]] output_shape [64, 16, 128]
// CHECK-DAG: %[[W:.*]] = tensor.expand_shape %arg1 {{\[}}[0, 1], [2]] output_shape [16, 128, 256]
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%cst{{.*}}) outs(%{{.*}} : tensor<16x64x256xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<64x16x128xf32>, tensor<16x128x256xf32>) outs(%[[ZERO]]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<256xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[SH:.*]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[P]] : tensor<16x64x256xf32>) outs(%[[BIAS]] : tensor<64x256xf32>)
// CHECK: arith.addf %out, %in
// CHECK: return %[[R]]
// OFF-LABEL: func.func @matmul
// OFF-NOT: expand_shape
// OFF: linalg.generic
// OFF: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// OFF-SAME: ins(%arg0, %arg1
func.func @matmul(%x: tensor<64x2048xf32>, %w: tensor<2048x256xf32>, %bias: tensor<256xf32>) -> tensor<64x256xf32> {
  %e = tensor.empty() : tensor<64x256xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<256xf32>) outs(%e : tensor<64x256xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<64x256xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<64x2048xf32>, tensor<2048x256xf32>) outs(%init : tensor<64x256xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %m = arith.mulf %in, %in2 : f32
    %s = arith.addf %out, %m : f32
    linalg.yield %s : f32
  } -> tensor<64x256xf32>
  return %r : tensor<64x256xf32>
}

// The default (1M outputs, shares of at least 32 steps): 64 shares of 32.
// DEFAULT-LABEL: func.func @matmul
// DEFAULT: tensor.expand_shape %arg0 {{\[}}[0], [1, 2]] output_shape [64, 64, 32]
// DEFAULT-LABEL: func.func @conv

// A 3x3 convolution with 512 input channels on a 7x7 map (25K outputs,
// 4608 steps): the channels split (the longest dim read whole by every
// input; kh and kw also shift the rows). 16 shares of 32 channels reach 256K.
// CHECK-LABEL: func.func @conv
// CHECK: tensor.expand_shape %arg0 {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 16, 32, 9, 9]
// CHECK: tensor.expand_shape %arg1 {{\[}}[0], [1, 2], [3], [4]] output_shape [512, 16, 32, 3, 3]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<16x1x512x7x7xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<16x1x512x7x7xf32>) outs(%{{.*}} : tensor<1x512x7x7xf32>)
func.func @conv(%x: tensor<1x512x9x9xf32>, %w: tensor<512x512x3x3xf32>) -> tensor<1x512x7x7xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x512x7x7xf32>
  %init = linalg.fill ins(%z : f32) outs(%e : tensor<1x512x7x7xf32>) -> tensor<1x512x7x7xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, f, y, x, c, i, j) -> (n, c, y + i, x + j)>, affine_map<(n, f, y, x, c, i, j) -> (f, c, i, j)>, affine_map<(n, f, y, x, c, i, j) -> (n, f, y, x)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : tensor<1x512x9x9xf32>, tensor<512x512x3x3xf32>) outs(%init : tensor<1x512x7x7xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %m = arith.mulf %in, %in2 : f32
    %s = arith.addf %out, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x512x7x7xf32>
  return %r : tensor<1x512x7x7xf32>
}

// A max over 4096 steps: the shares start from -inf and fold with max.
// CHECK-LABEL: func.func @max
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<{{[0-9]+}}x16384xf32>)
// CHECK: arith.maximumf
// CHECK: arith.maximumf %{{.*}}, %{{.*}}
// A payload reading its loop indices stays whole.
// CHECK-LABEL: func.func @indexed
// CHECK-NOT: expand_shape
func.func @max(%x: tensor<16384x4096xf32>, %init: tensor<16384xf32>) -> tensor<16384xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<16384x4096xf32>) outs(%init : tensor<16384xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %out, %in : f32
    linalg.yield %m : f32
  } -> tensor<16384xf32>
  return %r : tensor<16384xf32>
}

func.func @indexed(%x: tensor<16384x4096xf32>, %init: tensor<16384xf32>) -> tensor<16384xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<16384x4096xf32>) outs(%init : tensor<16384xf32>) {
  ^bb0(%in: f32, %out: f32):
    %k = linalg.index 1 : index
    %ki = arith.index_cast %k : index to i32
    %kf = arith.sitofp %ki : i32 to f32
    %p = arith.mulf %in, %kf : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<16384xf32>
  return %r : tensor<16384xf32>
}

// Few outputs, a long reduction (a run-time check that 32 x 128 token ids
// are in range: one i1 `and` over 4096 steps): one warp would walk it all,
// so it splits into 16 shares of 256 steps (no divisor reaches 1024 warps
// keeping 256 steps; 16 is the largest that keeps them; of the two dims
// the first wins the tie: each share reads 2 whole rows), folded into the
// 0-d flag by a second `and`. 64 steps of 8 rows
// stay whole (shorter than warp-split-length), and nothing splits with
// warp-split-length=0.
// (The first run checks only that @indexed stays whole.)
// CHECK-LABEL: func.func @all_in_range
// DEFAULT-LABEL: func.func @all_in_range
// DEFAULT: %[[V:.*]] = tensor.expand_shape %arg0 {{\[}}[0, 1], [2]] output_shape [16, 2, 128]
// DEFAULT: %[[T:.*]] = arith.constant true
// DEFAULT: %[[S:.*]] = linalg.fill ins(%[[T]] : i1) outs(%{{.*}} : tensor<16xi1>)
// DEFAULT: %[[P:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// DEFAULT-SAME: ins(%[[V]] : tensor<16x2x128xi64>) outs(%[[S]] : tensor<16xi1>)
// DEFAULT: linalg.generic {indexing_maps = [#{{.*}}, #[[ZERO:[a-z0-9]+]]], iterator_types = ["reduction"]}
// DEFAULT-SAME: ins(%[[P]] : tensor<16xi1>) outs(%{{.*}} : tensor<i1>)
// DEFAULT: arith.andi
// DEFAULT-LABEL: func.func @short_check
// DEFAULT-NOT: expand_shape
// DEFAULT: return
// NOWARPSPLIT-LABEL: func.func @all_in_range
// NOWARPSPLIT-NOT: expand_shape
// NOWARPSPLIT: return
func.func @all_in_range(%ids: tensor<32x128xi64>, %init: tensor<i1>) -> tensor<i1> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%ids : tensor<32x128xi64>) outs(%init : tensor<i1>) {
  ^bb0(%in: i64, %out: i1):
    %lo = arith.constant -1000 : i64
    %hi = arith.constant 1000 : i64
    %a = arith.cmpi sge, %in, %lo : i64
    %b = arith.cmpi slt, %in, %hi : i64
    %ok = arith.andi %a, %b : i1
    %s = arith.andi %out, %ok : i1
    linalg.yield %s : i1
  } -> tensor<i1>
  return %r : tensor<i1>
}

func.func @short_check(%ids: tensor<8x64xi64>, %init: tensor<i1>) -> tensor<i1> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%ids : tensor<8x64xi64>) outs(%init : tensor<i1>) {
  ^bb0(%in: i64, %out: i1):
    %hi = arith.constant 1000 : i64
    %ok = arith.cmpi slt, %in, %hi : i64
    %s = arith.andi %out, %ok : i1
    linalg.yield %s : i1
  } -> tensor<i1>
  return %r : tensor<i1>
}
