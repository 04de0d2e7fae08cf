#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes Inputs/rows-dynamic/: an MLP over an open number of rows N (the
dim_param "N"), x[N,24] -> MatMul 24x64 + Add -> Relu -> MatMul 64x40 + Add
-> y[N,40], whose linears the CPU kernels tile by rows with N open (tiles of
8 or 16 rows up to the last whole one, then single rows), and test data sets
for N = 19, 16 and 3 with numpy float64 references.

Run with Debian's python3-onnx: python3 make_rows.py"""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from onnx_case import write_case

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "rows-dynamic")


def main():
    rng = np.random.default_rng(5)
    w1 = (rng.standard_normal((24, 64)) / 5).astype(np.float32)
    b1 = rng.standard_normal(64).astype(np.float32)
    w2 = (rng.standard_normal((64, 40)) / 8).astype(np.float32)
    b2 = rng.standard_normal(40).astype(np.float32)
    inits = [numpy_helper.from_array(v, n) for n, v in
             (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))]
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"], name="mm1"),
             helper.make_node("Add", ["h", "b1"], ["hb"], name="add1"),
             helper.make_node("Relu", ["hb"], ["r"], name="relu"),
             helper.make_node("MatMul", ["r", "w2"], ["o"], name="mm2"),
             helper.make_node("Add", ["o", "b2"], ["y"], name="add2")]
    graph = helper.make_graph(
        nodes, "rows_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 24])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 40])], inits)
    for i, n in enumerate((19, 16, 3)):
        x = rng.standard_normal((n, 24)).astype(np.float32)
        f = lambda v: v.astype(np.float64)
        y = np.maximum(f(x) @ f(w1) + f(b1), 0) @ f(w2) + f(b2)
        write_case(OUT, graph, [("x", x)], [("y", y.astype(np.float32))],
                   data_set=f"test_data_set_{i}")


if __name__ == "__main__":
    main()
