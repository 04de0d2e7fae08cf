#!/usr/bin/python3
"""A bidirectional ONNX LSTM (input 64, hidden 96, 12 steps, batch 1) whose
W, R and B are initializers; R is [2, 384, 96] = 73,728 elements, past the
folders' small-constant limit. Its reference output comes from a float64
numpy LSTM (ONNX's equations: gates i, o, f, c; f(x) = sigmoid, g = h =
tanh). Writes DIR/model.onnx and DIR/test_data_set_0 (lstm-constant-weights.test).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

d = sys.argv[1]
T, B, I, H = 12, 1, 64, 96
rng = np.random.default_rng(3)
W = (rng.standard_normal((2, 4 * H, I)) * 0.2).astype(np.float32)
R = (rng.standard_normal((2, 4 * H, H)) * 0.2).astype(np.float32)
Bias = (rng.standard_normal((2, 8 * H)) * 0.2).astype(np.float32)
x = rng.standard_normal((T, B, I)).astype(np.float32)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def direction(k, reverse):
    w, r, b = W[k].astype(np.float64), R[k].astype(np.float64), Bias[k].astype(np.float64)
    h = np.zeros((B, H))
    c = np.zeros((B, H))
    out = np.zeros((T, B, H))
    steps = range(T - 1, -1, -1) if reverse else range(T)
    for t in steps:
        g = x[t] @ w.T + h @ r.T + b[:4 * H] + b[4 * H:]
        i, o, f, cc = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
        h = sigmoid(o) * np.tanh(c)
        out[t] = h
    return out


y = np.stack([direction(0, False), direction(1, True)], axis=1)  # [T, 2, B, H]
node = helper.make_node("LSTM", ["x", "W", "R", "B"], ["y"], name="lstm", hidden_size=H,
                        direction="bidirectional")
g = helper.make_graph([node], "lstm", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                     [T, B, I])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [T, 2, B, H])],
                      [numpy_helper.from_array(W, "W"), numpy_helper.from_array(R, "R"),
                       numpy_helper.from_array(Bias, "B")])
os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
onnx.save_model(helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)]),
                os.path.join(d, "model.onnx"))
onnx.save_tensor(numpy_helper.from_array(x, "x"), os.path.join(d, "test_data_set_0", "input_0.pb"))
onnx.save_tensor(numpy_helper.from_array(y.astype(np.float32), "y"),
                 os.path.join(d, "test_data_set_0", "output_0.pb"))
