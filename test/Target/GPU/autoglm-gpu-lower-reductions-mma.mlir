// Tensor cores (--precision tf32|bf16|fp16 sets lower-reductions' mma).
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=tf32 min-threads=8' --canonicalize --cse | FileCheck %s --check-prefix=TF32
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 min-threads=8 mma-shared=off' --canonicalize --cse | FileCheck %s --check-prefix=BF16
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 min-threads=8 mma-stages=0 mma-pipeline=false' --canonicalize --cse | FileCheck %s --check-prefix=SHARED
// RUN: not autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 mma-shared=maybe' 2>&1 | FileCheck %s --check-prefix=BADSHARED
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 min-threads=8 mma-stages=0' --canonicalize --cse | FileCheck %s --check-prefix=PIPE
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 min-threads=8 mma-stages=0 mma-pipeline=true mma-slice=64' --canonicalize --cse | FileCheck %s --check-prefix=PIPE64
// RUN: not autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 mma-slice=48' 2>&1 | FileCheck %s --check-prefix=BADSLICE
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=fp16 min-threads=8 mma-shared=off' --canonicalize --cse | FileCheck %s --check-prefix=FP16
// RUN: not autoglm-opt %s --autoglm-gpu-lower-reductions='mma=int8' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not autoglm-opt %s --autoglm-gpu-lower-reductions='mma=tf32 mma-tile-n=0' 2>&1 | FileCheck %s --check-prefix=BADTILE
// BAD: mma takes none, tf32, bf16 or fp16
// BADTILE: mma-tile-m, mma-tile-n and mma-unroll take 1..8

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
#bias = affine_map<(m, n) -> (n)>
#id2 = affine_map<(m, n) -> (m, n)>

