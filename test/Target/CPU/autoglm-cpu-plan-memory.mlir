// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-plan-memory | FileCheck %s

// %b (largest) goes first, at 0; %a is still read after %b is born, so it
// goes after it, at 512; %c is born after %a's last use and reuses 512.
// Arena 512 + 256 = 768 bytes, the liveness peak (%a and %b); the naive
// sum is 1024.
// CHECK-LABEL: module attributes {autoglm.arena_bytes = 768 : i64, autoglm.naive_temp_bytes = 1024 : i64, autoglm.peak_live_bytes = 768 : i64}
// CHECK: func.func @main(%[[X:.*]]: memref<64xf32>, %[[Y:.*]]: memref<64xf32>, %[[ARENA:.*]]: memref<768xi8>)
// CHECK-NOT: memref.alloc
// CHECK: memref.view %[[ARENA]][%c512][] : memref<768xi8> to memref<64xf32>
// CHECK: memref.view %[[ARENA]][%c0][] : memref<768xi8> to memref<128xf32>
// CHECK: memref.view %[[ARENA]][%c512_{{.*}}][] : memref<768xi8> to memref<64xf32>
func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
  %a = memref.alloc() : memref<64xf32>
  memref.copy %x, %a : memref<64xf32> to memref<64xf32>
  %b = memref.alloc() : memref<128xf32>
  %sa = memref.subview %b[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
  memref.copy %a, %sa : memref<64xf32> to memref<64xf32, strided<[1]>>
  %c = memref.alloc() : memref<64xf32>
  memref.copy %sa, %c : memref<64xf32, strided<[1]>> to memref<64xf32>
  memref.copy %c, %y : memref<64xf32> to memref<64xf32>
  return
}

// -----

// A use inside a loop keeps the temporary alive until the loop ends: %a and
// %b overlap (%a is read in the loop after %b is born).
// CHECK-LABEL: module attributes {autoglm.arena_bytes = 512 : i64, autoglm.naive_temp_bytes = 512 : i64, autoglm.peak_live_bytes = 512 : i64}
// CHECK: memref.view %{{.*}}[%c0{{.*}}][]
// CHECK: memref.view %{{.*}}[%c256][]
func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %a = memref.alloc() : memref<64xf32>
  memref.copy %x, %a : memref<64xf32> to memref<64xf32>
  %b = memref.alloc() : memref<64xf32>
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %a[%i] : memref<64xf32>
    memref.store %v, %b[%i] : memref<64xf32>
  }
  memref.copy %b, %y : memref<64xf32> to memref<64xf32>
  return
}

// -----

// Left alone: a returned buffer escapes, a dynamic one has no static size.
// CHECK-LABEL: module attributes {autoglm.arena_bytes = 0 : i64, autoglm.naive_temp_bytes = 0 : i64, autoglm.peak_live_bytes = 0 : i64}
// CHECK: func.func @main(%{{.*}}: index) -> memref<64xf32>
// CHECK: memref.alloc() : memref<64xf32>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
func.func @main(%n: index) -> memref<64xf32> {
  %a = memref.alloc() : memref<64xf32>
  %d = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %d : memref<?xf32>
  return %a : memref<64xf32>
}

// -----

// Temporaries in the body of a sequential loop at the top (the loop over an
// open batch) are planned too: %t's last use comes before %u is born, so
// they share offset 0; %a, from outside and read in the loop, stays live
// until the loop ends, so neither may overlap it (512). Arena 512 + 256;
// the naive sum is 256 + 512 + 512.
// CHECK-LABEL: module attributes {autoglm.arena_bytes = 768 : i64, autoglm.naive_temp_bytes = 1280 : i64, autoglm.peak_live_bytes = 768 : i64}
// CHECK: func.func @main(%{{.*}}: memref<64xf32>, %{{.*}}: memref<64xf32>, %[[ARENA:.*]]: memref<768xi8>)
// CHECK-NOT: memref.alloc
// CHECK: memref.view %[[ARENA]][%c512][] : memref<768xi8> to memref<64xf32>
// CHECK: scf.for
// CHECK: memref.view %[[ARENA]][%c0{{.*}}][] : memref<768xi8> to memref<128xf32>
// CHECK: memref.view %[[ARENA]][%c0{{.*}}][] : memref<768xi8> to memref<128xf32>
func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<64xf32>
  memref.copy %x, %a : memref<64xf32> to memref<64xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %t = memref.alloc() : memref<128xf32>
    %st = memref.subview %t[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
    memref.copy %a, %st : memref<64xf32> to memref<64xf32, strided<[1]>>
    memref.copy %st, %y : memref<64xf32, strided<[1]>> to memref<64xf32>
    %u = memref.alloc() : memref<128xf32>
    %su = memref.subview %u[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
    memref.copy %y, %su : memref<64xf32> to memref<64xf32, strided<[1]>>
    memref.copy %su, %y : memref<64xf32, strided<[1]>> to memref<64xf32>
  }
  return
}
