#!/usr/bin/python3
# ===- export_wide_zoo.py - the families users bring, exported as they do ---===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Usage: /usr/bin/python3 scripts/models/export_wide_zoo.py --out DIR
#                                                   [--only A,B] [--missing]
#
# The wider model zoo (issue 15): one model per family a deployment engineer
# brings, exported the way users export (`torch.onnx.export(model, args,
# path)` with torch's defaults: its default opset, constant folding on,
# batch norm folded into the convolutions), never committed. Fixed seeds,
# batch 1, torch's inputs and outputs in ONNX's test_data_set layout:
#   DIR/<model>/model.onnx
#   DIR/<model>/test_data_set_0/{input,output}_<i>.pb
# Families:
#   classification  efficientnet_b0 (SiLU, squeeze-excite), shufflenet_v2
#                   (channel shuffle), regnet_y_400mf (grouped convs, SE),
#                   squeezenet1_1 (concat, ceil-mode pooling),
#                   mobilenet_v3_small (hard-swish, hard-sigmoid),
#                   densenet121 (dense concatenation), convnext_tiny
#                   (channels-last layer norm, GELU, 7x7 depthwise)
#   segmentation    lraspp_mobilenet_v3 (bilinear resizes), unet_small
#                   (ConvTranspose2d(128, 64, 2, stride=2), skip concats)
#   detection       detect_postprocess (box decode, TopK, NonMaxSuppression,
#                   Gather of the kept boxes)
#   transformers    transformer_encoder (nn.TransformerEncoder, sequence-
#                   first, 3 heads, key padding mask), transformer_seq2seq
#                   (nn.Transformer encoder-decoder, causal target mask)
#   recurrent       lstm_tagger (bidirectional 2-layer LSTM), gru_seq2seq
#                   (GRU encoder, GRU decoder with dot attention)
#   speech          speech_conformer (Conv1d subsampling, MHA, GLU +
#                   depthwise conv module, batch norm, SiLU)
#   multi-input     two_tower (image CNN + text embedding bag, cosine)
#   the zoo's own    resnet18, mobilenet_v2, vit_l4_h256_p8, bert_l4_h256_s128
#                   (export_zoo.py's models, here as users export them)
# Needs Debian's python3-torch python3-torchvision python3-onnx
# (scripts/models/install-deps.sh installs them).
import argparse
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_zoo  # noqa: E402


def randomize_bn(model):
    """Running statistics drawn away from (0, 1) so that folded batch norms
    change the weights (as trained ones do)."""
    gen = torch.Generator().manual_seed(7)
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
            if m.affine:
                m.weight.data.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
                m.bias.data.copy_(torch.randn(n, generator=gen) * 0.1)
    return model


def image(size=224, seed=1):
    return torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(seed))


class UNetSmall(torch.nn.Module):
    """Two down, two up: ConvTranspose2d and bilinear upsampling, skip
    concatenations, per-pixel classes."""

    def __init__(self, classes=5):
        super().__init__()

        def block(i, o):
            return torch.nn.Sequential(
                torch.nn.Conv2d(i, o, 3, padding=1), torch.nn.BatchNorm2d(o),
                torch.nn.ReLU(), torch.nn.Conv2d(o, o, 3, padding=1),
                torch.nn.BatchNorm2d(o), torch.nn.ReLU())
        self.d1, self.d2, self.mid = block(3, 32), block(32, 64), block(64, 128)
        self.up2 = torch.nn.ConvTranspose2d(128, 64, 2, stride=2)
        self.u2 = block(128, 64)
        self.u1 = block(64 + 32, 32)
        self.head = torch.nn.Conv2d(32, classes, 1)

    def forward(self, x):
        a = self.d1(x)
        b = self.d2(torch.nn.functional.max_pool2d(a, 2))
        c = self.mid(torch.nn.functional.max_pool2d(b, 2))
        b = self.u2(torch.cat([self.up2(c), b], 1))
        b = torch.nn.functional.interpolate(b, scale_factor=2, mode="bilinear",
                                            align_corners=False)
        return self.head(self.u1(torch.cat([b, a], 1)))


