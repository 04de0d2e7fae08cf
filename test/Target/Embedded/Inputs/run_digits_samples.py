#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Runs the first N samples of the digits test split through an artifact
with scripts/qemu-run.py (targets without a runtime of their own), checking
each sample's logits against torch's within 1e-4 and counting the
samples whose largest logit is the label. Prints "digits: K/N correct, N/N logits within 1e-4"."""
import os
import subprocess
import sys
import tempfile

import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))


def load(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


art, n = sys.argv[1], int(sys.argv[2])
split = os.path.join(ROOT, "examples", "digits", "test_split")
inputs, labels, logits = (load(f"{split}/{k}.pb") for k in ("inputs", "labels", "logits"))
correct = close = 0
with tempfile.TemporaryDirectory() as d:
    for i in range(n):
        onnx.save_tensor(numpy_helper.from_array(inputs[i:i + 1], "image"), f"{d}/input_0.pb")
        onnx.save_tensor(numpy_helper.from_array(logits[i:i + 1], "logits"), f"{d}/output_0.pb")
        p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "qemu-run.py"), art,
                            "--input", f"{d}/input_0.pb", "--expect", d, "--rtol", "1e-4",
                            "--atol", "1e-4", "--save-outputs", f"{d}/got"],
                           capture_output=True, text=True)
        if p.returncode not in (0, 1):
            print(p.stderr.strip())
            sys.exit(1)
        close += p.returncode == 0
        correct += int(load(f"{d}/got/output_0.pb").argmax() == labels[i])
print(f"digits: {correct}/{n} correct, {close}/{n} logits within 1e-4")
