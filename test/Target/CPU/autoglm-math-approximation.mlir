// RUN: autoglm-opt %s --autoglm-math-approximation | FileCheck %s
// RUN: autoglm-opt %s --autoglm-math-approximation=native-rounding | FileCheck %s --check-prefix=NATIVE

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

// Rounding: expanded into integer code by default (no libm call on any
// target); with native-rounding (x86 SSE4.1, AArch64: one instruction)
// roundeven and ceil stay for LLVM.
// CHECK-LABEL: func.func @rounding
// CHECK-NOT: math.roundeven
// CHECK-NOT: math.ceil
// CHECK: return
// NATIVE-LABEL: func.func @rounding
// NATIVE: math.roundeven %{{.*}} : vector<16xf32>
// NATIVE: math.ceil %{{.*}} : f32
// NATIVE-NOT: math.round %
func.func @rounding(%v: vector<16xf32>, %x: f32) -> (vector<16xf32>, f32, f32) {
  %0 = math.roundeven %v : vector<16xf32>
  %1 = math.ceil %x : f32
  %2 = math.round %x : f32
  return %0, %1, %2 : vector<16xf32>, f32, f32
}
