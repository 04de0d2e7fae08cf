#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes Inputs/strings/: a StringNormalizer model (UPPER, case-insensitive
stopwords) and two test data sets whose expected outputs Python's own str
methods compute (the reference: ONNX's StringNormalizer drops the elements
equal to a stopword, ignoring case, then maps case; an empty result is one
empty string). The strings mix ASCII, Latin-1 letters, the Latin-1 signs
that have no case, and CJK, which no case mapping touches.

Inputs/strings-movement/ moves strings first (Transpose, Reshape, Concat
lower to element-address moves) and then normalizes them.

Run with Debian's python3-onnx: python3 make_strings.py"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "strings")
STOPWORDS = ["été", "the"]


def reference(xs):
    stop = {w.lower() for w in STOPWORDS}
    kept = [x.upper() for x in xs if x.lower() not in stop]
    return kept or [""]


def save_set(d, name_x, xs, name_y, ys):
    os.makedirs(d, exist_ok=True)
    for fname, name, vals in (("input_0", name_x, xs), ("output_0", name_y, ys)):
        t = numpy_helper.from_array(np.array(vals, dtype=object), name)
        with open(os.path.join(d, fname + ".pb"), "wb") as f:
            f.write(t.SerializeToString())


def movement():
    out = os.path.join(HERE, "strings-movement")
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0]),
             helper.make_node("Reshape", ["t", "shape"], ["r"]),
             helper.make_node("Concat", ["r", "r"], ["c"], axis=1),
             helper.make_node("StringNormalizer", ["c"], ["y"], case_change_action="LOWER",
                              stopwords=["b"])]
    graph = helper.make_graph(
        nodes, "strings_movement",
        [helper.make_tensor_value_info("x", TensorProto.STRING, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.STRING, [1, None])],
        initializer=[numpy_helper.from_array(np.array([1, 6], dtype=np.int64), "shape")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, "model.onnx"))
    x = np.array([["A", "B", "C"], ["D", "Ä", "F"]], dtype=object)
    r = list(x.T.reshape(-1)) * 2
    y = [[s.lower() for s in r if s.lower() != "b"]]
    save_set(os.path.join(out, "test_data_set_0"), "x", x, "y", y)
    print(out, x.tolist(), "->", y)


def main():
    node = helper.make_node("StringNormalizer", ["x"], ["y"], case_change_action="UPPER",
                            is_case_sensitive=0, stopwords=STOPWORDS)
    graph = helper.make_graph(
        [node], "strings",
        [helper.make_tensor_value_info("x", TensorProto.STRING, [1, 7])],
        [helper.make_tensor_value_info("y", TensorProto.STRING, [1, None])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)])
    onnx.checker.check_model(model)
    os.makedirs(OUT, exist_ok=True)
    onnx.save(model, os.path.join(OUT, "model.onnx"))
    sets = [
        ["Été", "crème brûlée", "THE", "a×b÷c", "中文 text", "été", "Ünïcode àéîõü"],
        ["the", "ÉTÉ", "The", "été", "tHe", "ÉtÉ", "the"],
    ]
    for i, xs in enumerate(sets):
        d = os.path.join(OUT, f"test_data_set_{i}")
        ys = reference(xs)
        save_set(d, "x", [xs], "y", [ys])
        print(d, xs, "->", ys)
    movement()


if __name__ == "__main__":
    main()
