#!/usr/bin/env python3
"""Models GatherND / ScatterND / OneHot must refuse, naming the node
(test/Importer/nd-errors.test). Run: python3 gen.py (writes next to it)."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = os.path.dirname(os.path.abspath(__file__))


def save(name, nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(m, os.path.join(out, name + ".onnx"))


f = TensorProto.FLOAT
# indices address 3 dims of a rank-2 data.
save("gathernd-too-deep",
     [helper.make_node("GatherND", ["x", "i"], ["y"], name="gnd")],
     [helper.make_tensor_value_info("x", f, [2, 3])],
     [helper.make_tensor_value_info("y", f, ["n"])],
     [numpy_helper.from_array(np.zeros((1, 3), np.int64), "i")])
# batch_dims whose extents differ between data and indices.
save("gathernd-batch-mismatch",
     [helper.make_node("GatherND", ["x", "i"], ["y"], name="gnd_b", batch_dims=1)],
     [helper.make_tensor_value_info("x", f, [2, 3])],
     [helper.make_tensor_value_info("y", f, ["n"])],
     [numpy_helper.from_array(np.zeros((4, 1), np.int64), "i")])
# updates of the wrong size.
save("scatternd-updates",
     [helper.make_node("ScatterND", ["x", "i", "u"], ["y"], name="snd")],
     [helper.make_tensor_value_info("x", f, [4, 3])],
     [helper.make_tensor_value_info("y", f, [4, 3])],
     [numpy_helper.from_array(np.zeros((2, 1), np.int64), "i"),
      numpy_helper.from_array(np.zeros((2, 2), np.float32), "u")])
# a run-time depth and an output extent left open.
save("onehot-open-depth",
     [helper.make_node("OneHot", ["i", "d", "v"], ["y"], name="oh")],
     [helper.make_tensor_value_info("i", f, [3]), helper.make_tensor_value_info("d", f, [])],
     [helper.make_tensor_value_info("y", f, [3, "depth"])],
     [numpy_helper.from_array(np.array([0.0, 1.0], np.float32), "v")])
# TopK with k beyond the axis' extent.
save("topk-k-too-large",
     [helper.make_node("TopK", ["x", "k"], ["v", "i"], name="tk", axis=1)],
     [helper.make_tensor_value_info("x", f, [2, 4])],
     [helper.make_tensor_value_info("v", f, [2, "k"]),
      helper.make_tensor_value_info("i", TensorProto.INT64, [2, "k"])],
     [numpy_helper.from_array(np.array([5], np.int64), "k")])
