// RUN: autoglm-opt %s --convert-autoglm-to-linalg=gpu-cache-attention | FileCheck %s

// The GPU form of attention over the paged cache (docs/llm.md, "On the
// GPU"): static extents (the decoder's static entry), a thread per element.
// First a parallel loop over (row, token, kv head, dim) stores each new key
// and value element at the block the table names, only where that entry
// names a block of the pool (a padding row's -1 writes nothing); then one
// linalg.generic over the output's (row, head, token, dim), each element
// with its own pass over its row's positions 0 .. p + s: a dot product over
// the head dim, the online softmax (running max and sum), and the weighted
// value of its own dim.
// CHECK-LABEL: func.func @main
// CHECK: %[[KC:.*]] = bufferization.to_buffer %{{.*}} : tensor<15x2x8x16xf32> to memref<15x2x8x16xf32>
// CHECK: %[[VC:.*]] = bufferization.to_buffer %{{.*}} : tensor<15x2x8x16xf32> to memref<15x2x8x16xf32>
// CHECK: scf.parallel ({{.*}}) = (%c0, %c0, %c0, %c0) to (%c4, %c3, %c2, %c16)
// CHECK: tensor.extract %{{.*}} : tensor<4x5xi32>
// CHECK: %[[GE:.*]] = arith.cmpi sge
// CHECK: %[[LT:.*]] = arith.cmpi slt, %{{.*}}, %c15
// CHECK: %[[OK:.*]] = arith.andi %[[GE]], %[[LT]]
// CHECK: scf.if %[[OK]]
// CHECK: memref.store %{{.*}}, %[[KC]]
// CHECK: memref.store %{{.*}}, %[[VC]]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x4x3x16xf32>)
// CHECK: %[[H:.*]] = linalg.index 1
// CHECK: arith.divui %[[H]], %c2
// The caches are read through flat views: a load of the to_buffer result
// would fold to a tensor.extract of the cache tensor, which may be read
// before the writes above.
// CHECK: %[[KF:.*]] = memref.collapse_shape %[[KC]] {{\[\[}}0, 1, 2, 3]] : memref<15x2x8x16xf32> into memref<3840xf32>
// CHECK: %[[VF:.*]] = memref.collapse_shape %[[VC]]
// CHECK: scf.for {{.*}} -> (f32, f32, f32)
// CHECK: scf.for {{.*}} -> (f32)
// CHECK: memref.load %[[KF]]
// CHECK: math.fma
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.exp
// CHECK: memref.load %[[VF]]
// CHECK: arith.divf
// CHECK: linalg.yield
module {
  func.func @main(%q: tensor<4x4x3x16xf32>, %k: tensor<4x2x3x16xf32>, %v: tensor<4x2x3x16xf32>,
                  %pos: tensor<4xi64>, %table: tensor<4x5xi32>,
                  %kc: tensor<15x2x8x16xf32>, %vc: tensor<15x2x8x16xf32>) -> tensor<4x4x3x16xf32> {
    %o = autoglm.cached_attention %q, %k, %v, %kc, %vc, %pos, %table {scale = 2.500000e-01 : f64} : (tensor<4x4x3x16xf32>, tensor<4x2x3x16xf32>, tensor<4x2x3x16xf32>, tensor<15x2x8x16xf32>, tensor<15x2x8x16xf32>, tensor<4xi64>, tensor<4x5xi32>) -> tensor<4x4x3x16xf32>
    return %o : tensor<4x4x3x16xf32>
  }
}
