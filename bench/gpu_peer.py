#!/usr/bin/env python3
# ===- gpu_peer.py - our GPU artifact against PyTorch, same GPU, same run ---===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Runs on the GPU machine (its python3 with torch and torchvision), from
# bench/run-gpu.sh. For one zoo model it builds the same torch module
# (scripts/models/export_zoo.py's cases(), fixed seeds) and alternates, for
# --rounds rounds: our artifact, torch eager, the eager forward replayed as
# one CUDA graph, and torch.compile, each in fp32 and bf16. torch's inputs
# and outputs stay on the GPU and its inferences are timed back to back
# (events around --iters calls); ours are timed the same way
# (autoglm-run --device-io: inputs and outputs bound to device memory, runs
# enqueued back to back: `ours_fp32`, the like-for-like figure), and also
# each waited for (`ours_fp32_sync`) and with host memory bound
# (`ours_fp32_host_io`: host->device copies, the launches, device->host
# copies, synchronized, what a caller holding host buffers sees).
# Prints one JSON object: the medians over rounds (ms per inference of
# --batch samples) and ours / the best torch fp32 and bf16 variant.
#
# --write-reference DIR instead writes the model's inputs and torch's fp32
# outputs (computed on the GPU, TF32 off) as DIR/input_<i>.npy and
# DIR/output_<i>.npy, which autoglm-run --test-data reads: how run-gpu.sh
# checks the batch-32 artifacts, whose test data is too large to carry.
import argparse
import copy
import importlib.util
import json
import statistics
import subprocess
import sys

import numpy
import torch


def timed(fn, iters, warmup):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / iters


def graphed(model, inputs):
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):
            model(*inputs)
    torch.cuda.current_stream().wait_stream(stream)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        model(*inputs)
    return g.replay


def write_reference(model, inputs, out):
    """torch's fp32 outputs on the GPU, exact (no TF32), beside the inputs."""
    tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    with torch.no_grad():
        outputs = model(*inputs)
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf32
    if not isinstance(outputs, (tuple, list)):
        outputs = (outputs,)
    for kind, tensors in (("input", inputs), ("output", outputs)):
        for i, t in enumerate(tensors):
            numpy.save(f"{out}/{kind}_{i}.npy", t.detach().cpu().numpy())
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoo-script", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--art", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--baseline", help="another artifact of the model (an earlier compiler), "
                    "timed in the same rounds as baseline_fp32")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=DIR",
                    help="an artifact of the model compiled with other options, timed in the "
                    "same rounds as variant:NAME")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--write-reference", metavar="DIR")
    a = ap.parse_args()
    spec = importlib.util.spec_from_file_location("export_zoo", a.zoo_script)
    zoo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zoo)
    name, model, inputs, _, _ = next(c for c in zoo.cases({a.model}, a.batch)
                                     if c[0] == a.model)
    dev = torch.device("cuda")
    model = model.eval().to(dev)
    inputs = [t.to(dev) for t in inputs]
    if a.write_reference:
        return write_reference(model, inputs, a.write_reference)
    variants = {}
    with torch.no_grad():
        for dtype, tag in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
            m = copy.deepcopy(model).to(dtype)
            x = [t.to(dtype) if t.is_floating_point() else t for t in inputs]
            variants[f"eager_{tag}"] = lambda m=m, x=x: m(*x)
            variants[f"cuda_graph_{tag}"] = graphed(m, x)
            c = torch.compile(m)
            c(*x)  # compile now, not in the first timed round
            variants[f"compile_{tag}"] = lambda c=c, x=x: c(*x)
    ours = {"ours_fp32": a.art}
    if a.baseline:
        ours["baseline_fp32"] = a.baseline
    for v in a.variant:
        ours["variant:" + v.split("=", 1)[0]] = v.split("=", 1)[1]
    times = {k: [] for k in [*ours, *variants]}
    times["ours_fp32_sync"], times["ours_fp32_host_io"] = [], []

    def ours_run(art, *flags):
        r = subprocess.run([a.run, art, "--random", "--bench", str(a.iters), "--warmup", "10",
                            "--json", *flags], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr.strip()[-500:] or r.stdout.strip()[-500:])
        return json.loads(r.stdout)

    for _ in range(a.rounds):
        try:
            for key, art in ours.items():
                rep = ours_run(art, "--device-io")
                times[key].append(rep["device_io"]["pipelined_ms"])
                if key == "ours_fp32":
                    times["ours_fp32_sync"].append(rep["device_io"]["median_ms"])
                    times["ours_fp32_host_io"].append(ours_run(art)["bench"]["median_ms"])
        except RuntimeError as e:
            print(json.dumps({"model": name, "error": str(e)}))
            return 1
        with torch.no_grad():
            for k, fn in variants.items():
                times[k].append(timed(fn, a.iters, 10))
    med = {k: statistics.median(v) for k, v in times.items()}
    best32 = min(med[k] for k in variants if k.endswith("fp32"))
    best16 = min(med[k] for k in variants if k.endswith("bf16"))
    print(json.dumps({"model": name, "batch": a.batch, "ms": med, "rounds": a.rounds,
                      "iters": a.iters,
                      "ours_over_best_torch_fp32": med["ours_fp32"] / best32,
                      "ours_over_best_torch_bf16": med["ours_fp32"] / best16,
                      "host_io_over_best_torch_fp32": med["ours_fp32_host_io"] / best32,
                      "variant_over_best_torch": {
                          k[8:]: {"fp32": med[k] / best32, "bf16": med[k] / best16}
                          for k in ours if k.startswith("variant:")},
                      "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
