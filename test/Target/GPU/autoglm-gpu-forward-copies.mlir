// RUN: autoglm-opt %s --split-input-file --autoglm-gpu-forward-copies | FileCheck %s

// The decode step's Concat: the new key, transposed into a temporary, then
// copied after the past keys into the cache. The transpose writes the
// cache's last row itself; the past keys' copy in between writes other rows
// of the cache (disjoint subviews), so it may stay between. The buffer is
// reused after the copy (overwritten by a fill): forwarding is still safe,
// and the fill, copied to %out, writes %out itself.
// CHECK-LABEL: func.func @main
// CHECK: %[[ROW:.*]] = memref.subview %arg2[0, 0, 3, 0] [1, 2, 1, 8] [1, 1, 1, 1]
// CHECK-NEXT: linalg.transpose ins(%arg0 : memref<1x1x2x8xf32>) outs(%[[ROW]] : {{.*}}) permutation = [0, 2, 1, 3]
// CHECK: memref.copy %arg1, %{{.*}} : memref<1x2x3x8xf32> to
// CHECK-NOT: memref.copy
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg3 : memref<1x2x1x8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @main(%k: memref<1x1x2x8xf32>, %past: memref<1x2x3x8xf32>, %cache: memref<1x2x4x8xf32>, %out: memref<1x2x1x8xf32>) {
  %t = memref.alloc() : memref<1x2x1x8xf32>
  linalg.transpose ins(%k : memref<1x1x2x8xf32>) outs(%t : memref<1x2x1x8xf32>) permutation = [0, 2, 1, 3]
  %p = memref.subview %cache[0, 0, 0, 0] [1, 2, 3, 8] [1, 1, 1, 1] : memref<1x2x4x8xf32> to memref<1x2x3x8xf32, strided<[64, 32, 8, 1]>>
  memref.copy %past, %p : memref<1x2x3x8xf32> to memref<1x2x3x8xf32, strided<[64, 32, 8, 1]>>
  %row = memref.subview %cache[0, 0, 3, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x4x8xf32> to memref<1x2x1x8xf32, strided<[64, 32, 8, 1], offset: 24>>
  memref.copy %t, %row : memref<1x2x1x8xf32> to memref<1x2x1x8xf32, strided<[64, 32, 8, 1], offset: 24>>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%t : memref<1x2x1x8xf32>)
  memref.copy %t, %out : memref<1x2x1x8xf32> to memref<1x2x1x8xf32>
  return
}

// -----

// Left alone: an op in between reads the target's rows (here the whole
// cache), so the transpose may not write them earlier; and a temporary read
// after the copy by an op that does not overwrite it first (a second copy).
// CHECK-LABEL: func.func @main
// CHECK: linalg.transpose ins(%arg0 : memref<1x1x2x8xf32>) outs(%[[T:.*]] : memref<1x2x1x8xf32>)
// CHECK: memref.copy %[[T]]
// CHECK: linalg.transpose ins(%arg0 : memref<1x1x2x8xf32>) outs(%[[U:.*]] : memref<1x2x1x8xf32>)
// CHECK: memref.copy %[[U]]
func.func @main(%k: memref<1x1x2x8xf32>, %cache: memref<1x2x4x8xf32>, %sum: memref<1x2x4x8xf32>, %out: memref<1x2x1x8xf32>, %out2: memref<1x2x1x8xf32>) {
  %t = memref.alloc() : memref<1x2x1x8xf32>
  linalg.transpose ins(%k : memref<1x1x2x8xf32>) outs(%t : memref<1x2x1x8xf32>) permutation = [0, 2, 1, 3]
  memref.copy %cache, %sum : memref<1x2x4x8xf32> to memref<1x2x4x8xf32>
  %row = memref.subview %cache[0, 0, 3, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x4x8xf32> to memref<1x2x1x8xf32, strided<[64, 32, 8, 1], offset: 24>>
  memref.copy %t, %row : memref<1x2x1x8xf32> to memref<1x2x1x8xf32, strided<[64, 32, 8, 1], offset: 24>>
  %u = memref.alloc() : memref<1x2x1x8xf32>
  linalg.transpose ins(%k : memref<1x1x2x8xf32>) outs(%u : memref<1x2x1x8xf32>) permutation = [0, 2, 1, 3]
  memref.copy %u, %out : memref<1x2x1x8xf32> to memref<1x2x1x8xf32>
  memref.copy %u, %out2 : memref<1x2x1x8xf32> to memref<1x2x1x8xf32>
  return
}
