#!/usr/bin/python3
"""An MLP whose weights ONNX keeps as external data (x[2, 64] -> MatMul
64x128 -> Add -> Relu -> MatMul 128x10 -> Add), with a float64 numpy
reference, for the weights.bin tests (weights-file.test).

  make DIR           model.onnx (+ its data file), test_data_set_0/
  compare DIR FILE   FILE holds the outputs a C program printed, one per
                     line: exit 1 unless they match the reference (1e-4).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def reference(d):
    rng = np.random.default_rng(7)
    w1 = rng.standard_normal((64, 128)).astype(np.float32) * 0.1
    b1 = rng.standard_normal(128).astype(np.float32)
    w2 = rng.standard_normal((128, 10)).astype(np.float32) * 0.1
    b2 = rng.standard_normal(10).astype(np.float32)
    x = rng.standard_normal((2, 64)).astype(np.float32)
    h = np.maximum(x.astype(np.float64) @ w1 + b1, 0)
    y = h @ w2 + b2
    return (w1, b1, w2, b2), x, y


def make(d):
    (w1, b1, w2, b2), x, y = reference(d)
    inits = [numpy_helper.from_array(a, n) for a, n in
             ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["m1"], name="fc1"),
             helper.make_node("Add", ["m1", "b1"], ["a1"], name="bias1"),
             helper.make_node("Relu", ["a1"], ["r1"], name="relu"),
             helper.make_node("MatMul", ["r1", "w2"], ["m2"], name="fc2"),
             helper.make_node("Add", ["m2", "b2"], ["y"], name="bias2")]
    g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                        [2, 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 10])],
                          inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    onnx.save_model(m, os.path.join(d, "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="model.data", size_threshold=1024)
    onnx.save_tensor(numpy_helper.from_array(x, "x"),
                     os.path.join(d, "test_data_set_0", "input_0.pb"))
    onnx.save_tensor(numpy_helper.from_array(y.astype(np.float32), "y"),
                     os.path.join(d, "test_data_set_0", "output_0.pb"))
    x.tofile(os.path.join(d, "x.bin"))


def compare(d, path):
    _, _, y = reference(d)
    got = np.loadtxt(path)
    if got.size != y.size or not np.allclose(got.reshape(y.shape), y, rtol=1e-4, atol=1e-4):
        print(f"mismatch: max abs error {np.max(np.abs(got.reshape(-1) - y.reshape(-1)))}")
        return 1
    print(f"ok: {got.size} outputs within 1e-4 of the float64 reference")
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        sys.exit(compare(sys.argv[2], sys.argv[3]))
