#!/usr/bin/python3
"""Recurrent models as torch.onnx.export writes them (defaults: constant
folding on, eval mode), with torch's outputs as the references. Writes
recurrent-torch/<model>/{model.onnx,test_data_set_0/} next to this script.

- tagger: Embedding -> 2-layer bidirectional nn.LSTM (batch_first) ->
  Linear per token (a part-of-speech / NER tagger), tokens [2, 12].
- seq2seq: a GRU encoder whose last hidden state starts a GRU decoder
  (teacher forcing), then Linear; the sequence dims exported open
  (dynamic_axes), as one does for variable-length text.
- rnn: 1-layer nn.RNN with ReLU and an initial state input.
"""
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recurrent-torch")


class Tagger(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(50, 16)
        self.lstm = torch.nn.LSTM(16, 16, num_layers=2, bidirectional=True, batch_first=True)
        self.out = torch.nn.Linear(32, 9)

    def forward(self, tokens):
        y, _ = self.lstm(self.emb(tokens))
        return self.out(y)


class Seq2Seq(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.src = torch.nn.Embedding(40, 12)
        self.tgt = torch.nn.Embedding(40, 12)
        self.enc = torch.nn.GRU(12, 20)
        self.dec = torch.nn.GRU(12, 20)
        self.out = torch.nn.Linear(20, 40)

    def forward(self, src, tgt):
        _, h = self.enc(self.src(src))
        y, _ = self.dec(self.tgt(tgt), h)
        return self.out(y)


class Rnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.RNN(6, 10, nonlinearity="relu")

    def forward(self, x, h0):
        return self.rnn(x, h0)


def save(name, model, args, input_names, output_names, **kw):
    d = os.path.join(HERE, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    model.eval()
    torch.onnx.export(model, args, os.path.join(d, "model.onnx"), input_names=input_names,
                      output_names=output_names, **kw)
    with torch.no_grad():
        outs = model(*args)
    outs = outs if isinstance(outs, tuple) else (outs,)
    for i, (nm, a) in enumerate(zip(input_names, args)):
        onnx.save_tensor(numpy_helper.from_array(a.numpy(), nm),
                         os.path.join(d, "test_data_set_0", "input_%d.pb" % i))
    for i, (nm, a) in enumerate(zip(output_names, outs)):
        onnx.save_tensor(numpy_helper.from_array(a.numpy().astype(np.float32), nm),
                         os.path.join(d, "test_data_set_0", "output_%d.pb" % i))


torch.manual_seed(0)
save("tagger", Tagger(), (torch.randint(0, 50, (2, 12)),), ["tokens"], ["tags"])
save("seq2seq", Seq2Seq(), (torch.randint(0, 40, (9, 1)), torch.randint(0, 40, (7, 1))),
     ["src", "tgt"], ["logits"],
     dynamic_axes={"src": {0: "src_len"}, "tgt": {0: "tgt_len"}, "logits": {0: "tgt_len"}})
save("rnn", Rnn(), (torch.randn(5, 3, 6), torch.randn(1, 3, 10)), ["x", "h0"], ["y", "h"])
