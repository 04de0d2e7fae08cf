#!/usr/bin/env python3
"""Checks a --emit qdq-onnx file (qdq-onnx.test) against the compile report
of the same quantization: onnx.checker (full) passes; every layer the
report lists as int8 has, in front of its node, a QuantizeLinear /
DequantizeLinear pair whose scale and zero point are the report's x_scale
and x_zero_point (uint8), and its weight is an int8 initializer through a
per-channel DequantizeLinear whose dequantized values are within half a
step of the original weight (transposed when the original read it through
a Transpose); layers the report keeps fp32 have neither.
Prints one line per layer and "qdq ok", or exits 1 saying what is wrong."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

qdq, original, report = sys.argv[1:4]
import json

m = onnx.load(qdq)
onnx.checker.check_model(m, full_check=True)
orig_model = onnx.load(original)
orig = {t.name: numpy_helper.to_array(t) for t in orig_model.graph.initializer}
orig_producer = {o: n for n in orig_model.graph.node for o in n.output}
orig_nodes = {n.name: n for n in orig_model.graph.node}
inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
producer = {o: n for n in m.graph.node for o in n.output}
nodes = {n.name: n for n in m.graph.node}
layers = json.load(open(report))["quantization"]["layers"]
for l in layers:
    n = nodes[l["node"]]
    x_dq = producer.get(n.input[0])
    w_dq = producer.get(n.input[1])
    if l["precision"] == "fp32":
        if x_dq is not None and x_dq.op_type == "DequantizeLinear":
            sys.exit(f"{l['node']}: kept fp32 but its input is dequantized")
        print(f"{l['node']}: fp32")
        continue
    if x_dq is None or x_dq.op_type != "DequantizeLinear":
        sys.exit(f"{l['node']}: no DequantizeLinear on its input")
    q = producer[x_dq.input[0]]
    if q.op_type != "QuantizeLinear":
        sys.exit(f"{l['node']}: no QuantizeLinear before the DequantizeLinear")
    s, z = inits[q.input[1]], inits[q.input[2]]
    if z.dtype != np.uint8 or int(z) != l["x_zero_point"] or \
            abs(float(s) - l["x_scale"]) > 1e-6 * l["x_scale"]:
        sys.exit(f"{l['node']}: scale {s} / zero point {z} differ from the report's "
                 f"{l['x_scale']} / {l['x_zero_point']}")
    if w_dq is None or w_dq.op_type != "DequantizeLinear":
        sys.exit(f"{l['node']}: no DequantizeLinear on its weight")
    wq, ws = inits[w_dq.input[0]], inits[w_dq.input[1]]
    axis = next(a.i for a in w_dq.attribute if a.name == "axis")
    if wq.dtype != np.int8:
        sys.exit(f"{l['node']}: the weight is {wq.dtype}, not int8")
    shape = [1] * wq.ndim
    shape[axis] = -1
    w = wq.astype(np.float64) * ws.reshape(shape)
    original_w = next(v for k, v in orig.items() if w_dq.input[0].startswith(k + "_autoglm_"))
    # A weight the original computed as Transpose(initializer) is quantized
    # as the layer reads it: transposed.
    t = orig_producer.get(orig_nodes[l["node"]].input[1])
    if t is not None and t.op_type == "Transpose":
        original_w = original_w.T
    err = np.abs(w - original_w) / ws.reshape(shape)
    if err.max() > 0.5 + 1e-3:
        sys.exit(f"{l['node']}: dequantized weight off by {err.max():.3f} steps")
    print(f"{l['node']}: int8, x scale {float(s):.5g}, weight within {err.max():.3f} steps")
print("qdq ok")
