#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes Inputs/mlp-dynamic/: an MLP whose batch dimension is the named,
open dim_param "N" (as torch.onnx.export with dynamic_axes writes it),
x[N,4] -> MatMul -> Add -> Relu -> Softmax -> y[N,3], and test data sets for
N = 2 and N = 5 whose outputs numpy computes in float64.

Run with Debian's python3-onnx: python3 make_dynamic.py"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "mlp-dynamic")


def main():
    rng = np.random.default_rng(7)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]),
             helper.make_node("Add", ["h", "b"], ["a"]),
             helper.make_node("Relu", ["a"], ["r"]),
             helper.make_node("Softmax", ["r"], ["y"], axis=-1)]
    graph = helper.make_graph(
        nodes, "mlp_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
        initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    os.makedirs(OUT, exist_ok=True)
    onnx.save(model, os.path.join(OUT, "model.onnx"))
    for i, n in enumerate((2, 5)):
        x = rng.standard_normal((n, 4)).astype(np.float32)
        a = np.maximum(x.astype(np.float64) @ w.astype(np.float64) + b, 0)
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        y = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
        d = os.path.join(OUT, f"test_data_set_{i}")
        os.makedirs(d, exist_ok=True)
        for name, v in (("input_0", numpy_helper.from_array(x, "x")),
                        ("output_0", numpy_helper.from_array(y, "y"))):
            with open(os.path.join(d, name + ".pb"), "wb") as f:
                f.write(v.SerializeToString())
        print(d, "N =", n)


if __name__ == "__main__":
    main()
