# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Shared by the make_*.py generators: writes an ONNX test case folder."""
import os

import onnx
from onnx import helper, numpy_helper


def write_case(out, graph, inputs, outputs, data_set="test_data_set_0"):
    """Checks the opset-17 model of `graph` and writes out/model.onnx and
    out/<data_set> with `inputs` and `outputs`, lists of (name, array)."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, "model.onnx"))
    d = os.path.join(out, data_set)
    os.makedirs(d, exist_ok=True)
    for kind, tensors in (("input", inputs), ("output", outputs)):
        for i, (n, v) in enumerate(tensors):
            with open(os.path.join(d, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(v, n).SerializeToString())
