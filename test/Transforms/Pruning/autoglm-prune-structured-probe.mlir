// RUN: autoglm-opt %s --split-input-file "--autoglm-prune-structured=probe=1 align=1" \
// RUN:   | FileCheck %s --check-prefix=PROBE
// RUN: autoglm-opt %s --split-input-file \
// RUN:   "--autoglm-prune-structured=ratio=0 align=1 ratios=conv2=0.5" | FileCheck %s --check-prefix=ONE
// RUN: not autoglm-opt %s --split-input-file \
// RUN:   "--autoglm-prune-structured=align=1 ratios=conv9=0.5" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: error: autoglm-prune-structured: ratios names 'conv9', which produces no channel group (a conv, linear or matmul with a constant weight)
// RUN: not autoglm-opt %s --split-input-file \
// RUN:   "--autoglm-prune-structured=align=1 ratios=conv1=1.5" 2>&1 | FileCheck %s --check-prefix=BADENTRY
// BADENTRY: error: autoglm-prune-structured: ratios entry 'conv1=1.5' is not NODE=R with R in [0, 1)

// The probe prunes nothing. Each group gets a mask input (channels most
// important first in `order`: conv1's rows have L1 norms 3, 9, 6, 12) that
// multiplies its consumers' inputs: conv2 reads conv1's channels along
// axis 1; the linear reads conv2's channels flattened with their 2x2
// positions, so each mask entry covers a run of 4 features. The FLOPs of
// each contraction and the groups that scale them: conv2 (96 FLOPs) by
// both, its input channels and its output channels. For the act criterion
// the probe returns E[x^2] per channel at each group's consumers (their
// inputs before the mask, computed at the return) and records the consumers' weight column norms.
// PROBE: module attributes {autoglm.prune_probe = {contractions = [{flops = 384 : i64, groups = [0]}, {flops = 96 : i64, groups = [0, 1]}, {flops = 120 : i64, groups = [1]}], groups = [{arg = 1 : i64, channels = 4 : i64, nodes = ["conv1"], order = [3, 1, 2, 0], weight_norms = array<f64: 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00>}, {arg = 2 : i64, channels = 3 : i64, nodes = ["conv2"], order = [2, 1, 0], weight_norms = array<f64: 1.000000e+00, 1.000000e+00, 1.000000e+00>}]}}
// PROBE: func.func @main(%arg0: tensor<1x3x4x4xf32>, %[[M0:.*]]: tensor<4xf32> {autoglm.name = "autoglm.prune_mask.0"}, %[[M1:.*]]: tensor<3xf32> {autoglm.name = "autoglm.prune_mask.1"}) -> (tensor<1x5xf32>, tensor<4xf32> {autoglm.name = "autoglm.prune_act.0"}, tensor<3xf32> {autoglm.name = "autoglm.prune_act.1"})
// PROBE: %[[A:.*]] = autoglm.conv %arg0, %{{.*}} -> tensor<1x4x4x4xf32>
// PROBE: %[[R:.*]] = autoglm.unary relu %[[A]]
// PROBE: %[[B0:.*]] = autoglm.reshape %[[M0]] : (tensor<4xf32>) -> tensor<1x4x1x1xf32>
// PROBE: %[[X0:.*]] = autoglm.binary mul %[[R]], %[[B0]] : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x4x4xf32>
// PROBE: %[[C:.*]] = autoglm.conv %[[X0]], %{{.*}} -> tensor<1x3x2x2xf32>
// PROBE: %[[F:.*]] = autoglm.reshape %[[C]] : (tensor<1x3x2x2xf32>) -> tensor<1x12xf32>
// PROBE: %[[COL:.*]] = autoglm.reshape %[[M1]] : (tensor<3xf32>) -> tensor<3x1xf32>
// PROBE: %[[ONES:.*]] = autoglm.constant dense<1.000000e+00> : tensor<1x4xf32>
// PROBE: %[[RUNS:.*]] = autoglm.binary mul %[[COL]], %[[ONES]] : (tensor<3x1xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
// PROBE: %[[FLAT:.*]] = autoglm.reshape %[[RUNS]] : (tensor<3x4xf32>) -> tensor<12xf32>
// PROBE: %[[B1:.*]] = autoglm.reshape %[[FLAT]] : (tensor<12xf32>) -> tensor<1x12xf32>
// PROBE: %[[X1:.*]] = autoglm.binary mul %[[F]], %[[B1]] : (tensor<1x12xf32>, tensor<1x12xf32>) -> tensor<1x12xf32>
// PROBE: %[[Y:.*]] = autoglm.linear %[[X1]], %{{.*}} : (tensor<1x12xf32>, tensor<5x12xf32>) -> tensor<1x5xf32>
// PROBE: %[[SQ0:.*]] = autoglm.binary mul %[[R]], %[[R]]
// PROBE: %[[ACT0:.*]] = autoglm.reduce mean %[[SQ0]] {axes = array<i64: 0, 2, 3>, keepdims = false} : tensor<1x4x4x4xf32> -> tensor<4xf32>
// PROBE: %[[SQ1:.*]] = autoglm.binary mul %[[F]], %[[F]]
// PROBE: autoglm.reduce mean %[[SQ1]] {axes = array<i64: 0>, keepdims = false} : tensor<1x12xf32> -> tensor<12xf32>
// PROBE: %[[ACT1:.*]] = autoglm.reduce mean %{{.*}} {axes = array<i64: 1>, keepdims = false} : tensor<3x4xf32> -> tensor<3xf32>
// PROBE: return %[[Y]], %[[ACT0]], %[[ACT1]]

