#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes Inputs/depthwise-pads/: depthwise convolutions (group = channels)
of zero-padded images, the case the CPU rows kernels read without making the
padded copy (autoglm-cpu-vectorize-contractions, virtual-pads): symmetric and
asymmetric pads, stride 1 and 2, dilation 2, a 5x5 kernel, output rows of
40 (several tiles), 20 (a 16-lane tile and a remainder), 7 and 4 (one tile),
with bias and a fused Relu / Clip on some. Two inputs, x[1,8,13,40] and
y[1,4,9,7]; seven outputs, each one conv of x or y. The references are
numpy float64 (inputs rounded to float32 first).

Run with Debian's python3-onnx: python3 make_depthwise.py"""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from onnx_case import write_case

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "depthwise-pads")

# name, input, kernel, strides, pads [top, left, bottom, right], dilation,
# activation
CONVS = [
    ("a", "x", 3, 1, [1, 1, 1, 1], 1, "Relu"),
    ("b", "x", 3, 2, [1, 1, 1, 1], 1, None),
    ("c", "x", 5, 1, [2, 1, 0, 3], 1, "Clip"),
    ("d", "x", 3, 2, [0, 0, 1, 1], 1, None),
    ("e", "x", 3, 1, [2, 2, 2, 2], 2, None),
    ("f", "y", 3, 1, [1, 1, 1, 1], 1, "Relu"),
    ("g", "y", 3, 2, [1, 1, 1, 1], 1, None),
]
SHAPES = {"x": (1, 8, 13, 40), "y": (1, 4, 9, 7)}


def depthwise(x, w, b, s, pads, dil):
    n, c, h, wd = x.shape
    k = w.shape[-1]
    t, l, bo, r = pads
    xp = np.zeros((n, c, h + t + bo, wd + l + r))
    xp[:, :, t:t + h, l:l + wd] = x
    oh = (h + t + bo - dil * (k - 1) - 1) // s + 1
    ow = (wd + l + r - dil * (k - 1) - 1) // s + 1
    out = np.zeros((n, c, oh, ow)) + b.reshape(1, c, 1, 1)
    for i in range(k):
        for j in range(k):
            patch = xp[:, :, i * dil:i * dil + s * (oh - 1) + 1:s,
                       j * dil:j * dil + s * (ow - 1) + 1:s]
            out += patch * w[:, 0, i, j].reshape(1, c, 1, 1)
    return out


def main():
    rng = np.random.default_rng(7)
    inputs = {n: rng.standard_normal(s).astype(np.float32) for n, s in SHAPES.items()}
    nodes, inits, outs, refs = [], [], [], []
    for name, src, k, s, pads, dil, act in CONVS:
        c = SHAPES[src][1]
        w = rng.standard_normal((c, 1, k, k)).astype(np.float32)
        b = rng.standard_normal(c).astype(np.float32)
        inits += [numpy_helper.from_array(w, "w_" + name), numpy_helper.from_array(b, "b_" + name)]
        conv_out = name if act is None else "conv_" + name
        nodes.append(helper.make_node(
            "Conv", [src, "w_" + name, "b_" + name], [conv_out], name="conv_" + name,
            group=c, kernel_shape=[k, k], strides=[s, s], pads=pads, dilations=[dil, dil]))
        ref = depthwise(inputs[src].astype(np.float64), w.astype(np.float64),
                        b.astype(np.float64), s, pads, dil)
        if act == "Relu":
            nodes.append(helper.make_node("Relu", [conv_out], [name], name="relu_" + name))
            ref = np.maximum(ref, 0)
        elif act == "Clip":
            lo, hi = numpy_helper.from_array(np.float32(0), "lo_" + name), \
                numpy_helper.from_array(np.float32(6), "hi_" + name)
            inits += [lo, hi]
            nodes.append(helper.make_node("Clip", [conv_out, "lo_" + name, "hi_" + name],
                                          [name], name="clip_" + name))
            ref = np.clip(ref, 0, 6)
        outs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(ref.shape)))
        refs.append((name, ref.astype(np.float32)))
    graph = helper.make_graph(
        nodes, "depthwise_pads",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in SHAPES.items()],
        outs, inits)
    write_case(OUT, graph, list(inputs.items()), refs)


if __name__ == "__main__":
    main()
