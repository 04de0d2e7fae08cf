// RUN: autoglm-opt %s --autoglm-gpu-prepare | FileCheck %s
// RUN: autoglm-opt %s --autoglm-gpu-prepare=func-name=mean | FileCheck %s --check-prefix=MEAN
// RUN: autoglm-opt %s --autoglm-gpu-prepare=func-name=checks | FileCheck %s --check-prefix=CHECKS
// RUN: not autoglm-opt %s --autoglm-gpu-prepare=func-name=nothere 2>&1 | FileCheck %s --check-prefix=NOFUNC
// NOFUNC: no model function 'nothere'

// One fill (CSE's doing) starts two row sums: each sum gets its own fill
// right before it, so neither needs a copy of a filled buffer.
// CHECK-LABEL: func.func @main
// CHECK-SAME: autoglm.gpu.signature = [2, 2]
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<4xf32>)
// CHECK-NEXT: linalg.generic {{.*}} ins(%arg0 : tensor<4x8xf32>) outs(%[[F1]] : tensor<4xf32>)
// CHECK: %[[F2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<4xf32>)
// CHECK-NEXT: linalg.generic {{.*}} ins(%arg1 : tensor<4x8xf32>) outs(%[[F2]] : tensor<4xf32>)
// CHECK-NOT: linalg.fill
// CHECK: return
#in = affine_map<(r, j) -> (r, j)>
#out = affine_map<(r, j) -> (r)>
func.func @main(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %a = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%f : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %b = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%y : tensor<4x8xf32>) outs(%f : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// A mean: the division by the count only maps the sum, so it writes into
// the sum (in place after bufferization: the reduction kernel's epilogue).
// A map that reads something else of the same shape keeps its own output.
// MEAN-LABEL: func.func @mean
// MEAN: %[[S:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// MEAN: linalg.generic {{.*}} ins(%[[S]] : tensor<4xf32>) outs(%[[S]] : tensor<4xf32>)
// MEAN: arith.divf
// MEAN: %[[E2:.*]] = tensor.empty() : tensor<4xf32>
// MEAN: linalg.generic {{.*}} ins(%arg1 : tensor<4xf32>) outs(%[[E2]] : tensor<4xf32>)
#id1 = affine_map<(r) -> (r)>
func.func @mean(%x: tensor<4x8xf32>, %z: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 8.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %s = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%f : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = arith.addf %acc, %v : f32
    linalg.yield %a : f32
  } -> tensor<4xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %m = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%s : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %d = arith.divf %v, %n : f32
    linalg.yield %d : f32
  } -> tensor<4xf32>
  %e2 = tensor.empty() : tensor<4xf32>
  %w = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%z : tensor<4xf32>) outs(%e2 : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %d = arith.divf %v, %n : f32
    linalg.yield %d : f32
  } -> tensor<4xf32>
  return %m, %w : tensor<4xf32>, tensor<4xf32>
}

// Two Gathers of the same indices (a decoder's rotary cos and sin tables
// read at position_ids): after CSE one index check, tested once per node.
// Only the first test stays: the second, past other kernels, would read on
// the host a flag computed on the device.
// CHECKS-LABEL: func.func @checks
// CHECKS: scf.if %[[C:.*]] {
// CHECKS-NEXT: memref.store %c2_i32
// CHECKS-NOT: scf.if
// CHECKS: return
func.func @checks(%flag: tensor<i1>, %x: tensor<4xf32>,
                  %status: memref<1xi32> {autoglm.status}) -> tensor<4xf32> {
  %true = arith.constant true
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : i32
  %c3 = arith.constant 3 : i32
  %ok = tensor.extract %flag[] : tensor<i1>
  %bad = arith.xori %ok, %true : i1
  scf.if %bad {
    memref.store %c2, %status[%c0] : memref<1xi32>
  }
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  scf.if %bad {
    memref.store %c3, %status[%c0] : memref<1xi32>
  }
  return %y : tensor<4xf32>
}
