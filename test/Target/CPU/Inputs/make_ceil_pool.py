#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes Inputs/ceil-pool-dynamic/: ceil-mode pooling of an image whose
height and width are open (dim_params H and W), x[1,2,H,W]:
  mx = MaxPool 3x3 stride 2, no pads, ceil_mode
  av = AveragePool 3x3 stride 2, pads 1, ceil_mode, count_include_pad 0
  m2 = MaxPool 2x2 stride 2, pads 1, ceil_mode (at odd extents the ceil
       window would start in the end padding: dropped)
with numpy float64 references for 7x8, 6x5 and 4x4 (ONNX's ceil rule: the
last window may run past the end but must start inside the input or the
begin padding; the extra end never counts in an average).

Run with Debian's python3-onnx: python3 make_ceil_pool.py"""
import math
import os

import numpy as np
from onnx import TensorProto, helper

from onnx_case import write_case

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ceil-pool-dynamic")


def extent(d, k, s, pl, pr):
    out = math.ceil((d + pl + pr - k) / s) + 1
    if (out - 1) * s >= d + pl:
        out -= 1
    return out


def pool(x, k, s, p, kind):
    n, c, h, w = x.shape
    oh, ow = extent(h, k, s, p, p), extent(w, k, s, p, p)
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = [r for r in range(i * s - p, i * s - p + k) if 0 <= r < h]
            cols = [q for q in range(j * s - p, j * s - p + k) if 0 <= q < w]
            win = x[:, :, rows][:, :, :, cols]
            out[:, :, i, j] = win.max(axis=(2, 3)) if kind == "max" else win.mean(axis=(2, 3))
    return out


def main():
    rng = np.random.default_rng(13)
    nodes = [helper.make_node("MaxPool", ["x"], ["mx"], name="maxpool", kernel_shape=[3, 3],
                              strides=[2, 2], ceil_mode=1),
             helper.make_node("AveragePool", ["x"], ["av"], name="avgpool",
                              kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                              ceil_mode=1, count_include_pad=0),
             helper.make_node("MaxPool", ["x"], ["m2"], name="maxpool2", kernel_shape=[2, 2],
                              strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)]
    graph = helper.make_graph(
        nodes, "ceil_pool_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, "H", "W"])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 2, None, None])
         for n in ("mx", "av", "m2")])
    for i, (h, w) in enumerate(((7, 8), (6, 5), (4, 4))):
        x = rng.standard_normal((1, 2, h, w)).astype(np.float32)
        x64 = x.astype(np.float64)
        write_case(OUT, graph, [("x", x)],
                   [("mx", pool(x64, 3, 2, 0, "max").astype(np.float32)),
                    ("av", pool(x64, 3, 2, 1, "avg").astype(np.float32)),
                    ("m2", pool(x64, 2, 2, 1, "max").astype(np.float32))],
                   data_set=f"test_data_set_{i}")


if __name__ == "__main__":
    main()
