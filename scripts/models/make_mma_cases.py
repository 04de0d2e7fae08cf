#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes small matmul models whose extents are no multiple of the GPU's
mma tiles (16 x 8, K slices of 32), with both weight layouts (K x N as
torch.onnx.export writes a Linear's MatMul, N x K through Transpose) and a
batched activation x weight product, each with a float64 numpy reference:
scripts/test-gpu.sh compiles them with --precision bf16 and checks them on
the GPU by cosine similarity (bf16 rounding, f32 accumulation).

  make_mma_cases.py OUT      OUT/<case>/model.onnx, OUT/<case>/test_data_set_0
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CASES = [
    # name, activation shape, (K, N), transposed weight
    ("mma_50x100x70_t", [50, 100], (100, 70), True),
    ("mma_b3_33x130x200", [3, 33, 130], (130, 200), False),
    ("mma_128x256x768", [1, 128, 256], (256, 768), False),
    ("mma_70x1000x130_t", [70, 1000], (1000, 130), True),
]


def write(out, name, xshape, kn, transposed, rng):
    k, n = kn
    x = rng.standard_normal(xshape).astype(np.float32)
    w = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    nodes, inits = [], [numpy_helper.from_array(b, "b")]
    if transposed:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(w.T), "wt"))
        nodes.append(helper.make_node("Transpose", ["wt"], ["w"], perm=[1, 0]))
    else:
        inits.append(numpy_helper.from_array(w, "w"))
    nodes += [helper.make_node("MatMul", ["x", "w"], ["xw"]),
              helper.make_node("Add", ["xw", "b"], ["y"])]
    yshape = xshape[:-1] + [n]
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, xshape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, yshape)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    onnx.save(m, os.path.join(d, "model.onnx"))
    y = (x.astype(np.float64) @ w.astype(np.float64) + b).astype(np.float32)
    for fname, arr, tname in (("input_0.pb", x, "x"), ("output_0.pb", y, "y")):
        with open(os.path.join(d, "test_data_set_0", fname), "wb") as f:
            f.write(numpy_helper.from_array(arr, tname).SerializeToString())


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    rng = np.random.default_rng(7)
    for name, xshape, kn, transposed in CASES:
        write(sys.argv[1], name, list(xshape), kn, transposed, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())
