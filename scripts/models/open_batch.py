#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes a copy of an ONNX model whose graph inputs and outputs have an open
batch: dim 0 becomes the dim_param "N" (what torch.onnx.export writes with
dynamic_axes={...: {0: "N"}}), and the intermediate value_info is dropped so
that shape inference derives it again.

Usage: /usr/bin/python3 scripts/models/open_batch.py IN.onnx OUT.onnx"""
import sys

import onnx


def main():
    model = onnx.load(sys.argv[1])
    for vi in list(model.graph.input) + list(model.graph.output):
        dims = vi.type.tensor_type.shape.dim
        if len(dims) > 0:
            dims[0].ClearField("dim_value")
            dims[0].dim_param = "N"
    del model.graph.value_info[:]
    onnx.save(model, sys.argv[2])


if __name__ == "__main__":
    main()
