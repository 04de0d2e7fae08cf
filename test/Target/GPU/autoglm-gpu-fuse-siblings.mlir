// RUN: autoglm-opt %s --split-input-file --autoglm-gpu-fuse-siblings | FileCheck %s

// The decode step's key and value transposes (into two caches) and the two
// past copies: two kernels where there were four. The copies' targets are
// other rows of the caches than the transposes' (disjoint subviews), so the
// value transpose may move above the key's past copy.
// CHECK-LABEL: func.func @main
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %arg1 : memref<1x1x2x8xf32>, memref<1x1x2x8xf32>) outs(%{{.*}}, %{{.*}} : memref<1x2x1x8xf32, {{.*}}>, memref<1x2x1x8xf32, {{.*}}>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[A]], %[[B]] : f32, f32
// CHECK: linalg.generic {{.*}} ins(%arg2, %arg3 : memref<1x2x3x8xf32>, memref<1x2x3x8xf32>)
// CHECK-NOT: linalg.{{transpose|copy}}
// CHECK: return
func.func @main(%k: memref<1x1x2x8xf32>, %v: memref<1x1x2x8xf32>, %pk: memref<1x2x3x8xf32>, %pv: memref<1x2x3x8xf32>, %kc: memref<1x2x4x8xf32>, %vc: memref<1x2x4x8xf32>) {
  %kr = memref.subview %kc[0, 0, 3, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x4x8xf32> to memref<1x2x1x8xf32, strided<[64, 32, 8, 1], offset: 24>>
  linalg.transpose ins(%k : memref<1x1x2x8xf32>) outs(%kr : memref<1x2x1x8xf32, strided<[64, 32, 8, 1], offset: 24>>) permutation = [0, 2, 1, 3]
  %kp = memref.subview %kc[0, 0, 0, 0] [1, 2, 3, 8] [1, 1, 1, 1] : memref<1x2x4x8xf32> to memref<1x2x3x8xf32, strided<[64, 32, 8, 1]>>
  linalg.copy ins(%pk : memref<1x2x3x8xf32>) outs(%kp : memref<1x2x3x8xf32, strided<[64, 32, 8, 1]>>)
  %vr = memref.subview %vc[0, 0, 3, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x4x8xf32> to memref<1x2x1x8xf32, strided<[64, 32, 8, 1], offset: 24>>
  linalg.transpose ins(%v : memref<1x1x2x8xf32>) outs(%vr : memref<1x2x1x8xf32, strided<[64, 32, 8, 1], offset: 24>>) permutation = [0, 2, 1, 3]
  %vp = memref.subview %vc[0, 0, 0, 0] [1, 2, 3, 8] [1, 1, 1, 1] : memref<1x2x4x8xf32> to memref<1x2x3x8xf32, strided<[64, 32, 8, 1]>>
  linalg.copy ins(%pv : memref<1x2x3x8xf32>) outs(%vp : memref<1x2x3x8xf32, strided<[64, 32, 8, 1]>>)
  return
}

// -----

// Left apart: the second reads what the first writes (a chain, not
// siblings); the third writes what an op in between reads; the fourth has
// other extents.
// CHECK-LABEL: func.func @main
// CHECK-COUNT-4: linalg.{{fill|copy}}
// CHECK-NOT: linalg.generic
func.func @main(%x: memref<16xf32>, %t: memref<16xf32>, %u: memref<16xf32>, %w: memref<16xf32>, %y: memref<8xf32>) {
  %c = arith.constant 1.0 : f32
  linalg.fill ins(%c : f32) outs(%t : memref<16xf32>)
  linalg.copy ins(%t : memref<16xf32>) outs(%u : memref<16xf32>)
  linalg.copy ins(%x : memref<16xf32>) outs(%t : memref<16xf32>)
  linalg.fill ins(%c : f32) outs(%y : memref<8xf32>)
  return
}

// -----

// Arena views: byte ranges decide. Two fills of disjoint ranges of one
// arena merge; a copy reading the first's bytes does not join it.
// CHECK-LABEL: func.func @main
// CHECK: linalg.generic {{.*}} outs(%[[A:.*]], %[[B:.*]] : memref<16xf32>, memref<16xf32>)
// CHECK: linalg.copy ins(%[[A]]
func.func @main(%arena: memref<256xi8>, %y: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c = arith.constant 1.0 : f32
  %a = memref.view %arena[%c0][] : memref<256xi8> to memref<16xf32>
  %b = memref.view %arena[%c64][] : memref<256xi8> to memref<16xf32>
  linalg.fill ins(%c : f32) outs(%a : memref<16xf32>)
  linalg.fill ins(%c : f32) outs(%b : memref<16xf32>)
  linalg.copy ins(%a : memref<16xf32>) outs(%y : memref<16xf32>)
  return
}
