#!/usr/bin/env python3
"""torch.nn.ConvTranspose2d(128, 64, 2, stride=2) as torch.onnx.export
writes it (issue 15's report: it failed to compile, 'linalg.generic op
inferred input/output operand #0 has shape's dimension #3 to be greater
than or equal to 2, but found 1'), with torch's output as the reference.
The input is [1, 128, 3, 3] (the bug is in the weight's flip, whatever the
spatial size). Writes convt-k2s2/ next to this script."""
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "convt-k2s2")
os.makedirs(os.path.join(out, "test_data_set_0"), exist_ok=True)
torch.manual_seed(0)
m = torch.nn.ConvTranspose2d(128, 64, 2, stride=2).eval()
x = torch.randn(1, 128, 3, 3)
torch.onnx.export(m, (x,), os.path.join(out, "model.onnx"), opset_version=17,
                  input_names=["x"], output_names=["y"])
with torch.no_grad():
    y = m(x).numpy()
onnx.save_tensor(numpy_helper.from_array(x.numpy(), "x"),
                 os.path.join(out, "test_data_set_0", "input_0.pb"))
onnx.save_tensor(numpy_helper.from_array(y.astype(np.float32), "y"),
                 os.path.join(out, "test_data_set_0", "output_0.pb"))
