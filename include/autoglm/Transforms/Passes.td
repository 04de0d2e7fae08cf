//===- Passes.td - passes that stay inside the autoglm dialect -*- tablegen -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TRANSFORMS_PASSES_TD
#define AUTOGLM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Graph pruning
//===----------------------------------------------------------------------===//

def FoldConstants : Pass<"autoglm-fold-constants", "ModuleOp"> {
  let summary = "Evaluate ops whose operands are all constants";
  let description = [{
    Every autoglm op whose operands are constants and whose result has at
    most `max-elements` elements is replaced by the constant it computes
    (the ops' folders), including the shape sub-graphs torch exports
    (Shape -> Gather -> Unsqueeze -> Concat -> Reshape). Larger results are
    left to run: folding them would grow the artifact.

    Before:
      %s = autoglm.shape %x : tensor<2x3xf32> -> tensor<2xi64>
      %d = autoglm.slice %s {starts = [1], sizes = [1], steps = [1]} ...
    After:
      %d = autoglm.constant dense<[3]> : tensor<1xi64>
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"65536",
           "Largest result (in elements) worth folding">,
  ];
}

def PruneGraph : Pass<"autoglm-prune-graph", "ModuleOp"> {
  let summary = "Remove no-op and dead ops, merge transpose/reshape chains, CSE";
  let description = [{
    Removes reshape/transpose/cast/slice/pad/expand/concat that do nothing,
    x+0, x*1, x/1, merges chains of transposes into one and of reshapes into
    one, deletes ops whose results are unused, then runs common-subexpression
    elimination. (Identity and inference Dropout never reach autoglm: the
    importer forwards their input.)

    Before:
      %a = autoglm.transpose %x {perm = [1, 0]} ...
      %b = autoglm.transpose %a {perm = [1, 0]} ...
      %c = autoglm.reshape %b : (tensor<2x3xf32>) -> tensor<2x3xf32>
    After:
      (uses of %c use %x)
  }];
}

//===----------------------------------------------------------------------===//
// Fusion
//===----------------------------------------------------------------------===//

def FoldBatchNorm : Pass<"autoglm-fold-batchnorm", "ModuleOp"> {
  let summary = "Fold inference batch normalization into the conv / linear before it";
  let description = [{
    conv(x, W, b) followed by batch_norm(scale, bias, mean, var, eps), all
    parameters constant and the conv result used only by the batch_norm,
    becomes conv(x, W', b') with W'[m] = W[m] * s[m], b'[m] = (b[m] - mean[m])
    * s[m] + bias[m], s = scale / sqrt(var + eps). The same for linear (BN
    over its output features). f32 weights only.

    Before:
      %c = autoglm.conv %x, %w, %b {...}
      %y = autoglm.batch_norm %c, %g, %be, %m, %v {epsilon = 1e-5}
    After:
      %y = autoglm.conv %x, %w2, %b2 {...}
  }];
}

def FuseEpilogue : Pass<"autoglm-fuse-epilogue", "ModuleOp"> {
  let summary = "Fold bias adds and activations into the conv / matmul / linear before them";
  let description = [{
    A constant per-channel add after a conv without bias becomes its bias; an
    add of a tensor of the conv's own type becomes its `residual` (ResNet's
    skip connection); an activation (relu, clip / relu6, sigmoid, silu, gelu,
    hard_swish, tanh, leaky_relu, hard_sigmoid) whose input is a contraction
    with no other user becomes the contraction's `activation` epilogue. A
    value inside the pattern with another user blocks the fusion.

    Before:
      %c = autoglm.conv %x, %w, %b {...}
      %r = autoglm.unary clip %c {alpha = 0.0, beta = 6.0}
    After:
      %r = autoglm.conv %x, %w, %b {activation = #autoglm<unary_kind clip>,
                                    act_alpha = 0.0, act_beta = 6.0, ...}
  }];
}

def RecognizePatterns : Pass<"autoglm-recognize-patterns", "ModuleOp"> {
  let summary = "Recognize LayerNorm, GELU, SiLU, HardSwish, HardSigmoid expansions";
  let description = [{
    Opset <= 16 exports spell LayerNorm as ReduceMean / Sub / Pow / ReduceMean
    / Add / Sqrt / Div (/ Mul / Add), and GELU as x * 0.5 * (1 + erf(x /
    sqrt 2)) or its tanh form. These chains become one core op, but only when
    no intermediate value has another user and the constants are the ones the
    formula needs.

    Before:
      %m = autoglm.reduce mean %x {axes = [2], keepdims = true}
      %d = autoglm.binary sub %x, %m
      ... (pow 2, mean, add eps, sqrt, div, mul gamma, add beta)
    After:
      %y = autoglm.layer_norm %x, %gamma, %beta {axis = 2, epsilon = ...}
  }];
}

def FuseAttention : Pass<"autoglm-fuse-attention", "ModuleOp"> {
  let summary = "Q·Kᵀ -> scale -> mask -> softmax -> ·V chains to one attention op";
  let description = [{
    matmul(q, transpose(k)) scaled by a constant (multiply or divide), an
    optional additive mask or a select against -inf, softmax over the last
    axis and a matmul with v become one autoglm.attention with its scale and
    mask. Intermediate values must have no other user.

    Before:
      %kt = autoglm.transpose %k {perm = [0, 1, 3, 2]}
      %s = autoglm.matmul %q, %kt
      %t = autoglm.binary div %s, %c8
      %p = autoglm.softmax %t {axis = 3}
      %o = autoglm.matmul %p, %v
    After:
      %o = autoglm.attention %q, %k, %v {scale = 0.125}
  }];
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def QuantMark : Pass<"autoglm-quant-mark", "ModuleOp"> {
  let summary = "Mark the ops static int8 quantization will rewrite";
  let description = [{
    Every conv, linear and matmul of the model function whose input is f32
    and whose weight (operand 1) is an f32 constant gets `autoglm.quant_id`,
    numbered in program order, unless its ONNX node name is in `exclude`.
    The calibration (autoglm-quant-expose-activations on a copy) and the
    rewrite (autoglm-quant-int8) address ops by this id.

    Before: %y = autoglm.conv %x, %w, %b ...
    After:  %y = autoglm.conv %x, %w, %b {autoglm.quant_id = 0 : i64, ...}
  }];
  let options = [ListOption<"exclude", "exclude", "std::string", "ONNX node names that stay fp32">,
  ];
}

def QuantSensitivityProbes : Pass<"autoglm-quant-sensitivity-probes", "ModuleOp"> {
  let summary = "Per calibrated op, a copy on its fake-quantized input and weight, both returned";
  let description = [{
    The sensitivity model of static int8: for the op with `autoglm.quant_id`
    k and an `autoglm.act_range`, a copy whose input is quantized to uint8
    and back (the parameters autoglm-quant-int8 would use) and whose weight
    is the int8 per-channel weight dequantized. The op's result and the
    copy's become model results `autoglm.sens.k.ref` and `autoglm.sens.k.q`
    (in the order of k), so the session can measure each layer's error when
    it alone is quantized.

    Before: %y = autoglm.conv %a, %w {autoglm.quant_id = 0, autoglm.act_range = [...]}
    After:  %aq = autoglm.dequantize (autoglm.quantize %a); %wq = fake-quantized %w
            %yq = autoglm.conv %aq, %wq;  func results += %y, %yq
  }];
}

def QuantExposeActivations : Pass<"autoglm-quant-expose-activations", "ModuleOp"> {
  let summary = "Return the input of every marked op as an extra model output";
  let description = [{
    The calibration model: the input activation of each op with
    `autoglm.quant_id` k becomes result (original results + k) of the model
    function, named `autoglm.calib.k`, so the runtime can observe it on
    calibration samples.

    Before: func @main(%x) -> (%y) { ... autoglm.conv %a, %w {autoglm.quant_id = 0} }
    After:  func @main(%x) -> (%y, %a {autoglm.name = "autoglm.calib.0"})
  }];
}

def QuantInt8 : Pass<"autoglm-quant-int8", "ModuleOp"> {
  let summary = "Static int8 quantization of marked ops with calibrated ranges";
  let description = [{
    Each op with `autoglm.quant_id` and a calibrated input range
    `autoglm.act_range = [lo, hi]` becomes integer arithmetic: the input is
    quantized to uint8, asymmetric per tensor (scale (hi' - lo') / 255 over
    the range widened to hold 0, zero point round(-lo' / scale)); the weight
    to int8, symmetric per output channel (scale max|w| / 127, held as an
    int8 constant); the product accumulates in int32 over the centered
    operands; the accumulator times x_scale * w_scale[c] is f32 again and
    takes the op's bias, residual and activation. Each decision (scales,
    zero point, the weight's SQNR) is recorded on the module as
    `autoglm.quant_report`, by ONNX node name.

    Before: %y = autoglm.conv %x, %w, %b {activation = relu, autoglm.quant_id = 0,
                                         autoglm.act_range = [0.0, 6.0]}
    After:  %q = autoglm.quantize %x, %sx, %zx -> ui8
            %c = autoglm.binary sub (autoglm.cast %q -> i32), %zx32
            %a = autoglm.conv %c, (autoglm.cast %wq : i8 -> i32) -> i32
            %y = relu((autoglm.cast %a -> f32) * %s + %b)
  }];
}

//===----------------------------------------------------------------------===//
// Pruning
def QuantWeights : Pass<"autoglm-quant-weights", "ModuleOp"> {
  let summary =
      "Weight-only int8 / int4: linear and matmul weights int8 per output channel (or int4 "
      "per group), activations f32";
  let description = [{
    The constant f32 weight of every linear and 2-D matmul becomes an int8
    constant, symmetric per output channel (scale = max |w| / 127), read
    through an autoglm.dequantize; activations stay f32 (no calibration).
    Each decision (node, weights, weight SQNR in dB) goes into
    `autoglm.weight_quant_report`.

    Before: %y = autoglm.matmul %x, %w : (tensor<?x512xf32>, tensor<512x1536xf32>) -> ...
    After:  %q = autoglm.constant dense_resource<w.wint8> : tensor<512x1536xi8>
            %d = autoglm.dequantize %q, %scale, %zero {axis = 1}
            %y = autoglm.matmul %x, %d
  }];
  let options = [ListOption<"exclude", "exclude", "std::string", "ONNX node names left f32">,
                 Option<"bits", "bits", "int64_t", "8",
                        "8, or 4: a linear's weight int4 in groups of group-size along K "
                        "(symmetric, scale = max |w| / 7 per group and output channel), "
                        "blocked autoglm.dequantize of an i4 constant; layers the int4 "
                        "kernels do not take (other ops, N not a multiple of 8 above 8, K "
                        "not a multiple of the group) get int8">,
                 Option<"groupSize", "group-size", "int64_t", "128",
                        "With bits=4: consecutive K elements sharing a scale (even)">];
}

//===----------------------------------------------------------------------===//

def PruneStructured : Pass<"autoglm-prune-structured", "ModuleOp"> {
  let summary = "Remove conv filters and linear neurons: a smaller dense model";
  let description = [{
    Channels are pruned by dependency group: the output channels of every
    conv (group 1), linear and constant-weight matmul, with every tensor whose
    dimension is tied to them index for index (activations, batch norm,
    pooling, depthwise convs, residual adds, transposes, reshapes that flatten
    the channels into a wider dimension, concats along another axis). A group
    loses `ratio` of its channels, the least important by `criterion` (l1 or
    l2: the norm of each producer's weight rows, each producer normalized by
    its mean; bn: |scale| of the group's batch norms), the kept count rounded
    up to a multiple of `align`. The producers lose weight rows and bias
    entries, the consumers the matching weight columns, and every tied tensor
    shrinks. A group that reaches a model input or output, a concat along the
    channels, or an op without a channel rule is left alone, with a remark
    naming the node and why. Each decision goes into `autoglm.prune_report`.
    `ratios` sets a group's ratio by one of its producers' ONNX node names.

    With `probe`, nothing is pruned: each prunable group gets a mask input
    of its channel count that multiplies the inputs of its consumers (the
    ops that read the channels through a weight). A mask with zeros at
    channels S gives the outputs of the model with S removed, so the compile
    session measures any per-group allocation with one compiled model
    (sensitivity analysis, `--prune structured:auto`).

    Before (ratio 0.5, align 1):
      %a = autoglm.conv %x, %w1 : ... -> tensor<1x4x8x8xf32>
      %r = autoglm.unary relu %a
      %y = autoglm.conv %r, %w2 : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> ...
    After:
      %a = autoglm.conv %x, %w1' : ... -> tensor<1x2x8x8xf32>
      %r = autoglm.unary relu %a
      %y = autoglm.conv %r, %w2' : (tensor<1x2x8x8xf32>, tensor<8x2x3x3xf32>) -> ...
  }];
  let options = [Option<"ratio", "ratio", "double", /*default=*/"0.5",
                        "Fraction of each group's channels removed, in [0, 1)">,
                 Option<"criterion", "criterion", "std::string", /*default=*/"\"l1\"",
                        "Channel importance: l1, l2 or bn">,
                 Option<"align", "align", "int64_t", /*default=*/"8",
                        "Kept channel counts are a multiple of this (or the whole group)">,
                 ListOption<"exclude", "exclude", "std::string",
                            "ONNX node names whose output channels stay">,
                 ListOption<"ratios", "ratios", "std::string",
                            "NODE=R: the group with producer NODE loses R of its channels "
                            "(instead of `ratio`)">,
                 Option<"probe", "probe", "bool", /*default=*/"false",
                        "Prune nothing: give each prunable group a channel mask input "
                        "(autoglm.prune_mask.<i>, 1 keeps a channel, 0 removes it) that "
                        "multiplies its consumers' inputs, and record the groups, their "
                        "channel ranking and each contraction's FLOPs in "
                        "autoglm.prune_probe">,
  ];
}

def PruneMagnitude : Pass<"autoglm-prune-magnitude", "ModuleOp"> {
  let summary = "Zero the smallest weights: unstructured, block or N:M sparsity";
  let description = [{
    The weights of every conv, linear and constant-weight matmul, viewed as
    [output channels, reduction] (a conv's reduction is C/group * kernel), lose
    their smallest entries: `pattern` unstructured (single weights by |w|),
    block (`block-rows` x `block-cols` tiles by mean |w|), or nm (in every run
    of `m` consecutive reduction elements, all but the `n` largest). `ratio`
    is the fraction zeroed (block, unstructured), per layer or, with
    `global`, one threshold over all layers. A layer whose shape the block or
    the N:M run does not tile is left alone, with a remark. Each pruned op
    carries its pattern as `autoglm.sparsity`, and each decision goes into
    `autoglm.prune_report`.

    Before: %y = autoglm.linear %x, %w : (..., tensor<64x512xf32>) -> ...
    After:  %y = autoglm.linear %x, %w' {autoglm.sparsity = "nm:2:4"} : ...
            (two of every four consecutive weights of a row are zero)
  }];
  let options = [Option<"pattern", "pattern", "std::string", /*default=*/"\"unstructured\"",
                        "unstructured, block or nm">,
                 Option<"ratio", "ratio", "double", /*default=*/"0.5",
                        "Fraction of weights (or blocks) zeroed, in [0, 1)">,
                 Option<"blockRows", "block-rows", "int64_t", /*default=*/"1",
                        "Block height (output channels)">,
                 Option<"blockCols", "block-cols", "int64_t", /*default=*/"16",
                        "Block width (reduction)">,
                 Option<"n", "n", "int64_t", /*default=*/"2", "N of N:M (kept per run)">,
                 Option<"m", "m", "int64_t", /*default=*/"4", "M of N:M (run length)">,
                 Option<"global", "global", "bool", /*default=*/"false",
                        "One threshold over all layers instead of one ratio per layer">,
                 ListOption<"exclude", "exclude", "std::string", "ONNX node names left dense">,
  ];
}

//===----------------------------------------------------------------------===//
// Decoder LLMs
//===----------------------------------------------------------------------===//

def KVCache : Pass<"autoglm-kv-cache", "ModuleOp"> {
  let summary =
      "The decoder's past/present KV inputs and outputs become a paged cache the runtime owns";
  let description = [{
    Every attention whose keys and values are Concat(past, new) along the
    sequence axis, with `past` a graph input (through grouped-query
    attention's repeat of the kv heads or not), becomes an
    autoglm.cached_attention over two cache arguments [num-blocks, kv heads,
    block-size, head dim], one per past input, written in place. `main` gains
    `cache_position` [B] (the tokens each row has in the cache) and
    `block_table` [B, ceil(max-seq-len / block-size)]; the past inputs, the
    present outputs and what only they fed (the mask from the past length)
    go. `main` records the geometry in `autoglm.kv_cache`. A past input still
    read afterwards (a position computed from its shape) is an error at the
    reader.

    Before:
      %k = autoglm.concat %past_k, %k_new {axis = 2}
      %o = autoglm.attention %q, %k, %v, %mask {scale = 0.125}
      return %logits, %k, %v
    After:
      %o = autoglm.cached_attention %q, %k_new, %v_new, %kc, %vc, %pos, %table {scale = 0.125}
      return %logits
  }];
  let options = [Option<"blockSize", "block-size", "int64_t", /*default=*/"16",
                        "Positions per cache block">,
                 Option<"maxSeqLen", "max-seq-len", "int64_t", /*default=*/"2048",
                        "Longest sequence (prompt and generated tokens)">,
                 Option<"maxBatch", "max-batch", "int64_t", /*default=*/"1",
                        "Sequences decoded together (cache slots)">,
                 Option<"maxTokens", "max-tokens", "int64_t", /*default=*/"32",
                        "Bound of an open sequence extent: tokens per call (a prefill chunk)">,
                 Option<"cacheBlocks", "cache-blocks", "int64_t", /*default=*/"0",
                        "Blocks in the pool (0: max-batch full-length sequences)">,
  ];
}

#endif // AUTOGLM_TRANSFORMS_PASSES_TD
