// RUN: autoglm-opt %s --split-input-file --autoglm-results-in-place | FileCheck %s

// A result that reshapes an alloc (a linear layer's 2-D output returned as
// the model's 3-D one): the returned value becomes an alloc of the result's
// type, which buffer-results-to-out-params then makes the out-parameter;
// the old alloc is a view of it.
// CHECK-LABEL: func.func @main
// CHECK: %[[W:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x8xf32>
// CHECK: %[[V:.*]] = memref.collapse_shape %[[W]] {{\[}}[0, 1], [2]] : memref<1x2x8xf32> into memref<2x8xf32>
// CHECK: memref.copy %{{.*}}, %[[V]]
// CHECK: return %[[W]] : memref<1x2x8xf32>
func.func @main(%x: memref<2x8xf32>) -> memref<1x2x8xf32> {
  %a = memref.alloc() {alignment = 64 : i64} : memref<2x8xf32>
  memref.copy %x, %a : memref<2x8xf32> to memref<2x8xf32>
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [1, 2, 8] : memref<2x8xf32> into memref<1x2x8xf32>
  return %e : memref<1x2x8xf32>
}

// -----

// A collapse the other way: the alloc becomes an expand_shape of the new one.
// CHECK-LABEL: func.func @main
// CHECK: %[[W:.*]] = memref.alloc() : memref<16xf32>
// CHECK: %[[V:.*]] = memref.expand_shape %[[W]] {{\[}}[0, 1]] output_shape [2, 8] : memref<16xf32> into memref<2x8xf32>
// CHECK: memref.copy %{{.*}}, %[[V]]
// CHECK: return %[[W]] : memref<16xf32>
func.func @main(%x: memref<2x8xf32>) -> memref<16xf32> {
  %a = memref.alloc() : memref<2x8xf32>
  memref.copy %x, %a : memref<2x8xf32> to memref<2x8xf32>
  %c = memref.collapse_shape %a [[0, 1]] : memref<2x8xf32> into memref<16xf32>
  return %c : memref<16xf32>
}

// -----

// A chain of reshapes (a blocked linear output flattened, then viewed as
// the model's shape): undone in turn.
// CHECK-LABEL: func.func @main
// CHECK: %[[W:.*]] = memref.alloc() : memref<1x4x16xf32>
// CHECK: %[[F:.*]] = memref.collapse_shape %[[W]] {{\[}}[0, 1, 2]] : memref<1x4x16xf32> into memref<64xf32>
// CHECK: %[[V:.*]] = memref.expand_shape %[[F]] {{\[}}[0, 1, 2]] output_shape [4, 2, 8] : memref<64xf32> into memref<4x2x8xf32>
// CHECK: memref.copy %{{.*}}, %[[V]]
// CHECK: return %[[W]] : memref<1x4x16xf32>
func.func @main(%x: memref<4x2x8xf32>) -> memref<1x4x16xf32> {
  %a = memref.alloc() : memref<4x2x8xf32>
  memref.copy %x, %a : memref<4x2x8xf32> to memref<4x2x8xf32>
  %c = memref.collapse_shape %a [[0, 1, 2]] : memref<4x2x8xf32> into memref<64xf32>
  %e = memref.expand_shape %c [[0, 1, 2]] output_shape [1, 4, 16] : memref<64xf32> into memref<1x4x16xf32>
  return %e : memref<1x4x16xf32>
}

// -----

// One alloc returned twice (two graph outputs naming one tensor): the second
// occurrence is a copy into its own alloc (hoisting would otherwise erase
// the alloc at the first and read it at the second).
// CHECK-LABEL: func.func @main
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: memref.copy %[[A]], %[[B]]
// CHECK-NEXT: return %[[A]], %[[B]] : memref<4xf32>, memref<4xf32>
func.func @main(%x: memref<4xf32>) -> (memref<4xf32>, memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  memref.copy %x, %a : memref<4xf32> to memref<4xf32>
  return %a, %a : memref<4xf32>, memref<4xf32>
}

// -----

// Left alone: a function argument returned, and a reshape of one.
// CHECK-LABEL: func.func @main
// CHECK-NOT: memref.alloc
// CHECK: return %arg0, %{{.*}} : memref<2x8xf32>, memref<16xf32>
func.func @main(%x: memref<2x8xf32>) -> (memref<2x8xf32>, memref<16xf32>) {
  %c = memref.collapse_shape %x [[0, 1]] : memref<2x8xf32> into memref<16xf32>
  return %x, %c : memref<2x8xf32>, memref<16xf32>
}
