// RUN: autoglm-opt %s --autoglm-gpu-map-loops=block-size=128 --split-input-file | FileCheck %s

// A 2-D parallel loop becomes one linear dim tiled by the block size: the
// tiles are blocks, the points threads, and the last tile is guarded (300
// points: 3 blocks of 128, the last one partly idle).
// (The pass leaves folding to the canonicalizer that follows it.)
// CHECK-LABEL: func.func @elementwise
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[C100:.*]] = arith.constant 100 : index
// CHECK: %[[M:.*]] = arith.muli %{{.*}}, %[[C3]]
// CHECK: %[[N:.*]] = arith.muli %[[M]], %[[C100]]
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %[[C128]]
// CHECK: scf.parallel (%[[B:.*]]) = (%{{.*}}) to (%[[N]]) step (%[[STEP]])
// CHECK: scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[STEP]])
// CHECK: %[[I:.*]] = arith.addi %[[T]], %[[B]]
// CHECK: arith.cmpi ult, %{{.*}}, %[[N]]
// CHECK: scf.if
// CHECK: arith.remsi %[[I]], %[[C100]]
// CHECK: arith.divsi %[[I]], %[[C100]]
// CHECK: memref.load
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_x
func.func @elementwise(%a: memref<3x100xf32>, %b: memref<3x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c100 = arith.constant 100 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c100) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<3x100xf32>
    %y = arith.addf %x, %x : f32
    memref.store %y, %b[%i, %j] : memref<3x100xf32>
    scf.reduce
  }
  return
}

// -----

// Fewer points than a block: the block shrinks to the next multiple of 32.
// A parallel loop nested in a reduction loop runs as scf.for in its thread.
// CHECK-LABEL: func.func @small
// CHECK-DAG: %[[C40:.*]] = arith.constant 40 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %[[C64]]
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%[[C40]]) step (%[[STEP]])
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%[[STEP]])
// CHECK: scf.for
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK: memref.store
func.func @small(%a: memref<40x8xf32>, %b: memref<40x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c40 = arith.constant 40 : index
  scf.parallel (%i) = (%c0) to (%c40) step (%c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
        %x = memref.load %a[%i, %j] : memref<40x8xf32>
        memref.store %x, %b[%i, %k] : memref<40x8xf32>
        scf.reduce
      }
    }
    scf.reduce
  }
  return
}

// -----

// A rank-0 computation on the host is wrapped in a one-point loop, so that
// it becomes a one-thread kernel.
// CHECK-LABEL: func.func @scalar
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %[[C32]]
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%[[C1]]) step (%[[STEP]])
// CHECK: scf.parallel
// CHECK: memref.load
// CHECK: arith.mulf
// CHECK: memref.store
// CHECK: return
func.func @scalar(%a: memref<f32>, %b: memref<f32>) {
  %x = memref.load %a[] : memref<f32>
  %y = arith.mulf %x, %x : f32
  memref.store %y, %b[] : memref<f32>
  return
}
