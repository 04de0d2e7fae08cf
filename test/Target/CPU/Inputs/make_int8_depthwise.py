# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes int8-depthwise/ and int8-depthwise-chain/ for --quantize int8.

int8-depthwise: three depthwise convolutions (group = channels), each
reading its own model input, every value on the quantization grid as in
make_int8.py (inputs (q - 64) / 32 for integer q in [0, 255]; weight
channel c integers in [-127, 127] times 2^-(7 + c % 3), +-127 present), so
the int8 result has one exact answer, computed here in float64 from
integer sums:
  f: 3x3, pad 1, stride 1, 24 channels on 20x20 (a row of 20: a 16-lane
     tile and a 4-lane one), bias, Relu;
  g: 3x3, pad 1, stride 2, 32 channels on 32x32, bias, Clip(0, 6);
  h: 5x5, pad 2, stride 1, 16 channels on 16x16, no bias.

int8-depthwise-chain: MobileNet's inverted residual, 1x1 conv 16 -> 48 +
Clip(0, 6), depthwise 3x3 (stride 1, pad 1) + Clip(0, 6), 1x1 conv 48 -> 16,
on 1x16x28x28, with real-valued weights: every layer quantized, the
depthwise conv reading the expand conv's uint8 output and writing the
projection's. Its reference is the f32 model in float64; the int8 artifact
is checked against it by cosine.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from onnx_case import write_case  # noqa: E402

rng = np.random.default_rng(11)
XS, XZ = 2.0**-5, 64
here = os.path.dirname(__file__)


def act(shape):
    q = rng.integers(0, 256, size=shape)
    q.flat[0], q.flat[1] = 0, 255  # the calibrated range is the full grid
    return q, ((q - XZ) * XS).astype(np.float32)


def dw_weight(c, k):
    q = rng.integers(-127, 128, size=(c, 1, k, k))
    scales = np.array([2.0 ** -(7 + i % 3) for i in range(c)])
    for i in range(c):
        q[i].flat[0], q[i].flat[1] = 127, -127
    return q, (q * scales.reshape(-1, 1, 1, 1)).astype(np.float32), scales


def dw_ref(x, w, stride, pad):
    """Depthwise conv of float64 (or integer) arrays x [N, C, H, W], w [C, 1, k, k]."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    k = w.shape[2]
    oh, ow = (h - k) // stride + 1, (wd - k) // stride + 1
    acc = np.zeros((n, c, oh, ow), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            acc += x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] * \
                w[:, 0, i, j].reshape(1, -1, 1, 1)
    return acc


def save_calib(out, feeds):
    calib = os.path.join(out, "calib", "sample_0")
    os.makedirs(calib, exist_ok=True)
    for i, (n, v) in enumerate(feeds):
        with open(os.path.join(calib, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v, n).SerializeToString())


nodes, inits, ins, outs, feeds, refs = [], [], [], [], [], []


def case(tag, c, hw, k, stride, pad, bias, act_node):
    global inits
    qx, x = act((1, c, hw, hw))
    ins.append(helper.make_tensor_value_info("x" + tag, TensorProto.FLOAT, [1, c, hw, hw]))
    feeds.append(("x" + tag, x))
    qw, w, s = dw_weight(c, k)
    inits.append(numpy_helper.from_array(w, "w" + tag))
    conv_in = ["x" + tag, "w" + tag]
    b = np.zeros(c)
    if bias:
        b = rng.normal(size=c).astype(np.float32)
        inits.append(numpy_helper.from_array(b, "b" + tag))
        conv_in.append("b" + tag)
    # The zero point pads as 0.0: integer sums of (q - 64) with zeros.
    acc = dw_ref((qx - XZ).astype(np.int64), qw.astype(np.int64), stride, pad)
    y = acc * XS * s.reshape(1, -1, 1, 1) + np.asarray(b, np.float64).reshape(1, -1, 1, 1)
    conv_out = "c" + tag if act_node else "y" + tag
    nodes.append(helper.make_node("Conv", conv_in, [conv_out], group=c, kernel_shape=[k, k],
                                  pads=[pad] * 4, strides=[stride] * 2))
    if act_node == "Relu":
        nodes.append(helper.make_node("Relu", [conv_out], ["y" + tag]))
        y = np.maximum(y, 0)
    elif act_node == "Clip":
        inits += [numpy_helper.from_array(np.array(0, np.float32), "lo" + tag),
                  numpy_helper.from_array(np.array(6, np.float32), "hi" + tag)]
        nodes.append(helper.make_node("Clip", [conv_out, "lo" + tag, "hi" + tag], ["y" + tag]))
        y = np.clip(y, 0, 6)
    outs.append(helper.make_tensor_value_info("y" + tag, TensorProto.FLOAT, list(y.shape)))
    refs.append(("y" + tag, y.astype(np.float32)))


case("f", 24, 20, 3, 1, 1, True, "Relu")
case("g", 32, 32, 3, 2, 1, True, "Clip")
case("h", 16, 16, 5, 1, 2, False, None)
out = os.path.join(here, "int8-depthwise")
write_case(out, helper.make_graph(nodes, "int8_depthwise", ins, outs, inits), feeds, refs)
save_calib(out, feeds)

# The chain, real-valued.
x = rng.normal(size=(1, 16, 28, 28)).astype(np.float32)
we = (rng.normal(size=(48, 16, 1, 1)) * 0.3).astype(np.float32)
be = (rng.normal(size=48) * 0.1).astype(np.float32)
wd = (rng.normal(size=(48, 1, 3, 3)) * 0.4).astype(np.float32)
bd = (rng.normal(size=48) * 0.1).astype(np.float32)
wp = (rng.normal(size=(16, 48, 1, 1)) * 0.2).astype(np.float32)
bp = (rng.normal(size=16) * 0.1).astype(np.float32)
x64 = x.astype(np.float64)
e = np.einsum("nchw,mc->nmhw", x64, we[:, :, 0, 0].astype(np.float64)) + be.reshape(1, -1, 1, 1)
e = np.clip(e, 0, 6)
d = dw_ref(e, wd.astype(np.float64), 1, 1) + bd.reshape(1, -1, 1, 1)
d = np.clip(d, 0, 6)
y = np.einsum("nchw,mc->nmhw", d, wp[:, :, 0, 0].astype(np.float64)) + bp.reshape(1, -1, 1, 1)
six = [numpy_helper.from_array(np.array(0, np.float32), "lo"),
       numpy_helper.from_array(np.array(6, np.float32), "hi")]
graph = helper.make_graph(
    [helper.make_node("Conv", ["x", "we", "be"], ["e0"]),
     helper.make_node("Clip", ["e0", "lo", "hi"], ["e"]),
     helper.make_node("Conv", ["e", "wd", "bd"], ["d0"], group=48, pads=[1, 1, 1, 1]),
     helper.make_node("Clip", ["d0", "lo", "hi"], ["d"]),
     helper.make_node("Conv", ["d", "wp", "bp"], ["y"])],
    "int8_depthwise_chain",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 28, 28])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 28, 28])],
    six + [numpy_helper.from_array(v, n) for n, v in
           (("we", we), ("be", be), ("wd", wd), ("bd", bd), ("wp", wp), ("bp", bp))])
out = os.path.join(here, "int8-depthwise-chain")
write_case(out, graph, [("x", x)], [("y", y.astype(np.float32))])
save_calib(out, [("x", x)])
