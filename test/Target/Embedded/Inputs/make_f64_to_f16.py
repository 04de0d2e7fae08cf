#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Cast(double -> float16) on the values where double rounding goes wrong:
exact halfway points between float16 neighbours and points a hair above or
below them (where f64 -> f32 -> f16 with nearest-even twice rounds the
wrong way), subnormals, the overflow threshold, zeros, infinities and NaN.
Writes DIR/cast.onnx and DIR/data/{input_0,output_0}.pb, the expected
output being numpy's correctly rounded astype(float16)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(f"{out}/data", exist_ok=True)
rng = np.random.default_rng(7)
h = rng.integers(0, 0x7BFF, 200, dtype=np.uint16).view(np.float16).astype(np.float64)
nxt = np.nextafter(h.astype(np.float16), np.float16(np.inf)).astype(np.float64)
mid = (h + nxt) / 2
vals = [mid, np.nextafter(mid, np.inf), np.nextafter(mid, -np.inf),
        mid + (nxt - h) * 2.0**-20, mid - (nxt - h) * 2.0**-20, -mid,
        [0.0, -0.0, np.inf, -np.inf, np.nan, 65504.0, 65519.99, 65520.0, 1e10, -1e10,
         5.96e-8, 2.98e-8, 2.99e-8, 1e-12, 6.1e-5, 1.0 / 3.0, -2.0 / 3.0, 1e-300]]
x = np.concatenate([np.asarray(v, dtype=np.float64) for v in vals])
y = x.astype(np.float16)
xi = helper.make_tensor_value_info("x", TensorProto.DOUBLE, [x.size])
yi = helper.make_tensor_value_info("y", TensorProto.FLOAT16, [x.size])
g = helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT16)],
                      "cast", [xi], [yi])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), f"{out}/cast.onnx")
onnx.save_tensor(numpy_helper.from_array(x, "x"), f"{out}/data/input_0.pb")
onnx.save_tensor(numpy_helper.from_array(y, "y"), f"{out}/data/output_0.pb")
