// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='min-threads=8 warp-below=0' | FileCheck %s
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='tile=1 warp-below=0' | FileCheck %s --check-prefix=UNTILED
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='min-threads=8 warp-below=0 tile2=2' --canonicalize --cse | FileCheck %s --check-prefix=TILE2
// RUN: not autoglm-opt %s --autoglm-gpu-lower-reductions='tile=3' 2>&1 | FileCheck %s --check-prefix=BAD

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

// A matmul: m is tiled (B's load, which neighbouring threads read along n,
// does not depend on m, so it is made once for the thread's 4 outputs); the
// accumulators are the reduction loop's iter_args, stored once at the end.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%[[C8]], %{{.*}})
// Output u of the thread is row m + u, the same column n.
// CHECK: %[[M1:.*]] = arith.addi %[[M]], %c1
// CHECK: memref.load %arg2[%[[M]], %[[N]]]
// CHECK: memref.load %arg2[%[[M1]], %[[N]]]
// CHECK-COUNT-6: memref.load %arg2
// CHECK: scf.for %[[K:[a-z0-9]+]] = {{.*}} iter_args(
// CHECK: memref.load %arg1[%[[K]], %[[N]]]
// CHECK-NOT: memref.load %arg1
// CHECK-COUNT-8: arith.mulf {{.*}} fastmath<contract>
// CHECK: scf.yield
// CHECK: memref.store {{.*}}, %arg2[%[[M]], %[[N]]]
// CHECK: memref.store {{.*}}, %arg2[%[[M1]], %[[N]]]
// CHECK-COUNT-6: memref.store {{.*}}, %arg2
// CHECK-NOT: linalg.generic
// A 2-D register tile (tile2=2): n, the innermost dim, is tiled cyclically
// (the thread's second column is n + 16, so neighbouring threads still read
// neighbouring columns); A's load is shared by both columns, B's by all 8
// rows: 8 + 2 loads for 16 FMAs.
// TILE2-LABEL: func.func @matmul
// TILE2: %[[C16:.*]] = arith.constant 16 : index
// TILE2: scf.parallel (%[[M:.*]], %[[N:.*]]) = (%{{.*}}, %{{.*}}) to (%[[C16]], %[[C16]]) step (%c8, %c1)
// TILE2: %[[N2:.*]] = arith.addi %[[N]], %[[C16]]
// TILE2: scf.for %[[K:[a-z0-9]+]] = {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// TILE2-DAG: memref.load %arg1[%[[K]], %[[N]]]
// TILE2-DAG: memref.load %arg1[%[[K]], %[[N2]]]
// TILE2-COUNT-8: memref.load %arg0
// TILE2-NOT: memref.load
// TILE2: scf.yield
// TILE2: memref.store {{.*}}, %arg2[%[[M]], %[[N2]]]
// UNTILED-LABEL: func.func @matmul
// UNTILED: scf.parallel
// UNTILED: scf.for {{.*}} iter_args(%[[ACC:[a-z0-9]+]] = %{{.*}}) -> (f32)
// UNTILED: %[[P:.*]] = arith.mulf {{.*}} fastmath<contract>
// UNTILED: arith.addf %[[ACC]], %[[P]] fastmath<contract>
// BAD: tile and tile2 must be powers of two
func.func @matmul(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %c: memref<16x32xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%c : memref<16x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// An argmax-style body with linalg.index: the index becomes the loop's
// induction variable; one parallel dim, so no tile.
// CHECK-LABEL: func.func @rowmax
// CHECK: scf.parallel (%[[R:[a-z0-9]+]])
// CHECK: scf.for %[[J:[a-z0-9]+]] = {{.*}} iter_args(%[[ACC:[a-z0-9]+]] = %{{.*}}) -> (f32)
// CHECK: %[[X:.*]] = memref.load %arg0[%[[R]], %[[J]]]
// CHECK: arith.index_cast %[[J]]
// CHECK: arith.maximumf %[[ACC]]
// CHECK: memref.store {{.*}}, %arg1[%[[R]]]
#rm_in = affine_map<(r, j) -> (r, j)>
#rm_out = affine_map<(r, j) -> (r)>
func.func @rowmax(%x: memref<4x10xf32>, %o: memref<4xf32>) {
  linalg.generic {indexing_maps = [#rm_in, #rm_out], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x10xf32>) outs(%o : memref<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i32
    %jf = arith.sitofp %ji : i32 to f32
    %w = arith.mulf %v, %jf : f32
    %m = arith.maximumf %acc, %w : f32
    linalg.yield %m : f32
  }
  return
}

// Tensors (not yet bufferized) are left alone.
// CHECK-LABEL: func.func @on_tensors
// CHECK: linalg.generic
func.func @on_tensors(%x: tensor<4x10xf32>, %o: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.generic {indexing_maps = [#rm_in, #rm_out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x10xf32>) outs(%o : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %m = arith.maximumf %acc, %v : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// A full reduction runs in one thread.
// CHECK-LABEL: func.func @sum_all
// CHECK: scf.parallel (%{{.*}}) = (%[[Z:.*]]) to (%[[O:.*]]) step
// CHECK: memref.load %arg1[]
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.store {{.*}}, %arg1[]
#all_in = affine_map<(i, j) -> (i, j)>
#all_out = affine_map<(i, j) -> ()>
func.func @sum_all(%x: memref<4x10xf32>, %o: memref<f32>) {
  linalg.generic {indexing_maps = [#all_in, #all_out], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<4x10xf32>) outs(%o : memref<f32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  return
}

// A bias broadcast that only initializes the output becomes the
// accumulators' start; the in-place ReLU after is applied before the one
// store; both ops go (one kernel where there were three). With fuse=false
// they stay.
// CHECK-LABEL: func.func @linear_bias_relu
// CHECK: scf.parallel
// CHECK: %[[B:[0-9]+]] = memref.load %arg2[
// CHECK: scf.for {{.*}} iter_args(%{{[a-z0-9]+}} = %[[B]]
// CHECK: arith.maximumf
// CHECK: memref.store
// CHECK-NOT: linalg.generic
// CHECK: return
// NOFUSE-LABEL: func.func @linear_bias_relu
// NOFUSE: linalg.generic
// NOFUSE: scf.parallel
// NOFUSE: linalg.generic
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='fuse=false warp-below=0' | FileCheck %s --check-prefix=NOFUSE
#bias = affine_map<(m, n) -> (n)>
#id2 = affine_map<(m, n) -> (m, n)>
func.func @linear_bias_relu(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %bias: memref<32xf32>,
                            %c: memref<16x32xf32>) {
  linalg.generic {indexing_maps = [#bias, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<32xf32>) outs(%c : memref<16x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%c : memref<16x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<16x32xf32>) outs(%c : memref<16x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.maximumf %x, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// An epilogue that writes another buffer is not fused (the reduction's
// output may be read later).
// CHECK-LABEL: func.func @epilogue_elsewhere
// CHECK: scf.parallel
// CHECK: linalg.generic
func.func @epilogue_elsewhere(%a: memref<16x64xf32>, %b: memref<64x32xf32>, %c: memref<16x32xf32>,
                              %d: memref<16x32xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x64xf32>, memref<64x32xf32>) outs(%c : memref<16x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<16x32xf32>) outs(%d : memref<16x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  }
  return
}

// Few outputs, a long reduction with +: a warp per output. The lanes are
// the innermost parallel dim; lane l folds k = l, l + 32, ... from 0 (lane
// 0 from the bias), a shuffle butterfly merges them, lane 0 stores after
// the fused ReLU.
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='warp-below=65536' | FileCheck %s --check-prefix=WARP
// WARP-LABEL: func.func @matvec
// WARP: %[[C32:.*]] = arith.constant 32 : index
// WARP: scf.parallel (%[[N:.*]], %[[L:.*]]) = ({{.*}}) to ({{.*}}, %[[C32]]) step
// WARP: %[[B:.*]] = memref.load %arg2[%[[N]]]
// WARP: %[[IS0:.*]] = arith.cmpi eq, %[[L]]
// WARP: %[[INIT:.*]] = arith.select %[[IS0]], %[[B]], %cst
// WARP: scf.for %[[K:.*]] = %[[L]] to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[INIT]])
// WARP: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32{{.*}} : f32
// WARP: gpu.shuffle  xor %{{.*}}, %c8_i32, %c32_i32{{.*}} : f32
// WARP: gpu.shuffle  xor %{{.*}}, %c4_i32, %c32_i32{{.*}} : f32
// WARP: gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32{{.*}} : f32
// WARP: %[[S:[a-zA-Z0-9_]+]], %{{.*}} = gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32
// WARP: %[[T:[0-9]+]] = arith.addf %{{.*}}, %[[S]]
// WARP: scf.if %[[IS0]]
// WARP: %[[R:[0-9]+]] = arith.maximumf %[[T]]
// WARP: memref.store %[[R]], %arg3[%[[N]]]
#mv_x = affine_map<(n, k) -> (k)>
#mv_w = affine_map<(n, k) -> (k, n)>
#mv_n = affine_map<(n, k) -> (n)>
#mv_id = affine_map<(n) -> (n)>
func.func @matvec(%x: memref<256xf32>, %w: memref<256x64xf32>, %bias: memref<64xf32>, %y: memref<64xf32>) {
  linalg.generic {indexing_maps = [#mv_id, #mv_id], iterator_types = ["parallel"]}
      ins(%bias : memref<64xf32>) outs(%y : memref<64xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  linalg.generic {indexing_maps = [#mv_x, #mv_w, #mv_n], iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : memref<256xf32>, memref<256x64xf32>) outs(%y : memref<64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#mv_id, #mv_id], iterator_types = ["parallel"]}
      ins(%y : memref<64xf32>) outs(%y : memref<64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// 16384 outputs: 16 shares of k times 2 neighbouring columns per warp
// (lane = share * 2 + point); the butterfly merges the shares only.
// WARP-LABEL: func.func @matmul_points
// WARP: %[[C16:.*]] = arith.constant 16 : index
// WARP: %[[C2:.*]] = arith.constant 2 : index
// WARP: scf.parallel (%[[M:.*]], %[[NB:.*]], %[[S:.*]], %[[P:.*]]) = ({{.*}}) to (%{{.*}}, %{{.*}}, %[[C16]], %[[C2]])
// WARP: %[[NB2:.*]] = arith.muli %[[NB]], %[[C2]]
// WARP: %[[N:.*]] = arith.addi %[[NB2]], %[[P]]
// WARP: scf.for %{{.*}} = %[[S]] to %{{.*}} step %[[C16]]
// WARP: memref.load %arg1[%{{.*}}, %[[N]]]
// WARP: gpu.shuffle  xor %{{.*}}, %c16_i32
// WARP: gpu.shuffle  xor %{{.*}}, %c2_i32
// WARP-NOT: gpu.shuffle
// WARP: memref.store {{.*}}, %arg2[%[[M]], %[[N]]]
func.func @matmul_points(%a: memref<128x64xf32>, %b: memref<64x128xf32>, %c: memref<128x128xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<128x64xf32>, memref<64x128xf32>) outs(%c : memref<128x128xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
