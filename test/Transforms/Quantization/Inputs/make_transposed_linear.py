#!/usr/bin/env python3
"""Writes OUT/model.onnx: y = MatMul(Relu(MatMul(x, Transpose(W1))), Transpose(W2)),
the form torch exports a Linear in without constant folding (the weight a
Transpose node of the [out, in] initializer; W1's Transpose is also read by
an Identity output, so it must stay), OUT/calib/sample_<i>.pb (8 samples
of x) and OUT/data/{input_0,output_0}.pb (one sample, the float64 reference)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)
w1 = rng.standard_normal((32, 24)).astype(np.float32) * 0.3
w2 = rng.standard_normal((10, 32)).astype(np.float32) * 0.3
nodes = [
    helper.make_node("Transpose", ["w1"], ["w1t"], name="t1", perm=[1, 0]),
    helper.make_node("MatMul", ["x", "w1t"], ["h"], name="fc1"),
    helper.make_node("Relu", ["h"], ["r"], name="relu"),
    helper.make_node("Transpose", ["w2"], ["w2t"], name="t2"),
    helper.make_node("MatMul", ["r", "w2t"], ["y"], name="fc2"),
    helper.make_node("Identity", ["w1t"], ["w1_out"], name="keep"),
]
g = helper.make_graph(nodes, "transposed_linear",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 24])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 10]),
                       helper.make_tensor_value_info("w1_out", TensorProto.FLOAT, [24, 32])],
                      [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(m)
os.makedirs(os.path.join(out, "calib"), exist_ok=True)
os.makedirs(os.path.join(out, "data"), exist_ok=True)
onnx.save(m, os.path.join(out, "model.onnx"))
calib = rng.standard_normal((8, 4, 24)).astype(np.float32)
for i, c in enumerate(calib):
    open(os.path.join(out, "calib", f"sample_{i}.pb"), "wb").write(
        numpy_helper.from_array(c, "x").SerializeToString())
x = calib[0]
y = np.maximum(x.astype(np.float64) @ w1.T.astype(np.float64), 0) @ w2.T.astype(np.float64)
open(os.path.join(out, "data", "input_0.pb"), "wb").write(
    numpy_helper.from_array(x, "x").SerializeToString())
open(os.path.join(out, "data", "output_0.pb"), "wb").write(
    numpy_helper.from_array(y.astype(np.float32), "y").SerializeToString())
open(os.path.join(out, "data", "output_1.pb"), "wb").write(
    numpy_helper.from_array(w1.T.copy(), "w1_out").SerializeToString())
