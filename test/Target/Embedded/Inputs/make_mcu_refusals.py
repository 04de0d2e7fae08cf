#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Models a bare-metal target must refuse: an input with an open extent
(open.onnx), a string op (string.onnx). Writes them into argv[1]."""
import sys

import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "open", [x], [y])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), f"{out}/open.onnx")

s = helper.make_tensor_value_info("s", TensorProto.STRING, [3])
t = helper.make_tensor_value_info("t", TensorProto.STRING, [3])
node = helper.make_node("StringNormalizer", ["s"], ["t"], name="normalize", case_change_action="LOWER")
g = helper.make_graph([node], "strings", [s], [t])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), f"{out}/string.onnx")
