#!/usr/bin/python3
# ===- export_zoo.py - the benchmark zoo, exported from torch ---------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Usage: /usr/bin/python3 scripts/models/export_zoo.py --out DIR [--only NAME,...]
#            [--batch B] [--opset 17,13]
#
# Generated on demand (never committed), fixed seeds, batch 1 (or --batch B:
# B samples, the first that of batch 1), each model at opset 17 and 13, each with torch's reference inputs and outputs in ONNX's
# test_data_set layout:
#   DIR/<model>_op<opset>/model.onnx
#   DIR/<model>_op<opset>/test_data_set_0/{input,output}_<i>.pb
# Models: resnet18, mobilenet_v2 (torchvision, weights=None); bert_l4_h256_s128
# (post-LN, exact GELU, attention mask input); gpt_l4_h256_s128 prefill (pre-LN,
# tanh GELU, causal mask) and its decode step with a 127-long KV cache;
# vit_l4_h256_p8 (torchvision VisionTransformer, 64x64 images, 8x8 patches).
# Needs Debian's python3-torch python3-torchvision python3-onnx
# (scripts/models/install-deps.sh installs them).
import argparse
import math
import os
import sys

import onnx
import torch
import torchvision
from onnx import numpy_helper

HIDDEN, HEADS, LAYERS, SEQ = 256, 4, 4, 128


class BertLayer(torch.nn.Module):
    """Post-LN encoder layer, exact GELU."""

    def __init__(self):
        super().__init__()
        self.qkv = torch.nn.Linear(HIDDEN, 3 * HIDDEN)
        self.proj = torch.nn.Linear(HIDDEN, HIDDEN)
        self.ln1 = torch.nn.LayerNorm(HIDDEN)
        self.fc1 = torch.nn.Linear(HIDDEN, 4 * HIDDEN)
        self.fc2 = torch.nn.Linear(4 * HIDDEN, HIDDEN)
        self.ln2 = torch.nn.LayerNorm(HIDDEN)

    def forward(self, x, mask_bias):
        b, s, _ = x.shape
        q, k, v = self.qkv(x).split(HIDDEN, dim=-1)
        shape = (b, s, HEADS, HIDDEN // HEADS)
        q, k, v = (t.reshape(shape).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + mask_bias
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, HIDDEN)
        x = self.ln1(x + self.proj(ctx))
        return self.ln2(x + self.fc2(torch.nn.functional.gelu(self.fc1(x))))


class Bert(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = torch.nn.Embedding(30522, HIDDEN)
        self.pos = torch.nn.Embedding(SEQ, HIDDEN)
        self.ln = torch.nn.LayerNorm(HIDDEN)
        self.layers = torch.nn.ModuleList(BertLayer() for _ in range(LAYERS))
        self.pool = torch.nn.Linear(HIDDEN, HIDDEN)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        x = self.ln(self.tok(input_ids) + self.pos(pos))
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x, torch.tanh(self.pool(x[:, 0]))


class GptLayer(torch.nn.Module):
    """Pre-LN decoder layer, tanh GELU; optional KV cache."""

    def __init__(self):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(HIDDEN)
        self.qkv = torch.nn.Linear(HIDDEN, 3 * HIDDEN)
        self.proj = torch.nn.Linear(HIDDEN, HIDDEN)
        self.ln2 = torch.nn.LayerNorm(HIDDEN)
        self.fc1 = torch.nn.Linear(HIDDEN, 4 * HIDDEN)
        self.fc2 = torch.nn.Linear(4 * HIDDEN, HIDDEN)

    def forward(self, x, past_k=None, past_v=None):
        b, s, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(HIDDEN, dim=-1)
        shape = (b, s, HEADS, HIDDEN // HEADS)
        q, k, v = (t.reshape(shape).transpose(1, 2) for t in (q, k, v))
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        total = k.shape[2]
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS)
        # Query i sits at position total - s + i and sees keys up to it.
        qpos = torch.arange(total - s, total, device=q.device).unsqueeze(1)
        kpos = torch.arange(total, device=q.device).unsqueeze(0)
        scores = scores.masked_fill(kpos > qpos, float("-inf"))
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, HIDDEN)
        x = x + self.proj(ctx)
        h = torch.nn.functional.gelu(self.fc1(self.ln2(x)), approximate="tanh")
        return x + self.fc2(h), k, v


class Gpt(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = torch.nn.Embedding(8192, HIDDEN)
        self.pos = torch.nn.Embedding(SEQ, HIDDEN)
        self.layers = torch.nn.ModuleList(GptLayer() for _ in range(LAYERS))
        self.ln = torch.nn.LayerNorm(HIDDEN)
        self.head = torch.nn.Linear(HIDDEN, 8192, bias=False)


class GptPrefill(torch.nn.Module):
    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, input_ids):
        g = self.gpt
        pos = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        x = g.tok(input_ids) + g.pos(pos)
        ks, vs = [], []
        for layer in g.layers:
            x, k, v = layer(x)
            ks.append(k)
            vs.append(v)
        return (g.head(g.ln(x)), *ks, *vs)


class GptDecode(torch.nn.Module):
    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, input_ids, position, *cache):
        g = self.gpt
        x = g.tok(input_ids) + g.pos(position)
        ks, vs = [], []
        for i, layer in enumerate(g.layers):
            x, k, v = layer(x, cache[i], cache[LAYERS + i])
            ks.append(k)
            vs.append(v)
        return (g.head(g.ln(x)), *ks, *vs)


