# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes int8/: seven contractions, each reading its own model input, for
--quantize int8 (calibrated on calib/, the same sample), with float64
references of the int8 arithmetic the quantization defines.

Every value is on the quantization grid, so the expected result is exact:
each input spans [-64/32, 191/32] (scale 2^-5, zero point 64) and is
(q - 64) / 32 for integer q in [0, 255]; each weight channel c holds
integers in [-127, 127] times 2^-(7 + c % 3), with +-127 present (so its
scale is that power of two). The reference is
  y = sum (qx - 64) * qw * 2^-5 * w_scale[c] + bias   (then the activation)
computed in float64 from exact integer sums.

The shapes cover what the dot4 kernels tile: reduction extents not a
multiple of 4 (3 channels, K = 10), output channels not a multiple of 16
(20, 24, 40), zero padding (read as the zero point), stride 2, rows that
no tile divides (9, 7), a batched matmul with a constant right side.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from onnx_case import write_case  # noqa: E402

rng = np.random.default_rng(7)
XS, XZ = 2.0**-5, 64


def act(shape):
    q = rng.integers(0, 256, size=shape)
    q.flat[0], q.flat[1] = 0, 255  # the calibrated range is the full grid
    return q, ((q - XZ) * XS).astype(np.float32)


def weight(shape, axis):
    q = rng.integers(-127, 128, size=shape)
    q = np.moveaxis(q, axis, 0)
    scales = np.array([2.0 ** -(7 + c % 3) for c in range(q.shape[0])])
    for c in range(q.shape[0]):
        q[c].flat[0], q[c].flat[1] = 127, -127
    q = np.moveaxis(q, 0, axis)
    shape_s = [1] * len(shape)
    shape_s[axis] = len(scales)
    return q, (q * scales.reshape(shape_s)).astype(np.float32), scales


def conv_ref(qx, qw, scales, bias, stride, pad):
    x = np.pad(qx - XZ, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # zero point -> 0
    n, c, h, w = x.shape
    m, _, kh, kw = qw.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    acc = np.zeros((n, m, oh, ow), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            acc += np.einsum("nchw,mc->nmhw", patch, qw[:, :, i, j])
    return acc * XS * scales.reshape(1, -1, 1, 1) + bias.reshape(1, -1, 1, 1)


nodes, inits, ins, outs, feeds, refs = [], [], [], [], [], []


def add_input(name, shape):
    q, x = act(shape)
    ins.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
    feeds.append((name, x))
    return q


def add_output(name, y):
    outs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(y.shape)))
    refs.append((name, y.astype(np.float32)))


# a: 3x3 conv, pad 1, 3 -> 20 channels on 9x9, bias, Relu.
qx = add_input("xa", (1, 3, 9, 9))
qw, w, s = weight((20, 3, 3, 3), 0)
b = rng.normal(size=20).astype(np.float32)
inits += [numpy_helper.from_array(w, "wa"), numpy_helper.from_array(b, "ba")]
nodes += [helper.make_node("Conv", ["xa", "wa", "ba"], ["ca"], pads=[1, 1, 1, 1]),
          helper.make_node("Relu", ["ca"], ["ya"])]
add_output("ya", np.maximum(conv_ref(qx, qw, s, b, 1, 0 + 1), 0))

# b: 3x3 conv, stride 2, pad 1, 8 -> 32 channels on 14x14.
qx = add_input("xb", (1, 8, 14, 14))
qw, w, s = weight((32, 8, 3, 3), 0)
b = rng.normal(size=32).astype(np.float32)
inits += [numpy_helper.from_array(w, "wb"), numpy_helper.from_array(b, "bb")]
nodes.append(helper.make_node("Conv", ["xb", "wb", "bb"], ["yb"], pads=[1, 1, 1, 1],
                              strides=[2, 2]))
add_output("yb", conv_ref(qx, qw, s, b, 2, 1))

# c: 1x1 conv, 16 -> 24 channels on 7x7, no bias.
qx = add_input("xc", (1, 16, 7, 7))
qw, w, s = weight((24, 16, 1, 1), 0)
inits.append(numpy_helper.from_array(w, "wc"))
nodes.append(helper.make_node("Conv", ["xc", "wc"], ["yc"]))
add_output("yc", conv_ref(qx, qw, s, np.zeros(24), 1, 0))

# d: Gemm x [5, 10] . W^T [40, 10] + bias.
qx = add_input("xd", (5, 10))
qw, w, s = weight((40, 10), 0)
b = rng.normal(size=40).astype(np.float32)
inits += [numpy_helper.from_array(w, "wd"), numpy_helper.from_array(b, "bd")]
nodes.append(helper.make_node("Gemm", ["xd", "wd", "bd"], ["yd"], transB=1))
add_output("yd", ((qx - XZ) @ qw.T) * XS * s + b)

# e: MatMul x [2, 3, 12] . W [12, 20] (per-column scales).
qx = add_input("xe", (2, 3, 12))
qw, w, s = weight((12, 20), 1)
inits.append(numpy_helper.from_array(w, "we"))
nodes.append(helper.make_node("MatMul", ["xe", "we"], ["ye"]))
add_output("ye", np.einsum("bmk,kn->bmn", qx - XZ, qw) * XS * s)

# f: 1x1 conv, 24 -> 40 channels on 3x40 positions, bias, Relu: the dot4
# kernel with positions as lanes (a short reduction, 40 = 16 + 16 + 8
# positions: a remainder tile of 8 lanes).
qx = add_input("xf", (1, 24, 3, 40))
qw, w, s = weight((40, 24, 1, 1), 0)
b = rng.normal(size=40).astype(np.float32)
inits += [numpy_helper.from_array(w, "wf"), numpy_helper.from_array(b, "bf")]
nodes += [helper.make_node("Conv", ["xf", "wf", "bf"], ["cf"]),
          helper.make_node("Relu", ["cf"], ["yf"])]
add_output("yf", np.maximum(conv_ref(qx, qw, s, b, 1, 0), 0))

# g: 3x3 conv, pad 1, 4 -> 16 channels on 4x20 (positions as lanes: 16 + 4,
# each tap's 64-byte read starting kw positions in; the padding read as the
# zero point).
qx = add_input("xg", (1, 4, 4, 20))
qw, w, s = weight((16, 4, 3, 3), 0)
inits.append(numpy_helper.from_array(w, "wg"))
nodes.append(helper.make_node("Conv", ["xg", "wg"], ["yg"], pads=[1, 1, 1, 1]))
add_output("yg", conv_ref(qx, qw, s, np.zeros(16), 1, 1))

graph = helper.make_graph(nodes, "int8", ins, outs, inits)
out = os.path.join(os.path.dirname(__file__), "int8")
write_case(out, graph, feeds, refs)
calib = os.path.join(out, "calib", "sample_0")
os.makedirs(calib, exist_ok=True)
for i, (n, v) in enumerate(feeds):
    with open(os.path.join(calib, f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(v, n).SerializeToString())
