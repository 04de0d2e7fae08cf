#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes Inputs/mlp-dynamic/: an MLP whose batch dimension is the named,
open dim_param "N" (as torch.onnx.export with dynamic_axes writes it),
x[N,4] -> MatMul -> Add -> Relu -> Softmax -> y[N,3], and test data sets for
N = 2, N = 5 and N = 0 (an empty batch) whose outputs numpy computes in
float64; and
Inputs/cnn-dynamic/: a small torch CNN (conv + batch norm + relu, max pool,
a strided conv, global average pool, flatten, linear) exported with
dynamic_axes on the batch, with test data for N = 1 and N = 3 whose outputs
torch computes in float64; and Inputs/seq-dynamic/: an open sequence length
S that is not the leading dim, x[1,S,16] -> MatMul + Add -> LayerNorm ->
Relu -> Transpose -> ReduceMax over the features -> y[1,S], numpy float64
references for S = 3 and S = 7; and Inputs/attn-dynamic/: scaled dot-product
attention over q, k, v [1,2,S,4] with an open S (Transpose, MatMul, Mul,
Softmax, MatMul), numpy float64 references for S = 2 and S = 5; and
Inputs/pool-dynamic/: MaxPool 3x3 stride 2 pad 1 + Relu on an image of open
height and width, numpy references for 5x7 and 8x3; and Inputs/conv-dynamic/:
Conv 3x3 stride 2 pad 1 with bias + Relu on such an image, numpy float64
references for 6x9 and 3x4; and Inputs/norm-dynamic/: InstanceNormalization
of x[N,4,H,W] with all of N, H, W open (the counts of its mean and variance
are taken at run time), numpy float64 references for 1x7x5 and 3x4x9; and
Inputs/pad-scatter-dynamic/: reflect padding and ScatterElements on x[N,3]
with N open, numpy references for N = 4 and N = 3; and
Inputs/convt-dynamic/: two torch ConvTranspose2d (stride 2, output padding,
groups) on images of open height and width, torch float64 references for
3x6 and 7x2; and Inputs/add-dynamic/: a[N,4] + b[M,4] with N and M
different names (so one may be 1 and broadcast), test data for (3, 1) and
(2, 2), and b2.pb, a b of 2 rows that does not broadcast against a's 3.

Run with Debian's python3-onnx and python3-torch: python3 make_dynamic.py"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "mlp-dynamic")


