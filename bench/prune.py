#!/usr/bin/env python3
# ===- bench/prune.py - pruned vs dense of our own artifacts (see run-prune.sh) ===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Bench  # noqa: E402

ROUNDS = 6  # alternations per model and thread count

STRUCTURED = ["--prune", "structured:0.5"]
BLOCK = ["--prune", "block:0.8", "--prune-block", "16x1", "--prune-scope", "layer"]
BLOCK4 = ["--prune", "block:0.8", "--prune-block", "16x4", "--prune-scope", "layer"]
INT8 = ["--quantize", "int8"]
# Every model: dense, 50% of the channels (and int8 on top). Transformers
# also: 80% of the 16x1 weight blocks zeroed, run by the block-sparse
# kernels and, to isolate them, by the dense kernels (--sparse-density 0);
# and int8: dense, and with 80% of the 16x4 blocks zeroed (the 8-bit
# block-sparse kernels' form) run by the 8-bit block-sparse kernels and by
# the dense int8 ones.
# Per-group ratios measured on the calibration sample for 30% fewer FLOPs
# (docs/pruning.md), beside one ratio for every group.
AUTO = ["--prune", "structured:auto", "--prune-target", "flops=0.3"]
VARIANTS = {"structured:0.5": STRUCTURED,
            "structured:0.5 + int8": STRUCTURED + ["--quantize", "int8"],
            "structured:auto flops=0.3": AUTO,
            "structured:0.2": ["--prune", "structured:0.2"]}
TRANSFORMER_VARIANTS = {"block16x1:0.8 sparse kernels": BLOCK,
                        "block16x1:0.8 dense kernels": BLOCK + ["--sparse-density", "0"],
                        "int8": INT8,
                        "block16x4:0.8 + int8 sparse kernels": BLOCK4 + INT8,
                        "block16x4:0.8 + int8 dense kernels": BLOCK4 + INT8 +
                        ["--sparse-density", "0"]}


def main():
    bench = Bench("pruning against our own dense fp32 on the zoo", ROUNDS)
    out_dir = bench.out_dir
    rows = []
    for i, m, model, data in bench.cases():
        variants = {"dense": [], **VARIANTS}
        if any(t in m for t in ("bert", "gpt", "vit")):
            variants.update(TRANSFORMER_VARIANTS)
        folder = os.path.join(out_dir, "prune-artifacts", m)
        arts = {v: os.path.join(folder, f"v{k}") for k, v in enumerate(variants)}
        stats = {}
        for v, flags in variants.items():
            report = arts[v] + ".json"
            # The calibration folder: the zoo model's folder holds
            # test_data_set_0/input_<i>.pb, one sample.
            calib = (["--calib", bench.dirs[m]]
                     if "--quantize" in flags or "structured:auto" in flags else [])
            subprocess.run([bench.compile, model, "-o", arts[v], "--report", report] + flags +
                           calib, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            with open(report) as f:
                stats[v] = json.load(f).get("pruning")
        for threads in (1, 2):
            med = bench.alternate(arts, data, threads, ROUNDS)
            for v in variants:
                p = stats[v]
                row = {"model": m, "threads": threads, "variant": v, "ms": med[v],
                       "speedup": med["dense"] / med[v],
                       "flops_ratio": p["flops"][0] / p["flops"][1] if p else 1.0,
                       "nonzero_ratio": p["nonzero"][0] / p["nonzero"][1] if p else 1.0}
                rows.append(row)
                print(f"[{i}/{len(bench.models)}] {m} t{threads} {v}: {med[v]:.3f} ms "
                      f"({row['speedup']:.2f}x)", file=sys.stderr, flush=True)
    lines = ["| model | threads | variant | ms | dense / variant | FLOPs fewer | "
             "nonzero weights fewer |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['threads']} | {r['variant']} | {r['ms']:.3f} | "
                     f"{r['speedup']:.2f} | {r['flops_ratio']:.2f}x | "
                     f"{r['nonzero_ratio']:.2f}x |")
    bench.write("prune", lines, rows)


if __name__ == "__main__":
    main()
