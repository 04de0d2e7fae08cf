// RUN: autoglm-opt %s --autoglm-gpu-merge-kernel-modules | FileCheck %s

// Every outlined kernel moves into one module, named after its old module;
// the launches follow.
// CHECK: gpu.module @autoglm_kernels
// CHECK-DAG: gpu.func @k_a(
// CHECK-DAG: gpu.func @k_b(
// CHECK-NOT: gpu.module
// CHECK: gpu.launch_func @autoglm_kernels::@k_a
// CHECK: gpu.launch_func @autoglm_kernels::@k_b
module attributes {gpu.container_module} {
  gpu.module @k_a {
    gpu.func @main_kernel(%arg0: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @k_b {
    gpu.func @main_kernel(%arg0: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @main(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k_a::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    gpu.launch_func @k_b::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
}
