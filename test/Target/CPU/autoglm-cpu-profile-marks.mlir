// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-profile-marks --verify-diagnostics | FileCheck %s

// Each op that does work starts a region named by the ONNX nodes in its
// location, unless it computes the same nodes as the op before it; views
// and constants mark nothing. The end mark (the region count) goes before
// the return, and the names into the module's autoglm.profile.
// CHECK: module attributes {autoglm.profile = ["conv1 + relu1", "pool1", "(unnamed)"]}
// CHECK: func.func private @__autoglm_profile_mark(i32)
// CHECK-LABEL: func.func @main
// CHECK: %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT: call @__autoglm_profile_mark(%[[C0]])
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: linalg.generic
// CHECK: memref.subview
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-NEXT: call @__autoglm_profile_mark(%[[C1]])
// CHECK-NEXT: linalg.copy
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : i32
// CHECK-NEXT: call @__autoglm_profile_mark(%[[C2]])
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: %[[C3:.*]] = arith.constant 3 : i32
// CHECK-NEXT: call @__autoglm_profile_mark(%[[C3]])
// CHECK-NEXT: return
func.func @main(%a: memref<16xf32>, %b: memref<16xf32>, %c: memref<8xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%b : memref<16xf32>) loc(fused["conv1", "relu1"])
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%a : memref<16xf32>) outs(%b : memref<16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.maximumf %x, %y : f32
    linalg.yield %m : f32
  } loc(fused["conv1", "relu1"])
  %v = memref.subview %b[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>> loc("pool1")
  linalg.copy ins(%v : memref<8xf32, strided<[1]>>) outs(%c : memref<8xf32>) loc("pool1")
  linalg.fill ins(%z : f32) outs(%a : memref<16xf32>)
  return
}

// -----

// expected-error @+1 {{--profile: no model function 'main'}}
module {
  func.func @other() {
    return
  }
}
