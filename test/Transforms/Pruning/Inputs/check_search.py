"""Checks what --prune-sensitivity / --prune structured:auto reported
against compiled models run independently of the probe that measured it.

  check_search.py point REPORT NODE RATIO DENSE.pb PRUNED.pb LABELS.pb
      PRUNED is the model compiled with --prune-ratios NODE=RATIO (the real
      pass, shapes shrunk); its output cosine per sample against DENSE and
      its accuracy must equal the sensitivity point the report has for NODE
      at RATIO.
  check_search.py allocation REPORT DENSE.pb PRUNED.pb LABELS.pb
      PRUNED is the --prune structured:auto artifact: the same against the
      allocation's measurement, and the target and budget hold on the
      report's own FLOP counts (the real pass's, not the search's model)
      or, for a latency target, on the times the report measured.

Cosines are float64 numpy over each sample's logits; tolerance 1e-4 (the
probe and the pruned model run different kernels: masked channels vs
removed ones).
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def measure(dense, pruned, labels):
    d = load(dense).astype(np.float64).reshape(len(load(labels)), -1)
    p = load(pruned).astype(np.float64).reshape(d.shape)
    cos = (d * p).sum(1) / np.sqrt((d * d).sum(1) * (p * p).sum(1))
    acc = float((p.argmax(1) == load(labels).reshape(-1)).mean())
    return float(cos.min()), float(cos.mean()), acc


def same(name, got, want, tol=1e-4):
    if abs(got - want) > tol:
        sys.exit(f"{name}: the compiled model gives {got:.6f}, the report says {want:.6f}")


def main():
    mode, report = sys.argv[1], json.load(open(sys.argv[2]))["pruning"]
    if mode == "point":
        node, ratio = sys.argv[3], float(sys.argv[4])
        mn, mean, acc = measure(*sys.argv[5:8])
        group = next(g for g in report["sensitivity"] if g["node"] == node)
        point = next(p for p in group["points"] if abs(p["ratio"] - ratio) < 1e-9)
        same("min cosine", mn, point["min_cosine"])
        same("mean cosine", mean, point["mean_cosine"])
        same("accuracy", acc, point["accuracy"], 1e-9)
        print(f"point ok: {node} at {ratio}: min cosine {mn:.4f}, accuracy {acc:.4f}")
        return
    mn, mean, acc = measure(*sys.argv[3:6])
    a = report["allocation"]
    same("min cosine", mn, a["measured"]["min_cosine"])
    same("mean cosine", mean, a["measured"]["mean_cosine"])
    same("accuracy", acc, a["measured"]["accuracy"], 1e-9)
    before, after = report["flops"]
    removed = 1 - after / before
    same("FLOPs removed", removed, a["flops_removed"], 1e-9)
    if a["target"]:
        kind, want = a["target"].split("=")
        want = float(want)
        if kind == "flops" and removed < want:
            sys.exit(f"target missed: {removed:.4f} of FLOPs removed, {want} asked")
        if kind == "latency":
            t = a["latency"]
            if t["ms"] > (1 - want) * t["unpruned_ms"]:
                sys.exit(f"target missed: {t['ms']} ms against {t['unpruned_ms']} unpruned")
    if a["budget"]:
        kind, value = a["budget"].split("=")
        if kind == "cosine" and mn < float(value):
            sys.exit(f"budget missed: min cosine {mn:.4f}")
        unpruned = report["search"]["unpruned"]["accuracy"] if kind == "accuracy" else 0
        if kind == "accuracy" and acc < unpruned - float(value) - 1e-12:
            sys.exit(f"budget missed: accuracy {acc:.4f}, unpruned {unpruned:.4f}")
    print(f"allocation ok: {removed:.3f} of FLOPs removed, min cosine {mn:.4f}, accuracy {acc:.4f}")


main()