class DetectPostprocess(torch.nn.Module):
    """An anchor head over a feature map, then what detectors export after
    it: box decoding, TopK of the scores, NMS, the kept boxes gathered."""

    def __init__(self, channels=64, anchors=3, grid=16, keep=100):
        super().__init__()
        self.cls = torch.nn.Conv2d(channels, anchors, 3, padding=1)
        self.reg = torch.nn.Conv2d(channels, anchors * 4, 3, padding=1)
        ys, xs = torch.meshgrid(torch.arange(grid), torch.arange(grid), indexing="ij")
        centers = torch.stack([xs, ys], -1).reshape(-1, 1, 2).float() + 0.5
        sizes = torch.tensor([[1.0, 1.0], [2.0, 1.0], [1.0, 2.0]])[:anchors]
        self.register_buffer("centers", centers.expand(-1, anchors, 2).reshape(-1, 2))
        self.register_buffer("sizes", sizes.repeat(grid * grid, 1))
        self.keep = keep

    def forward(self, feat):
        scores = self.cls(feat).sigmoid().permute(0, 2, 3, 1).reshape(-1)
        deltas = self.reg(feat).permute(0, 2, 3, 1).reshape(-1, 4)
        ctr = self.centers + deltas[:, :2] * self.sizes
        wh = self.sizes * torch.exp(deltas[:, 2:].clamp(max=4.0))
        boxes = torch.cat([ctr - wh / 2, ctr + wh / 2], 1)
        top, idx = scores.topk(self.keep)
        boxes = boxes[idx]
        kept = torchvision.ops.nms(boxes, top, 0.5)
        return boxes[kept], top[kept]


class TransformerEncoderModel(torch.nn.Module):
    """nn.TransformerEncoder as most tutorials write it: sequence first,
    packed in_proj, odd head count, key padding mask, mean-pooled."""

    def __init__(self, vocab=5000, d=192, heads=3, layers=3, classes=10):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, d)
        self.pos = torch.nn.Parameter(torch.randn(128, 1, d) * 0.02)
        layer = torch.nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0,
                                                 activation="gelu")
        self.enc = torch.nn.TransformerEncoder(layer, layers,
                                               enable_nested_tensor=False)
        self.head = torch.nn.Linear(d, classes)

    def forward(self, tokens, padding_mask):
        x = self.emb(tokens.t()) + self.pos[: tokens.shape[1]]
        x = self.enc(x, src_key_padding_mask=padding_mask)
        return self.head(x.mean(0))


class TransformerSeq2Seq(torch.nn.Module):
    """nn.Transformer encoder-decoder, batch first, causal target mask."""

    def __init__(self, vocab=4000, d=128, heads=4, layers=2):
        super().__init__()
        self.src_emb = torch.nn.Embedding(vocab, d)
        self.tgt_emb = torch.nn.Embedding(vocab, d)
        self.t = torch.nn.Transformer(d, heads, layers, layers, 4 * d, dropout=0.0,
                                      batch_first=True)
        self.out = torch.nn.Linear(d, vocab)

    def forward(self, src, tgt):
        n = tgt.shape[1]
        mask = torch.triu(torch.full((n, n), float("-inf")), diagonal=1)
        y = self.t(self.src_emb(src), self.tgt_emb(tgt), tgt_mask=mask)
        return self.out(y)


class LstmTagger(torch.nn.Module):
    def __init__(self, vocab=3000, d=64, hidden=96, tags=17):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, d)
        self.lstm = torch.nn.LSTM(d, hidden, num_layers=2, bidirectional=True,
                                  batch_first=True)
        self.out = torch.nn.Linear(2 * hidden, tags)

    def forward(self, tokens):
        y, _ = self.lstm(self.emb(tokens))
        return self.out(y).log_softmax(-1)


class GruSeq2Seq(torch.nn.Module):
    """GRU encoder, GRU decoder fed the target tokens (teacher forcing),
    dot-product attention over the encoder states."""

    def __init__(self, vocab=2000, d=64, hidden=128):
        super().__init__()
        self.src_emb = torch.nn.Embedding(vocab, d)
        self.tgt_emb = torch.nn.Embedding(vocab, d)
        self.enc = torch.nn.GRU(d, hidden, batch_first=True)
        self.dec = torch.nn.GRU(d, hidden, batch_first=True)
        self.out = torch.nn.Linear(2 * hidden, vocab)

    def forward(self, src, tgt):
        mem, h = self.enc(self.src_emb(src))
        y, _ = self.dec(self.tgt_emb(tgt), h)
        att = torch.softmax(y @ mem.transpose(1, 2), -1) @ mem
        return self.out(torch.cat([y, att], -1))


