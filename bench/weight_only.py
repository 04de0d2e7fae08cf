#!/usr/bin/env python3
# ===- bench/weight_only.py - weight-only int8 / int4 vs our fp32 ----------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# See run-weight-only.sh. Per zoo model: fp32, --quantize weight-int8 and
# --quantize weight-int4 (--group-size 128) from the same export, each
# output checked against the torch reference (cosine, worst absolute
# error), then all three timed alternately at 1 and 2 threads; the ratios
# are fp32 / variant from the same rounds.
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Bench, load_tensor as load  # noqa: E402

ROUNDS = 6
VARIANTS = {"fp32": [], "w8": ["--quantize", "weight-int8"],
            "w4": ["--quantize", "weight-int4", "--group-size", "128"]}



def main():
    bench = Bench("weight-only int8 / int4 against our own fp32 on the zoo", ROUNDS)
    out_dir, compile_, runner = bench.out_dir, bench.compile, bench.run
    rows = []
    for i, m, model, data in bench.cases():
        arts = {v: os.path.join(out_dir, "weight-only-artifacts", m, v) for v in VARIANTS}
        cosine, err, size = {}, {}, {}
        for v, flags in VARIANTS.items():
            subprocess.run([compile_, model, "-o", arts[v]] + flags, check=True,
                           stdout=subprocess.DEVNULL)
            with tempfile.TemporaryDirectory() as saved:
                subprocess.run([runner, arts[v], "--test-data", data, "--rtol", "1",
                                "--atol", "1e9", "--save-outputs", saved], check=True,
                               stdout=subprocess.DEVNULL)
                ref, got = load(os.path.join(data, "output_0.pb")), load(
                    os.path.join(saved, "output_0.pb"))
            cosine[v] = float(ref @ got / (np.linalg.norm(ref) * np.linalg.norm(got) + 1e-300))
            err[v] = float(np.max(np.abs(ref - got)))
            size[v] = os.path.getsize(os.path.join(arts[v], "model.so"))
        for threads in (1, 2):
            med = bench.alternate(arts, data, threads, ROUNDS)
            row = {"model": m, "threads": threads}
            for v in VARIANTS:
                row[f"{v}_ms"] = med[v]
                row[f"{v}_cosine"] = cosine[v]
                row[f"{v}_max_abs_error"] = err[v]
                row[f"{v}_bytes"] = size[v]
            rows.append(row)
            print(f"[{i}/{len(bench.models)}] {m} t{threads}: "
                  + ", ".join(f"{v} {med[v]:.3f} ms (cosine {cosine[v]:.5f})" for v in VARIANTS),
                  file=sys.stderr, flush=True)
    lines = ["| model | threads | fp32 ms | w8 ms | w4 ms | fp32/w8 | fp32/w4 | "
             "size w8/fp32 | size w4/fp32 | cosine w8 | cosine w4 |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['threads']} | {r['fp32_ms']:.3f} | {r['w8_ms']:.3f} | "
                     f"{r['w4_ms']:.3f} | {r['fp32_ms'] / r['w8_ms']:.2f} | "
                     f"{r['fp32_ms'] / r['w4_ms']:.2f} | {r['w8_bytes'] / r['fp32_bytes']:.2f} | "
                     f"{r['w4_bytes'] / r['fp32_bytes']:.2f} | {r['w8_cosine']:.5f} | "
                     f"{r['w4_cosine']:.5f} |")
    bench.write("weight-only", lines, rows)


if __name__ == "__main__":
    main()
