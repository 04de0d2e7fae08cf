#!/usr/bin/python3
"""ONNX LSTM / GRU / RNN models with what ONNX's own node tests leave out
(both directions, reverse, sequence_lens that differ per batch entry, clip,
input_forget, layout 1 with initial states, linear_before_reset 0 and 1,
activations with alpha / beta, float64), each with a float64 numpy
reference written from the operator spec (not from our output).

Usage: make_recurrent.py OUTDIR  -> OUTDIR/<case>/{model.onnx,test_data_set_0/}
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def act(name, alpha, beta):
    name = name.lower()
    if name == "sigmoid":
        return lambda x: 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh
    if name == "relu":
        return lambda x: np.maximum(x, 0)
    if name == "softsign":
        return lambda x: x / (1 + np.abs(x))
    if name == "hardsigmoid":
        return lambda x: np.clip(alpha * x + beta, 0, 1)
    if name == "scaledtanh":
        return lambda x: alpha * np.tanh(beta * x)
    if name == "affine":
        return lambda x: alpha * x + beta
    if name == "leakyrelu":
        return lambda x: np.where(x >= 0, x, alpha * x)
    raise ValueError(name)


def reference(cell, attrs, X, W, R, B, lens, h0, c0, P):
    """float64, straight from the ONNX operator text."""
    layout = attrs.get("layout", 0)
    if layout:
        X = X.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    T, N, _ = X.shape
    H = attrs["hidden_size"]
    direction = attrs.get("direction", "forward")
    D = 2 if direction == "bidirectional" else 1
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[cell]
    per = {"LSTM": 3, "GRU": 2, "RNN": 1}[cell]
    names = attrs.get("activations") or (
        {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}[cell] * D)
    alphas = list(attrs.get("activation_alpha", []))
    betas = list(attrs.get("activation_beta", []))
    fns = [act(nm, alphas[i] if i < len(alphas) else None, betas[i] if i < len(betas) else None)
           for i, nm in enumerate(names)]
    clip = attrs.get("clip")
    cl = (lambda v: np.clip(v, -clip, clip)) if clip else (lambda v: v)
    if B is None:
        B = np.zeros((D, 2 * G * H))
    if lens is None:
        lens = np.full(N, T)
    Y = np.zeros((T, D, N, H))
    Yh = np.zeros((D, N, H))
    Yc = np.zeros((D, N, H))
    for d in range(D):
        f = fns[d * per:(d + 1) * per]
        Wd, Rd = W[d], R[d]
        Wb, Rb = B[d, :G * H], B[d, G * H:]
        for n in range(N):
            h = np.zeros(H) if h0 is None else h0[d, n].copy()
            c = np.zeros(H) if c0 is None else c0[d, n].copy()
            L = lens[n]
            steps = range(L - 1, -1, -1) if (direction == "reverse" or d == 1) else range(L)
            for t in steps:
                x = X[t, n]
                if cell == "LSTM":
                    g = Wd @ x + Rd @ h + Wb + Rb
                    gi, go, gf, gc = (g[k * H:(k + 1) * H] for k in range(4))
                    p = np.zeros(3 * H) if P is None else P[d]
                    i = f[0](cl(gi + p[:H] * c))
                    ff = 1 - i if attrs.get("input_forget", 0) else f[0](cl(gf + p[2 * H:] * c))
                    c = ff * c + i * f[1](cl(gc))
                    o = f[0](cl(go + p[H:2 * H] * c))
                    h = o * f[2](c)
                elif cell == "GRU":
                    xz = Wd @ x + Wb
                    z = f[0](cl(xz[:H] + Rd[:H] @ h + Rb[:H]))
                    r = f[0](cl(xz[H:2 * H] + Rd[H:2 * H] @ h + Rb[H:2 * H]))
                    if attrs.get("linear_before_reset", 0):
                        hh = f[1](cl(xz[2 * H:] + r * (Rd[2 * H:] @ h + Rb[2 * H:])))
                    else:
                        hh = f[1](cl(xz[2 * H:] + Rd[2 * H:] @ (r * h) + Rb[2 * H:]))
                    h = (1 - z) * hh + z * h
                else:
                    h = f[0](cl(Wd @ x + Rd @ h + Wb + Rb))
                Y[t, d, n] = h
            Yh[d, n] = h
            Yc[d, n] = c
    if layout:
        return Y.transpose(2, 0, 1, 3), Yh.transpose(1, 0, 2), Yc.transpose(1, 0, 2)
    return Y, Yh, Yc


CASES = {
    # name: (cell, attrs, T, N, I, dtype, with B, lens, h0, c0, P)
    "lstm_bidir_lens": ("LSTM", dict(hidden_size=6, direction="bidirectional"), 5, 3, 4,
                        np.float32, True, [5, 2, 4], True, True, True),
    "lstm_reverse_clip_forget_layout1": (
        "LSTM", dict(hidden_size=5, direction="reverse", clip=0.7, input_forget=1, layout=1,
                     activations=["HardSigmoid", "ScaledTanh", "Affine"],
                     activation_alpha=[0.3, 1.2, 0.9], activation_beta=[0.45, 0.8, 0.1]),
        4, 2, 3, np.float32, True, [3, 4], True, True, False),
    "gru_bidir_lbr0_lens": ("GRU", dict(hidden_size=4, direction="bidirectional"), 6, 2, 3,
                            np.float32, True, [6, 3], True, False, False),
    "gru_lbr1_layout1": ("GRU", dict(hidden_size=5, linear_before_reset=1, layout=1,
                                     activations=["HardSigmoid", "Softsign"],
                                     activation_alpha=[0.25], activation_beta=[0.45]),
                         4, 3, 2, np.float32, True, None, True, False, False),
    "rnn_bidir_relu_lens": ("RNN", dict(hidden_size=3, direction="bidirectional",
                                        activations=["Tanh", "Relu"]),
                            5, 2, 4, np.float32, True, [2, 5], True, False, False),
    "rnn_f64_reverse": ("RNN", dict(hidden_size=4, direction="reverse"), 3, 2, 3,
                        np.float64, True, None, False, False, False),
}


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    for name, (cell, attrs, T, N, I, dt, hasB, lens, hasH, hasC, hasP) in CASES.items():
        H = attrs["hidden_size"]
        D = 2 if attrs.get("direction") == "bidirectional" else 1
        G = {"LSTM": 4, "GRU": 3, "RNN": 1}[cell]
        layout = attrs.get("layout", 0)
        X = rng.standard_normal((N, T, I) if layout else (T, N, I)).astype(dt)
        W = (0.5 * rng.standard_normal((D, G * H, I))).astype(dt)
        R = (0.5 * rng.standard_normal((D, G * H, H))).astype(dt)
        B = (0.3 * rng.standard_normal((D, 2 * G * H))).astype(dt) if hasB else None
        L = np.array(lens, dtype=np.int32) if lens is not None else None
        sshape = (N, D, H) if layout else (D, N, H)
        h0 = (0.5 * rng.standard_normal(sshape)).astype(dt) if hasH else None
        c0 = (0.5 * rng.standard_normal(sshape)).astype(dt) if hasC else None
        P = (0.3 * rng.standard_normal((D, 3 * H))).astype(dt) if hasP else None
        f64 = lambda a: None if a is None else a.astype(np.float64)
        Y, Yh, Yc = reference(cell, attrs, f64(X), f64(W), f64(R), f64(B), L, f64(h0), f64(c0),
                              f64(P))
        elem = TensorProto.DOUBLE if dt == np.float64 else TensorProto.FLOAT
        feeds = [("X", X), ("W", W), ("R", R), ("B", B), ("sequence_lens", L),
                 ("initial_h", h0), ("initial_c", c0), ("P", P)]
        if cell != "LSTM":
            feeds = feeds[:6]
        while feeds[-1][1] is None:
            feeds.pop()
        node_in = [nm if a is not None else "" for nm, a in feeds]
        outs = [("Y", Y), ("Y_h", Yh)] + ([("Y_c", Yc)] if cell == "LSTM" else [])
        node = helper.make_node(cell, node_in, [nm for nm, _ in outs], **attrs)
        inputs = [helper.make_tensor_value_info(
            nm, TensorProto.INT32 if nm == "sequence_lens" else elem, a.shape)
            for nm, a in feeds if a is not None]
        outputs = [helper.make_tensor_value_info(nm, elem, a.shape) for nm, a in outs]
        graph = helper.make_graph([node], name, inputs, outputs)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
        onnx.checker.check_model(model)
        d = os.path.join(out, name)
        os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
        onnx.save(model, os.path.join(d, "model.onnx"))
        k = 0
        for nm, a in feeds:
            if a is None:
                continue
            onnx.save_tensor(numpy_helper.from_array(a, nm),
                             os.path.join(d, "test_data_set_0", "input_%d.pb" % k))
            k += 1
        for k, (nm, a) in enumerate(outs):
            onnx.save_tensor(numpy_helper.from_array(a.astype(dt), nm),
                             os.path.join(d, "test_data_set_0", "output_%d.pb" % k))
        print(name)


main()
