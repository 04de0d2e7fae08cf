#!/usr/bin/python3
"""NonZero, Compress, Unique and NonMaxSuppression beyond ONNX's node tests,
against numpy (np.nonzero, np.compress, np.unique) and a Python
transcription of NonMaxSuppression (ONNX Runtime's greedy selection), with
a data-dependent extent flowing into a Gather.
Usage: make_data_dependent.py OUTDIR -> OUTDIR/<case>/{model.onnx,test_data_set_0/}"""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

from onnxcase import write_case

out = sys.argv[1]
rng = np.random.default_rng(23)
ONNX_TYPE = {np.dtype(np.float32): T.FLOAT, np.dtype(np.int64): T.INT64,
             np.dtype(np.int32): T.INT32, np.dtype(np.bool_): T.BOOL}


def save(name, nodes, feeds, refs, consts=()):
    """refs: (name, array); their extents are declared open (K0, K1, ...)."""
    outs = [h.make_tensor_value_info(nm, ONNX_TYPE[a.dtype], ["K%d_%d" % (i, d)
                                                              for d in range(a.ndim)])
            for i, (nm, a) in enumerate(refs)]
    g = h.make_graph(nodes, name,
                     [h.make_tensor_value_info(nm, ONNX_TYPE[a.dtype], a.shape) for nm, a in feeds],
                     outs, initializer=[numpy_helper.from_array(a, nm) for nm, a in consts])
    write_case(out, name, g, feeds, refs)


# NonZero of a 3-D float tensor, half zeros, one NaN (nonzero).
x = rng.standard_normal((3, 4, 5)).astype(np.float32)
x[rng.random(x.shape) < 0.5] = 0
x[1, 2, 3] = np.nan
save("nonzero_float3d", [h.make_node("NonZero", ["x"], ["y"])], [("x", x)],
     [("y", np.array(np.nonzero(x), np.int64))])

# Compress along axis 1 with a condition shorter than the axis.
x = rng.standard_normal((4, 6, 3)).astype(np.float32)
c = np.array([True, False, True, True, False])
save("compress_axis1_short", [h.make_node("Compress", ["x", "c"], ["y"], axis=1)],
     [("x", x), ("c", c)], [("y", np.compress(c, x, axis=1))])

# Unique rows of int64 ids, sorted, every output.
x = rng.integers(0, 3, (16, 3)).astype(np.int64)
y, idx, inv, cnt = np.unique(x, axis=0, return_index=True, return_inverse=True,
                             return_counts=True)
save("unique_int_rows_sorted",
     [h.make_node("Unique", ["x"], ["y", "i", "v", "c"], axis=0, sorted=1)], [("x", x)],
     [("y", y), ("i", idx.astype(np.int64)), ("v", inv.reshape(-1).astype(np.int64)),
      ("c", cnt.astype(np.int64))])

# Unique elements of a float tensor in order of first occurrence.
x = rng.choice(np.array([0.5, -1.25, 3.0, 7.5, -2.0, 0.0], np.float32), (5, 8))
flat = x.reshape(-1)
_, first = np.unique(flat, return_index=True)
order = np.sort(first)
y = flat[order]
inv = np.array([np.nonzero(y == v)[0][0] for v in flat], np.int64)
cnt = np.array([(flat == v).sum() for v in y], np.int64)
save("unique_float_unsorted",
     [h.make_node("Unique", ["x"], ["y", "i", "v", "c"], sorted=0)], [("x", x)],
     [("y", y), ("i", order.astype(np.int64)), ("v", inv), ("c", cnt)])


def nms(boxes, scores, max_out, iou_thr, score_thr, center):
    """ONNX Runtime's NonMaxSuppression: per batch and class, candidates
    above the score threshold by descending score (lower index first),
    each kept unless its IoU with a kept box exceeds the threshold."""
    def corners(b):
        if center:
            return b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2
        return min(b[1], b[3]), min(b[0], b[2]), max(b[1], b[3]), max(b[0], b[2])

    def over(i, j, bb):
        p, q = corners(bb[i]), corners(bb[j])
        iw = max(min(p[2], q[2]) - max(p[0], q[0]), 0)
        ih = max(min(p[3], q[3]) - max(p[1], q[1]), 0)
        inter = iw * ih
        ap = (p[2] - p[0]) * (p[3] - p[1])
        aq = (q[2] - q[0]) * (q[3] - q[1])
        uni = ap + aq - inter
        if inter <= 0 or ap <= 0 or aq <= 0 or uni <= 0:
            return False
        return inter / uni > iou_thr

    res = []
    for b in range(scores.shape[0]):
        for c in range(scores.shape[1]):
            s = scores[b, c]
            cand = sorted([i for i in range(len(s)) if s[i] > score_thr], key=lambda i: (-s[i], i))
            kept = []
            for i in cand:
                if len(kept) >= max_out:
                    break
                if not any(over(i, j, boxes[b]) for j in kept):
                    kept.append(i)
            res += [[b, c, i] for i in kept]
    return np.array(res, np.int64).reshape(-1, 3)


# Random overlapping boxes (corners in either order), 2 batches, 3 classes.
B, C, S = 2, 3, 40
ctr = rng.random((B, S, 2)) * 4
size = rng.random((B, S, 2)) * 1.5 + 0.2
y1x1 = ctr - size / 2
y2x2 = ctr + size / 2
boxes = np.concatenate([y1x1, y2x2], -1).astype(np.float32)
flip = rng.random((B, S)) < 0.3
boxes[flip] = boxes[flip][:, [2, 3, 0, 1]]
scores = rng.random((B, C, S)).astype(np.float32)
inputs = [("boxes", boxes), ("scores", scores), ("max", np.array([6], np.int64)),
          ("iou", np.array([0.3], np.float32)), ("thr", np.array([0.2], np.float32))]
save("nms_random_corners",
     [h.make_node("NonMaxSuppression", ["boxes", "scores", "max", "iou", "thr"], ["y"])], inputs,
     [("y", nms(boxes, scores, 6, 0.3, 0.2, False))])

# Center-format boxes, the selection feeding a Gather of the kept boxes
# (a data-dependent extent through other ops).
B, C, S = 1, 2, 30
cb = np.concatenate([rng.random((B, S, 2)) * 3, rng.random((B, S, 2)) + 0.3], -1)
cb = cb.astype(np.float32)
scores = rng.random((B, C, S)).astype(np.float32)
sel = nms(cb, scores, 30, 0.45, 0.0, True)
nodes = [h.make_node("NonMaxSuppression", ["boxes", "scores", "max", "iou"], ["sel"],
                     center_point_box=1),
         h.make_node("Gather", ["sel", "two"], ["col"], axis=1),
         h.make_node("Reshape", ["boxes", "flat"], ["b2"]),
         h.make_node("Gather", ["b2", "col"], ["picked"], axis=0)]
save("nms_center_gather", nodes,
     [("boxes", cb), ("scores", scores), ("max", np.array([30], np.int64)),
      ("iou", np.array([0.45], np.float32))],
     [("sel", sel), ("picked", cb[0][sel[:, 2]])],
     consts=[("two", np.array(2, np.int64)), ("flat", np.array([S, 4], np.int64))])