// Only the group `ratios` names loses channels (conv2's 3 -> 2, the two
// largest rows; the linear loses the matching runs of 4 columns); conv1's
// group keeps its 4 at ratio 0.
// ONE: autoglm.conv %arg0, %{{.*}} -> tensor<1x4x4x4xf32>
// ONE: autoglm.conv %{{.*}} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x2x2xf32>
// ONE: autoglm.reshape %{{.*}} : (tensor<1x2x2x2xf32>) -> tensor<1x8xf32>
// ONE: autoglm.linear %{{.*}} : (tensor<1x8xf32>, tensor<5x8xf32>) -> tensor<1x5xf32>
func.func @main(%x: tensor<1x3x4x4xf32>) -> tensor<1x5xf32> {
  %wa = autoglm.constant dense<[[[[1.0]], [[1.0]], [[1.0]]], [[[3.0]], [[3.0]], [[3.0]]], [[[2.0]], [[2.0]], [[2.0]]], [[[4.0]], [[4.0]], [[4.0]]]]> : tensor<4x3x1x1xf32>
  %wb = autoglm.constant dense<[[[[1.0]], [[1.0]], [[1.0]], [[1.0]]], [[[2.0]], [[2.0]], [[2.0]], [[2.0]]], [[[3.0]], [[3.0]], [[3.0]], [[3.0]]]]> : tensor<3x4x1x1xf32>
  %wl = autoglm.constant dense<1.0> : tensor<5x12xf32>
  %a = autoglm.conv %x, %wa {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %r = autoglm.unary relu %a : tensor<1x4x4x4xf32> -> tensor<1x4x4x4xf32>
  %b = autoglm.conv %r, %wb {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x2x2xf32> loc("conv2")
  %f = autoglm.reshape %b : (tensor<1x3x2x2xf32>) -> tensor<1x12xf32>
  %y = autoglm.linear %f, %wl : (tensor<1x12xf32>, tensor<5x12xf32>) -> tensor<1x5xf32> loc("fc")
  return %y : tensor<1x5xf32>
}

// -----

// Two producers of one group (a residual add): ratios naming both with
// different ratios is an error.
// RUN: not autoglm-opt %s --split-input-file \
// RUN:   "--autoglm-prune-structured=align=1 ratios=conv1=0.5,conv2=0.25" 2>&1 | FileCheck %s --check-prefix=TWO
// TWO: error: autoglm-prune-structured: ratios gives the channel group of 'conv1' and 'conv2' two ratios (0.5, 0.25)
func.func @main(%x: tensor<1x3x4x4xf32>) -> tensor<1x5xf32> {
  %wa = autoglm.constant dense<1.0> : tensor<4x3x1x1xf32>
  %wb = autoglm.constant dense<2.0> : tensor<4x3x1x1xf32>
  %wl = autoglm.constant dense<1.0> : tensor<5x4xf32>
  %a = autoglm.conv %x, %wa {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %b = autoglm.conv %x, %wb {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32> loc("conv2")
  %s = autoglm.binary add %a, %b : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %m = autoglm.reduce mean %s {axes = array<i64: 2, 3>, keepdims = false} : tensor<1x4x4x4xf32> -> tensor<1x4xf32>
  %y = autoglm.linear %m, %wl : (tensor<1x4xf32>, tensor<5x4xf32>) -> tensor<1x5xf32> loc("fc")
  return %y : tensor<1x5xf32>
}

// -----

// Two consumers of one group, met in use-list order (the later one first):
// the statistics are computed at the return, which both inputs dominate
// (this failed verification on resnet18's residual groups).
// PROBE: -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<4xf32> {autoglm.name = "autoglm.prune_act.0"})
// PROBE: %[[B:.*]] = autoglm.conv {{.*}} -> tensor<1x2x4x4xf32>
// PROBE: %[[C:.*]] = autoglm.conv {{.*}} -> tensor<1x2x4x4xf32>
// PROBE: %[[S:.*]] = autoglm.binary add {{.*}} -> tensor<4xf32>
// PROBE: return %[[B]], %[[C]], %[[S]]
func.func @main(%x: tensor<1x3x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %wa = autoglm.constant dense<1.0> : tensor<4x3x1x1xf32>
  %wb = autoglm.constant dense<2.0> : tensor<2x4x1x1xf32>
  %wc = autoglm.constant dense<3.0> : tensor<2x4x1x1xf32>
  %a = autoglm.conv %x, %wa {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %b = autoglm.conv %a, %wb {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32> loc("conv2")
  %c = autoglm.conv %a, %wc {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32> loc("conv3")
  return %b, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