def save_case(out, name, opset, model, inputs, input_names, output_names,
              user_defaults=False):
    """Exports `model` into out/<name>_op<opset> (out/<name> with
    `user_defaults`: torch.onnx.export's defaults, no opset) with torch's
    outputs as the test data."""
    d = os.path.join(out, name if user_defaults else f"{name}_op{opset}")
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    path = os.path.join(d, "model.onnx")
    model.eval()
    with torch.no_grad():
        outputs = model(*inputs)
    if not isinstance(outputs, (tuple, list)):
        outputs = (outputs,)
    # PRESERVE keeps BatchNormalization nodes (EVAL would fold them into the
    # convolutions); the model is in eval mode, so they are inference BNs.
    # The export runs outside no_grad: inside it, torch 1.13 traces
    # nn.TransformerEncoder's fused fast path, which has no ONNX export.
    settings = {} if user_defaults else dict(
        opset_version=opset, do_constant_folding=False,
        training=torch.onnx.TrainingMode.PRESERVE)
    torch.onnx.export(model, tuple(inputs), path, input_names=input_names,
                      output_names=output_names, **settings)
    onnx.checker.check_model(onnx.load(path))
    for kind, tensors, names in (("input", inputs, input_names),
                                 ("output", outputs, output_names)):
        for i, (t, n) in enumerate(zip(tensors, names)):
            pb = numpy_helper.from_array(t.detach().numpy(), n)
            with open(os.path.join(d, "test_data_set_0", f"{kind}_{i}.pb"), "wb") as f:
                f.write(pb.SerializeToString())
    print(f"zoo: {name}" + ("" if user_defaults else f" opset {opset}") + f" -> {d}", flush=True)


def cases(wanted=(), batch=1):
    """(name, model, inputs, input names, output names) of every zoo model
    (those in `wanted`, if given), built with fixed seeds, its inputs
    `batch` samples; bench/gpu_peer.py builds the same models on the GPU
    machine."""
    def want(name):
        return not wanted or name in wanted

    def randn(*shape):
        return torch.randn(batch, *shape, generator=torch.Generator().manual_seed(1))

    if want("resnet18"):
        torch.manual_seed(0)
        m = torchvision.models.resnet18(weights=None)
        x = randn(3, 224, 224)
        yield "resnet18", m, [x], ["input"], ["logits"]
    if want("mobilenet_v2"):
        torch.manual_seed(0)
        m = torchvision.models.mobilenet_v2(weights=None)
        x = randn(3, 224, 224)
        yield "mobilenet_v2", m, [x], ["input"], ["logits"]
    if want("vit_l4_h256_p8"):
        # torchvision's ViT (nn.MultiheadAttention, class token, GELU MLP),
        # 4 layers of width 256 on 64x64 images in 8x8 patches. Its head is
        # zero-initialized: draw it, so the logits say something.
        torch.manual_seed(0)
        m = torchvision.models.VisionTransformer(
            image_size=64, patch_size=8, num_layers=4, num_heads=4, hidden_dim=256,
            mlp_dim=1024, num_classes=100)
        torch.nn.init.normal_(m.heads.head.weight, std=0.05)
        torch.nn.init.normal_(m.heads.head.bias, std=0.05)
        x = randn(3, 64, 64)
        yield "vit_l4_h256_p8", m, [x], ["input"], ["logits"]
    if want("bert_l4_h256_s128"):
        torch.manual_seed(0)
        m = Bert()
        gen = torch.Generator().manual_seed(1)
        ids = torch.randint(0, 30522, (batch, SEQ), generator=gen)
        mask = torch.ones(batch, SEQ, dtype=torch.int64)
        for b in range(batch):  # sample b: 100 - b tokens, the rest padding
            mask[b, max(100 - b, 1):] = 0
        yield ("bert_l4_h256_s128", m, [ids, mask], ["input_ids", "attention_mask"],
               ["last_hidden_state", "pooled"])
    if want("gpt_l4_h256_s128_prefill") or want("gpt_l4_h256_s128_decode") or \
            want("gpt_l4_h256_s128"):
        torch.manual_seed(0)
        gpt = Gpt()
        gen = torch.Generator().manual_seed(1)
        ids = torch.randint(0, 8192, (batch, SEQ), generator=gen)
        cache_names = [f"present_key_{i}" for i in range(LAYERS)] + \
                      [f"present_value_{i}" for i in range(LAYERS)]
        yield ("gpt_l4_h256_s128_prefill", GptPrefill(gpt), [ids], ["input_ids"],
               ["logits"] + cache_names)
        with torch.no_grad():
            _, *cache = GptPrefill(gpt).eval()(ids[:, :SEQ - 1])
        step = ids[:, SEQ - 1:]
        position = torch.full((batch, 1), SEQ - 1)
        past = [f"past_key_{i}" for i in range(LAYERS)] + \
               [f"past_value_{i}" for i in range(LAYERS)]
        yield ("gpt_l4_h256_s128_decode", GptDecode(gpt), [step, position, *cache],
               ["input_ids", "position"] + past, ["logits"] + cache_names)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--opset", default="17,13")
    args = ap.parse_args()
    torch.set_num_threads(1)
    wanted = set(filter(None, args.only.split(",")))
    for opset in map(int, args.opset.split(",")):
        for name, model, inputs, input_names, output_names in cases(wanted, args.batch):
            save_case(args.out, name, opset, model, inputs, input_names, output_names)

if __name__ == "__main__":
    sys.exit(main())
