#!/usr/bin/env python3
# ===- bench/gpu_llm.py - decoder generation on a GPU: autoglm vs torch ----===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Runs on the GPU machine (python3 with torch and CUDA), from the folder
# bench/run-gpu-llm.sh --compile-only wrote. For each decoder size there:
# autoglm's artifact (cuda-sm90, enable_cache: the runtime's paged KV cache
# in device memory, the static entry) generates greedily with autoglm-run
# --generate; torch runs the same model (scripts/models/export_llm.py's
# Decoder with its fixed-seed weights, fp32, eager, on the GPU) with its own
# cache (the present keys and values fed back), prefill then one token per
# step, each step's argmax read back as autoglm's loop reads its logits.
# Rounds alternate; per-token decode latency is the median over every
# decode step of every round; the result is the ratio autoglm / torch. Then
# `batch` copies of the prompt decoded together (aggregate tokens/s), both.
# The tokens of the two must agree (the same weights: torch's seeded init).
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import add_generation_args, run_json  # noqa: E402  (copied beside it)


def torch_generate(model, prompt, new_tokens, batch):
    """Greedy with a cache; returns (tokens of row 0, per-step ms, TTFT ms)."""
    dev = torch.device("cuda")
    l0 = model.layers[0]
    past = [torch.zeros(batch, l0.kv_heads, 0, l0.dim, device=dev)
            for _ in range(2 * len(model.layers))]
    ids = torch.tensor([prompt] * batch, device=dev)
    pos = torch.arange(len(prompt), device=dev)[None].expand(batch, -1)
    out, steps = [], []
    with torch.no_grad():
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        logits, *past = model(ids, pos, *past)
        nxt = logits[:, -1].argmax(-1)
        out.append(int(nxt[0]))
        ttft = (time.perf_counter() - t0) * 1e3
        for i in range(new_tokens - 1):
            t0 = time.perf_counter()
            p = torch.full((batch, 1), len(prompt) + i, device=dev)
            logits, *past = model(nxt[:, None], p, *past)
            nxt = logits[:, -1].argmax(-1)
            out.append(int(nxt[0]))  # the host reads the token, as a server does
            steps.append((time.perf_counter() - t0) * 1e3)
    return out, steps, ttft


def ours_generate(run, art, prompt, new_tokens, batch):
    cmd = [run, art, "--generate", "--json", "--max-new-tokens", str(new_tokens)]
    for _ in range(batch):
        cmd += ["--prompt-ids", ",".join(map(str, prompt))]
    return run_json(cmd)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--run", required=True, help="autoglm-run")
    add_generation_args(ap, batch=4)
    args = ap.parse_args()
    sys.path.insert(0, args.dir)
    import export_llm  # noqa: E402  (copied beside the artifacts)

    gpu = torch.cuda.get_device_name(0)
    lines = [f"Decoders of scripts/models/export_llm.py, greedy, {args.new_tokens} new tokens, "
             f"{args.rounds} alternating rounds; {gpu}; torch {torch.__version__} eager fp32",
             "",
             "| model | artifact | autoglm ms/token | torch ms/token | autoglm / torch | "
             "tokens agree | autoglm TTFT ms | torch TTFT ms | "
             f"autoglm batch {args.batch} tokens/s | torch batch {args.batch} tokens/s | "
             "autoglm / torch (batch) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    rows = []
    for size in sorted(os.listdir(os.path.join(args.dir, "models"))):
        mdir = os.path.join(args.dir, "models", size)
        ref = json.load(open(os.path.join(mdir, "reference.json")))
        prompt = ref["prompts"][0]
        model = export_llm.build(size).cuda()
        for art_name in sorted(os.listdir(mdir)):
            art = os.path.join(mdir, art_name)
            if not os.path.isfile(os.path.join(art, "manifest.json")):
                continue
            ours, peer, agree, ttft, pttft, otps, ptps = [], [], [], [], [], [], []
            torch_generate(model, prompt, 4, 1)  # warm-up (allocator, kernels)
            for r in range(args.rounds):
                print(f"{size}/{art_name}: round {r + 1}/{args.rounds}", flush=True)
                a = ours_generate(args.run, art, prompt, args.new_tokens, 1)
                toks, steps, t = torch_generate(model, prompt, args.new_tokens, 1)
                ours += a["decode_step_ms"]
                ttft.append(a["sequences"][0]["ttft_ms"])
                peer += steps
                pttft.append(t)
                agree.append(sum(x == y for x, y in zip(a["sequences"][0]["tokens"], toks)))
                c = ours_generate(args.run, art, prompt, args.new_tokens, args.batch)
                otps.append(c["decode_tokens_per_s"])
                _, bsteps, _ = torch_generate(model, prompt, args.new_tokens, args.batch)
                ptps.append(args.batch * 1e3 / statistics.median(bsteps))
            mo, mp = statistics.median(ours), statistics.median(peer)
            row = {"model": size, "artifact": art_name, "autoglm_ms_per_token": mo,
                   "torch_ms_per_token": mp, "ratio": mo / mp, "tokens_agree": min(agree),
                   "tokens": args.new_tokens, "autoglm_ttft_ms": statistics.median(ttft),
                   "torch_ttft_ms": statistics.median(pttft), "batch": args.batch,
                   "autoglm_batch_tokens_per_s": statistics.median(otps),
                   "torch_batch_tokens_per_s": statistics.median(ptps),
                   "prompt_tokens": len(prompt), "gpu": gpu}
            rows.append(row)
            lines.append(
                f"| {size} | {art_name} | {mo:.3f} | {mp:.3f} | {mo / mp:.2f} | "
                f"{min(agree)}/{args.new_tokens} | {row['autoglm_ttft_ms']:.2f} | "
                f"{row['torch_ttft_ms']:.2f} | {row['autoglm_batch_tokens_per_s']:.0f} | "
                f"{row['torch_batch_tokens_per_s']:.0f} | "
                f"{row['torch_batch_tokens_per_s'] and row['autoglm_batch_tokens_per_s'] / row['torch_batch_tokens_per_s']:.2f} |")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(args.dir, "results.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(args.dir, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