def save_model(graph, name):
    """Checks the opset-17 model of `graph` and writes Inputs/<name>/model.onnx;
    returns the folder."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, "model.onnx"))
    return out


def save_set(d, x, y):
    """test_data_set folder d with input x and expected output y."""
    os.makedirs(d, exist_ok=True)
    for name, v in (("input_0", numpy_helper.from_array(x, "x")),
                    ("output_0", numpy_helper.from_array(y, "y"))):
        with open(os.path.join(d, name + ".pb"), "wb") as f:
            f.write(v.SerializeToString())


def main():
    rng = np.random.default_rng(7)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]),
             helper.make_node("Add", ["h", "b"], ["a"]),
             helper.make_node("Relu", ["a"], ["r"]),
             helper.make_node("Softmax", ["r"], ["y"], axis=-1)]
    graph = helper.make_graph(
        nodes, "mlp_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
        initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    os.makedirs(OUT, exist_ok=True)
    onnx.save(model, os.path.join(OUT, "model.onnx"))
    for i, n in enumerate((2, 5, 0)):
        x = rng.standard_normal((n, 4)).astype(np.float32)
        a = np.maximum(x.astype(np.float64) @ w.astype(np.float64) + b, 0)
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        y = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
        d = os.path.join(OUT, f"test_data_set_{i}")
        save_set(d, x, y)
        print(d, "N =", n)


def cnn():
    import torch
    torch.manual_seed(3)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 16, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 5))
    with torch.no_grad():
        bn = net[1]
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 1.5)
    net.eval()
    out = os.path.join(HERE, "cnn-dynamic")
    os.makedirs(out, exist_ok=True)
    torch.onnx.export(net, torch.zeros(1, 3, 16, 16), os.path.join(out, "model.onnx"),
                      input_names=["x"], output_names=["y"], opset_version=17,
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    ref = net.double()
    for i, n in enumerate((1, 3)):
        x = torch.randn(n, 3, 16, 16)
        with torch.no_grad():
            y = ref(x.double()).float()
        save_set(os.path.join(out, f"test_data_set_{i}"), x.numpy(), y.numpy())
        print(os.path.join(out, f"test_data_set_{i}"), "N =", n)


def seq():
    rng = np.random.default_rng(11)
    w = rng.standard_normal((16, 32)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    g = rng.standard_normal(32).astype(np.float32)
    beta = rng.standard_normal(32).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]),
             helper.make_node("Add", ["h", "b"], ["a"]),
             helper.make_node("LayerNormalization", ["a", "g", "beta"], ["n"], axis=-1,
                              epsilon=1e-5),
             helper.make_node("Relu", ["n"], ["r"]),
             helper.make_node("Transpose", ["r"], ["t"], perm=[0, 2, 1]),
             helper.make_node("ReduceMax", ["t"], ["y"], axes=[1], keepdims=0)]
    graph = helper.make_graph(
        nodes, "seq_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "S", 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "S"])],
        initializer=[numpy_helper.from_array(v, n) for v, n in
                     ((w, "w"), (b, "b"), (g, "g"), (beta, "beta"))])
    out = save_model(graph, "seq-dynamic")
    for i, s in enumerate((3, 7)):
        x = rng.standard_normal((1, s, 16)).astype(np.float32)
        a = x.astype(np.float64) @ w.astype(np.float64) + b
        m = a.mean(axis=-1, keepdims=True)
        v = ((a - m) ** 2).mean(axis=-1, keepdims=True)
        n = (a - m) / np.sqrt(v + 1e-5) * g + beta
        y = np.maximum(n, 0).transpose(0, 2, 1).max(axis=1).astype(np.float32)
        d = os.path.join(out, f"test_data_set_{i}")
        save_set(d, x, y)
        print(d, "S =", s)


def attn():
    rng = np.random.default_rng(5)
    scale = np.array(0.5, dtype=np.float32)
    nodes = [helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["q", "kt"], ["s"]),
             helper.make_node("Mul", ["s", "scale"], ["ss"]),
             helper.make_node("Softmax", ["ss"], ["p"], axis=-1),
             helper.make_node("MatMul", ["p", "v"], ["y"])]
    graph = helper.make_graph(
        nodes, "attn_dynamic",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 2, "S", 4]) for n in "qkv"],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, "S", 4])],
        initializer=[numpy_helper.from_array(scale, "scale")])
    out = save_model(graph, "attn-dynamic")
    for i, n in enumerate((2, 5)):
        q, k, v = (rng.standard_normal((1, 2, n, 4)).astype(np.float32) for _ in range(3))
        s = q.astype(np.float64) @ k.astype(np.float64).transpose(0, 1, 3, 2) * 0.5
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        y = ((e / e.sum(axis=-1, keepdims=True)) @ v.astype(np.float64)).astype(np.float32)
        d = os.path.join(out, f"test_data_set_{i}")
        os.makedirs(d, exist_ok=True)
        for name, t, tn in (("input_0", q, "q"), ("input_1", k, "k"), ("input_2", v, "v"),
                            ("output_0", y, "y")):
            with open(os.path.join(d, name + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(t, tn).SerializeToString())
        print(d, "S =", n)


def pool():
    rng = np.random.default_rng(9)
    nodes = [helper.make_node("MaxPool", ["x"], ["p"], kernel_shape=[3, 3], strides=[2, 2],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["p"], ["y"])]
    graph = helper.make_graph(
        nodes, "pool_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, "OH", "OW"])])
    out = save_model(graph, "pool-dynamic")
    for i, (h, w) in enumerate(((5, 7), (8, 3))):
        x = rng.standard_normal((1, 2, h, w)).astype(np.float32)
        xp = np.full((1, 2, h + 2, w + 2), -np.inf)
        xp[:, :, 1:-1, 1:-1] = x
        oh, ow = (h - 1) // 2 + 1, (w - 1) // 2 + 1
        y = np.empty((1, 2, oh, ow))
        for r in range(oh):
            for c in range(ow):
                y[:, :, r, c] = xp[:, :, 2 * r:2 * r + 3, 2 * c:2 * c + 3].max(axis=(2, 3))
        save_set(os.path.join(out, f"test_data_set_{i}"), x, np.maximum(y, 0).astype(np.float32))
        print(out, h, w)


def conv():
    rng = np.random.default_rng(13)
    w = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3],
                              strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"])]
    graph = helper.make_graph(
        nodes, "conv_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, "OH", "OW"])],
        initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    out = save_model(graph, "conv-dynamic")
    for i, (h, wd) in enumerate(((6, 9), (3, 4))):
        x = rng.standard_normal((1, 2, h, wd)).astype(np.float32)
        xp = np.zeros((1, 2, h + 2, wd + 2))
        xp[:, :, 1:-1, 1:-1] = x
        oh, ow = (h - 1) // 2 + 1, (wd - 1) // 2 + 1
        y = np.empty((1, 4, oh, ow))
        for r in range(oh):
            for c in range(ow):
                patch = xp[0, :, 2 * r:2 * r + 3, 2 * c:2 * c + 3]
                y[0, :, r, c] = np.tensordot(w.astype(np.float64), patch, axes=3) + b
        save_set(os.path.join(out, f"test_data_set_{i}"), x, np.maximum(y, 0).astype(np.float32))
        print(out, h, wd)


def norm():
    rng = np.random.default_rng(1)
    sc = rng.uniform(0.5, 1.5, 4).astype(np.float32)
    bi = rng.uniform(-1, 1, 4).astype(np.float32)
    node = helper.make_node("InstanceNormalization", ["x", "s", "b"], ["y"], epsilon=1e-5)
    graph = helper.make_graph(
        [node], "norm_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, "H", "W"])],
        initializer=[numpy_helper.from_array(sc, "s"), numpy_helper.from_array(bi, "b")])
    out = save_model(graph, "norm-dynamic")
    for i, (n, h, w) in enumerate(((1, 7, 5), (3, 4, 9))):
        x = (rng.standard_normal((n, 4, h, w)) * 3 + 1).astype(np.float32)
        xd = x.astype(np.float64)
        m = xd.mean(axis=(2, 3), keepdims=True)
        v = ((xd - m) ** 2).mean(axis=(2, 3), keepdims=True)
        y = (xd - m) / np.sqrt(v + 1e-5) * sc.reshape(1, 4, 1, 1) + bi.reshape(1, 4, 1, 1)
        save_set(os.path.join(out, f"test_data_set_{i}"), x, y.astype(np.float32))
        print(out, n, h, w)


def pad_scatter():
    rng = np.random.default_rng(17)
    nodes = [helper.make_node("Pad", ["x", "p"], ["y"], mode="reflect"),
             helper.make_node("ScatterElements", ["x", "i", "u"], ["z"], axis=1)]
    graph = helper.make_graph(
        nodes, "pad_scatter_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3]),
         helper.make_tensor_value_info("i", TensorProto.INT64, ["N", 2]),
         helper.make_tensor_value_info("u", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["M", 6]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 3])],
        initializer=[numpy_helper.from_array(np.array([2, 1, 1, 2], np.int64), "p")])
    out = save_model(graph, "pad-scatter-dynamic")
    for k, n in enumerate((4, 3)):
        x = rng.standard_normal((n, 3)).astype(np.float32)
        idx = np.stack([rng.permutation(3)[:2] for _ in range(n)]).astype(np.int64)
        u = rng.standard_normal((n, 2)).astype(np.float32)
        z = x.copy()
        for r in range(n):
            for c in range(2):
                z[r, idx[r, c]] = u[r, c]
        d = os.path.join(out, f"test_data_set_{k}")
        os.makedirs(d, exist_ok=True)
        for name, t, tn in (("input_0", x, "x"), ("input_1", idx, "i"), ("input_2", u, "u"),
                            ("output_0", np.pad(x, ((2, 1), (1, 2)), mode="reflect"), "y"),
                            ("output_1", z, "z")):
            with open(os.path.join(d, name + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(t, tn).SerializeToString())
        print(d, "N =", n)


def convt():
    import torch
    torch.manual_seed(21)
    net = torch.nn.Sequential(
        torch.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
        torch.nn.ReLU(), torch.nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, groups=2))
    net.eval()
    out = os.path.join(HERE, "convt-dynamic")
    os.makedirs(out, exist_ok=True)
    torch.onnx.export(net, torch.zeros(1, 3, 5, 5), os.path.join(out, "model.onnx"),
                      input_names=["x"], output_names=["y"], opset_version=17,
                      dynamic_axes={"x": {2: "H", 3: "W"}, "y": {2: "OH", 3: "OW"}})
    ref = net.double()
    for i, (h, w) in enumerate(((3, 6), (7, 2))):
        x = torch.randn(1, 3, h, w)
        with torch.no_grad():
            y = ref(x.double()).float()
        save_set(os.path.join(out, f"test_data_set_{i}"), x.numpy(), y.numpy())
        print(out, h, w)


def add():
    rng = np.random.default_rng(23)
    node = helper.make_node("Add", ["a", "b"], ["y"])
    graph = helper.make_graph(
        [node], "add_dynamic",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 4]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["M", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["K", 4])])
    out = save_model(graph, "add-dynamic")
    for k, (n, m) in enumerate(((3, 1), (2, 2))):
        a = rng.standard_normal((n, 4)).astype(np.float32)
        b = rng.standard_normal((m, 4)).astype(np.float32)
        d = os.path.join(out, f"test_data_set_{k}")
        os.makedirs(d, exist_ok=True)
        for name, t, tn in (("input_0", a, "a"), ("input_1", b, "b"), ("output_0", a + b, "y")):
            with open(os.path.join(d, name + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(t, tn).SerializeToString())
    with open(os.path.join(out, "b2.pb"), "wb") as f:
        f.write(numpy_helper.from_array(np.ones((2, 4), np.float32), "b").SerializeToString())
    print(out)


if __name__ == "__main__":
    main()
    cnn()
    seq()
    attn()
    pool()
    conv()
    norm()
    pad_scatter()
    convt()
    add()
