#!/usr/bin/env python3
# ===- gpu_kernels.py - where a GPU artifact's time goes, kernel by kernel ---===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   python3 bench/gpu_kernels.py --run DIR/bin/autoglm-run --art ARTIFACT [--runs 3]
#
# On a machine with an NVIDIA GPU and Nsight Compute (ncu): runs the artifact
# under ncu (--clock-control none: the card's clocks are left as they are),
# launches one by one (AUTOGLM_CUDA_GRAPH=0), and prints each kernel's median
# duration over --runs inferences with its grid and block from the manifest,
# the slowest first, and the share of the summed kernel time. Kernel times
# under ncu exclude launch gaps: their sum is the floor the CUDA graph
# replay approaches.
import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--art", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--ncu", default="ncu")
    a = ap.parse_args()
    manifest = json.load(open(os.path.join(a.art, "manifest.json")))
    gpu = manifest["gpu"]
    env = dict(os.environ, AUTOGLM_CUDA_GRAPH="0")
    cmd = [a.ncu, "--clock-control", "none", "--csv", "--metrics", "gpu__time_duration.sum",
           a.run, a.art, "--random", "--bench", str(a.runs), "--warmup", "0"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        print(r.stdout[-2000:], r.stderr[-2000:], file=sys.stderr)
        return 1
    text = r.stdout[r.stdout.find('"ID"'):]
    times = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        v = float(row["Metric Value"].replace(",", ""))
        unit = row.get("Metric Unit", "ns")
        us = v / 1000 if unit in ("ns", "nsecond") else v if unit in ("us", "usecond") else v * 1000
        name = row["Kernel Name"].split("(")[0]
        times.setdefault(name, []).append(us)
    launches = {}
    for i, l in enumerate(gpu["launches"]):
        launches.setdefault(gpu["kernels"][l["kernel"]], []).append((i, l))
    rows = []
    for name, ts in times.items():
        per = len(launches.get(name, [])) or 1
        # Each inference launches a kernel `per` times; +1 run for the first.
        med = statistics.median(ts) * per
        info = launches.get(name, [(None, {})])[0]
        rows.append((med, name, info[0], info[1].get("grid"), info[1].get("block"),
                     info[1].get("node", "")))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    print(f"{len(gpu['launches'])} launches, {len(times)} kernels timed; "
          f"kernel time per inference {total:.1f} us")
    print("| kernel | ONNX node | launch | grid | block | us | share |")
    print("|---|---|---|---|---|---|---|")
    for med, name, idx, grid, block, node in rows[:a.top]:
        print(f"| {name} | {node} | {idx} | {grid} | {block} | {med:.1f} | "
              f"{100 * med / total:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
