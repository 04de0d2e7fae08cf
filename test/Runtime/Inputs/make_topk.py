#!/usr/bin/env python3
"""TopK models and their numpy references (test/Runtime/top-k.test).

Usage: make_topk.py OUT. Each case is OUT/<name>/model.onnx with
test_data_set_0/{input_0,output_0,output_1}.pb; the reference is numpy's
stable sort (equal values: the lower index first; NaN after every number),
computed here, never our own output.
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper



def save_case(out, name, graph, tensors):
    """OUT/name/model.onnx (opset 13) and test_data_set_0/<file>.pb for
    each (file, array) of `tensors`."""
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(m, os.path.join(d, "model.onnx"))
    for f, t in tensors:
        with open(os.path.join(d, "test_data_set_0", f + ".pb"), "wb") as fh:
            fh.write(numpy_helper.from_array(t).SerializeToString())


def reference(x, k, axis, largest):
    # A stable sort of the key: descending for largest (NaN, whose negation
    # is NaN, sorts last either way).
    key = -x.astype(np.float64) if largest else x.astype(np.float64)
    idx = np.argsort(key, axis=axis, kind="stable")
    idx = np.take(idx, np.arange(k), axis=axis)
    return np.take_along_axis(x, idx, axis=axis), idx.astype(np.int64)


def case(name, x, k, axis=-1, largest=1, in_shape=None):
    vals, idx = reference(x, k, axis, largest)
    elem = onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[x.dtype]
    node = helper.make_node("TopK", ["x", "k"], ["values", "indices"], name="topk",
                            axis=axis, largest=largest)
    shape = list(x.shape) if in_shape is None else in_shape
    oshape = list(shape)
    oshape[axis] = k
    g = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("x", elem, shape)],
        [helper.make_tensor_value_info("values", elem, oshape),
         helper.make_tensor_value_info("indices", onnx.TensorProto.INT64, oshape)],
        [numpy_helper.from_array(np.array([k], np.int64), "k")])
    save_case(out, name, g, [("input_0", x), ("output_0", vals), ("output_1", idx)])


if __name__ == "__main__":
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    # Many ties (small integers as floats), the middle axis, largest.
    case("ties", rng.integers(0, 6, (3, 50, 4)).astype(np.float32), 7, axis=1)
    # Smallest of int32, k equal to the extent.
    case("int32_smallest", rng.integers(-1000, 1000, (5, 40)).astype(np.int32), 40, largest=0)
    # Unsigned: values above 127 rank above small ones.
    case("uint8", rng.integers(0, 256, (4, 64)).astype(np.uint8), 10)
    # k beyond 256 (the unrolled form's old limit), on the first axis.
    case("k300", rng.standard_normal((1000, 2)).astype(np.float32), 300, axis=0)
    # NaN ranks after every number.
    x = rng.standard_normal((2, 30)).astype(np.float32)
    x[0, [3, 7, 20]] = np.nan
    case("nan", x, 29)
    # Every extent open: an input of 10 along the axis gives k = 5; one of 3
    # is refused at run time.
    case("open", rng.standard_normal((2, 10)).astype(np.float32), 5, in_shape=["b", "n"])
