#!/usr/bin/python3
# ===- make_bad_models.py - corrupt ONNX models for the diagnostics tests ---===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Writes the committed files under bad/ (rerun only to change them; needs
# Debian's python3-onnx). Each is a small model broken in one specific way.
import os
import random

import onnx
from onnx import TensorProto, helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad")
os.makedirs(HERE, exist_ok=True)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def relu_model(**kw):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                          "g", [x], [y])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], **kw)


good = relu_model().SerializeToString()
write("empty.onnx", b"")
random.seed(0)
write("random.onnx", bytes(random.getrandbits(8) for _ in range(512)))
write("truncated.onnx", good[: len(good) // 2])

m = relu_model()
m.ir_version = 99
write("ir_version.onnx", m.SerializeToString())

# Two nodes that feed each other.
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
g = helper.make_graph([
    helper.make_node("Add", ["x", "b"], ["a"], name="add_a"),
    helper.make_node("Relu", ["a"], ["b"], name="relu_b"),
    helper.make_node("Identity", ["b"], ["y"], name="out")], "g", [x], [y])
write("cycle.onnx", helper.make_model(
    g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())

g = helper.make_graph([helper.make_node("Add", ["x", "ghost"], ["y"], name="add0")],
                      "g", [x], [y])
write("undefined_input.onnx", helper.make_model(
    g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())

big = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2**62, 2])
bigy = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2**62, 2])
g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu0")],
                      "g", [big], [bigy])
write("huge_dim.onnx", helper.make_model(
    g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())


def weight_model(w):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 4])
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm0")],
                          "g", [x], [y], initializer=[w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


w = helper.make_tensor("w", TensorProto.FLOAT, [4, 4], [1.0] * 16)
w.ClearField("float_data")
w.raw_data = b"\0" * 20  # 5 floats for a 4x4 shape
write("short_initializer.onnx", weight_model(w).SerializeToString())

for name, location in (("external_escape.onnx", "../../etc/passwd"),
                       ("external_absolute.onnx", "/etc/passwd")):
    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 4], [1.0] * 16)
    w.ClearField("float_data")
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", "64")):
        e = w.external_data.add()
        e.key, e.value = k, v
    write(name, weight_model(w).SerializeToString())

# External data that is allowed: a file next to the model.
w = helper.make_tensor("w", TensorProto.FLOAT, [4, 4], [1.0] * 16)
w.ClearField("float_data")
w.data_location = TensorProto.EXTERNAL
for k, v in (("location", "weights.bin"), ("offset", "16"), ("length", "64")):
    e = w.external_data.add()
    e.key, e.value = k, v
write("../external_ok.onnx", weight_model(w).SerializeToString())
import struct
write("../weights.bin", b"\xff" * 16 + struct.pack("<16f", *[float(i) for i in range(16)]))
