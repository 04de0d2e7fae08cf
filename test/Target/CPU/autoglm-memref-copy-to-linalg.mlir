// RUN: autoglm-opt %s --split-input-file --autoglm-memref-copy-to-linalg | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --autoglm-memref-copy-to-linalg=keep-contiguous=1 | FileCheck %s --check-prefix=KEEP

// CHECK-LABEL: func.func @strided_copy
// KEEP-LABEL: func.func @strided_copy
func.func @strided_copy(%a: memref<4xf32, strided<[2]>>, %b: memref<4xf32>) {
  // CHECK-NOT: memref.copy
  // CHECK: linalg.copy ins(%{{.*}} : memref<4xf32, strided<[2]>>) outs(%{{.*}} : memref<4xf32>)
  // KEEP-NOT: memref.copy
  // KEEP: linalg.copy ins(%{{.*}} : memref<4xf32, strided<[2]>>) outs(%{{.*}} : memref<4xf32>)
  memref.copy %a, %b : memref<4xf32, strided<[2]>> to memref<4xf32>
  return
}

// -----

// Both sides contiguous and static: with keep-contiguous the copy stays
// (the LLVM lowering makes it one memcpy); a contiguous window of rows
// (a subview at an offset) is contiguous too. An open extent is not kept.
// CHECK-LABEL: func.func @contiguous_copy
// CHECK-COUNT-3: linalg.copy
// KEEP-LABEL: func.func @contiguous_copy
// KEEP: memref.copy %{{.*}}, %{{.*}} : memref<1x64x55x55xf32> to memref<1x64x55x55xf32>
// KEEP: memref.copy %{{.*}}, %{{.*}} : memref<2x55xf32, strided<[55, 1], offset: 110>> to memref<2x55xf32>
// KEEP: linalg.copy ins(%{{.*}} : memref<?x4xf32>)
func.func @contiguous_copy(%a: memref<1x64x55x55xf32>, %b: memref<1x64x55x55xf32>, %c: memref<8x55xf32>, %d: memref<2x55xf32>, %e: memref<?x4xf32>, %f: memref<?x4xf32>) {
  memref.copy %a, %b : memref<1x64x55x55xf32> to memref<1x64x55x55xf32>
  %s = memref.subview %c[2, 0] [2, 55] [1, 1] : memref<8x55xf32> to memref<2x55xf32, strided<[55, 1], offset: 110>>
  memref.copy %s, %d : memref<2x55xf32, strided<[55, 1], offset: 110>> to memref<2x55xf32>
  memref.copy %e, %f : memref<?x4xf32> to memref<?x4xf32>
  return
}
