#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes Inputs/winograd-conv/: 3x3 stride-1 convolutions that the
conversion computes as Winograd F(2x2, 3x3) (constant weight, 32k output
channels, output at least 7x7), with numpy float64 references:
  a: x[1,16,14,14] -> Conv 32, pads 1 (14x14 output: 7x7 tiles) + Relu
  b: a -> Conv 32, pads [0,1,1,0] (13x13: a cropped tile row and column)
     + residual Add of a[:, :, :13, :13] (Slice) -> Relu
  c: x -> Conv 64, no pads (12x12), no bias
  d: y[1,8,9,11] -> Conv 32, pads 1 (9x11: 5x6 tiles, both cropped)
  e: x -> Conv 56, pads 1 (output channels padded to 64, then cropped)
Inputs rounded to float32 first, then everything in float64.

Run with Debian's python3-onnx: python3 make_winograd.py"""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from onnx_case import write_case

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "winograd-conv")


def conv(x, w, b, pads):
    n, c, h, wd = x.shape
    m = w.shape[0]
    t, l, bo, r = pads
    xp = np.zeros((n, c, h + t + bo, wd + l + r))
    xp[:, :, t:t + h, l:l + wd] = x
    oh, ow = h + t + bo - 2, wd + l + r - 2
    out = np.zeros((n, m, oh, ow))
    if b is not None:
        out += b.reshape(1, m, 1, 1)
    for i in range(3):
        for j in range(3):
            out += np.einsum("nchw,mc->nmhw", xp[:, :, i:i + oh, j:j + ow], w[:, :, i, j])
    return out


def main():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 16, 14, 14)).astype(np.float32)
    y = rng.standard_normal((1, 8, 9, 11)).astype(np.float32)
    inits, nodes = [], []

    def weight(name, m, c, bias=True):
        w = (rng.standard_normal((m, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
        inits.append(numpy_helper.from_array(w, "w_" + name))
        if not bias:
            return w, None, ["w_" + name]
        b = rng.standard_normal(m).astype(np.float32)
        inits.append(numpy_helper.from_array(b, "b_" + name))
        return w, b, ["w_" + name, "b_" + name]

    f64 = lambda v: None if v is None else v.astype(np.float64)
    wa, ba, ia = weight("a", 32, 16)
    nodes.append(helper.make_node("Conv", ["x"] + ia, ["conv_a"], name="conv_a",
                                  kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    nodes.append(helper.make_node("Relu", ["conv_a"], ["a"], name="relu_a"))
    ra = np.maximum(conv(f64(x), f64(wa), f64(ba), [1, 1, 1, 1]), 0)
    wb, bb, ib = weight("b", 32, 32)
    nodes.append(helper.make_node("Conv", ["a"] + ib, ["conv_b"], name="conv_b",
                                  kernel_shape=[3, 3], pads=[0, 1, 1, 0]))
    for n, v in (("starts", [0, 0]), ("ends", [13, 13]), ("axes", [2, 3])):
        inits.append(numpy_helper.from_array(np.array(v, np.int64), n))
    nodes.append(helper.make_node("Slice", ["a", "starts", "ends", "axes"], ["a13"],
                                  name="slice_a"))
    nodes.append(helper.make_node("Add", ["conv_b", "a13"], ["sum_b"], name="add_b"))
    nodes.append(helper.make_node("Relu", ["sum_b"], ["b"], name="relu_b"))
    rb = np.maximum(conv(ra, f64(wb), f64(bb), [0, 1, 1, 0]) + ra[:, :, :13, :13], 0)
    wc, _, ic = weight("c", 64, 16, bias=False)
    nodes.append(helper.make_node("Conv", ["x"] + ic, ["c"], name="conv_c",
                                  kernel_shape=[3, 3]))
    rc = conv(f64(x), f64(wc), None, [0, 0, 0, 0])
    wd, bd, idd = weight("d", 32, 8)
    nodes.append(helper.make_node("Conv", ["y"] + idd, ["d"], name="conv_d",
                                  kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    rd = conv(f64(y), f64(wd), f64(bd), [1, 1, 1, 1])
    # 56 output channels (what channel pruning leaves): padded to 64 with
    # zero weights, cropped after the output transform.
    we, be, ie = weight("e", 56, 16)
    nodes.append(helper.make_node("Conv", ["x"] + ie, ["e"], name="conv_e",
                                  kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    re = conv(f64(x), f64(we), f64(be), [1, 1, 1, 1])
    refs = [("a", ra), ("b", rb), ("c", rc), ("d", rd), ("e", re)]
    graph = helper.make_graph(
        nodes, "winograd_conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape)),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y.shape))],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(v.shape)) for n, v in refs],
        inits)
    write_case(OUT, graph, [("x", x), ("y", y)], [(n, v.astype(np.float32)) for n, v in refs])


if __name__ == "__main__":
    main()
