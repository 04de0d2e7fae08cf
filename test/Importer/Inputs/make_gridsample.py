#!/usr/bin/python3
"""GridSample in every mode x padding_mode x align_corners (18 nodes, one
output each) on X [2, 3, 5, 7] with a grid reaching past [-1, 1], against
torch.nn.functional.grid_sample (which wrote ONNX's reference outputs).
Writes gridsample/{model.onnx,test_data_set_0/} next to this script."""
import itertools
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gridsample")
os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
rng = np.random.default_rng(11)
x = rng.standard_normal((2, 3, 5, 7)).astype(np.float32)
grid = rng.uniform(-1.3, 1.3, (2, 4, 6, 2)).astype(np.float32)
nodes, outputs, refs = [], [], []
for mode, pad, align in itertools.product(("bilinear", "nearest", "bicubic"),
                                          ("zeros", "border", "reflection"), (0, 1)):
    name = "%s_%s_%d" % (mode, pad, align)
    nodes.append(h.make_node("GridSample", ["X", "grid"], [name], mode=mode, padding_mode=pad,
                             align_corners=align))
    outputs.append(h.make_tensor_value_info(name, T.FLOAT, [2, 3, 4, 6]))
    ref = torch.nn.functional.grid_sample(torch.from_numpy(x).double(),
                                          torch.from_numpy(grid).double(), mode=mode,
                                          padding_mode=pad, align_corners=bool(align))
    refs.append((name, ref.numpy().astype(np.float32)))
g = h.make_graph(nodes, "gridsample", [h.make_tensor_value_info("X", T.FLOAT, x.shape),
                                        h.make_tensor_value_info("grid", T.FLOAT, grid.shape)],
                 outputs)
model = h.make_model(g, opset_imports=[h.make_opsetid("", 16)])
onnx.checker.check_model(model)
onnx.save(model, os.path.join(d, "model.onnx"))
for i, (nm, a) in enumerate((("X", x), ("grid", grid))):
    onnx.save_tensor(numpy_helper.from_array(a, nm), os.path.join(d, "test_data_set_0", "input_%d.pb" % i))
for i, (nm, a) in enumerate(refs):
    onnx.save_tensor(numpy_helper.from_array(a, nm), os.path.join(d, "test_data_set_0", "output_%d.pb" % i))
