// RUN: autoglm-opt %s --split-input-file --convert-autoglm-to-linalg | FileCheck %s
// RUN: autoglm-opt %s --split-input-file --convert-autoglm-to-linalg --canonicalize \
// RUN:   --autoglm-cpu-vectorize-contractions="int8-dot=avx512-vnni" | FileCheck %s --check-prefix=VNNI
// RUN: autoglm-opt %s --split-input-file --convert-autoglm-to-linalg --canonicalize \
// RUN:   --autoglm-cpu-vectorize-contractions | FileCheck %s --check-prefix=LOOPS

// uint8 x int8 -> int32 in the dot4 form: x [2, 6] padded to [2, 8] and
// viewed [2, 2, 4]; the weight [3, 6] packed [1, 2, 16, 4] at compile time
// (rows of 4 bytes per channel, zeros past channel 3 and element 6); the
// extui / extsi by each operand's signedness; [2, 16] cut to [2, 3].
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d4)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d3, d2, d4)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @linear
// CHECK: %[[P:.*]] = arith.constant dense_resource<[[BLOB:.*]]> : tensor<1x2x16x4xi8>
// CHECK: %[[X4:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [2, 2, 4] : tensor<2x8xi8> into tensor<2x2x4xi8>
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[X4]], %[[P]] : tensor<2x2x4xi8>, tensor<1x2x16x4xi8>) outs(%{{.*}} : tensor<2x1x16xi32>)
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [2, 3] [1, 1] : tensor<2x16xi32> to tensor<2x3xi32>
// CHECK: [[BLOB]]: "0x4000000001FE03FC0708090AFFFFFFFF{{0+}}05FA00000B0C0000FFFF0000{{0+}}"
// With AVX512-VNNI the register kernel: one 64-byte read of the packed
// weight and, per row, 4 bytes of x broadcast into one vpdpbusd.
// VNNI-LABEL: func.func @linear
// VNNI: vector.transfer_read %{{.*}} : tensor<1x2x64xi8>, vector<64xi8>
// VNNI: vector.transfer_read %{{.*}} : tensor<2x2x4xi8>, vector<4xi8>
// VNNI: vector.bitcast %{{.*}} : vector<4xi8> to vector<1xi32>
// VNNI: func.call @__autoglm_intrinsic.llvm.x86.avx512.vpdpbusd.512(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// VNNI: func.func private @__autoglm_intrinsic.llvm.x86.avx512.vpdpbusd.512
// Without it the form stays loops (exact on any target).
// LOOPS-LABEL: func.func @linear
// LOOPS-NOT: vpdpbusd
// LOOPS: linalg.generic
func.func @linear(%x: tensor<2x6xui8>) -> tensor<2x3xi32> {
  %w = autoglm.constant dense<[[1, -2, 3, -4, 5, -6], [7, 8, 9, 10, 11, 12], [-1, -1, -1, -1, -1, -1]]> : tensor<3x6xi8>
  %y = autoglm.linear %x, %w : (tensor<2x6xui8>, tensor<3x6xi8>) -> tensor<2x3xi32>
  return %y : tensor<2x3xi32>
}

// -----

// A 3x3 conv: x [1, 3, 5, 5] padded to 4 channels, relaid out
// [1, 1, 5, 5, 4] by a generic copy (a quantize in front fuses into it); the output [1, 1, 16, 3, 3] (16 channels a block) cut to
// [1, 2, 3, 3].
// CHECK-DAG: #[[RELAYOUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d2, d3)>
// CHECK-DAG: #[[CX:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d5, d3 + d6, d4 + d7, d8)>
// CHECK-DAG: #[[CW:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d1, d5, d6, d7, d2, d8)>
// CHECK-LABEL: func.func @conv
// CHECK: linalg.generic {indexing_maps = [#[[RELAYOUT]], #{{.*}}]{{.*}} ins(%{{.*}} : tensor<1x1x4x5x5xi8>) outs(%{{.*}} : tensor<1x1x5x5x4xi8>)
// CHECK: linalg.generic {indexing_maps = [#[[CX]], #[[CW]], #{{.*}}]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x5x5x4xi8>, tensor<1x1x3x3x16x4xi8>) outs(%{{.*}} : tensor<1x1x16x3x3xi32>)
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 2, 3, 3] [1, 1, 1, 1] : tensor<1x16x3x3xi32> to tensor<1x2x3x3xi32>
// VNNI-LABEL: func.func @conv
// VNNI: func.call @__autoglm_intrinsic.llvm.x86.avx512.vpdpbusd.512
func.func @conv(%x: tensor<1x3x5x5xui8>) -> tensor<1x2x3x3xi32> {
  %w = autoglm.constant dense<1> : tensor<2x3x3x3xi8>
  %y = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x5x5xui8>, tensor<2x3x3x3xi8>) -> tensor<1x2x3x3xi32>
  return %y : tensor<1x2x3x3xi32>
}

// -----

// A padded conv (the quantized model's Pad in front, its value the zero
// point 64): the relayout writes straight into the interior [1, 1, 5, 5, 4]
// of the padded [1, 1, 7, 7, 4] tensor, then only the border is filled
// with 64 (one pass over the bytes, no copy of the padded NCHW tensor).
// CHECK-LABEL: func.func @padded_conv
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x1x7x7x4xi8>
// CHECK: %[[IN:.*]] = tensor.extract_slice %[[E]][0, 0, 1, 1, 0] [1, 1, 5, 5, 4] [1, 1, 1, 1, 1]
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[RELAYOUT]], #{{.*}}]{{.*}} ins(%{{.*}} : tensor<1x1x4x5x5xi8>) outs(%[[IN]] : tensor<1x1x5x5x4xi8>)
// CHECK: %[[P:.*]] = tensor.insert_slice %[[R]] into %[[E]][0, 0, 1, 1, 0] [1, 1, 5, 5, 4]
// CHECK: %[[B:.*]] = tensor.extract_slice %[[P]][0, 0, 0, 0, 0] [1, 1, 1, 7, 4]
// CHECK: linalg.fill ins(%c64_i8 : i8) outs(%[[B]] : tensor<1x1x1x7x4xi8>)
// CHECK-NOT: linalg.copy
// CHECK: linalg.generic {indexing_maps = [#[[CX]], #[[CW]], #{{.*}}]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x7x7x4xi8>, tensor<1x1x3x3x16x4xi8>) outs(%{{.*}} : tensor<1x1x16x5x5xi32>)
func.func @padded_conv(%x: tensor<1x4x5x5xui8>) -> tensor<1x2x5x5xi32> {
  %w = autoglm.constant dense<1> : tensor<2x4x3x3xi8>
  %p = autoglm.pad constant %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 6.400000e+01 : f64} : tensor<1x4x5x5xui8> -> tensor<1x4x7x7xui8>
  %y = autoglm.conv %p, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x7x7xui8>, tensor<2x4x3x3xi8>) -> tensor<1x2x5x5xi32>
  return %y : tensor<1x2x5x5xi32>
}
