// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 min-threads=8 mma-stages=3' --canonicalize --cse | FileCheck %s --check-prefix=ASYNC
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 min-threads=8 mma-stages=8 mma-slice=64' --canonicalize --cse | FileCheck %s --check-prefix=FIT
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 min-threads=8 mma-stages=3 mma-shared=on' --canonicalize --cse | FileCheck %s --check-prefix=CONV
// RUN: not autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 mma-stages=9' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: autoglm-opt %s --autoglm-gpu-lower-reductions='mma=bf16 min-threads=8' --canonicalize --cse | FileCheck %s --check-prefix=DEFAULT

// mma-stages: the K slices are copied into shared memory by cp.async
// (nvgpu.device_async_copy), `stages` buffers deep, and stay f32 there.
// A (an argument: any alignment) is K-major and copied element by element;
// the weight (a global, K contiguous) in 16-byte copies that bypass L1.
// The first stages - 1 slices are copied before the loop (a group each);
// each iteration waits until at most stages - 2 groups are pending, meets
// the others at a barrier, copies slice i + 2 (clamped in bounds, zero-
// filled past the end) into the buffer slice i - 1 left, then reads slice
// i's buffer: each fragment register a pair rounded by one vector truncf.
// ASYNC-LABEL: func.func @linear_global
// ASYNC: %[[W:.*]] = memref.get_global @w
// ASYNC: %[[SA:.*]] = memref.alloca() : memref<3x64x40xf32, #gpu.address_space<workgroup>>
// ASYNC: %[[SB:.*]] = memref.alloca() : memref<3x32x40xf32, #gpu.address_space<workgroup>>
// ASYNC: nvgpu.device_async_copy %arg0[{{.*}}], %[[SA]][%c0, {{.*}}], 1 :
// ASYNC: nvgpu.device_async_copy %[[W]][{{.*}}], %[[SB]][%c0, {{.*}}], 4 {bypassL1} :
// ASYNC: nvvm.cp.async.commit.group
// ASYNC: nvgpu.device_async_copy %[[W]][{{.*}}], %[[SB]][%c1, {{.*}}], 4 {bypassL1} :
// ASYNC: nvvm.cp.async.commit.group
// ASYNC-NEXT: scf.for %[[K:.*]] = %c0 to %c64 step %c32 iter_args(
// ASYNC-NEXT: nvvm.cp.async.wait.group 1
// ASYNC-NEXT: gpu.barrier
// ASYNC: %[[NEXT:.*]] = arith.addi %[[K]], %c64
// ASYNC: %[[IN:.*]] = arith.cmpi ult, %[[NEXT]], %c64
// ASYNC: arith.minui %[[NEXT]], %c32
// ASYNC: %[[N1:.*]] = arith.select %[[IN]], %c1, %c0
// ASYNC: nvgpu.device_async_copy %arg0[{{.*}}], %[[SA]][{{.*}}], 1, %[[N1]] :
// ASYNC: %[[N4:.*]] = arith.select %[[IN]], %c4, %c0
// ASYNC: nvgpu.device_async_copy %[[W]][{{.*}}], %[[SB]][{{.*}}], 4, %[[N4]] {bypassL1} :
// ASYNC: nvvm.cp.async.commit.group
// ASYNC-NOT: gpu.barrier
// ASYNC: memref.load %[[SA]]
// ASYNC: arith.truncf %{{.*}} : vector<2xf32> to vector<2xbf16>
// ASYNC-NEXT: llvm.bitcast %{{.*}} : vector<2xbf16> to i32
// ASYNC: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>
// ASYNC-NOT: gpu.barrier
// ASYNC: scf.yield
// ASYNC: nvvm.cp.async.wait.group 0
// ASYNC: } {autoglm.gpu.block = 128 : i64}
// 8 stages of 64 do not fit 48 KiB: slices of 16 (rows padded to 24), 5
// stages (9 KiB each).
// FIT-LABEL: func.func @linear_global
// FIT: memref.alloca() : memref<5x64x24xf32, #gpu.address_space<workgroup>>
// FIT: memref.alloca() : memref<5x32x24xf32, #gpu.address_space<workgroup>>
// FIT: nvvm.cp.async.wait.group 3
#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @w : memref<32x64xf32> = dense<1.0>
func.func @linear_global(%a: memref<64x64xf32>, %y: memref<64x32xf32>) {
  %w = memref.get_global @w : memref<32x64xf32>
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : memref<64x64xf32>, memref<32x64xf32>) outs(%y : memref<64x32xf32>) {
  ^bb0(%x: f32, %v: f32, %acc: f32):
    %p = arith.mulf %x, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// A convolution takes the form too (mma-shared=on): the weight K-major,
// the input laid out along its rows (the output points: w + kw reads
// consecutive elements for consecutive w), rows padded by 4 words.
// CONV-LABEL: func.func @conv
// CONV: %[[SW:.*]] = memref.alloca() : memref<3x32x40xf32, #gpu.address_space<workgroup>>
// CONV: %[[SX:.*]] = memref.alloca() : memref<3x32x52xf32, #gpu.address_space<workgroup>>
// CONV: nvgpu.device_async_copy %arg1[{{.*}}], %[[SW]][%c0, {{.*}}], 1, %{{.*}} :
// CONV: nvgpu.device_async_copy %arg0[{{.*}}], %[[SX]][%c0, {{.*}}], 1, %{{.*}} :
// CONV: scf.for
// CONV: nvvm.mma.sync
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
// BAD: mma-stages takes 0..8
// The default: 2 stages of 32 (measured faster than 3 or 4 of 16 on an
// H200), convolutions included under mma-shared=auto; each iteration waits
// until no group is pending (stages - 2 = 0) before its barrier.
// DEFAULT-LABEL: func.func @linear_global
// DEFAULT: memref.alloca() : memref<2x64x40xf32, #gpu.address_space<workgroup>>
// DEFAULT: nvvm.cp.async.wait.group 0
// DEFAULT-LABEL: func.func @conv
// DEFAULT: memref.alloca() : memref<2x32x40xf32, #gpu.address_space<workgroup>>
// DEFAULT: nvgpu.device_async_copy
