#!/usr/bin/env python3
# ===- bench/int8.py - int8 vs fp32 of our own artifacts (see run-int8.sh) ===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import Bench, load_tensor as load, run_json  # noqa: E402

ROUNDS = 6  # alternations per model and thread count


def main():
    bench = Bench("static int8 against our own fp32 and ONNX Runtime on the zoo", ROUNDS)
    a, out_dir, compile_, runner = bench.args, bench.out_dir, bench.compile, bench.run
    rows = []
    for i, m, model, data in bench.cases():
        arts = {v: os.path.join(out_dir, "int8-artifacts", m, v) for v in ("fp32", "int8")}
        qdq = os.path.join(out_dir, "int8-artifacts", m, "qdq.onnx")
        subprocess.run([compile_, model, "-o", arts["fp32"]], check=True,
                       stdout=subprocess.DEVNULL)
        # The calibration folder: the zoo model's folder holds
        # test_data_set_0/input_<i>.pb, one sample. The same calibration
        # written as standard QDQ ONNX is what ONNX Runtime runs.
        quant = ["--quantize", "int8", "--calib", bench.dirs[m]]
        subprocess.run([compile_, model, "-o", arts["int8"]] + quant, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([compile_, model, "-o", qdq, "--emit", "qdq-onnx"] + quant, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with tempfile.TemporaryDirectory() as saved:
            subprocess.run([runner, arts["int8"], "--test-data", data, "--rtol", "1",
                            "--atol", "1e9", "--save-outputs", saved], check=True,
                           stdout=subprocess.DEVNULL)
            ref, got = load(os.path.join(data, "output_0.pb")), load(
                os.path.join(saved, "output_0.pb"))
        cosine = float(ref @ got / (np.linalg.norm(ref) * np.linalg.norm(got) + 1e-300))
        size = {v: os.path.getsize(os.path.join(arts[v], "model.so")) for v in arts}
        for threads in (1, 2):
            ms = {"fp32": [], "int8": [], "ort": []}
            ort_cosine = None
            for _ in range(ROUNDS):  # ours (fp32, int8) and ORT on the QDQ export, alternating
                for v, art in arts.items():
                    r = run_json([runner, art, "--test-data", data, "--rtol", "1", "--atol",
                                  "1e9", "--threads", str(threads), "--bench",
                                  str(bench.per_round), "--warmup", str(a.warmup), "--json"])
                    ms[v] += r["bench"]["runs_ms"]
                o = run_json(["node", os.path.join(HERE, "ort_bench.js"), qdq, data,
                              str(threads), str(bench.per_round), str(a.warmup)])
                ms["ort"] += o["runs"]
                ort_cosine = o["cosine"]
            med = {v: statistics.median(x) for v, x in ms.items()}
            row = {"model": m, "threads": threads,
                   "fp32_ms": med["fp32"], "int8_ms": med["int8"], "ort_qdq_ms": med["ort"],
                   "cosine": cosine, "ort_cosine": ort_cosine,
                   "max_abs_error": float(np.max(np.abs(ref - got))),
                   "fp32_bytes": size["fp32"], "int8_bytes": size["int8"]}
            row["speedup"] = row["fp32_ms"] / row["int8_ms"]
            row["vs_ort"] = row["int8_ms"] / row["ort_qdq_ms"]
            rows.append(row)
            print(f"[{i}/{len(bench.models)}] {m} t{threads}: fp32 {row['fp32_ms']:.3f} ms, "
                  f"int8 {row['int8_ms']:.3f} ms, speedup {row['speedup']:.2f}x, "
                  f"ORT QDQ {row['ort_qdq_ms']:.3f} ms (int8/ORT {row['vs_ort']:.2f}), "
                  f"cosine {cosine:.5f}", file=sys.stderr, flush=True)
    lines = ["| model | threads | fp32 ms | int8 ms | fp32/int8 | ORT QDQ ms | int8/ORT | "
             "size int8/fp32 | cosine (ORT's) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['threads']} | {r['fp32_ms']:.3f} | "
                     f"{r['int8_ms']:.3f} | {r['speedup']:.2f} | {r['ort_qdq_ms']:.3f} | "
                     f"{r['vs_ort']:.2f} | {r['int8_bytes'] / r['fp32_bytes']:.2f} | "
                     f"{r['cosine']:.5f} ({r['ort_cosine']:.5f}) |")
    bench.write("int8", lines, rows)


if __name__ == "__main__":
    main()
