#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes Inputs/slice-dynamic/: slices that cut an open dim S of
x[2,S,3] (ONNX starts / ends kept as written, clamped into S at run time):
  a = x[:, 1:-1]   (both ends, a negative end)
  b = x[:, -3:]    (the last three, a negative start)
  c = x[:, 1::2]   (a step)
  d = x[:, 2:100]  (an end past the extent)
  e = x[:, -2::-2] (backwards from the second last, by 2)
  f = x[:, 5:1:-1] (backwards, a start past the extent)
with numpy references for S = 7, 2 (a, d and f: fewer than their starts) and 4.

Run with Debian's python3-onnx: python3 make_slices.py"""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from onnx_case import write_case

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "slice-dynamic")
BIG = 2 ** 62

SLICES = [("a", 1, -1, 1), ("b", -3, BIG, 1), ("c", 1, BIG, 2), ("d", 2, 100, 1),
          ("e", -2, -BIG, -2), ("f", 5, 1, -1)]


def main():
    rng = np.random.default_rng(9)
    inits, nodes = [], []
    for name, s, e, st in SLICES:
        for k, v in (("s", s), ("e", e), ("st", st)):
            inits.append(numpy_helper.from_array(np.array([v], np.int64), f"{k}_{name}"))
        nodes.append(helper.make_node("Slice", ["x", f"s_{name}", f"e_{name}", "axis1",
                                                f"st_{name}"], [name], name=f"slice_{name}"))
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis1"))
    graph = helper.make_graph(
        nodes, "slice_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, "S", 3])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, None, 3])
         for n, _, _, _ in SLICES], inits)
    for i, n in enumerate((7, 2, 4)):
        x = rng.standard_normal((2, n, 3)).astype(np.float32)
        outs = [(name, np.ascontiguousarray(x[:, slice(s, None if abs(e) == BIG else e, st)]))
                for name, s, e, st in SLICES]
        write_case(OUT, graph, [("x", x)], outs, data_set=f"test_data_set_{i}")


if __name__ == "__main__":
    main()
