#!/usr/bin/env python3
"""A small CNN classifier with an open batch (dim_param N) on both of its
inputs, for concurrency.test: x [N,3,16,16] -> Conv 3x3 (8) -> Relu ->
MaxPool 2 -> Flatten -> MatMul (512x10) + bias, plus y [N,10] -> Softmax.
Weights are seeded random; the test compares runs of the compiled artifact
with each other, so their values do not matter."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)
w = numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.3, "w")
b = numpy_helper.from_array(rng.standard_normal(8).astype(np.float32) * 0.1, "b")
fc = numpy_helper.from_array(rng.standard_normal((512, 10)).astype(np.float32) * 0.05, "fc")
fcb = numpy_helper.from_array(rng.standard_normal(10).astype(np.float32) * 0.1, "fcb")
nodes = [
    helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c"], ["r"], name="relu"),
    helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
    helper.make_node("MatMul", ["f", "fc"], ["m"], name="fc"),
    helper.make_node("Add", ["m", "fcb"], ["a"], name="bias"),
    helper.make_node("Add", ["a", "y"], ["s"], name="plus_y"),
    helper.make_node("Softmax", ["s"], ["probs"], name="softmax", axis=1),
]
graph = helper.make_graph(
    nodes, "stress",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 16, 16]),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
    [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10])],
    [w, b, fc, fcb])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
