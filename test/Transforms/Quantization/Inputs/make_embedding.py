#!/usr/bin/env python3
"""Writes OUT/model.onnx: e = Gather(table, ids) (table [256, 64], each row
on its own int8 grid: q * s with max |q| = 127, so per-row int8 holds it
exactly), y = MatMul(e, W); OUT/calib/sample_<i>.pb (ids) and
OUT/data/{input_0, output_0, output_1}.pb (float64 references)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(3)
q = rng.integers(-127, 128, size=(256, 64))
q[np.arange(256), rng.integers(0, 64, size=256)] = 127
s = rng.uniform(0.001, 0.05, size=(256, 1))
table = (q * s).astype(np.float32)
w = (rng.standard_normal((64, 32)) * 0.2).astype(np.float32)
g = helper.make_graph(
    [helper.make_node("Gather", ["table", "ids"], ["e"], name="embed", axis=0),
     helper.make_node("MatMul", ["e", "w"], ["y"], name="proj")],
    "embedding",
    [helper.make_tensor_value_info("ids", TensorProto.INT64, [2, 8])],
    [helper.make_tensor_value_info("e", TensorProto.FLOAT, [2, 8, 64]),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 8, 32])],
    [numpy_helper.from_array(table, "table"), numpy_helper.from_array(w, "w")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(m)
for d in ("calib", "data"):
    os.makedirs(os.path.join(out, d), exist_ok=True)
onnx.save(m, os.path.join(out, "model.onnx"))
for i in range(4):
    ids = rng.integers(0, 256, size=(2, 8)).astype(np.int64)
    onnx.save_tensor(numpy_helper.from_array(ids, "ids"),
                     os.path.join(out, "calib", f"sample_{i}.pb"))
e = table.astype(np.float64)[ids]
onnx.save_tensor(numpy_helper.from_array(ids, "ids"), os.path.join(out, "data", "input_0.pb"))
onnx.save_tensor(numpy_helper.from_array(e.astype(np.float32), "e"),
                 os.path.join(out, "data", "output_0.pb"))
onnx.save_tensor(numpy_helper.from_array((e @ w.astype(np.float64)).astype(np.float32), "y"),
                 os.path.join(out, "data", "output_1.pb"))
