#!/usr/bin/env python3
# ===- bench/run.py - time autoglm against ONNX Runtime (see run.sh) -----===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import Bench, cpu_name, run_json  # noqa: E402

ROUNDS = 10  # alternations per model and thread count (the VM's 2-thread mode drifts)


def main():
    bench = Bench("autoglm against ONNX Runtime on the zoo", ROUNDS)
    a, out_dir, compile_, runner = bench.args, bench.out_dir, bench.compile, bench.run
    rows = []
    # bench/ort-node.sh: the latest onnxruntime-node when it is not the
    # pinned one, timed in the same alternation.
    latest = os.environ.get("ORT_LATEST_NODE_PATH", "")
    latest_env = dict(os.environ, NODE_PATH=latest) if latest else None
    versions = {}
    for i, m, model, data in bench.cases():
        art = os.path.join(out_dir, "artifacts", m)
        t0 = time.time()
        subprocess.run([compile_, model, "-o", art, "-O3"], check=True,
                       stdout=subprocess.DEVNULL)
        compile_s = time.time() - t0
        for threads in (1, 2):
            ort_ms, ours_ms, latest_ms, ort_rss, ours_rss = [], [], [], 0.0, 0.0
            ort_ok = ours_ok = True
            for _ in range(ROUNDS):  # alternate the runtimes
                ort_cmd = ["node", os.path.join(HERE, "ort_bench.js"), model, data,
                           str(threads), str(bench.per_round), str(a.warmup)]
                o = run_json(ort_cmd)
                ort_ok &= o["ok"]
                ort_ms += o["runs"]
                ort_rss = max(ort_rss, o["peak_rss_mb"])
                versions["pinned"] = o.get("version", "?")
                if latest_env:
                    o = run_json(ort_cmd, env=latest_env)
                    latest_ms += o["runs"]
                    versions["latest"] = o.get("version", "?")
                r = run_json([runner, art, "--test-data", data, "--rtol", "1e-4",
                              "--atol", "1e-5", "--threads", str(threads), "--bench",
                              str(bench.per_round), "--warmup", str(a.warmup), "--json"])
                ours_ok &= r["ok"]
                ours_ms += r["bench"]["runs_ms"]
                ours_rss = max(ours_rss, r["bench"]["peak_rss_mb"])
            row = {"model": m, "threads": threads,
                   "ort_ms": statistics.median(ort_ms),
                   "autoglm_ms": statistics.median(ours_ms),
                   "ort_peak_mb": ort_rss, "autoglm_peak_mb": ours_rss,
                   "ort_correct": ort_ok, "autoglm_correct": ours_ok,
                   "compile_s": compile_s, "runs": len(ours_ms)}
            row["ratio"] = row["autoglm_ms"] / row["ort_ms"]
            if latest_ms:
                row["ort_latest_ms"] = statistics.median(latest_ms)
                row["ratio_latest"] = row["autoglm_ms"] / row["ort_latest_ms"]
            rows.append(row)
            later = (f" (ORT {versions['latest']}: {row['ort_latest_ms']:.2f} ms, ratio "
                     f"{row['ratio_latest']:.2f})" if latest_ms else "")
            print(f"bench: [{i}/{len(bench.models)}] {m} T={threads}: ORT {row['ort_ms']:.2f} ms, "
                  f"autoglm {row['autoglm_ms']:.2f} ms, ratio {row['ratio']:.2f}{later}"
                  f"{'' if ours_ok and ort_ok else ' (OUTPUT MISMATCH)'}", flush=True)
    meta = {"date": datetime.date.today().isoformat(), "cpu": cpu_name(),
            "cores": os.cpu_count(), "runs": a.runs, "warmup": a.warmup,
            "ort": f"onnxruntime-node {versions.get('pinned', '?')} (CPU, sequential, all "
                   "optimizations)",
            "ort_latest": versions.get("latest", "")}
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": rows}, f, indent=1)
    has_latest = any("ort_latest_ms" in r for r in rows)
    latest_cols = (f" ORT {versions.get('latest')} ms | autoglm/ORT {versions.get('latest')} |"
                   if has_latest else "")
    lines = [f"Measured {meta['date']} on {meta['cpu']} ({meta['cores']} cores); "
             f"median of {a.runs} runs each, ORT ({meta['ort']}"
             + (f"; and the latest, {versions.get('latest')}" if has_latest else "")
             + ") and autoglm alternating; both checked against torch (rtol 1e-4, atol 1e-5).",
             "",
             "| model | threads | ORT ms | autoglm ms | autoglm/ORT |" + latest_cols
             + " ORT peak MB | autoglm peak MB | compile s | outputs |",
             "|---|---|---|---|---|" + ("---|---|" if has_latest else "") + "---|---|---|---|"]
    for r in rows:
        extra = (f" {r['ort_latest_ms']:.2f} | {r['ratio_latest']:.2f} |"
                 if "ort_latest_ms" in r else (" - | - |" if has_latest else ""))
        lines.append(f"| {r['model']} | {r['threads']} | {r['ort_ms']:.2f} | "
                     f"{r['autoglm_ms']:.2f} | {r['ratio']:.2f} |{extra} {r['ort_peak_mb']:.0f} | "
                     f"{r['autoglm_peak_mb']:.0f} | {r['compile_s']:.1f} | "
                     f"{'ok' if r['ort_correct'] and r['autoglm_correct'] else 'MISMATCH'} |")
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    bad = [r for r in rows if not (r["ort_correct"] and r["autoglm_correct"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
