// RUN: autoglm-opt %s --autoglm-gpu-merge-kernel-modules | FileCheck %s

// Every outlined kernel moves into one module, named after its old module;
// the launches follow.
// Shared memory a kernel allocates becomes a workgroup attribution of its
// gpu.func (static shared memory).
// CHECK: gpu.module @autoglm_kernels
// CHECK-DAG: gpu.func @k_a({{.*}}) workgroup(%[[W:.*]] : memref<8x20xi32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel
// CHECK-NOT: memref.alloca
// CHECK-DAG: memref.store %{{.*}}, %[[W]]
// CHECK-DAG: gpu.func @k_b(
// CHECK-NOT: gpu.module
// CHECK: gpu.launch_func @autoglm_kernels::@k_a
// CHECK: gpu.launch_func @autoglm_kernels::@k_b
module attributes {gpu.container_module} {
  gpu.module @k_a {
    gpu.func @main_kernel(%arg0: memref<4xf32>) kernel {
      %s = memref.alloca() : memref<8x20xi32, #gpu.address_space<workgroup>>
      %c0 = arith.constant 0 : index
      %v = arith.constant 7 : i32
      memref.store %v, %s[%c0, %c0] : memref<8x20xi32, #gpu.address_space<workgroup>>
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
