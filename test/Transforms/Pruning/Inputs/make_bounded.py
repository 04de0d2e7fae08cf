"""Writes OUT/model.onnx and OUT/calib.pb: two convs (a prunable channel
group between them) whose result is an output of fixed shape 'y', and
NonZero(y > 0), an output whose extent depends on the data ('idx', bounded
by y's size); 8 calibration samples stacked along axis 0.

  python3 make_bounded.py OUT"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(5)
    w1 = rng.standard_normal((16, 3, 3, 3)).astype(np.float32) * 0.3
    w2 = rng.standard_normal((8, 16, 1, 1)).astype(np.float32) * 0.3
    zero = np.array(0.0, np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["a"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a"], ["r"], name="relu1"),
        helper.make_node("Conv", ["r", "w2"], ["y"], name="conv2"),
        helper.make_node("Greater", ["y", "zero"], ["pos"], name="greater"),
        helper.make_node("NonZero", ["pos"], ["idx"], name="nonzero"),
    ]
    graph = helper.make_graph(
        nodes, "bounded",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 8, 8]),
         helper.make_tensor_value_info("idx", TensorProto.INT64, [4, None])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"),
         numpy_helper.from_array(zero, "zero")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with open(os.path.join(out, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    x = rng.standard_normal((8, 3, 8, 8)).astype(np.float32)
    with open(os.path.join(out, "calib.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x).SerializeToString())


main()
