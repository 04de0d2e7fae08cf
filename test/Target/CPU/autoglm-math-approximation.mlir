// RUN: autoglm-opt %s --autoglm-math-approximation | FileCheck %s

// Transcendentals become polynomial code: no math op (and so no libm call)
// is left for these.
// CHECK-LABEL: func.func @transcendentals
func.func @transcendentals(%x: f32) -> (f32, f32, f32, f32, f32) {
  // CHECK-NOT: math.exp
  // CHECK-NOT: math.tanh
  // CHECK-NOT: math.erf
  // CHECK-NOT: math.log
  // CHECK-NOT: math.powf
  // CHECK: return
  %0 = math.exp %x : f32
  %1 = math.tanh %x : f32
  %2 = math.erf %x : f32
  %3 = math.log %x : f32
  %4 = math.powf %x, %x : f32
  return %0, %1, %2, %3, %4 : f32, f32, f32, f32, f32
}
