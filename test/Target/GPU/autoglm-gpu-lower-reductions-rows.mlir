// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions --split-input-file | FileCheck %s
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='rows=false' --split-input-file | FileCheck %s --check-prefix=OFF
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions --autoglm-gpu-map-loops --split-input-file | FileCheck %s --check-prefix=MAP

// A softmax over rows of 64 (six ops, four kernels one by one) becomes one
// row kernel: a loop over the 6 rows and 32 lanes, each op in turn; the
// maximum and the sum fold per lane from the combine's identity (lane 0 from
// the output's start value), merge by a butterfly of shuffles and lane 0
// stores them. A barrier comes only where lanes read what another lane
// wrote (the maximum, the sum) or overwrite what other lanes read: not
// between a fill and its reduction (both lane 0). 6 rows: 2 warps per block.
// CHECK-LABEL: func.func @softmax
// CHECK: scf.parallel (%[[R:.*]], %[[L:.*]]) = (%{{.*}}, %{{.*}}) to (%c6, %c32)
// CHECK: %[[LANE0:.*]] = arith.cmpi eq, %[[L]], %c0
// CHECK: scf.if %[[LANE0]] {
// CHECK: memref.store %{{.*}}, %arg1[%[[R]]]
// CHECK-NOT: gpu.barrier
// CHECK: %[[START:.*]] = memref.load %arg1[%[[R]]]
// CHECK: %[[ACC0:.*]] = arith.select %[[LANE0]], %[[START]], %cst
// Each lane folds its 2 elements (l and l + 32: the loop over its shares
// is unrolled, so both loads go out together).
// CHECK: %[[J0:.*]] = arith.addi %[[L]], %{{.*}} : index
// CHECK: %[[X0:.*]] = memref.load %arg0[%[[R]], %[[J0]]]
// CHECK: %[[M0:.*]] = arith.maximumf %[[ACC0]], %[[X0]]
// CHECK: %[[X1:.*]] = memref.load %arg0[%[[R]], %{{.*}}]
// CHECK: %[[MAX:.*]] = arith.maximumf %[[M0]], %[[X1]]
// CHECK-NOT: scf.for
// CHECK: gpu.shuffle xor %[[MAX]], %c16_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32
// CHECK: scf.if %[[LANE0]] {
// CHECK-NEXT: memref.store %{{.*}}, %arg1[%[[R]]]
// CHECK: gpu.barrier
// CHECK: memref.load %arg1[%[[R]]]
// CHECK: math.exp
// CHECK: memref.store %{{.*}}, %arg0[%[[R]], %{{.*}}]
// CHECK: math.exp
// CHECK: memref.store %{{.*}}, %arg0[%[[R]], %{{.*}}]
// The sum reuses the maximum's buffer, which all lanes just read: a barrier
// before lane 0 fills it, none between the fill and the sum.
// CHECK: gpu.barrier
// CHECK: scf.if %[[LANE0]] {
// CHECK-NOT: gpu.barrier
// CHECK: arith.addf
// CHECK: gpu.shuffle xor
// CHECK: gpu.barrier
// CHECK: arith.divf
// CHECK-NOT: gpu.barrier
// CHECK: } {autoglm.gpu.block = 64 : i64}
// CHECK-NOT: linalg.generic
// OFF-LABEL: func.func @softmax
// OFF-NOT: gpu.barrier
// OFF-NOT: autoglm.gpu.block
// The block stays 64 threads (2 rows), not the default 256: 6 rows * 32
// lanes = 192 threads in 3 blocks, none guarded off.
// MAP-LABEL: func.func @softmax
// MAP: %[[C64:.*]] = arith.constant 64 : index
// MAP: %[[STEP:.*]] = arith.muli %{{.*}}, %[[C64]]
// MAP: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%[[STEP]])
// MAP: gpu.barrier
#rows = affine_map<(r, j) -> (r, j)>
#row = affine_map<(r, j) -> (r)>
#id = affine_map<(r) -> (r)>
func.func @softmax(%x: memref<6x64xf32>, %s: memref<6xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%ninf : f32) outs(%s : memref<6xf32>)
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<6x64xf32>) outs(%s : memref<6xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %m = arith.maximumf %acc, %v : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#rows, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<6x64xf32>, memref<6xf32>) outs(%x : memref<6x64xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  }
  linalg.fill ins(%zero : f32) outs(%s : memref<6xf32>)
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<6x64xf32>) outs(%s : memref<6xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = arith.addf %acc, %v : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#rows, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<6x64xf32>, memref<6xf32>) outs(%x : memref<6x64xf32>) {
  ^bb0(%v: f32, %t: f32, %o: f32):
    %q = arith.divf %v, %t : f32
    linalg.yield %q : f32
  }
  return
}

// -----

