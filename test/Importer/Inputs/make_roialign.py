#!/usr/bin/python3
"""RoiAlign in avg and max mode, both coordinate modes, with rois of 2
batch entries reaching outside the image. The reference is a float64
numpy transcription of the operator as ONNX Runtime computes it (which
wrote ONNX's reference outputs); its avg results are first checked against
torchvision.ops.roi_align (aligned = half_pixel). Writes
roialign/{model.onnx,test_data_set_0/} next to this script."""
import itertools
import math
import os

import numpy as np
import onnx
import torch
import torchvision
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "roialign")
os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
rng = np.random.default_rng(2)
X = rng.standard_normal((2, 3, 8, 10)).astype(np.float32)
rois = np.array([[0.5, 1.0, 6.5, 7.0], [-2.0, -1.5, 4.0, 3.0], [3.0, 2.0, 11.5, 9.5],
                 [1.2, 0.3, 2.0, 1.1]], np.float32)
batch = np.array([0, 1, 1, 0], np.int64)
OH, OW, RATIO, SCALE = 3, 4, 2, 0.8


def reference(mode, half):
    N, C, H, W = X.shape
    out = np.zeros((len(rois), C, OH, OW))
    for r, (roi, b) in enumerate(zip(rois.astype(np.float64), batch)):
        off = 0.5 if half else 0.0
        x0, y0, x1, y1 = roi * SCALE - off
        rw, rh = x1 - x0, y1 - y0
        if not half:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / OH, rw / OW
        for ph, pw in itertools.product(range(OH), range(OW)):
            acc = np.zeros(C) if mode == "avg" else None
            for iy, ix in itertools.product(range(RATIO), range(RATIO)):
                y = y0 + ph * bh + (iy + 0.5) * bh / RATIO
                x = x0 + pw * bw + (ix + 0.5) * bw / RATIO
                if y < -1 or y > H or x < -1 or x > W:
                    vals = [np.zeros(C)] * 4
                else:
                    y, x = max(y, 0.0), max(x, 0.0)
                    yl, xl = int(math.floor(y)), int(math.floor(x))
                    if yl >= H - 1:
                        yl = yh = H - 1
                        y = float(yl)
                    else:
                        yh = yl + 1
                    if xl >= W - 1:
                        xl = xh = W - 1
                        x = float(xl)
                    else:
                        xh = xl + 1
                    ly, lx = y - yl, x - xl
                    hy, hx = 1 - ly, 1 - lx
                    img = X[b].astype(np.float64)
                    vals = [hy * hx * img[:, yl, xl], hy * lx * img[:, yl, xh],
                            ly * hx * img[:, yh, xl], ly * lx * img[:, yh, xh]]
                if mode == "avg":
                    acc = acc + sum(vals)
                else:
                    v = np.maximum(np.maximum(vals[0], vals[1]), np.maximum(vals[2], vals[3]))
                    acc = v if acc is None else np.maximum(acc, v)
            out[r, :, ph, pw] = acc / (RATIO * RATIO) if mode == "avg" else acc
    return out


nodes, outs, refs = [], [], []
for mode, half in itertools.product(("avg", "max"), (True, False)):
    name = "%s_%s" % (mode, "half_pixel" if half else "output_half_pixel")
    ref = reference(mode, half)
    if mode == "avg":
        tv = torchvision.ops.roi_align(torch.from_numpy(X).double(),
                                       torch.from_numpy(np.concatenate(
                                           [batch[:, None], rois], 1)).double(),
                                       (OH, OW), SCALE, RATIO, aligned=half).numpy()
        assert np.allclose(ref, tv, rtol=1e-9, atol=1e-9), name
    nodes.append(h.make_node("RoiAlign", ["X", "rois", "batch"], [name], mode=mode,
                             output_height=OH, output_width=OW, sampling_ratio=RATIO,
                             spatial_scale=SCALE,
                             coordinate_transformation_mode="half_pixel" if half
                             else "output_half_pixel"))
    outs.append(h.make_tensor_value_info(name, T.FLOAT, ref.shape))
    refs.append((name, ref.astype(np.float32)))
g = h.make_graph(nodes, "roialign", [h.make_tensor_value_info("X", T.FLOAT, X.shape),
                                     h.make_tensor_value_info("rois", T.FLOAT, rois.shape),
                                     h.make_tensor_value_info("batch", T.INT64, batch.shape)],
                 outs)
model = h.make_model(g, opset_imports=[h.make_opsetid("", 16)])
onnx.checker.check_model(model)
onnx.save(model, os.path.join(d, "model.onnx"))
for i, (nm, a) in enumerate((("X", X), ("rois", rois), ("batch", batch))):
    onnx.save_tensor(numpy_helper.from_array(a, nm), os.path.join(d, "test_data_set_0", "input_%d.pb" % i))
for i, (nm, a) in enumerate(refs):
    onnx.save_tensor(numpy_helper.from_array(a, nm), os.path.join(d, "test_data_set_0", "output_%d.pb" % i))
