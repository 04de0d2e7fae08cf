// RUN: not autoglm-opt %s --split-input-file --allow-unregistered-dialect --autoglm-cpu-external-weights="min-bytes=64" 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=ERR < %t.err

// Two large constants go to one trailing argument, 64-byte aligned in the
// order the module declares them (@w1 takes 4 x 20 = 80 bytes at 0, @w2
// starts at 128); the small one, the splat and the mutable global stay.
// CHECK-LABEL: module attributes
// CHECK-SAME: autoglm.external_weights = [{name = "w1", offset = 0 : i64, value = dense<{{\[\[}}1.000000e+00, 2.0
// CHECK-SAME: {name = "w2", offset = 128 : i64, value = dense<[0.000000e+00, 1.0
// CHECK-NOT: name = "w3"
// CHECK-SAME: autoglm.external_weights_bytes = 384 : i64
// CHECK-NOT: memref.global "private" constant @w1
// CHECK-NOT: memref.global "private" constant @w2
// CHECK-NOT: memref.global "private" constant @w3
// CHECK-DAG: memref.global "private" constant @small : memref<4xf32>
// CHECK-DAG: memref.global "private" constant @splat : memref<64xf32>
// CHECK-DAG: memref.global "private" @state : memref<64xf32>
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[ARENA:[a-z0-9]+]]: memref<16xi8>, %[[W:[a-z0-9]+]]: memref<384xi8>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[W]][%[[C0]]][] : memref<384xi8> to memref<4x5xf32>
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: memref.view %[[W]][%[[C128]]][] : memref<384xi8> to memref<64xf32>
// CHECK: memref.get_global @small
// CHECK: memref.get_global @splat
// @w3 holds @w1's bytes as another shape: it shares @w1's range.
// CHECK: %[[C0B:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[W]][%[[C0B]]][] : memref<384xi8> to memref<20xf32>
memref.global "private" constant @w1 : memref<4x5xf32> = dense<[[1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0], [11.0, 12.0, 13.0, 14.0, 15.0], [16.0, 17.0, 18.0, 19.0, 20.0]]>
memref.global "private" constant @small : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
memref.global "private" constant @splat : memref<64xf32> = dense<1.0>
memref.global "private" @state : memref<64xf32> = dense<0.0>
memref.global "private" constant @w3 : memref<20xf32> = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0]>
memref.global "private" constant @w2 : memref<64xf32> = dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0]>
func.func @main(%x: memref<4xf32>, %arena: memref<16xi8>) {
  %a = memref.get_global @w1 : memref<4x5xf32>
  %b = memref.get_global @w2 : memref<64xf32>
  %c = memref.get_global @small : memref<4xf32>
  %d = memref.get_global @splat : memref<64xf32>
  %e = memref.get_global @state : memref<64xf32>
  %f = memref.get_global @w3 : memref<20xf32>
  "test.use"(%a, %b, %c, %d, %e, %f) : (memref<4x5xf32>, memref<64xf32>, memref<4xf32>, memref<64xf32>, memref<64xf32>, memref<20xf32>) -> ()
  return
}

// -----

// A constant another function reads stays in the library; with nothing to
// move, the model function keeps its signature and the module records
// nothing.
// CHECK-NOT: autoglm.external_weights
// CHECK: memref.global "private" constant @shared
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%{{.*}}: memref<4xf32>)
// CHECK: memref.get_global @shared
memref.global "private" constant @shared : memref<64xf32> = dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0]>
func.func @main(%x: memref<4xf32>) {
  %a = memref.get_global @shared : memref<64xf32>
  "test.use"(%a) : (memref<64xf32>) -> ()
  return
}
func.func @helper() {
  %a = memref.get_global @shared : memref<64xf32>
  "test.use"(%a) : (memref<64xf32>) -> ()
  return
}

// -----

// ERR: error: no model function 'main'
func.func @other() {
  return
}
