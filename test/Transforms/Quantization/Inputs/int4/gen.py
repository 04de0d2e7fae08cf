#!/usr/bin/env python3
"""Weight-only int4 test model (test/Transforms/Quantization/weight-int4.test).

Three torch-style contractions whose weights lie exactly on the grid the
quantizer picks, so the quantized model has one exact answer (numpy's
float64 matmuls of the original weights):
- ya = x @ Wa, Wa [256, 64]: int4 per group of 32 along K (each group of
  each output channel holds integers in [-7, 7] times its own scale, and a
  +-7, so max |w| / 7 is that scale);
- yb = relu(ya @ Wb + b), Wb [64, 48]: int4 (the bias and the ReLU are the
  kernel's init and epilogue);
- yc = ya @ Wc, Wc [64, 20]: 20 outputs, no column block of 8 divides, so
  it stays int8 per output channel (integers in [-127, 127] with a +-127
  per channel).
x is [batch, 5, 256] (2 in the test data): 10 rows, no whole row tile;
the test compiles it with batch fixed and with batch open.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(4)
G = 32


def int4_grid(k, n):
    q = rng.integers(-7, 8, size=(k, n)).astype(np.float64)
    for c in range(n):
        for g in range(k // G):
            q[g * G + rng.integers(0, G), c] = rng.choice([-7.0, 7.0])
    scale = np.exp2(rng.integers(-9, -4, size=(k // G, n))).astype(np.float64)
    return (q * np.repeat(scale, G, axis=0)).astype(np.float32)


def int8_grid(k, n):
    q = rng.integers(-127, 128, size=(k, n)).astype(np.float64)
    q[rng.integers(0, k, size=n), np.arange(n)] = 127.0
    return (q * np.exp2(rng.integers(-12, -8, size=(1, n)))).astype(np.float32)


wa, wb, wc = int4_grid(256, 64), int4_grid(64, 48), int8_grid(64, 20)
b = rng.standard_normal(48).astype(np.float32)
x = rng.standard_normal((2, 5, 256)).astype(np.float32)

nodes = [
    helper.make_node("MatMul", ["x", "wa"], ["ya"], name="mm_a"),
    helper.make_node("MatMul", ["ya", "wb"], ["tb"], name="mm_b"),
    helper.make_node("Add", ["tb", "bias"], ["ub"], name="add_b"),
    helper.make_node("Relu", ["ub"], ["yb"], name="relu_b"),
    helper.make_node("MatMul", ["ya", "wc"], ["yc"], name="mm_c"),
]
inits = [numpy_helper.from_array(wa, "wa"), numpy_helper.from_array(wb, "wb"),
         numpy_helper.from_array(wc, "wc"), numpy_helper.from_array(b, "bias")]
graph = helper.make_graph(
    nodes, "int4", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 5, 256])],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
     for n, s in (("ya", ["batch", 5, 64]), ("yb", ["batch", 5, 48]),
                 ("yc", ["batch", 5, 20]))], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "model.onnx"))

x64 = x.astype(np.float64)
ya = x64 @ wa.astype(np.float64)
yb = np.maximum(ya @ wb.astype(np.float64) + b.astype(np.float64), 0)
yc = ya @ wc.astype(np.float64)
d = os.path.join(out, "test_data_set_0")
os.makedirs(d, exist_ok=True)
for i, (name, v) in enumerate([("x", x)]):
    onnx.save_tensor(numpy_helper.from_array(v, name), os.path.join(d, f"input_{i}.pb"))
for i, (name, v) in enumerate((("ya", ya), ("yb", yb), ("yc", yc))):
    onnx.save_tensor(numpy_helper.from_array(v.astype(np.float32), name),
                     os.path.join(d, f"output_{i}.pb"))
