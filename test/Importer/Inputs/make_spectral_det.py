#!/usr/bin/python3
"""DFT and Det beyond ONNX's node tests, against numpy in float64
(numpy.fft, numpy.linalg.det). Usage: make_spectral_det.py OUTDIR ->
OUTDIR/<case>/{model.onnx,test_data_set_0/}"""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

from onnxcase import write_case

out = sys.argv[1]
rng = np.random.default_rng(5)


def save(name, node, feeds, refs, consts=()):
    g = h.make_graph([node], name,
                     [h.make_tensor_value_info(nm, T.FLOAT, a.shape) for nm, a in feeds],
                     [h.make_tensor_value_info(nm, T.FLOAT, a.shape) for nm, a in refs],
                     initializer=[numpy_helper.from_array(a, nm) for nm, a in consts])
    f32 = lambda ts: [(nm, a.astype(np.float32)) for nm, a in ts]
    write_case(out, name, g, f32(feeds), f32(refs))


def ri(c):  # complex -> trailing [re, im]
    return np.stack([c.real, c.imag], -1)


# Complex input along axis 2, zero-padded to 16 points.
x = rng.standard_normal((2, 3, 11, 2))
c = x[..., 0] + 1j * x[..., 1]
save("dft_complex_pad", h.make_node("DFT", ["x", "len"], ["y"], axis=2), [("x", x)],
     [("y", ri(np.fft.fft(c, n=16, axis=2)))], [("len", np.array(16, np.int64))])
# Real input, one-sided, truncated to 12 points, axis 1.
x = rng.standard_normal((2, 20, 3, 1))
save("dft_real_onesided_trunc", h.make_node("DFT", ["x", "len"], ["y"], axis=1, onesided=1),
     [("x", x)], [("y", ri(np.fft.rfft(x[..., 0], n=12, axis=1)))],
     [("len", np.array(12, np.int64))])
# Inverse of a complex signal, odd length.
x = rng.standard_normal((4, 9, 2))
c = x[..., 0] + 1j * x[..., 1]
save("dft_inverse_odd", h.make_node("DFT", ["x"], ["y"], axis=1, inverse=1), [("x", x)],
     [("y", ri(np.fft.ifft(c, axis=1)))])
# Det: a batch of 5x5 matrices, one with a zero leading entry (pivoting),
# one singular.
a = rng.standard_normal((2, 3, 5, 5))
a[0, 1, 0, 0] = 0.0
a[1, 2, 4] = a[1, 2, 0] * 2.0
save("det_batch5", h.make_node("Det", ["a"], ["d"]), [("a", a)],
     [("d", np.linalg.det(a))])
