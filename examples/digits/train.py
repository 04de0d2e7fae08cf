#!/usr/bin/python3
# ===- train.py - train and export the quickstart's digits CNN -------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# scikit-learn's bundled 8x8 digits, fixed 80/20 split (seed 0), a small CNN
# with BatchNorm and Dropout (so graph pruning and BN folding have work to do),
# exported to ONNX (opset 17, batch 1). Writes next to this script:
#   model.onnx, test_split/{inputs,labels,logits}.pb (ONNX TensorProto),
#   calib_split/inputs.pb (128 training samples, for --quantize int8 --calib),
#   accuracy.json (fp32 test accuracy of the torch model).
# Needs Debian's python3-torch python3-onnx python3-sklearn (scripts/models/
# install them); run with /usr/bin/python3.
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else HERE


class DigitsCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
            torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
            torch.nn.MaxPool2d(2))
        self.classifier = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(32 * 4 * 4, 64), torch.nn.ReLU(),
            torch.nn.Dropout(0.25), torch.nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    torch.manual_seed(0)
    np.random.seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=0,
                                              stratify=y)
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    for epoch in range(40):
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x_te)).numpy()
    acc = float((logits.argmax(1) == y_te).mean())
    print(f"digits: test accuracy {acc:.4f} on {len(y_te)} samples")
    if acc < 0.95:
        sys.exit(f"accuracy {acc} below the 0.95 bar")

    os.makedirs(os.path.join(OUT, "test_split"), exist_ok=True)
    path = os.path.join(OUT, "model.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), path, opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    for name, arr in (("inputs", x_te), ("labels", y_te), ("logits", logits)):
        t = numpy_helper.from_array(arr, name)
        with open(os.path.join(OUT, "test_split", name + ".pb"), "wb") as f:
            f.write(t.SerializeToString())
    # Calibration samples for quantization (autoglm-compile --calib): the
    # first 128 of the training split, so calibration never sees the test
    # split it is measured on.
    os.makedirs(os.path.join(OUT, "calib_split"), exist_ok=True)
    with open(os.path.join(OUT, "calib_split", "inputs.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x_tr[:128], "inputs").SerializeToString())
    with open(os.path.join(OUT, "accuracy.json"), "w") as f:
        json.dump({"dataset": "sklearn digits, 80/20 split, random_state=0, stratified",
                   "samples": int(len(y_te)), "fp32_accuracy": acc,
                   "correct": int((logits.argmax(1) == y_te).sum())}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
