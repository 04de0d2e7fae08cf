#!/usr/bin/python3
# ===- export_llm.py - LLaMA-style decoders with a KV cache, from torch -----===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Usage: /usr/bin/python3 scripts/models/export_llm.py --size test|small|1b --out DIR
#   test: 0.1M parameters (the lit tests); small: 31M (bench/run-llm.sh);
#   mini: 9.4M (bench/run-gpu-llm.sh);
#   1b: 1.1B (the benchmark size; needs external data)
#
# A GLM/LLaMA-style decoder (RMSNorm, rotary embeddings, grouped-query
# attention, SwiGLU, untied head) with random weights (fixed seed), exported
# the way users export one: torch.onnx.export's defaults (the TorchScript
# exporter, default opset) and dynamic axes, as a single graph with the past
# keys/values as inputs and the present ones as outputs (HF's legacy cache
# form):
#   inputs  input_ids [batch, seq] int64, position_ids [batch, seq] int64,
#           past_key_<i>, past_value_<i> [batch, kv_heads, past, head_dim]
#   outputs logits [batch, seq, vocab],
#           present_key_<i>, present_value_<i> [batch, kv_heads, past+seq, head_dim]
# Query i attends to the keys at positions <= position_ids[b, i] (the mask
# is built from the positions, so batched rows may have different lengths).
#
# Also writes DIR/reference.json: prompts and torch's greedy continuations,
# each computed with batch 1 and no cache (the whole sequence re-run each
# step), so it checks the cache as well as the arithmetic.
import argparse
import json
import math
import os

import numpy as np
import torch

SIZES = {
    # vocab, hidden, layers, heads, kv_heads, ffn, max positions
    "test": (256, 64, 2, 4, 2, 128, 256),
    "small": (8192, 512, 8, 8, 2, 1408, 2048),
    # 9.4M: the GPU bench's size (37 MB of f32 weights fit one device call).
    "mini": (4096, 384, 4, 6, 2, 1024, 2048),
    "1b": (32000, 2048, 18, 16, 4, 5632, 4096),
}


class RMSNorm(torch.nn.Module):
    def __init__(self, n, eps=1e-5):
        super().__init__()
        self.weight = torch.nn.Parameter(1.0 + 0.1 * torch.randn(n))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def repeat_kv(x, n_rep):
    b, h, s, d = x.shape
    if n_rep == 1:
        return x
    return x[:, :, None].expand(b, h, n_rep, s, d).reshape(b, h * n_rep, s, d)


class Layer(torch.nn.Module):
    def __init__(self, hidden, heads, kv_heads, ffn):
        super().__init__()
        self.heads, self.kv_heads, self.dim = heads, kv_heads, hidden // heads
        self.norm1 = RMSNorm(hidden)
        self.q = torch.nn.Linear(hidden, heads * self.dim, bias=False)
        self.k = torch.nn.Linear(hidden, kv_heads * self.dim, bias=False)
        self.v = torch.nn.Linear(hidden, kv_heads * self.dim, bias=False)
        self.o = torch.nn.Linear(heads * self.dim, hidden, bias=False)
        self.norm2 = RMSNorm(hidden)
        self.gate = torch.nn.Linear(hidden, ffn, bias=False)
        self.up = torch.nn.Linear(hidden, ffn, bias=False)
        self.down = torch.nn.Linear(ffn, hidden, bias=False)

    def forward(self, x, cos, sin, position_ids, past_k, past_v):
        b, s, _ = x.shape
        h = self.norm1(x)
        q = self.q(h).view(b, s, self.heads, self.dim).transpose(1, 2)
        k = self.k(h).view(b, s, self.kv_heads, self.dim).transpose(1, 2)
        v = self.v(h).view(b, s, self.kv_heads, self.dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        rep = self.heads // self.kv_heads
        kk, vv = repeat_kv(k, rep), repeat_kv(v, rep)
        scores = q @ kk.transpose(2, 3) / math.sqrt(self.dim)
        kpos = torch.arange(k.shape[2], device=x.device)
        allowed = kpos[None, None, None, :] <= position_ids[:, None, :, None]
        scores = scores.masked_fill(~allowed, float("-inf"))
        ctx = (scores.softmax(-1) @ vv).transpose(1, 2).reshape(b, s, -1)
        x = x + self.o(ctx)
        h = self.norm2(x)
        x = x + self.down(torch.nn.functional.silu(self.gate(h)) * self.up(h))
        return x, present


class Decoder(torch.nn.Module):
    def __init__(self, vocab, hidden, layers, heads, kv_heads, ffn, max_pos=4096):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, hidden)
        self.layers = torch.nn.ModuleList(
            Layer(hidden, heads, kv_heads, ffn) for _ in range(layers))
        self.norm = RMSNorm(hidden)
        self.head = torch.nn.Linear(hidden, vocab, bias=False)
        dim = hidden // heads
        inv = 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim))
        ang = torch.outer(torch.arange(max_pos).float(), inv)
        ang = torch.cat([ang, ang], dim=-1)
        self.register_buffer("cos_table", ang.cos(), persistent=False)
        self.register_buffer("sin_table", ang.sin(), persistent=False)

    def forward(self, input_ids, position_ids, *past):
        n = len(self.layers)
        x = self.embed(input_ids)
        cos = self.cos_table[position_ids].unsqueeze(1)
        sin = self.sin_table[position_ids].unsqueeze(1)
        keys, values = [], []
        for i, layer in enumerate(self.layers):
            x, (k, v) = layer(x, cos, sin, position_ids, past[i], past[n + i])
            keys.append(k)
            values.append(v)
        return (self.head(self.norm(x)), *keys, *values)


