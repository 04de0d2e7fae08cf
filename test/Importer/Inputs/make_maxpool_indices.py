#!/usr/bin/python3
"""MaxPool's Indices output and MaxUnpool against torch. Writes
maxpool-indices/{pool,unpool}/{model.onnx,test_data_set_0/} next to this
script.
- pool: torch.nn.MaxPool2d(3, stride=2, padding=1, dilation=2,
  ceil_mode=True, return_indices=True) as torch.onnx.export writes it
  (torch's indices are per plane; the export turns ONNX's flat ones back).
- unpool: an ONNX MaxUnpool (torch does not export max_unpool2d) fed the
  values and ONNX-style flat indices of a 2x2 / stride 2 pool of a 9x11
  input, with output_shape [2, 3, 9, 11]; the reference is
  torch.nn.functional.max_unpool2d."""
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "maxpool-indices")


def write(d, feeds, refs):
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    for i, (nm, a) in enumerate(feeds):
        onnx.save_tensor(numpy_helper.from_array(a, nm), os.path.join(d, "test_data_set_0", "input_%d.pb" % i))
    for i, (nm, a) in enumerate(refs):
        onnx.save_tensor(numpy_helper.from_array(a, nm), os.path.join(d, "test_data_set_0", "output_%d.pb" % i))


class Pool(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.p = torch.nn.MaxPool2d(3, stride=2, padding=1, dilation=2, ceil_mode=True,
                                    return_indices=True)

    def forward(self, x):
        return self.p(x)


torch.manual_seed(0)
x = torch.randn(2, 3, 9, 11)
d = os.path.join(here, "pool")
os.makedirs(d, exist_ok=True)
torch.onnx.export(Pool().eval(), (x,), os.path.join(d, "model.onnx"), opset_version=17,
                  input_names=["x"], output_names=["y", "i"])
y, i = Pool()(x)
write(d, [("x", x.numpy())], [("y", y.numpy()), ("i", i.numpy())])

v, ti = torch.nn.functional.max_pool2d(x, 2, stride=2, return_indices=True)
z = torch.nn.functional.max_unpool2d(v, ti, 2, stride=2, output_size=(9, 11))
# ONNX's indices address the default 8x10 output, flat over [N, C, 8, 10].
r, c = ti // 11, ti % 11
flat = (torch.arange(6).reshape(2, 3, 1, 1) * 80 + r * 10 + c).numpy().astype(np.int64)
node = h.make_node("MaxUnpool", ["v", "i", "shape"], ["z"], kernel_shape=[2, 2], strides=[2, 2])
g = h.make_graph([node], "unpool", [h.make_tensor_value_info("v", T.FLOAT, [2, 3, 4, 5]),
                                     h.make_tensor_value_info("i", T.INT64, [2, 3, 4, 5])],
                 [h.make_tensor_value_info("z", T.FLOAT, [2, 3, 9, 11])],
                 initializer=[numpy_helper.from_array(np.array([2, 3, 9, 11], np.int64), "shape")])
d = os.path.join(here, "unpool")
os.makedirs(d, exist_ok=True)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), os.path.join(d, "model.onnx"))
write(d, [("v", v.numpy()), ("i", flat)], [("z", z.numpy())])
