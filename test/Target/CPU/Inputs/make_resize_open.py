#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes Inputs/resize-open/: Resize of an image of open height and width
x[1,2,H,W] by scales [1, 1, 0.5, 0.5] (nearest, asymmetric: output
floor(n / 2), element i reads 2 i) with numpy references for 7x6 and 4x9;
and resize-open-bad.onnx, the same with scale 0.6 on the open dims, which
the importer refuses (floor(n * 0.6) is not exact for an extent known only
at run time). Upsampling of open dims by integer scales is checked against
the ONNX test data by the conformance run with --open-inputs.

Run with Debian's python3-onnx: python3 make_resize_open.py"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from onnx_case import write_case

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "resize-open")


def graph(scale):
    sc = numpy_helper.from_array(np.array([1, 1, scale, scale], np.float32), "scales")
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize", mode="nearest",
                            coordinate_transformation_mode="asymmetric")
    return helper.make_graph(
        [node], "resize_open",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, None, None])], [sc])


def main():
    rng = np.random.default_rng(17)
    g = graph(0.5)
    for i, (h, w) in enumerate(((7, 6), (4, 9))):
        x = rng.standard_normal((1, 2, h, w)).astype(np.float32)
        y = np.ascontiguousarray(x[:, :, 0:2 * (h // 2):2, 0:2 * (w // 2):2])
        write_case(OUT, g, [("x", x)], [("y", y)], data_set=f"test_data_set_{i}")
    bad = helper.make_model(graph(0.6), opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(bad, os.path.join(HERE, "resize-open-bad.onnx"))


if __name__ == "__main__":
    main()