class SpeechConformer(torch.nn.Module):
    """Log-mel frames -> Conv1d subsampling -> a conformer-style block
    (half-step feed-forward, MHA, GLU + depthwise conv module) -> CTC
    log-probabilities."""

    def __init__(self, mels=80, d=144, heads=4, vocab=32):
        super().__init__()
        self.sub = torch.nn.Sequential(
            torch.nn.Conv1d(mels, d, 3, stride=2, padding=1), torch.nn.GELU(),
            torch.nn.Conv1d(d, d, 3, stride=2, padding=1), torch.nn.GELU())
        self.ff = torch.nn.Sequential(torch.nn.LayerNorm(d), torch.nn.Linear(d, 4 * d),
                                      torch.nn.SiLU(), torch.nn.Linear(4 * d, d))
        self.ln_att = torch.nn.LayerNorm(d)
        self.att = torch.nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln_conv = torch.nn.LayerNorm(d)
        self.pw1 = torch.nn.Conv1d(d, 2 * d, 1)
        self.dw = torch.nn.Conv1d(d, d, 15, padding=7, groups=d)
        self.bn = torch.nn.BatchNorm1d(d)
        self.pw2 = torch.nn.Conv1d(d, d, 1)
        self.ln_out = torch.nn.LayerNorm(d)
        self.ctc = torch.nn.Linear(d, vocab)

    def forward(self, mel):
        x = self.sub(mel).transpose(1, 2)
        x = x + 0.5 * self.ff(x)
        h = self.ln_att(x)
        x = x + self.att(h, h, h, need_weights=False)[0]
        c = self.ln_conv(x).transpose(1, 2)
        c = torch.nn.functional.glu(self.pw1(c), dim=1)
        c = self.pw2(torch.nn.functional.silu(self.bn(self.dw(c))))
        x = self.ln_out(x + c.transpose(1, 2))
        return self.ctc(x).log_softmax(-1)


class TwoTower(torch.nn.Module):
    """An image tower and a text tower, normalized embeddings, similarity."""

    def __init__(self, vocab=6000, d=128):
        super().__init__()
        self.img = torch.nn.Sequential(
            torch.nn.Conv2d(3, 32, 3, stride=2, padding=1), torch.nn.BatchNorm2d(32),
            torch.nn.ReLU(), torch.nn.Conv2d(32, 64, 3, stride=2, padding=1),
            torch.nn.BatchNorm2d(64), torch.nn.ReLU(),
            torch.nn.Conv2d(64, 128, 3, stride=2, padding=1), torch.nn.BatchNorm2d(128),
            torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
            torch.nn.Linear(128, d))
        self.emb = torch.nn.Embedding(vocab, d)
        self.txt = torch.nn.Sequential(torch.nn.Linear(d, d), torch.nn.Tanh(),
                                       torch.nn.Linear(d, d))

    def forward(self, pixels, tokens, token_mask):
        i = torch.nn.functional.normalize(self.img(pixels), dim=-1)
        m = token_mask.unsqueeze(-1).to(torch.float32)
        t = (self.emb(tokens) * m).sum(1) / m.sum(1).clamp(min=1.0)
        t = torch.nn.functional.normalize(self.txt(t), dim=-1)
        return i @ t.t(), i, t


ZOO_NAMES = ("resnet18", "mobilenet_v2", "vit_l4_h256_p8", "bert_l4_h256_s128")
NAMES = ZOO_NAMES + ("efficientnet_b0", "shufflenet_v2", "regnet_y_400mf", "squeezenet1_1",
         "mobilenet_v3_small", "densenet121", "convnext_tiny", "lraspp_mobilenet_v3",
         "unet_small", "detect_postprocess", "transformer_encoder",
         "transformer_seq2seq", "lstm_tagger", "gru_seq2seq", "speech_conformer",
         "two_tower")