// The same softmax whose row maxima live in arena bytes that the rows'
// elements also occupy: blocks of other rows could overwrite a row's
// elements while it still reads them, so no row kernel; the reduction is
// lowered alone (warp per output) and the elementwise op stays.
// CHECK-LABEL: func.func @overlap
// CHECK-NOT: gpu.barrier
// CHECK: linalg.generic
#rows = affine_map<(r, j) -> (r, j)>
#row = affine_map<(r, j) -> (r)>
func.func @overlap(%arena: memref<4096xi8>) {
  %c0 = arith.constant 0 : index
  %c512 = arith.constant 512 : index
  %x = memref.view %arena[%c0][] : memref<4096xi8> to memref<6x64xf32>
  %s = memref.view %arena[%c512][] : memref<4096xi8> to memref<6xf32>
  %ninf = arith.constant 0xFF800000 : f32
  linalg.fill ins(%ninf : f32) outs(%s : memref<6xf32>)
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<6x64xf32>) outs(%s : memref<6xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %m = arith.maximumf %acc, %v : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#rows, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<6x64xf32>, memref<6xf32>) outs(%x : memref<6x64xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    linalg.yield %d : f32
  }
  return
}

// -----

// Disjoint arena views are fine: a layer norm's mean and variance (the
// division by the count is the sum's in-place epilogue, which would fuse
// into its kernel anyway) and the output: one kernel, 16 rows in 2 blocks,
// with barriers before the lanes read the mean and the variance.
// CHECK-LABEL: func.func @layernorm
// CHECK: arith.divf
// CHECK: gpu.barrier
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: } {autoglm.gpu.block = 256 : i64}
// CHECK-NOT: linalg
#rows = affine_map<(r, j) -> (r, j)>
#row = affine_map<(r, j) -> (r)>
#id = affine_map<(r) -> (r)>
func.func @layernorm(%x: memref<16x128xf32>, %arena: memref<1024xi8>, %y: memref<16x128xf32>) {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %mean = memref.view %arena[%c0][] : memref<1024xi8> to memref<16xf32>
  %var = memref.view %arena[%c64][] : memref<1024xi8> to memref<16xf32>
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 128.0 : f32
  linalg.fill ins(%zero : f32) outs(%mean : memref<16xf32>)
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<16x128xf32>) outs(%mean : memref<16xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = arith.addf %acc, %v : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%mean : memref<16xf32>) outs(%mean : memref<16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %q = arith.divf %v, %n : f32
    linalg.yield %q : f32
  }
  linalg.fill ins(%zero : f32) outs(%var : memref<16xf32>)
  linalg.generic {indexing_maps = [#rows, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %mean : memref<16x128xf32>, memref<16xf32>) outs(%var : memref<16xf32>) {
  ^bb0(%v: f32, %m: f32, %acc: f32):
    %d = arith.subf %v, %m : f32
    %sq = arith.mulf %d, %d : f32
    %a = arith.addf %acc, %sq : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#rows, #row, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mean, %var : memref<16x128xf32>, memref<16xf32>, memref<16xf32>) outs(%y : memref<16x128xf32>) {
  ^bb0(%v: f32, %m: f32, %s: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %q = arith.divf %d, %s : f32
    linalg.yield %q : f32
  }
  return
}

// -----

// A reduction and its in-place epilogue alone are one kernel already: no
// row kernel.
// CHECK-LABEL: func.func @one_kernel
// CHECK-NOT: gpu.barrier
// CHECK-NOT: autoglm.gpu.block
#rows = affine_map<(r, j) -> (r, j)>
#row = affine_map<(r, j) -> (r)>
#id = affine_map<(r) -> (r)>
func.func @one_kernel(%x: memref<16x128xf32>, %s: memref<16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<16xf32>)
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<16x128xf32>) outs(%s : memref<16xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = arith.addf %acc, %v : f32
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%s : memref<16xf32>) outs(%s : memref<16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %q = arith.mulf %v, %v : f32
    linalg.yield %q : f32
  }
  return
}

// -----

// Rows of 40: each lane takes 2 shares; the second is past the row's end
// for lanes 8..31, so the reduction reads a clamped element and drops its
// fold, and the elementwise op stores under a guard.
// CHECK-LABEL: func.func @ragged
// CHECK: %[[F:.*]] = arith.addi
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[F]], %c40
// CHECK: %[[C:.*]] = arith.minui %[[F]], %c39
// CHECK: memref.load %arg0[%{{.*}}, %[[C]]]
// CHECK: arith.select %[[IN]]
// CHECK: gpu.shuffle
// CHECK: gpu.barrier
// CHECK: arith.cmpi ult, %{{.*}}, %c40
// CHECK-NEXT: scf.if
// CHECK: arith.subf
// CHECK: memref.store
#rg_rows = affine_map<(r, j) -> (r, j)>
#rg_row = affine_map<(r, j) -> (r)>
func.func @ragged(%x: memref<4x40xf32>, %s: memref<4xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  linalg.fill ins(%ninf : f32) outs(%s : memref<4xf32>)
  linalg.generic {indexing_maps = [#rg_rows, #rg_row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %m = arith.maximumf %acc, %v : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#rg_rows, #rg_row, #rg_rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<4x40xf32>, memref<4xf32>) outs(%x : memref<4x40xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    linalg.yield %d : f32
  }
  return
}
