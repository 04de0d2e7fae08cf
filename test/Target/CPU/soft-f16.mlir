// autoglm-cpu-soft-f16 leaves no f16 cast for LLVM to turn into a helper
// call: f16 -> f32 / f64 and f32 / f64 -> f16 become integer arithmetic on
// the bits (scalars and vectors); f64 -> f16 first goes to f32 rounded to
// odd. autoglm-cpu-expand-f64-to-f16 alone does only that first step.
// (test/Target/Embedded/f64-to-f16.test checks the values bit for bit.)
// RUN: autoglm-opt %s --pass-pipeline='builtin.module(autoglm-cpu-soft-f16)' | FileCheck %s
// RUN: autoglm-opt %s --pass-pipeline='builtin.module(autoglm-cpu-expand-f64-to-f16)' | FileCheck %s --check-prefix=ODD
// CHECK-LABEL: func.func @casts
// CHECK-NOT: arith.truncf {{.*}} to f16
// CHECK-NOT: arith.extf {{.*}} : f16
// CHECK: arith.bitcast {{.*}} : i16 to f16
// CHECK-NOT: arith.truncf {{.*}} to vector<4xf16>
// CHECK: return
// ODD-LABEL: func.func @casts
// ODD: arith.truncf %{{.*}} : f64 to f32
// ODD: arith.ori
// ODD: arith.truncf %{{.*}} : f32 to f16
// ODD: arith.extf %{{.*}} : f16 to f32
func.func @casts(%a: f32, %b: f64, %c: f16, %v: vector<4xf32>) -> (f16, f16, f32, f64, vector<4xf16>) {
  %0 = arith.truncf %a : f32 to f16
  %1 = arith.truncf %b : f64 to f16
  %2 = arith.extf %c : f16 to f32
  %3 = arith.extf %c : f16 to f64
  %4 = arith.truncf %v : vector<4xf32> to vector<4xf16>
  return %0, %1, %2, %3, %4 : f16, f16, f32, f64, vector<4xf16>
}