def cases(wanted=()):
    """(name, model, inputs, input names, output names) of every model of
    the wider zoo (those in `wanted`, if given)."""
    def want(name):
        return not wanted or name in wanted

    yield from export_zoo.cases([n for n in ZOO_NAMES if want(n)] or ["none"])
    tv = torchvision.models
    for name, build in (("efficientnet_b0", tv.efficientnet_b0),
                        ("shufflenet_v2", tv.shufflenet_v2_x1_0),
                        ("regnet_y_400mf", tv.regnet_y_400mf),
                        ("squeezenet1_1", tv.squeezenet1_1),
                        ("mobilenet_v3_small", tv.mobilenet_v3_small),
                        ("densenet121", tv.densenet121),
                        ("convnext_tiny", tv.convnext_tiny)):
        if want(name):
            torch.manual_seed(0)
            yield name, randomize_bn(build(weights=None)), [image()], ["input"], ["logits"]
    if want("lraspp_mobilenet_v3"):
        torch.manual_seed(0)
        m = torchvision.models.segmentation.lraspp_mobilenet_v3_large(
            weights=None, weights_backbone=None, num_classes=6)

        class Out(torch.nn.Module):  # the "out" entry of the dict it returns
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, x):
                return self.m(x)["out"]
        yield ("lraspp_mobilenet_v3", Out(randomize_bn(m)), [image()], ["input"],
               ["masks"])
    if want("unet_small"):
        torch.manual_seed(0)
        yield ("unet_small", randomize_bn(UNetSmall()), [image(128)], ["input"],
               ["masks"])
    if want("detect_postprocess"):
        torch.manual_seed(0)
        feat = torch.randn(1, 64, 16, 16, generator=torch.Generator().manual_seed(1))
        yield ("detect_postprocess", DetectPostprocess(), [feat], ["features"],
               ["boxes", "scores"])
    gen = torch.Generator().manual_seed(1)
    if want("transformer_encoder"):
        torch.manual_seed(0)
        tokens = torch.randint(0, 5000, (1, 96), generator=gen)
        pad = torch.zeros(1, 96, dtype=torch.bool)
        pad[0, 80:] = True
        yield ("transformer_encoder", TransformerEncoderModel(), [tokens, pad],
               ["tokens", "padding_mask"], ["logits"])
    if want("transformer_seq2seq"):
        torch.manual_seed(0)
        src = torch.randint(0, 4000, (1, 40), generator=gen)
        tgt = torch.randint(0, 4000, (1, 24), generator=gen)
        yield ("transformer_seq2seq", TransformerSeq2Seq(), [src, tgt], ["src", "tgt"],
               ["logits"])
    if want("lstm_tagger"):
        torch.manual_seed(0)
        tokens = torch.randint(0, 3000, (1, 50), generator=gen)
        yield "lstm_tagger", LstmTagger(), [tokens], ["tokens"], ["tag_logprobs"]
    if want("gru_seq2seq"):
        torch.manual_seed(0)
        src = torch.randint(0, 2000, (1, 30), generator=gen)
        tgt = torch.randint(0, 2000, (1, 20), generator=gen)
        yield "gru_seq2seq", GruSeq2Seq(), [src, tgt], ["src", "tgt"], ["logits"]
    if want("speech_conformer"):
        torch.manual_seed(0)
        mel = torch.randn(1, 80, 400, generator=gen)
        yield ("speech_conformer", randomize_bn(SpeechConformer()), [mel], ["mel"],
               ["ctc_logprobs"])
    if want("two_tower"):
        torch.manual_seed(0)
        pixels = torch.randn(1, 3, 96, 96, generator=gen)
        tokens = torch.randint(0, 6000, (1, 32), generator=gen)
        mask = torch.ones(1, 32, dtype=torch.int64)
        mask[0, 20:] = 0
        yield ("two_tower", randomize_bn(TwoTower()), [pixels, tokens, mask],
               ["pixels", "tokens", "token_mask"],
               ["similarity", "image_embedding", "text_embedding"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--missing", action="store_true",
                    help="export only the models whose model.onnx is not in --out")
    args = ap.parse_args()
    torch.set_num_threads(1)
    wanted = set(filter(None, args.only.split(","))) or set(NAMES)
    if args.missing:
        wanted = {n for n in wanted
                  if not os.path.exists(os.path.join(args.out, n, "model.onnx"))}
        if not wanted:
            return 0
    for name, model, inputs, input_names, output_names in cases(wanted):
        export_zoo.save_case(args.out, name, None, model, inputs, input_names,
                             output_names, user_defaults=True)


if __name__ == "__main__":
    sys.exit(main())
