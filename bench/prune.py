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


def main():
    bench = Bench("structured pruning against our own dense fp32 on the zoo", ROUNDS)
    a, out_dir = bench.args, bench.out_dir
    variants = {"dense": [], "structured": ["--prune", "structured:0.5"],
                "structured_int8": ["--prune", "structured:0.5", "--quantize", "int8"]}
    rows = []
    for i, m, model, data in bench.cases():
        arts = {v: os.path.join(out_dir, "prune-artifacts", m, v) for v in variants}
        stats = {}
        for v, flags in variants.items():
            report = os.path.join(out_dir, "prune-artifacts", m, v + ".json")
            # The calibration folder: the zoo model's folder holds
            # test_data_set_0/input_<i>.pb, one sample.
            calib = ["--calib", os.path.join(a.zoo, m)] if "--quantize" in flags else []
            subprocess.run([bench.compile, model, "-o", arts[v], "--report", report] + flags +
                           calib, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            with open(report) as f:
                stats[v] = json.load(f).get("pruning")
        p = stats["structured"]
        for threads in (1, 2):
            med = bench.alternate(arts, data, threads, ROUNDS)
            row = {"model": m, "threads": threads, "dense_ms": med["dense"],
                   "structured_ms": med["structured"], "structured_int8_ms": med["structured_int8"],
                   "flops": p["flops"], "weights": p["weights"],
                   "groups_changed": p["changed"], "groups_kept": p["unchanged"]}
            row["speedup"] = row["dense_ms"] / row["structured_ms"]
            row["speedup_int8"] = row["dense_ms"] / row["structured_int8_ms"]
            rows.append(row)
            print(f"[{i}/{len(bench.models)}] {m} t{threads}: dense {row['dense_ms']:.3f} ms, "
                  f"structured {row['structured_ms']:.3f} ms ({row['speedup']:.2f}x), "
                  f"+int8 {row['structured_int8_ms']:.3f} ms ({row['speedup_int8']:.2f}x)",
                  file=sys.stderr, flush=True)
    lines = ["| model | threads | dense ms | structured:0.5 ms | dense/pruned | + int8 ms | "
             "dense/(pruned+int8) | FLOPs dense/pruned | weights dense/pruned |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['threads']} | {r['dense_ms']:.3f} | "
                     f"{r['structured_ms']:.3f} | {r['speedup']:.2f} | "
                     f"{r['structured_int8_ms']:.3f} | {r['speedup_int8']:.2f} | "
                     f"{r['flops'][0] / r['flops'][1]:.2f} | "
                     f"{r['weights'][0] / r['weights'][1]:.2f} |")
    bench.write("prune", lines, rows)

if __name__ == "__main__":
    main()
