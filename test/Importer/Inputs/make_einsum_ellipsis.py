#!/usr/bin/python3
"""Einsum with ellipses (broadcast across operands, implicit output) and
diagonals (a letter twice in one operand), against numpy.einsum in
float64. Usage: make_einsum_ellipsis.py OUTDIR -> OUTDIR/<case>/..."""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h

from onnxcase import write_case

out = sys.argv[1]
rng = np.random.default_rng(29)
cases = {
    "bmm_broadcast": ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)], np.float32),
    "implicit_ellipsis": ("...ij,jk", [(2, 3, 4), (4, 5)], np.float32),
    "diag_ellipsis": ("...ii->...i", [(3, 2, 5, 5)], np.float32),
    "trace_implicit": ("ii", [(4, 4)], np.float32),
    "diag_contract": ("iij,jk->ik", [(3, 3, 4), (4, 2)], np.float32),
    "diag_int64": ("ii->i", [(6, 6)], np.int64),
}
for name, (eq, shapes, dt) in cases.items():
    if dt == np.int64:
        data = [rng.integers(-9, 9, s).astype(dt) for s in shapes]
        ref = np.einsum(eq, *data).astype(dt)
        et = T.INT64
    else:
        data = [rng.standard_normal(s).astype(dt) for s in shapes]
        ref = np.einsum(eq, *[d.astype(np.float64) for d in data]).astype(dt)
        et = T.FLOAT
    names = ["x%d" % i for i in range(len(shapes))]
    g = h.make_graph([h.make_node("Einsum", names, ["y"], equation=eq)], name,
                     [h.make_tensor_value_info(nm, et, s) for nm, s in zip(names, shapes)],
                     [h.make_tensor_value_info("y", et, ref.shape)])
    write_case(out, name, g, list(zip(names, data)), [("y", ref)])
