#!/usr/bin/env python3
"""NonMaxSuppression models and a numpy reference (test/Runtime/nms.test).

Usage: make_nms.py OUT. OUT/<name>/model.onnx and test_data_set_0: 2
batches, 3 classes, many boxes with tied scores (multiples of 0.05) and
flipped corners. The reference is ONNX's greedy rule written out here:
per batch and class, the boxes over the score threshold in descending
score (the lower index first on ties), each selected unless its IoU with
a selected one exceeds the threshold, up to max_output_boxes_per_class.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_topk import save_case  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(11)


def iou(p, q):
    # p, q: [ymin, xmin, ymax, xmax] in float32, as the kernel computes.
    f = np.float32
    ih = min(p[2], q[2]) - max(p[0], q[0])
    iw = min(p[3], q[3]) - max(p[1], q[1])
    inter = f(max(iw, f(0)) * max(ih, f(0)))
    ap = (p[2] - p[0]) * (p[3] - p[1])
    aq = (q[2] - q[0]) * (q[3] - q[1])
    uni = ap + aq - inter
    if inter <= 0 or ap <= 0 or aq <= 0 or uni <= 0:
        return f(0)
    return f(inter / uni)


def reference(boxes, scores, max_out, iou_thr, score_thr):
    rows = []
    for b in range(scores.shape[0]):
        c = np.stack([np.minimum(boxes[b, :, 0], boxes[b, :, 2]),
                      np.minimum(boxes[b, :, 1], boxes[b, :, 3]),
                      np.maximum(boxes[b, :, 0], boxes[b, :, 2]),
                      np.maximum(boxes[b, :, 1], boxes[b, :, 3])], 1)
        for k in range(scores.shape[1]):
            s = scores[b, k]
            order = [i for i in np.argsort(-s, kind="stable") if s[i] > score_thr]
            kept = []
            for i in order:
                if len(kept) == max_out:
                    break
                if all(iou(c[i], c[j]) <= iou_thr for j in kept):
                    kept.append(i)
                    rows.append([b, k, i])
    return np.array(rows, np.int64).reshape(-1, 3)


def case(name, n, max_out, iou_thr, score_thr):
    xy = rng.uniform(0, 10, (2, n, 2)).astype(np.float32)
    wh = rng.uniform(0.5, 3, (2, n, 2)).astype(np.float32)
    boxes = np.concatenate([xy, xy + wh], 2)
    flip = rng.random((2, n)) < 0.3
    boxes[flip] = boxes[flip][:, [2, 3, 0, 1]]
    scores = (rng.integers(0, 21, (2, 3, n)) * 0.05).astype(np.float32)
    sel = reference(boxes, scores, max_out, np.float32(iou_thr), np.float32(score_thr))
    f = TensorProto.FLOAT
    g = helper.make_graph(
        [helper.make_node("NonMaxSuppression", ["boxes", "scores", "m", "iou", "thr"], ["sel"],
                          name="nms")],
        name,
        [helper.make_tensor_value_info("boxes", f, [2, n, 4]),
         helper.make_tensor_value_info("scores", f, [2, 3, n])],
        [helper.make_tensor_value_info("sel", TensorProto.INT64, ["k", 3])],
        [numpy_helper.from_array(np.array([max_out], np.int64), "m"),
         numpy_helper.from_array(np.array([iou_thr], np.float32), "iou"),
         numpy_helper.from_array(np.array([score_thr], np.float32), "thr")])
    save_case(out, name, g, [("input_0", boxes), ("input_1", scores), ("output_0", sel)])
    print(f"{name}: {len(sel)} selected")


# Dense overlaps: most boxes suppressed; every box a candidate.
case("dense", 300, 300, 0.3, 0.0)
# Sparse overlaps and a low max: the limit ends each class.
case("limit", 200, 7, 0.7, 0.2)