def empty_past(model, batch):
    l0 = model.layers[0]
    shape = (batch, l0.kv_heads, 0, l0.dim)
    return [torch.zeros(shape) for _ in range(2 * len(model.layers))]


def greedy(model, prompt, steps):
    """Greedy continuation of `prompt`, re-running the whole sequence."""
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(steps):
            t = torch.tensor([ids])
            pos = torch.arange(len(ids))[None]
            logits = model(t, pos, *empty_past(model, 1))[0]
            ids.append(int(logits[0, -1].argmax()))
    return ids[len(prompt):]


def build(size):
    """The decoder of `size` with its fixed-seed weights (bench/gpu_llm.py
    builds the same model for torch's side)."""
    torch.manual_seed(0)
    model = Decoder(*SIZES[size]).eval()
    if size == "test":
        # Wider logits than a default init: greedy tokens then vary.
        with torch.no_grad():
            model.head.weight.mul_(4.0)
    return model


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", choices=sorted(SIZES), default="test")
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=32)
    args = p.parse_args()
    vocab, hidden, layers, heads, kv_heads, ffn, max_pos = SIZES[args.size]
    model = build(args.size)
    os.makedirs(args.out, exist_ok=True)

    names = [f"past_key_{i}" for i in range(layers)] + \
            [f"past_value_{i}" for i in range(layers)]
    present = [n.replace("past", "present") for n in names]
    ids = torch.randint(0, vocab, (1, 3))
    pos = torch.arange(3)[None]
    past = [torch.randn(1, kv_heads, 2, hidden // heads) for _ in names]
    pos = pos + 2
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "position_ids": {0: "batch", 1: "seq"},
           "logits": {0: "batch", 1: "seq"}}
    for n in names:
        dyn[n] = {0: "batch", 2: "past"}
    for n in present:
        dyn[n] = {0: "batch", 2: "total"}
    path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(model, (ids, pos, *past), path,
                      input_names=["input_ids", "position_ids"] + names,
                      output_names=["logits"] + present, dynamic_axes=dyn)

    rng = np.random.default_rng(1)
    prompts = [rng.integers(0, vocab, n).tolist() for n in (5, 1, 9, 3)]
    ref = {"model": args.size, "layers": layers, "kv_heads": kv_heads,
           "head_dim": hidden // heads, "vocab": vocab, "steps": args.steps, "prompts": prompts,
           "tokens": [greedy(model, pr, args.steps) for pr in prompts]}
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print(f"wrote {path} and reference.json ({sum(p.numel() for p in model.parameters())} "
          "parameters)")


if __name__ == "__main__":
    main()
