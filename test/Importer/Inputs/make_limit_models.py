#!/usr/bin/python3
# ===- make_limit_models.py - models past the importer's resource limits ---===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   make_limit_models.py DIR
#
# Writes into DIR the models resource-limits.test refuses: sizes declared
# far past what the file holds, constants past a memory limit, deep
# subgraph nesting, and a loop that unrolls past a node limit. Each file is
# a few KB at most, whatever it declares.
import os
import sys

import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
F, I64 = TensorProto.FLOAT, TensorProto.INT64


def save(name, nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    with open(os.path.join(out, name), "wb") as f:
        f.write(m.SerializeToString())


def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


def claimed(name, dims, t=F):
    """A tensor that declares `dims` and holds 64 bytes."""
    return onnx.TensorProto(name=name, data_type=t, dims=dims, raw_data=b"\0" * 64)


# One 2 GiB initializer (64 bytes in the file).
save("initializer_2g.onnx", [helper.make_node("Add", ["x", "w"], ["y"], name="add0")],
     [vi("x", [1])], [vi("y", [2**29])], [claimed("w", [2**29])])
# Three of 512 MiB: each under 1 GiB, together over it.
save("initializers_sum.onnx",
     [helper.make_node("Add", ["x", "w0"], ["a"], name="add0"),
      helper.make_node("Add", ["a", "w1"], ["b"], name="add1"),
      helper.make_node("Add", ["b", "w2"], ["y"], name="add2")],
     [vi("x", [1])], [vi("y", [2**27])], [claimed(f"w{i}", [2**27]) for i in range(3)])
# A Constant node's value of 1 GiB.
save("constant_1g.onnx",
     [helper.make_node("Constant", [], ["c"], name="c0", value=claimed("v", [2**28])),
      helper.make_node("Add", ["x", "c"], ["y"], name="add0")],
     [vi("x", [1])], [vi("y", [2**28])])
# A graph input of 2^80 elements.
save("input_2e80.onnx", [helper.make_node("Relu", ["x"], ["y"], name="relu0")],
     [vi("x", [2**40, 2**40])], [vi("y", [2**40, 2**40])])
# Constants the importer would build from small inputs: Range over 2^33
# int64 (64 GiB), CumSum's triangular [2^18, 2^18] matrix (256 GiB).
save("range_2e33.onnx", [helper.make_node("Range", ["s", "l", "d"], ["y"], name="range0")],
     [], [vi("y", [2**33], I64)],
     [helper.make_tensor("s", I64, [], [0]), helper.make_tensor("l", I64, [], [2**33]),
      helper.make_tensor("d", I64, [], [1])])
save("cumsum_2e18.onnx", [helper.make_node("CumSum", ["x", "a"], ["y"], name="cumsum0")],
     [vi("x", [1, 2**18])], [vi("y", [1, 2**18])], [helper.make_tensor("a", I64, [], [1])])


def nested_if(depth):
    """`depth` Ifs, each in the then-branch of the one before; the innermost
    branches are Identity(x). Built from the inside out (no recursion)."""
    leaf = helper.make_graph([helper.make_node("Identity", ["x"], [f"o{depth}"],
                                               name=f"id{depth}")],
                             f"b{depth}", [], [vi(f"o{depth}", [1])])
    g = leaf
    for level in range(depth - 1, -1, -1):
        node = helper.make_node("If", ["cond"], [f"o{level}"], name=f"if{level}",
                                then_branch=g, else_branch=leaf)
        g = helper.make_graph([node], f"b{level}", [], [vi(f"o{level}", [1])])
    return g.node


for depth in (64, 65, 200):
    save(f"nested_{depth}.onnx", list(nested_if(depth)), [vi("x", [1])], [vi("o0", [1])],
         [helper.make_tensor("cond", TensorProto.BOOL, [], [True])])

# A Loop of 100 iterations over a body of 60 nodes: 6,000 nodes once
# unrolled, 61 in the file.
body_nodes = [helper.make_node("Identity", ["cin"], ["cout"], name="keep")]
prev = "v"
for i in range(59):
    body_nodes.append(helper.make_node("Relu", [prev], [f"r{i}"], name=f"relu{i}"))
    prev = f"r{i}"
body = helper.make_graph(body_nodes, "body",
                         [vi("i", [], I64), vi("cin", [], TensorProto.BOOL), vi("v", [1, 16])],
                         [vi("cout", [], TensorProto.BOOL), vi(prev, [1, 16])])
save("loop_6000.onnx",
     [helper.make_node("Loop", ["n", "", "x"], ["y"], name="loop0", body=body)],
     [vi("x", [1, 16])], [vi("y", [1, 16])], [helper.make_tensor("n", I64, [], [100])])
