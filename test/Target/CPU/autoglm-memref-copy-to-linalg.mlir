// RUN: autoglm-opt %s --autoglm-memref-copy-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @strided_copy
func.func @strided_copy(%a: memref<4xf32, strided<[2]>>, %b: memref<4xf32>) {
  // CHECK-NOT: memref.copy
  // CHECK: linalg.copy ins(%{{.*}} : memref<4xf32, strided<[2]>>) outs(%{{.*}} : memref<4xf32>)
  memref.copy %a, %b : memref<4xf32, strided<[2]>> to memref<4xf32>
  return
}
