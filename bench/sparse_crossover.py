#!/usr/bin/env python3
# ===- bench/sparse_crossover.py - where block-sparse kernels beat dense ones ===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# For the transformer zoo models: --prune block:R --prune-block 16x1 at
# several R, each compiled twice from the same export, once forced onto the
# block-sparse kernels (--sparse-density 1) and once onto the dense ones
# (--sparse-density 0), timed alternately at 1 and 2 threads. The density
# where the two meet is what --sparse-density defaults to (docs/pruning.md).
# Run by bench/run-sparse-crossover.sh; writes $BUILD/bench/sparse-crossover.{md,json}.
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Bench  # noqa: E402

ROUNDS = 4
RATIOS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def main():
    bench = Bench("block-sparse against dense kernels by block density", ROUNDS)
    rows = []
    for i, m, model, data in bench.cases():
        for ratio in RATIOS:
            arts = {}
            for kind, density in (("sparse", "1"), ("dense", "0")):
                arts[kind] = os.path.join(bench.out_dir, "crossover-artifacts", m,
                                          f"{ratio}-{kind}")
                subprocess.run([bench.compile, model, "-o", arts[kind], "--prune", f"block:{ratio}",
                                "--prune-block", "16x1", "--prune-scope", "layer",
                                "--sparse-density", density], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for threads in (1, 2):
                med = bench.alternate(arts, data, threads, ROUNDS)
                row = {"model": m, "density": round(1 - ratio, 2), "threads": threads,
                       "sparse_ms": med["sparse"], "dense_ms": med["dense"],
                       "dense_over_sparse": med["dense"] / med["sparse"]}
                rows.append(row)
                print(f"[{i}/{len(bench.models)}] {m} density {row['density']} t{threads}: "
                      f"sparse {med['sparse']:.3f} ms, dense {med['dense']:.3f} ms "
                      f"({row['dense_over_sparse']:.2f}x)", file=sys.stderr, flush=True)
    lines = ["| model | block density | threads | sparse kernels ms | dense kernels ms | "
             "dense / sparse |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['density']} | {r['threads']} | {r['sparse_ms']:.3f} | "
                     f"{r['dense_ms']:.3f} | {r['dense_over_sparse']:.2f} |")
    bench.write("sparse-crossover", lines, rows)


if __name__ == "__main__":
    main()
