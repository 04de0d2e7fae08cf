#!/usr/bin/python3
# Regenerates vit-tiny_op17/ (committed): a 1-layer torchvision VisionTransformer
# (16x16 images, 8x8 patches, width 16, 2 heads) exported by torch at opset
# 17, with torch's output for a fixed input. Needs Debian's python3-torch,
# python3-torchvision, python3-onnx.
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../../../scripts/models"))
import export_zoo  # noqa: E402

torch.manual_seed(0)
m = torchvision.models.VisionTransformer(image_size=16, patch_size=8, num_layers=1,
                                         num_heads=2, hidden_dim=16, mlp_dim=32,
                                         num_classes=4)
torch.nn.init.normal_(m.heads.head.weight, std=0.5)
x = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(1))
out = os.path.dirname(os.path.abspath(__file__))
export_zoo.save_case(out, "vit-tiny", 17, m, [x], ["input"], ["logits"])
