// RUN: autoglm-opt %s --split-input-file --verify-diagnostics "--autoglm-prune-magnitude=pattern=nm n=2 m=4" | FileCheck %s --check-prefix=NM
// RUN: autoglm-opt %s --split-input-file "--autoglm-prune-magnitude=pattern=unstructured ratio=0.25" | FileCheck %s --check-prefix=UNS
// RUN: autoglm-opt %s --split-input-file --verify-diagnostics "--autoglm-prune-magnitude=pattern=block ratio=0.5 block-rows=1 block-cols=4" | FileCheck %s --check-prefix=BLOCK
// RUN: not autoglm-opt %s --split-input-file "--autoglm-prune-magnitude=pattern=nm n=4 m=4" 2>&1 | FileCheck %s --check-prefix=BADNM
// BADNM: error: autoglm-prune-magnitude: N:M needs 1 <= N < M, got 4:4
// RUN: not autoglm-opt %s --split-input-file "--autoglm-prune-magnitude=pattern=random" 2>&1 | FileCheck %s --check-prefix=BADPAT
// BADPAT: error: autoglm-prune-magnitude: pattern 'random' is not unstructured, block or nm
// RUN: not autoglm-opt %s --split-input-file "--autoglm-prune-magnitude=ratio=-0.5" 2>&1 | FileCheck %s --check-prefix=BADRATIO
// BADRATIO: error: autoglm-prune-magnitude: ratio -0.5 is not in [0, 1)
// RUN: not autoglm-opt %s --split-input-file "--autoglm-prune-magnitude=pattern=block block-cols=0" 2>&1 | FileCheck %s --check-prefix=BADBLOCK
// BADBLOCK: error: autoglm-prune-magnitude: a block needs positive extents

// A linear's weight [2, 8], the reduction along each row.
// 2:4 keeps the two largest of every run of four.
// NM-LABEL: func.func @linear
// NM: autoglm.constant dense<{{\[\[}}0.000000e+00, -5.000000e+00, 0.000000e+00, 4.000000e+00, 8.000000e+00, 0.000000e+00, -7.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 3.000000e+00, 4.000000e+00, 0.000000e+00, -6.000000e+00, 0.000000e+00, 8.000000e+00]]>
// NM: autoglm.linear {{.*}}{autoglm.sparsity = "nm:2:4"}
// A quarter of the weights (the four smallest |w|, the 1.0s) is zeroed.
// UNS-LABEL: func.func @linear
// UNS: autoglm.constant dense<{{\[\[}}0.000000e+00, -5.000000e+00, 3.000000e+00, 4.000000e+00, 8.000000e+00, 0.000000e+00, -7.000000e+00, 6.000000e+00], [2.000000e+00, 0.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, -6.000000e+00, 0.000000e+00, 8.000000e+00]]>
// UNS: autoglm.linear {{.*}}{autoglm.sparsity = "unstructured"}
// Half of the 1x4 blocks, by mean |w|: row 0's first (3.25) and row 1's
// first (2.5) go.
// BLOCK-LABEL: func.func @linear
// BLOCK: autoglm.constant dense<{{\[\[}}0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 8.000000e+00, 1.000000e+00, -7.000000e+00, 6.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 5.000000e+00, -6.000000e+00, 1.000000e+00, 8.000000e+00]]>
// BLOCK: autoglm.linear {{.*}}{autoglm.sparsity = "block:1x4"}
func.func @linear(%x: tensor<1x8xf32>) -> tensor<1x2xf32> {
  %w = autoglm.constant dense<[[1.0, -5.0, 3.0, 4.0, 8.0, 1.0, -7.0, 6.0], [2.0, 1.0, 3.0, 4.0, 5.0, -6.0, 1.0, 8.0]]> : tensor<2x8xf32>
  %y = autoglm.linear %x, %w : (tensor<1x8xf32>, tensor<2x8xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A matmul's right-hand side [K = 4, N = 2]: row n of the view is column n.
// NM-LABEL: func.func @matmul
// NM: autoglm.constant dense<{{\[\[}}0.000000e+00, 0.000000e+00], [2.000000e+00, 0.000000e+00], [3.000000e+00, 7.000000e+00], [0.000000e+00, 8.000000e+00]]>
// UNS-LABEL: func.func @matmul
// BLOCK-LABEL: func.func @matmul
func.func @matmul(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = autoglm.constant dense<[[1.0, 5.0], [2.0, 6.0], [3.0, 7.0], [-1.5, 8.0]]> : tensor<4x2xf32>
  %y = autoglm.matmul %x, %w : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A conv whose rows (C * kh * kw = 2 * 1 * 3 = 6) no run of 4 tiles: left
// dense, with a remark (nm and 1x4 blocks); unstructured takes it.
// NM-LABEL: func.func @untiled
// NM: autoglm.conv
// NM-NOT: autoglm.sparsity
// UNS-LABEL: func.func @untiled
// UNS: autoglm.sparsity = "unstructured"
func.func @untiled(%x: tensor<1x2x1x5xf32>) -> tensor<1x1x1x3xf32> {
  %w = autoglm.constant dense<[[[[1.0, 2.0, 3.0]], [[4.0, 5.0, 6.0]]]]> : tensor<1x2x1x3xf32>
  // expected-remark@+1 {{left dense: its 1x6 weight is not tiled by}}
  %y = autoglm.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x1x5xf32>, tensor<1x2x1x3xf32>) -> tensor<1x1x1x3xf32>
  return %y : tensor<1x1x1x3xf32>
}
