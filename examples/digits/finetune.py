#!/usr/bin/python3
# ===- finetune.py - fine-tune a pruned digits CNN against the fp32 teacher -===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# The training half of the pruning loop (docs/pruning.md):
#
#   autoglm-compile model.onnx --prune structured:0.5 --emit pruned-onnx -o pruned.onnx
#   /usr/bin/python3 finetune.py pruned.onnx finetuned.onnx
#   autoglm-compile finetuned.onnx -o out/
#
# Reads the pruned model's weights (whatever widths the compiler left) into
# the torch DigitsCNN of train.py, trains it a few epochs on the training
# split against the fp32 model's logits (distillation: KL at temperature 4
# plus cross-entropy on the labels), and exports it like train.py (opset 17,
# batch norms kept). Prints the test accuracy before and after.
# Usage: finetune.py PRUNED.onnx OUT.onnx [--teacher model.onnx] [--epochs N]
import argparse
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
nn = torch.nn


class DigitsCNN(nn.Module):
    """train.py's model with free widths."""

    def __init__(self, c1=16, c2=32, hidden=64):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(),
            nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(c2 * 4 * 4, hidden), nn.ReLU(),
            nn.Dropout(0.25), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def load(path):
    """A DigitsCNN holding the ONNX model's weights (node order: Conv, BN,
    Conv, BN, Gemm, Gemm), its widths taken from them."""
    m = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    # Shared parameters may reach a node through Identity nodes.
    alias = {n.output[0]: n.input[0] for n in m.graph.node if n.op_type == "Identity"}

    def value(name):
        while name not in init:
            name = alias[name]
        return torch.from_numpy(init[name].copy())

    nodes = {k: [n for n in m.graph.node if n.op_type == k]
             for k in ("Conv", "BatchNormalization", "Gemm")}
    convs, bns, gemms = nodes["Conv"], nodes["BatchNormalization"], nodes["Gemm"]
    model = DigitsCNN(value(convs[0].input[1]).shape[0], value(convs[1].input[1]).shape[0],
                      value(gemms[0].input[1]).shape[0])
    f, c = model.features, model.classifier
    with torch.no_grad():
        for conv, node in ((f[0], convs[0]), (f[3], convs[1]), (c[1], gemms[0]),
                           (c[4], gemms[1])):
            conv.weight.copy_(value(node.input[1]))
            conv.bias.copy_(value(node.input[2]))
        for bn, node in ((f[1], bns[0]), (f[4], bns[1])):
            for p, i in (("weight", 1), ("bias", 2), ("running_mean", 3), ("running_var", 4)):
                getattr(bn, p).copy_(value(node.input[i]))
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pruned")
    ap.add_argument("out")
    ap.add_argument("--teacher", default=os.path.join(HERE, "model.onnx"))
    ap.add_argument("--epochs", type=int, default=15)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)
    xt, yt, xe = torch.from_numpy(x_tr), torch.from_numpy(y_tr), torch.from_numpy(x_te)
    teacher, student = load(a.teacher).eval(), load(a.pruned)

    def accuracy(model):
        model.eval()
        with torch.no_grad():
            return int((model(xe).argmax(1).numpy() == y_te).sum())

    with torch.no_grad():
        soft = teacher(xt)
    print(f"finetune: teacher {accuracy(teacher)}/{len(y_te)}, pruned student "
          f"{accuracy(student)}/{len(y_te)} before fine-tuning", flush=True)
    opt = torch.optim.Adam(student.parameters(), lr=1e-3)
    T = 4.0
    for epoch in range(a.epochs):
        student.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            out = student(xt[idx])
            kd = nn.functional.kl_div(nn.functional.log_softmax(out / T, 1),
                                      nn.functional.softmax(soft[idx] / T, 1),
                                      reduction="batchmean") * T * T
            loss = kd + nn.functional.cross_entropy(out, yt[idx])
            loss.backward()
            opt.step()
        print(f"finetune: epoch {epoch + 1}/{a.epochs}: test {accuracy(student)}/{len(y_te)}",
              flush=True)
    student.eval()
    torch.onnx.export(student, torch.zeros(1, 1, 8, 8), a.out, opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE)
    onnx.checker.check_model(onnx.load(a.out))
    print(f"finetune: wrote {a.out}")


if __name__ == "__main__":
    main()
