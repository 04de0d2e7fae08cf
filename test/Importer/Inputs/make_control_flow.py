#!/usr/bin/python3
"""If / Loop / Scan models beyond ONNX's node tests, each with a numpy
reference written from the operator text (not from our output).

Usage: make_control_flow.py OUTDIR -> OUTDIR/<case>/{model.onnx,test_data_set_0/}
"""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

from onnxcase import write_case

F = T.FLOAT
out = sys.argv[1]
rng = np.random.default_rng(3)


def save(name, graph, feeds, refs, opset=16):
    write_case(out, name, graph, feeds, refs, opset)


# If with a run-time condition; the branches read the outer x.
x = rng.standard_normal((2, 3)).astype(np.float32)
then_g = h.make_graph([h.make_node("Relu", ["x"], ["r"]),
                       h.make_node("Add", ["r", "one"], ["t"])], "then", [],
                      [h.make_tensor_value_info("t", F, [2, 3])],
                      initializer=[numpy_helper.from_array(np.float32(1.0), "one")])
else_g = h.make_graph([h.make_node("Neg", ["x"], ["e"])], "else", [],
                      [h.make_tensor_value_info("e", F, [2, 3])])
for c in (True, False):
    g = h.make_graph([h.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
                     "if_runtime", [h.make_tensor_value_info("x", F, [2, 3]),
                                    h.make_tensor_value_info("c", T.BOOL, [])],
                     [h.make_tensor_value_info("y", F, [2, 3])])
    ref = np.maximum(x, 0) + 1 if c else -x
    save("if_runtime_%s" % str(c).lower(), g, [("x", x), ("c", np.array(c))], [("y", ref)])

# A while loop: double x until its largest entry reaches the limit, at most
# 10 times; the condition is computed in the body (data-dependent end).
body = h.make_graph(
    [h.make_node("Mul", ["x_in", "two"], ["x_out"]),
     h.make_node("ReduceMax", ["x_out"], ["m"], keepdims=0),
     h.make_node("Less", ["m", "limit"], ["cond_out"])],
    "body", [h.make_tensor_value_info("i", T.INT64, []),
             h.make_tensor_value_info("cond_in", T.BOOL, []),
             h.make_tensor_value_info("x_in", F, [3])],
    [h.make_tensor_value_info("cond_out", T.BOOL, []),
     h.make_tensor_value_info("x_out", F, [3])],
    initializer=[numpy_helper.from_array(np.float32(2.0), "two")])
g = h.make_graph([h.make_node("Loop", ["M", "c0", "x"], ["x_final"], body=body)], "loop_while",
                 [h.make_tensor_value_info("x", F, [3]),
                  h.make_tensor_value_info("limit", F, [])],
                 [h.make_tensor_value_info("x_final", F, [3])],
                 initializer=[numpy_helper.from_array(np.int64(10), "M"),
                              numpy_helper.from_array(np.array(True), "c0")])
for name, limit in (("loop_while_early", 50.0), ("loop_while_capped", 1e9)):
    xv = np.array([0.5, 1.5, -2.0], np.float32)
    ref, cond = xv.copy(), True
    for i in range(10):
        if not cond:
            break
        ref = ref * 2
        cond = ref.max() < limit
    save(name, g, [("x", xv), ("limit", np.float32(limit))], [("x_final", ref)])

# Scan-16: a state [4, 3] accumulates A's steps (scan axis 1, reversed)
# weighted by w's (axis 0, forward); the per-step states are stacked along
# output axis 1, in reverse.
A = rng.standard_normal((4, 5, 3)).astype(np.float32)
w = rng.standard_normal(5).astype(np.float32)
s0 = rng.standard_normal((4, 3)).astype(np.float32)
body = h.make_graph(
    [h.make_node("Mul", ["a", "wt"], ["aw"]), h.make_node("Add", ["s_in", "aw"], ["s_out"]),
     h.make_node("Identity", ["s_out"], ["step"])],
    "sbody", [h.make_tensor_value_info("s_in", F, [4, 3]), h.make_tensor_value_info("a", F, [4, 3]),
              h.make_tensor_value_info("wt", F, [])],
    [h.make_tensor_value_info("s_out", F, [4, 3]), h.make_tensor_value_info("step", F, [4, 3])])
g = h.make_graph([h.make_node("Scan", ["s0", "A", "w"], ["s", "steps"], body=body,
                              num_scan_inputs=2, scan_input_axes=[1, 0],
                              scan_input_directions=[1, 0], scan_output_axes=[1],
                              scan_output_directions=[1])], "scan_axes",
                 [h.make_tensor_value_info("s0", F, [4, 3]), h.make_tensor_value_info("A", F, [4, 5, 3]),
                  h.make_tensor_value_info("w", F, [5])],
                 [h.make_tensor_value_info("s", F, [4, 3]),
                  h.make_tensor_value_info("steps", F, [4, 5, 3])])
s = s0.astype(np.float64)
steps = np.zeros((4, 5, 3))
for i in range(5):
    s = s + A[:, 4 - i, :] * w[i]
    steps[:, 4 - i, :] = s
save("scan_axes", g, [("s0", s0), ("A", A), ("w", w)],
     [("s", s.astype(np.float32)), ("steps", steps.astype(np.float32))])
