#!/usr/bin/python3
# Regenerates the committed pruning test models with torch's references for
# the pruned models. The channel and weight selections are worked out here
# in torch from the rules docs/pruning.md states, independently of the
# compiler:
#
# prunable_op17/: a small CNN with every channel rule the structured pass
#   knows: a residual add tying two producers, batch norms, a depthwise conv
#   passing channels through, global pooling, a flatten feeding a linear.
#   test_data_set_0: the dense model; test_data_set_structured: the model
#   with 50% of each group's channels removed (l1, align 4), computed as the
#   dense model with the consumers' weight columns of the removed channels
#   zeroed (what removing them means).
# plain_op17/: a conv + two linears without batch norm (the magnitude pass
#   sees the exported weights), with test_data_set_{unstructured,block,nm,
#   global}: unstructured:0.5 per layer, block:0.5 with 1x4 blocks per layer,
#   nm:2:4, and unstructured:0.5 with one threshold over all layers.
# seq_op17/: two linears on a [1, 13, 64] sequence (torch exports them as
#   Transpose + MatMul + Add) with test_data_set_block16x1: block:0.75 with
#   16x1 blocks (16 outputs x 1 input) per layer, the form the block-sparse
#   kernels take (8-row register tiles and a 5-row remainder), and
#   test_data_set_block16x4 with 16x4 blocks (the 8-bit kernels' form), and
#   calib/ (the input as the calibration sample of --quantize int8).
#
# Needs Debian's python3-torch and python3-onnx; run with /usr/bin/python3.
import os
import sys

import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../../../scripts/models"))
import export_zoo  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
nn = torch.nn


