#!/usr/bin/python3
# ===- make_external_data.py - hostile external-data references ------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   make_external_data.py DIR
#
# Writes DIR/model/ (models and an 80-byte weights.bin: 16 bytes of padding,
# then 16 floats) and DIR/secret.bin outside it, for external-data.test;
# the test adds the symlinks, the folder and the FIFO itself (git keeps
# none of them well). Every model is y = x . w with w a [4, 4] float
# initializer (or a Constant node) whose external_data is broken in one way.
import os
import struct
import sys

import onnx
from onnx import TensorProto, helper

root = sys.argv[1]
model_dir = os.path.join(root, "model")
os.makedirs(model_dir, exist_ok=True)
with open(os.path.join(model_dir, "weights.bin"), "wb") as f:
    f.write(b"\xff" * 16 + struct.pack("<16f", *[float(i) for i in range(16)]))
with open(os.path.join(root, "secret.bin"), "wb") as f:
    f.write(b"s" * 80)


def external(name, dims, **entries):
    t = onnx.TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)
    t.data_location = TensorProto.EXTERNAL
    for k, v in entries.items():
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def write(name, w=None, constant=None, wdims=(4, 4)):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, wdims[-1]])
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm0")]
    if constant is not None:
        nodes.insert(0, helper.make_node("Constant", [], ["w"], name="c0", value=constant))
    g = helper.make_graph(nodes, "g", [x], [y], initializer=[w] if w is not None else [])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    with open(os.path.join(model_dir, name), "wb") as f:
        f.write(m.SerializeToString())


def weights(**entries):
    return external("w", [4, 4], **entries)


write("ok.onnx", weights(location="weights.bin", offset="16", length="64"))
# A symlink to DIR/secret.bin, and one through a symlinked folder.
write("symlink.onnx", weights(location="link.bin", offset="0", length="64"))
write("symlink_dir.onnx", weights(location="linkdir/secret.bin", offset="0", length="64"))
write("dangling.onnx", weights(location="dangling.bin", offset="0", length="64"))
write("offset_past_end.onnx", weights(location="weights.bin", offset="1000", length="64"))
write("length_past_end.onnx", weights(location="weights.bin", offset="16", length="1000"))
# offset + length wraps to 0 mod 2^64; and the largest offset.
write("length_wraps.onnx",
      weights(location="weights.bin", offset="16", length=str(2**64 - 16)))
write("offset_max.onnx", weights(location="weights.bin", offset=str(2**63 - 1), length="64"))
write("offset_2e64.onnx", weights(location="weights.bin", offset=str(2**64), length="64"))
write("offset_negative.onnx", weights(location="weights.bin", offset="-16", length="64"))
write("offset_text.onnx", weights(location="weights.bin", offset="abc", length="64"))
write("length_short.onnx", weights(location="weights.bin", offset="16", length="32"))
write("directory.onnx", weights(location="subdir", offset="0", length="64"))
write("dot.onnx", weights(location=".", offset="0", length="64"))
write("fifo.onnx", weights(location="fifo", offset="0", length="64"))
write("traversal_inner.onnx",
      weights(location="subdir/../../secret.bin", offset="0", length="64"))
# 2 GiB claimed by a tiny file: as external data, and inline.
write("claim_2g_external.onnx",
      external("w", [4, 2**27], location="weights.bin", offset="0", length=str(2**31)),
      wdims=(4, 2**27))
big = onnx.TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 2**27],
                       raw_data=b"\0" * 64)
write("claim_2g_raw.onnx", big, wdims=(4, 2**27))
# A Constant node's value is confined to the model folder too (it was read
# relative to the working directory).
write("constant_ok.onnx",
      constant=external("v", [4, 4], location="weights.bin", offset="16", length="64"))
write("constant_escape.onnx",
      constant=external("v", [4, 4], location="../secret.bin", offset="0", length="64"))
