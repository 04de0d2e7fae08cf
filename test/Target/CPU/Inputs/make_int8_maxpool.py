# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes int8-maxpool/ for --quantize int8: ResNet's stem and first
residual block in small, real-valued weights:
  conv 3x3 (stride 2, pad 1) 3 -> 16 + bias + Relu, MaxPool 3x3 (stride 2,
  pad 1), then conv 3x3 (pad 1) 16 -> 16 + bias + Relu, conv 3x3 (pad 1)
  16 -> 16 + bias, plus the pool's output (the residual), Relu;
on 1x3x32x32. The pool's quantized consumer makes it a pool of bytes
(autoglm-quant-int8: the quantize moves before the max), and the residual
reads those bytes dequantized. The reference is the f32 model in float64;
the int8 artifact is checked against it by cosine.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from onnx_case import write_case  # noqa: E402

rng = np.random.default_rng(13)
here = os.path.dirname(__file__)


def conv(x, w, b, stride, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    m, _, k, _ = w.shape
    oh, ow = (h - k) // stride + 1, (wd - k) // stride + 1
    y = np.zeros((n, m, oh, ow))
    for i in range(k):
        for j in range(k):
            patch = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += np.einsum("nchw,mc->nmhw", patch, w[:, :, i, j])
    return y + b.reshape(1, -1, 1, 1)


def max_pool(x, k, stride, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    n, c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    y = np.full((n, c, oh, ow), -np.inf)
    for i in range(k):
        for j in range(k):
            y = np.maximum(y, x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride])
    return y


x = rng.normal(size=(1, 3, 32, 32)).astype(np.float32)
w0 = (rng.normal(size=(16, 3, 3, 3)) * 0.3).astype(np.float32)
b0 = (rng.normal(size=16) * 0.1).astype(np.float32)
w1 = (rng.normal(size=(16, 16, 3, 3)) * 0.1).astype(np.float32)
b1 = (rng.normal(size=16) * 0.1).astype(np.float32)
w2 = (rng.normal(size=(16, 16, 3, 3)) * 0.1).astype(np.float32)
b2 = (rng.normal(size=16) * 0.1).astype(np.float32)
f64 = lambda a: a.astype(np.float64)  # noqa: E731
s = np.maximum(conv(f64(x), f64(w0), f64(b0), 2, 1), 0)
p = max_pool(s, 3, 2, 1)
h = np.maximum(conv(p, f64(w1), f64(b1), 1, 1), 0)
y = np.maximum(conv(h, f64(w2), f64(b2), 1, 1) + p, 0)
graph = helper.make_graph(
    [helper.make_node("Conv", ["x", "w0", "b0"], ["s0"], strides=[2, 2], pads=[1, 1, 1, 1]),
     helper.make_node("Relu", ["s0"], ["s"]),
     helper.make_node("MaxPool", ["s"], ["p"], kernel_shape=[3, 3], strides=[2, 2],
                      pads=[1, 1, 1, 1]),
     helper.make_node("Conv", ["p", "w1", "b1"], ["h0"], pads=[1, 1, 1, 1]),
     helper.make_node("Relu", ["h0"], ["h"]),
     helper.make_node("Conv", ["h", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]),
     helper.make_node("Add", ["c2", "p"], ["a"]),
     helper.make_node("Relu", ["a"], ["y"])],
    "int8_maxpool",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 8, 8])],
    [numpy_helper.from_array(v, n) for n, v in
     (("w0", w0), ("b0", b0), ("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))])
out = os.path.join(here, "int8-maxpool")
write_case(out, graph, [("x", x)], [("y", y.astype(np.float32))])
calib = os.path.join(out, "calib")
os.makedirs(calib, exist_ok=True)
with open(os.path.join(calib, "input_0.pb"), "wb") as f:
    f.write(numpy_helper.from_array(x, "x").SerializeToString())
