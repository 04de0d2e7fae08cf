// RUN: autoglm-opt %s --split-input-file "--convert-autoglm-to-linalg=sparse-density=0.5 sparse-int8-dot=avx512-vnni" \
// RUN:   --autoglm-fuse-elementwise --autoglm-expand-sparse-kernels | FileCheck %s
// RUN: autoglm-opt %s --split-input-file "--convert-autoglm-to-linalg=sparse-density=0.5" \
// RUN:   --autoglm-fuse-elementwise --autoglm-expand-sparse-kernels | FileCheck %s --check-prefix=OFF
// The conversion alone leaves a placeholder call that the expansion pass
// replaces (with the elementwise consumer known).
// RUN: autoglm-opt %s --split-input-file "--convert-autoglm-to-linalg=sparse-density=0.5 sparse-int8-dot=avx512-vnni" \
// RUN:   | FileCheck %s --check-prefix=CALL
// CALL-LABEL: func.func @sparse_int8
// CALL: call @__autoglm_sparse_int8_0({{.*}}) : (tensor<10x12xi8>, tensor<2xi32>, tensor<1xi32>, tensor<1x64xi8>) -> tensor<10x16xi32>
// CALL: func.func private @__autoglm_sparse_int8_0

// An 8-bit linear (uint8 x, int8 weight [16, 10] into int32) whose weight is
// nonzero only at inputs 4 .. 7: one of its three 16x4 blocks (inputs in
// quads, the last one padded with zeros). Compressed at compile time (ptr:
// one group holding block 0; idx: its quad 1; val: its 16 x 4 bytes) and
// run over that block only: x's rows padded to 12 bytes, 8-row tiles of
// 16 int32 lanes, per row the 4 bytes broadcast and one vpdpbusd, then the
// remaining 2 rows one at a time.
// CHECK-LABEL: func.func @sparse_int8
// CHECK-DAG: tensor.insert_slice {{.*}} : tensor<10x10xi8> into tensor<10x12xi8>
// CHECK-DAG: %[[PTR:.*]] = arith.constant dense_resource<sparse_weight_ptr> : tensor<2xi32>
// CHECK-DAG: %[[IDX:.*]] = arith.constant dense_resource<sparse_weight_idx> : tensor<1xi32>
// CHECK-DAG: %[[VAL:.*]] = arith.constant dense_resource<sparse_weight> : tensor<1x64xi8>
// CHECK: scf.for {{.*}} -> (tensor<10x16xi32>)
// CHECK: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK: tensor.extract %[[IDX]]
// CHECK: vector.transfer_read %[[VAL]]
// CHECK-COUNT-8: func.call @__autoglm_intrinsic.llvm.x86.avx512.vpdpbusd.512
// CHECK-COUNT-8: vector.transfer_write {{.*}} : vector<16xi32>, tensor<10x16xi32>
// CHECK: scf.for {{.*}} -> (vector<16xi32>)
// CHECK: func.call @__autoglm_intrinsic.llvm.x86.avx512.vpdpbusd.512
// CHECK-NOT: __autoglm_sparse_int8
// CHECK: func.func private @__autoglm_intrinsic.llvm.x86.avx512.vpdpbusd.512(vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// Without the dot instruction: the dense dot4 form.
// OFF-LABEL: func.func @sparse_int8
// OFF-NOT: vpdpbusd
// OFF: linalg.generic
func.func @sparse_int8(%x: tensor<10x10xui8>) -> tensor<10x16xi32> {
  %w = autoglm.constant dense<[[0, 0, 0, 0, 32, -62, 62, -36, 0, 0], [0, 0, 0, 0, 76, 49, 114, 88, 0, 0], [0, 0, 0, 0, 62, 39, 109, 8, 0, 0], [0, 0, 0, 0, -120, 88, -8, 71, 0, 0], [0, 0, 0, 0, 114, -64, 39, -114, 0, 0], [0, 0, 0, 0, 103, -87, -99, -32, 0, 0], [0, 0, 0, 0, -7, 95, -64, -30, 0, 0], [0, 0, 0, 0, 12, -101, 19, -64, 0, 0], [0, 0, 0, 0, -124, 60, -72, -23, 0, 0], [0, 0, 0, 0, -56, -81, 107, 95, 0, 0], [0, 0, 0, 0, 69, -28, -87, 68, 0, 0], [0, 0, 0, 0, 77, -109, -92, 31, 0, 0], [0, 0, 0, 0, 31, -14, -95, -94, 0, 0], [0, 0, 0, 0, -127, 121, 96, -126, 0, 0], [0, 0, 0, 0, -74, 71, -72, 118, 0, 0], [0, 0, 0, 0, 124, -85, 96, -85, 0, 0]]> : tensor<16x10xi8>
  %y = autoglm.linear %x, %w : (tensor<10x10xui8>, tensor<16x10xi8>) -> tensor<10x16xi32>
  return %y : tensor<10x16xi32>
}