// A linear layer with a bias and a ReLU, its extents no multiple of the
// mma's tile (M 20 of 16, N 12 of 8, K 36 of 8 or 16): one warp (32 lanes)
// per 32 x 16 tile; rows, columns and steps past the end read 0 and are not
// stored; the bias starts the accumulators, the ReLU runs before the store.
// TF32-LABEL: func.func @linear_bias_relu
// TF32: scf.parallel (%{{.*}}) = (%c0) to (%c32) step (%c1)
// TF32: memref.load %arg2
// TF32: scf.for %{{.*}} = %c0 to %c40 step %c8 iter_args(
// TF32: arith.cmpi ult, %{{.*}}, %c36
// TF32: memref.load %arg0
// TF32: arith.select
// TF32: arith.bitcast %{{.*}} : f32 to i32
// TF32: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{.*}}multiplicandAPtxType = #nvvm.mma_type<tf32>{{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 8>
// TF32-COUNT-3: nvvm.mma.sync
// TF32: scf.yield
// TF32: scf.if
// TF32: arith.maximumf
// TF32: memref.store
// TF32-NOT: linalg.generic
// TF32-LABEL: func.func @matvec
// With mma-stages=0 (the default is the cp.async form:
// autoglm-gpu-lower-reductions-mma-async.mlir) a matmul (plain dims) in
// bf16 stages K slices of 32 in shared memory through registers
// (mma-shared=auto): blocks of 128 threads (4 warps), the slices of
// A and B stored as packed 16-bit pairs in rows of 16 + 4 words, a barrier,
// fragments read one word per register; without the pipeline (below), a
// barrier before the next slice.
// SHARED-LABEL: func.func @linear_bias_relu
// SHARED: %[[SA:.*]] = memref.alloca() : memref<{{[0-9]+}}x20xi32, #gpu.address_space<workgroup>>
// SHARED: %[[SB:.*]] = memref.alloca() : memref<{{[0-9]+}}x20xi32, #gpu.address_space<workgroup>>
// SHARED: scf.for %{{.*}} = %c0 to %c64 step %c32 iter_args(
// SHARED: arith.truncf %{{.*}} : f32 to bf16
// SHARED: memref.store %{{.*}}, %[[SA]]
// SHARED: memref.store %{{.*}}, %[[SB]]
// SHARED: gpu.barrier
// SHARED: memref.load %[[SA]]
// SHARED: memref.load %[[SB]]
// SHARED: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>
// SHARED: gpu.barrier
// SHARED: scf.yield
// SHARED: } {autoglm.gpu.block = 128 : i64}
// BADSHARED: mma-shared takes auto, on or off
// With mma-pipeline (the default): two slice buffers that take turns (selected by the
// slice's parity); the first slice is stored into buffer 0 before the loop;
// each iteration loads the next slice (clamped to the last) before its mma
// steps read the current buffer, stores it into the other buffer after
// them, and ends at one barrier.
// PIPE-LABEL: func.func @linear_bias_relu
// PIPE: %[[SA:.*]] = memref.alloca() : memref<2x{{[0-9]+}}x20xi32, #gpu.address_space<workgroup>>
// PIPE: %[[SB:.*]] = memref.alloca() : memref<2x{{[0-9]+}}x20xi32, #gpu.address_space<workgroup>>
// PIPE: memref.load %arg0
// PIPE: memref.store %{{.*}}, %[[SA]][%c0,
// PIPE: gpu.barrier
// PIPE: scf.for %[[K:.*]] = %c0 to %c64 step %c32 iter_args({{.*}}) -> (f32, f32, f32, f32) {
// PIPE: %[[BUF:.*]] = arith.remui %{{.*}}, %c2
// PIPE: arith.minui %{{.*}}, %c32
// PIPE: memref.load %arg0
// PIPE: memref.load %arg1
// PIPE-NOT: gpu.barrier
// PIPE: memref.load %[[SA]][%[[BUF]],
// PIPE: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>
// PIPE: %[[OTHER:.*]] = arith.subi %c1, %[[BUF]]
// PIPE: arith.truncf %{{.*}} : f32 to bf16
// PIPE: memref.store %{{.*}}, %[[SA]][%[[OTHER]],
// PIPE: memref.store %{{.*}}, %[[SB]][%[[OTHER]],
// PIPE: gpu.barrier
// PIPE-NEXT: scf.yield
// PIPE: } {autoglm.gpu.block = 128 : i64}
// Slices of 64: rows of 32 + 4 words; K 36 is one slice, so the loop folds
// away: the slice stored into buffer 0, a barrier, the 4 K steps (the
// redundant reload into buffer 1 is left for the canonicalizer to keep).
// PIPE64-LABEL: func.func @linear_bias_relu
// PIPE64: memref.alloca() : memref<2x{{[0-9]+}}x36xi32, #gpu.address_space<workgroup>>
// PIPE64-NOT: scf.for
// PIPE64: memref.store %{{.*}}, %alloca[%c0,
// PIPE64: gpu.barrier
// PIPE64-COUNT-4: nvvm.mma.sync
// PIPE64-LABEL: func.func @matvec
// BADSLICE: mma-slice takes 16, 32 or 64
// BF16-LABEL: func.func @linear_bias_relu
// BF16: scf.for %{{.*}} = %c0 to %c48 step %c16 iter_args(
// BF16: arith.truncf %{{.*}} : f32 to bf16
// BF16: arith.shli %{{.*}}, %c16_i32 : i32
// BF16: arith.ori
// BF16: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>{{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 16>
// FP16-LABEL: func.func @linear_bias_relu
// FP16: arith.truncf %{{.*}} : f32 to f16
// FP16: llvm.bitcast %{{.*}} : i32 to vector<2xf16>
// FP16: nvvm.mma.sync {{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 16>
func.func @linear_bias_relu(%a: memref<20x36xf32>, %b: memref<36x12xf32>, %bias: memref<12xf32>,
                            %c: memref<20x12xf32>) {
  linalg.generic {indexing_maps = [#bias, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<12xf32>) outs(%c : memref<20x12xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<20x36xf32>, memref<36x12xf32>) outs(%c : memref<20x12xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
      outs(%c : memref<20x12xf32>) {
  ^bb0(%o: f32):
    %z = arith.constant 0.0 : f32
    %r = arith.maximumf %o, %z : f32
    linalg.yield %r : f32
  }
  return
}

// One row (M = 1) would waste 15 of the mma's 16: the scalar form.
// TF32-NOT: nvvm.mma.sync
// TF32: return
#mv_x = affine_map<(n, k) -> (k)>
#mv_w = affine_map<(n, k) -> (k, n)>
#mv_n = affine_map<(n, k) -> (n)>
func.func @matvec(%x: memref<256xf32>, %w: memref<256x64xf32>, %y: memref<64xf32>) {
  linalg.generic {indexing_maps = [#mv_x, #mv_w, #mv_n], iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : memref<256xf32>, memref<256x64xf32>) outs(%y : memref<64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// A convolution (NCHW, 3x3): M the output channels (the weight's), N the
// output points (n, oh, ow) flattened, K (c, kh, kw) flattened; the flat
// positions are split back with divisions by the extents.
// TF32-LABEL: func.func @conv
// TF32: arith.remui %{{.*}}, %c6 : index
// TF32: arith.divui %{{.*}}, %c6 : index
// TF32: scf.for
// TF32: arith.remui %{{.*}}, %c3 : index
// TF32: arith.divui %{{.*}}, %c3 : index
// TF32: nvvm.mma.sync
#ci = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>
#cw = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#co = affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>
func.func @conv(%x: memref<1x8x8x8xf32>, %w: memref<32x8x3x3xf32>, %y: memref<1x32x6x6xf32>) {
  linalg.generic {indexing_maps = [#ci, #cw, #co],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x8x8x8xf32>, memref<32x8x3x3xf32>) outs(%y : memref<1x32x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
