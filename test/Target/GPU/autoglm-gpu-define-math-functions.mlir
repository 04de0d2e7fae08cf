// RUN: autoglm-opt %s --pass-pipeline='builtin.module(gpu.module(autoglm-gpu-define-math-functions))' | FileCheck %s

// libdevice declarations with a PTX instruction get internal bodies made of
// the LLVM intrinsic; the f32 name is the f64 one with an "f".
// CHECK-LABEL: llvm.func internal @__nv_floorf(%{{.*}}: f32) -> f32
// CHECK: llvm.intr.floor
// CHECK-LABEL: llvm.func internal @__nv_sqrt(%{{.*}}: f64) -> f64
// CHECK: llvm.intr.sqrt
// CHECK-LABEL: llvm.func internal @__nv_fmaf(
// CHECK: llvm.intr.fma
// A transcendental stays external: the artifact writer refuses it.
// CHECK: llvm.func @__nv_expf(f32) -> f32
module attributes {gpu.container_module} {
  gpu.module @m {
    llvm.func @__nv_floorf(f32) -> f32
    llvm.func @__nv_sqrt(f64) -> f64
    llvm.func @__nv_fmaf(f32, f32, f32) -> f32
    llvm.func @__nv_expf(f32) -> f32
  }
}