// -----

// A signed activation (vpdpbusd takes it unsigned): the dense form.
// CHECK-LABEL: func.func @signed_x
// CHECK-NOT: vpdpbusd
// CHECK: linalg.generic
func.func @signed_x(%x: tensor<10x10xi8>) -> tensor<10x16xi32> {
  %w = autoglm.constant dense<[[0, 0, 0, 0, 32, -62, 62, -36, 0, 0], [0, 0, 0, 0, 76, 49, 114, 88, 0, 0], [0, 0, 0, 0, 62, 39, 109, 8, 0, 0], [0, 0, 0, 0, -120, 88, -8, 71, 0, 0], [0, 0, 0, 0, 114, -64, 39, -114, 0, 0], [0, 0, 0, 0, 103, -87, -99, -32, 0, 0], [0, 0, 0, 0, -7, 95, -64, -30, 0, 0], [0, 0, 0, 0, 12, -101, 19, -64, 0, 0], [0, 0, 0, 0, -124, 60, -72, -23, 0, 0], [0, 0, 0, 0, -56, -81, 107, 95, 0, 0], [0, 0, 0, 0, 69, -28, -87, 68, 0, 0], [0, 0, 0, 0, 77, -109, -92, 31, 0, 0], [0, 0, 0, 0, 31, -14, -95, -94, 0, 0], [0, 0, 0, 0, -127, 121, 96, -126, 0, 0], [0, 0, 0, 0, -74, 71, -72, 118, 0, 0], [0, 0, 0, 0, 124, -85, 96, -85, 0, 0]]> : tensor<16x10xi8>
  %y = autoglm.linear %x, %w : (tensor<10x10xi8>, tensor<16x10xi8>) -> tensor<10x16xi32>
  return %y : tensor<10x16xi32>
}

// -----

// Its one elementwise consumer (to f32, times a per-output scale) is
// computed on the accumulators: 16 lanes of the scale read per tile, the
// f32 result written, no int32 tensor and no generic left.
// CHECK-LABEL: func.func @epilogue
// CHECK-NOT: linalg.generic
// CHECK: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK-COUNT-8: func.call @__autoglm_intrinsic.llvm.x86.avx512.vpdpbusd.512
// CHECK: arith.sitofp {{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<16xf32>, vector<16xf32>
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, tensor<10x16xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @epilogue(%x: tensor<10x10xui8>) -> tensor<10x16xf32> {
  %w = autoglm.constant dense<[[0, 0, 0, 0, 32, -62, 62, -36, 0, 0], [0, 0, 0, 0, 76, 49, 114, 88, 0, 0], [0, 0, 0, 0, 62, 39, 109, 8, 0, 0], [0, 0, 0, 0, -120, 88, -8, 71, 0, 0], [0, 0, 0, 0, 114, -64, 39, -114, 0, 0], [0, 0, 0, 0, 103, -87, -99, -32, 0, 0], [0, 0, 0, 0, -7, 95, -64, -30, 0, 0], [0, 0, 0, 0, 12, -101, 19, -64, 0, 0], [0, 0, 0, 0, -124, 60, -72, -23, 0, 0], [0, 0, 0, 0, -56, -81, 107, 95, 0, 0], [0, 0, 0, 0, 69, -28, -87, 68, 0, 0], [0, 0, 0, 0, 77, -109, -92, 31, 0, 0], [0, 0, 0, 0, 31, -14, -95, -94, 0, 0], [0, 0, 0, 0, -127, 121, 96, -126, 0, 0], [0, 0, 0, 0, -74, 71, -72, 118, 0, 0], [0, 0, 0, 0, 124, -85, 96, -85, 0, 0]]> : tensor<16x10xi8>
  %s = autoglm.constant dense<[0.5, 0.25, 0.125, 1.0, 2.0, 0.5, 0.25, 0.125, 1.0, 2.0, 0.5, 0.25, 0.125, 1.0, 2.0, 0.75]> : tensor<16xf32>
  %y = autoglm.linear %x, %w : (tensor<10x10xui8>, tensor<16x10xi8>) -> tensor<10x16xi32>
  %f = autoglm.cast %y : tensor<10x16xi32> -> tensor<10x16xf32>
  %z = autoglm.binary mul %f, %s : (tensor<10x16xf32>, tensor<16xf32>) -> tensor<10x16xf32>
  return %z : tensor<10x16xf32>
}
