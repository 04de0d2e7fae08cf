#!/usr/bin/python3
# ===- bench/llm.py - decoder generation: autoglm vs ONNX Runtime ----------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# The decoder of scripts/models/export_llm.py (as torch exports it: one graph
# with past/present KV inputs and outputs) compiled with enable_cache, against
# ONNX Runtime running the same graph with a caller-managed cache
# (bench/ort_llm.js), greedy, batch 1, alternating rounds at each thread
# count; per-token decode latency is the median over every decode step of
# every round, the result the ratio autoglm / ORT. Then autoglm's batched
# decode: `batch` sequences in one call per step, aggregate tokens/s over
# batch 1's; and weight-only int8 / int4 (--quantize weight-int8, weight-int4
# with groups of 128) against our f32. With --membw (bench/membw.c's
# output: threads and GB/s of streaming reads) the table adds the step's
# roofline: the bytes of the matmul weights a batch-1 step reads once,
# over that bandwidth (no implementation can decode faster).
# Writes $BUILD/bench/llm.{md,json}.
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import add_generation_args, cpu_name, run_json  # noqa: E402


def matmul_weight_bytes(path):
    """Bytes of the constant matmul operands of the model (its external data
    not loaded): what a batch-1 decode step reads once."""
    import onnx
    m = onnx.load(path, load_external_data=False)
    sizes = {t.name: 4 * __import__("math").prod(t.dims) for t in m.graph.initializer}
    return sum(sizes.get(i, 0) for n in m.graph.node if n.op_type in ("MatMul", "Gemm")
               for i in n.input)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", required=True)
    ap.add_argument("--model-dir", required=True, help="export_llm.py's output folder")
    add_generation_args(ap, batch=8)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--membw", help="bench/membw.c's output: lines of 'threads GB/s'")
    ap.add_argument("--prompt-len", type=int, default=0,
                    help="a prompt of this many seeded random ids (every sequence) instead of "
                         "reference.json's prompts: decode and time to first token at a long "
                         "context")
    args = ap.parse_args()
    bandwidth = {}
    if args.membw:
        for line in open(args.membw):
            t, gbs = line.split()
            bandwidth[int(t)] = float(gbs)
    out_dir = os.path.join(args.build, "bench")
    os.makedirs(out_dir, exist_ok=True)
    tools = os.path.join(args.build, "bin")
    model = os.path.join(args.model_dir, "model.onnx")
    ref = json.load(open(os.path.join(args.model_dir, "reference.json")))
    step_bytes = matmul_weight_bytes(model)
    art = os.path.join(out_dir, "llm-" + ref["model"])
    art8 = art + "-wint8"
    art4 = art + "-wint4"
    for a, extra in ((art, []), (art8, ["--quantize", "weight-int8"]),
                     (art4, ["--quantize", "weight-int4", "--group-size", "128"])):
        print(f"compiling {model} (enable_cache, {args.batch} slots{' '.join([''] + extra)}) ...",
              flush=True)
        subprocess.run([os.path.join(tools, "autoglm-compile"), model, "-o", a, "-O3",
                        "--enable-cache", "--max-batch-size", str(args.batch),
                        "--max-seq-len", str(max(512, args.prompt_len + args.new_tokens)),
                        "--prefill-chunk", "32"] + extra, check=True)
    prompts_of = ref["prompts"]
    if args.prompt_len:
        import random
        rng = random.Random(1)
        prompts_of = [[rng.randrange(ref["vocab"]) for _ in range(args.prompt_len)]]
    prompt = ",".join(str(t) for t in prompts_of[0])
    node = os.path.join(os.path.dirname(__file__), "ort_llm.js")
    rows = []
    lines = [f"Decoder {ref['model']} ({ref['layers']} layers), greedy, {args.new_tokens} new "
             f"tokens, prompt of {len(prompts_of[0])}; {cpu_name()}",
             "",
             "| threads | autoglm ms/token | ORT ms/token | autoglm / ORT | tokens agree | "
             "autoglm TTFT ms | ORT TTFT ms | "
             f"autoglm batch {args.batch} tokens/s | batch {args.batch} / batch 1 | "
             "weight-int8 ms/token | f32 / weight-int8 | weight-int4 ms/token | "
             "f32 / weight-int4 | roofline ms/token | autoglm / roofline |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for threads in [int(t) for t in args.threads.split(",")]:
        ours, peer, agree, ours_tps, batch_tps, ours8, ours4 = [], [], [], [], [], [], []
        ttft, peer_ttft = [], []
        for r in range(args.rounds):
            print(f"threads {threads}: round {r + 1}/{args.rounds}", flush=True)
            a = run_json([os.path.join(tools, "autoglm-run"), art, "--generate", "--json",
                          "--prompt-ids", prompt, "--max-new-tokens", str(args.new_tokens),
                          "--threads", str(threads)])
            b = run_json(["node", node, model, str(threads), prompt, str(args.new_tokens),
                          str(ref["kv_heads"]), str(ref["head_dim"])])
            ours8 += run_json([os.path.join(tools, "autoglm-run"), art8, "--generate", "--json",
                               "--prompt-ids", prompt, "--max-new-tokens", str(args.new_tokens),
                               "--threads", str(threads)])["decode_step_ms"]
            ours4 += run_json([os.path.join(tools, "autoglm-run"), art4, "--generate", "--json",
                               "--prompt-ids", prompt, "--max-new-tokens", str(args.new_tokens),
                               "--threads", str(threads)])["decode_step_ms"]
            ours += a["decode_step_ms"]
            ttft.append(a["sequences"][0]["ttft_ms"])
            peer_ttft.append(b["ttft_ms"])
            ours_tps.append(a["decode_tokens_per_s"])
            peer += b["step_ms"]
            agree.append(sum(x == y for x, y in zip(a["sequences"][0]["tokens"], b["tokens"])))
            prompts = []
            for i in range(args.batch):
                p = prompts_of[i % len(prompts_of)]
                prompts += ["--prompt-ids", ",".join(str(t) for t in p)]
            c = run_json([os.path.join(tools, "autoglm-run"), art, "--generate", "--json",
                          "--max-new-tokens", str(args.new_tokens), "--threads", str(threads)]
                         + prompts)
            batch_tps.append(c["decode_tokens_per_s"])
        mo, mp, m8 = statistics.median(ours), statistics.median(peer), statistics.median(ours8)
        m4 = statistics.median(ours4)
        tb, t1 = statistics.median(batch_tps), statistics.median(ours_tps)
        row = {"threads": threads, "autoglm_ms_per_token": mo, "ort_ms_per_token": mp,
               "ratio": mo / mp, "tokens_agree": min(agree), "tokens": args.new_tokens,
               "batch": args.batch, "batch_tokens_per_s": tb, "batch1_tokens_per_s": t1,
               "batch_speedup": tb / t1, "wint8_ms_per_token": m8, "wint8_speedup": mo / m8,
               "wint4_ms_per_token": m4, "wint4_speedup": mo / m4,
               "matmul_weight_bytes": step_bytes, "prompt_tokens": len(prompts_of[0]),
               "autoglm_ttft_ms": statistics.median(ttft),
               "ort_ttft_ms": statistics.median(peer_ttft)}
        roof = step_bytes / (bandwidth[threads] * 1e9) * 1e3 if threads in bandwidth else None
        if roof:
            row.update({"read_gb_per_s": bandwidth[threads], "roofline_ms_per_token": roof})
        rows.append(row)
        lines.append(f"| {threads} | {mo:.3f} | {mp:.3f} | {mo / mp:.2f} | "
                     f"{min(agree)}/{args.new_tokens} | {row['autoglm_ttft_ms']:.1f} | "
                     f"{row['ort_ttft_ms']:.1f} | {tb:.1f} | {tb / t1:.2f} | {m8:.3f} | "
                     f"{mo / m8:.2f} | {m4:.3f} | {mo / m4:.2f} | "
                     + (f"{roof:.3g} | {mo / roof:.2f} |" if roof else "- | - |"))
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out_dir, "llm.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(out_dir, "llm.json"), "w") as f:
        json.dump({"cpu": cpu_name(), "cores": os.cpu_count(), "model": ref["model"],
                   "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
