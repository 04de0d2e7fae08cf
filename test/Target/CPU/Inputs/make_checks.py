#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Inputs for the run-time checks, which refuse a run the model's inputs
make invalid:
Inputs/matmul-dynamic/: a[M,K] x b[L,4] (MatMul) whose reduction extents
are different dim_params, so only the run can tell whether they agree:
test_data_set_0 with M = 3, K = L = 5 and a numpy float64 reference, and
b4.pb, a b of 4 rows, which the runtime must refuse against a's 5 columns.
Inputs/gather-indices/: Gather of a constant table [5,3] by indices[4] from
the data (axis 0): test_data_set_0 with in-range indices (one negative,
which counts from the end) and its numpy reference, and bad.pb, indices
with a 5, which the runtime must refuse.

Run with Debian's python3-onnx: python3 make_checks.py"""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from onnx_case import write_case

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "matmul-dynamic")
GATHER = os.path.join(HERE, "gather-indices")


def main():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 5)).astype(np.float32)
    b = rng.standard_normal((5, 4)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["y"], name="MatMul_0")], "matmul_dynamic",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["M", "K"]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["L", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["M", 4])])
    y = a.astype(np.float64) @ b.astype(np.float64)
    write_case(OUT, graph, [("a", a), ("b", b)], [("y", y.astype(np.float32))])
    b4 = rng.standard_normal((4, 4)).astype(np.float32)
    with open(os.path.join(OUT, "b4.pb"), "wb") as f:
        f.write(numpy_helper.from_array(b4, "b").SerializeToString())

    table = rng.standard_normal((5, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "i"], ["y"], name="Gather_0", axis=0)],
        "gather_indices", [helper.make_tensor_value_info("i", TensorProto.INT64, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 3])],
        [numpy_helper.from_array(table, "table")])
    i = np.array([0, 4, -1, 2], np.int64)
    write_case(GATHER, graph, [("i", i)], [("y", table[i])])
    with open(os.path.join(GATHER, "bad.pb"), "wb") as f:
        f.write(numpy_helper.from_array(np.array([1, 5, 0, 0], np.int64), "i")
                .SerializeToString())


if __name__ == "__main__":
    main()
