#!/usr/bin/python3
# ===- make_chain.py - a long chain of small elementwise nodes ---------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   make_chain.py N out.onnx
#
# x [1,16] f32 -> N nodes cycling Add(c) / Relu / Mul(c) -> y, for the
# resource-limit and compile-time tests (docs/fuzzing.md, "Resource limits
# and external data"). The nodes are written as protobuf wire format
# directly (a message's repeated field may come in any number of pieces):
# building 10^6 NodeProtos through onnx's classes takes ~6 s and ~1 GB.
import sys

import onnx
from onnx import TensorProto, helper

n, path = int(sys.argv[1]), sys.argv[2]


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field(number, payload):
    """A length-delimited field (a string or an embedded message)."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


# NodeProto: input 1, output 2, name 3, op_type 4. GraphProto: node 1.
ops = [field(4, op.encode()) for op in ("Add", "Relu", "Mul")]
c = field(1, b"c")
nodes = []
prev = b"x"
for i in range(n):
    out = b"y" if i == n - 1 else b"t%d" % i
    k = i % 3
    nodes.append(field(1, field(1, prev) + (c if k != 1 else b"") + field(2, out) +
                       field(3, b"n%d" % i) + ops[k]))
    prev = out

g = helper.make_graph([], "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16])],
                      initializer=[helper.make_tensor("c", TensorProto.FLOAT, [1, 16],
                                                      [0.5 + i / 32 for i in range(16)])])
m = helper.make_model(helper.make_graph([], "chain", [], []),
                      opset_imports=[helper.make_opsetid("", 17)])
m.ClearField("graph")
# ModelProto.graph is field 7.
with open(path, "wb") as f:
    f.write(m.SerializeToString() + field(7, g.SerializeToString() + b"".join(nodes)))
