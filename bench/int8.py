#!/usr/bin/env python3
# ===- bench/int8.py - int8 vs fp32 of our own artifacts (see run-int8.sh) ===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Bench, load_tensor as load  # noqa: E402

ROUNDS = 6  # alternations per model and thread count



def main():
    bench = Bench("static int8 against our own fp32 on the zoo", ROUNDS)
    out_dir, compile_, runner = bench.out_dir, bench.compile, bench.run
    rows = []
    for i, m, model, data in bench.cases():
        arts = {v: os.path.join(out_dir, "int8-artifacts", m, v) for v in ("fp32", "int8")}
        subprocess.run([compile_, model, "-o", arts["fp32"]], check=True,
                       stdout=subprocess.DEVNULL)
        # The calibration folder: the zoo model's folder holds
        # test_data_set_0/input_<i>.pb, one sample.
        subprocess.run([compile_, model, "-o", arts["int8"], "--quantize", "int8", "--calib",
                        bench.dirs[m]], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        with tempfile.TemporaryDirectory() as saved:
            subprocess.run([runner, arts["int8"], "--test-data", data, "--rtol", "1",
                            "--atol", "1e9", "--save-outputs", saved], check=True,
                           stdout=subprocess.DEVNULL)
            ref, got = load(os.path.join(data, "output_0.pb")), load(
                os.path.join(saved, "output_0.pb"))
        cosine = float(ref @ got / (np.linalg.norm(ref) * np.linalg.norm(got) + 1e-300))
        size = {v: os.path.getsize(os.path.join(arts[v], "model.so")) for v in arts}
        for threads in (1, 2):
            med = bench.alternate(arts, data, threads, ROUNDS)
            row = {"model": m, "threads": threads,
                   "fp32_ms": med["fp32"], "int8_ms": med["int8"],
                   "cosine": cosine, "max_abs_error": float(np.max(np.abs(ref - got))),
                   "fp32_bytes": size["fp32"], "int8_bytes": size["int8"]}
            row["speedup"] = row["fp32_ms"] / row["int8_ms"]
            rows.append(row)
            print(f"[{i}/{len(bench.models)}] {m} t{threads}: fp32 {row['fp32_ms']:.3f} ms, "
                  f"int8 {row['int8_ms']:.3f} ms, speedup {row['speedup']:.2f}x, "
                  f"cosine {cosine:.5f}", file=sys.stderr, flush=True)
    lines = ["| model | threads | fp32 ms | int8 ms | fp32/int8 | size int8/fp32 | cosine |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['threads']} | {r['fp32_ms']:.3f} | "
                     f"{r['int8_ms']:.3f} | {r['speedup']:.2f} | "
                     f"{r['int8_bytes'] / r['fp32_bytes']:.2f} | {r['cosine']:.5f} |")
    bench.write("int8", lines, rows)

if __name__ == "__main__":
    main()