def randomize_bn(bn, g):
    with torch.no_grad():
        bn.weight.copy_(torch.rand(bn.num_features, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(bn.num_features, generator=g) * 0.1)
        bn.running_mean.copy_(torch.randn(bn.num_features, generator=g) * 0.1)
        bn.running_var.copy_(torch.rand(bn.num_features, generator=g) + 0.5)


class Prunable(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.stem_bn = nn.BatchNorm2d(16)
        self.c1 = nn.Conv2d(16, 16, 3, padding=1)
        self.c1_bn = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 16, 3, padding=1)
        self.c2_bn = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.pw = nn.Conv2d(16, 32, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(32, 24)
        self.fc2 = nn.Linear(24, 10)

    def forward(self, x):
        s = torch.relu(self.stem_bn(self.stem(x)))
        y = torch.relu(self.c1_bn(self.c1(s)))
        y = torch.relu(self.c2_bn(self.c2(y)) + s)
        y = torch.relu(self.pw(torch.relu(self.dw(y))))
        y = torch.flatten(self.pool(y), 1)
        return self.fc2(torch.relu(self.fc1(y)))


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 8)

    def forward(self, x):
        y = torch.flatten(torch.relu(self.conv(x)), 1)
        return self.fc2(torch.relu(self.fc1(y)))


def kept(producers, ratio=0.5, align=4):
    """The kept channels of a group: producers' weight-row L1 norms, each
    producer's normalized by its mean, summed; the top count, ascending."""
    score = 0
    for w in producers:
        s = w.detach().double().abs().reshape(w.shape[0], -1).sum(1)
        score = score + s / s.mean()
    c = score.numel()
    k = min(c, max(-(-int(round((1 - ratio) * c)) // align) * align, min(align, c)))
    order = sorted(range(c), key=lambda i: (-score[i].item(), i))
    return sorted(order[:k])


def zero_columns(w, keep, inner=1):
    """Zeroes the input channels of `w` ([out, in, ...]) not in `keep`."""
    with torch.no_grad():
        mask = torch.zeros(w.shape[1], dtype=torch.bool)
        for c in keep:
            mask[c * inner:(c + 1) * inner] = True
        w[:, ~mask] = 0


def write_set(folder, name, x, y):
    d = os.path.join(folder, name)
    os.makedirs(d, exist_ok=True)
    for kind, t in (("input", x), ("output", y)):
        pb = numpy_helper.from_array(t.detach().numpy(), {"input": "input", "output": "logits"}[kind])
        with open(os.path.join(d, f"{kind}_0.pb"), "wb") as f:
            f.write(pb.SerializeToString())


def structured():
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    m = Prunable().eval()
    for bn in (m.stem_bn, m.c1_bn, m.c2_bn):
        randomize_bn(bn, g)
    x = torch.randn(1, 3, 8, 8, generator=g)
    export_zoo.save_case(HERE, "prunable", 17, m, [x], ["input"], ["logits"])
    residual = kept([m.stem.weight, m.c2.weight])
    inner = kept([m.c1.weight])
    wide = kept([m.pw.weight])
    hidden = kept([m.fc1.weight])
    zero_columns(m.c1.weight, residual)
    zero_columns(m.pw.weight, residual)
    zero_columns(m.c2.weight, inner)
    zero_columns(m.fc1.weight, wide)
    zero_columns(m.fc2.weight, hidden)
    with torch.no_grad():
        write_set(os.path.join(HERE, "prunable_op17"), "test_data_set_structured", x, m(x))
    print("kept:", residual, inner, wide, hidden)


class Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 48)
        self.fc2 = nn.Linear(48, 32)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def block(w, cols=1, ratio=0.75):
    """Zeroes the `ratio` of w's 16 x `cols` blocks (16 outputs x `cols`
    consecutive inputs) with the smallest mean |w|, blocks in row-major order
    of [out / 16, in / cols]."""
    out, k = w.shape
    v = w.detach().reshape(out // 16, 16, k // cols, cols)
    score = v.double().abs().mean((1, 3)).flatten()
    order = score.argsort(stable=True)[: int(ratio * score.numel())]
    mask = torch.ones(score.numel(), dtype=torch.bool)
    mask[order] = False
    with torch.no_grad():
        w.copy_((v * mask.reshape(out // 16, 1, k // cols, 1)).reshape(out, k))


def seq():
    g = torch.Generator().manual_seed(3)
    torch.manual_seed(3)
    m = Seq().eval()
    x = torch.randn(1, 13, 64, generator=g)
    export_zoo.save_case(HERE, "seq", 17, m, [x], ["input"], ["logits"])
    dense = {k: v.clone() for k, v in m.state_dict().items()}
    for cols in (1, 4):
        m.load_state_dict(dense)
        for layer in (m.fc1, m.fc2):
            block(layer.weight, cols)
        with torch.no_grad():
            write_set(os.path.join(HERE, "seq_op17"), f"test_data_set_block16x{cols}", x, m(x))
    # The calibration sample of --quantize int8 (the same input).
    calib = os.path.join(HERE, "seq_op17", "calib", "sample_0")
    os.makedirs(calib, exist_ok=True)
    with open(os.path.join(calib, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x.numpy(), "input").SerializeToString())


def magnitude(w, pattern):
    """Zeroes w (viewed [out, reduction]) the way autoglm-prune-magnitude does."""
    v = w.detach().reshape(w.shape[0], -1).clone()
    rows, cols = v.shape
    if pattern == "nm":  # 2:4 along the reduction
        runs = v.reshape(rows, cols // 4, 4)
        idx = runs.abs().argsort(dim=2, stable=True)[:, :, :2]
        runs.scatter_(2, idx, 0.0)
        v = runs.reshape(rows, cols)
    else:
        bw = 4 if pattern == "block" else 1
        score = v.abs().reshape(rows, cols // bw, bw).double().mean(2).flatten()
        order = score.argsort(stable=True)[: int(0.5 * score.numel())]
        blocks = v.reshape(-1, bw)
        blocks[order] = 0.0
        v = blocks.reshape(rows, cols)
    with torch.no_grad():
        w.copy_(v.reshape(w.shape))


def global_unstructured(weights, ratio=0.5):
    """Zeroes the `ratio` smallest |w| over all layers (program order, then
    row-major; ties by that order)."""
    flat = torch.cat([w.detach().double().abs().flatten() for w in weights])
    cut = flat.argsort(stable=True)[: int(ratio * flat.numel())]
    mask = torch.ones(flat.numel(), dtype=torch.bool)
    mask[cut] = False
    start = 0
    with torch.no_grad():
        for w in weights:
            n = w.numel()
            w.mul_(mask[start:start + n].reshape(w.shape))
            start += n


def plain():
    g = torch.Generator().manual_seed(2)
    torch.manual_seed(2)
    m = Plain().eval()
    x = torch.randn(1, 4, 8, 8, generator=g)
    export_zoo.save_case(HERE, "plain", 17, m, [x], ["input"], ["logits"])
    dense = {k: v.clone() for k, v in m.state_dict().items()}
    for pattern in ("unstructured", "block", "nm"):
        m.load_state_dict(dense)
        for layer in (m.conv, m.fc1, m.fc2):
            magnitude(layer.weight, pattern)
        with torch.no_grad():
            write_set(os.path.join(HERE, "plain_op17"), f"test_data_set_{pattern}", x, m(x))
    m.load_state_dict(dense)
    global_unstructured([m.conv.weight, m.fc1.weight, m.fc2.weight])
    with torch.no_grad():
        write_set(os.path.join(HERE, "plain_op17"), "test_data_set_global", x, m(x))


structured()
plain()
seq()
