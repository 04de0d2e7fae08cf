"""Graph outputs that share memory with other values (test/Runtime/
results-in-place.test): a tensor that is two outputs and reshaped into a
third, and a linear layer computed in 2-D and returned reshaped to 3-D,
each with numpy's outputs; and a decoder's cache append."""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

from onnxcase import write_case

out = sys.argv[1]
rng = np.random.default_rng(7)

x = rng.standard_normal((2, 3)).astype(np.float32)
g = h.make_graph(
    [h.make_node("Relu", ["x"], ["y1"], name="relu"),
     h.make_node("Identity", ["y1"], ["y2"], name="same"),
     h.make_node("Reshape", ["y1", "flat"], ["y3"], name="flatten")],
    "shared", [h.make_tensor_value_info("x", T.FLOAT, [2, 3])],
    [h.make_tensor_value_info(n, T.FLOAT, s) for n, s in (("y1", [2, 3]), ("y2", [2, 3]), ("y3", [6]))],
    [numpy_helper.from_array(np.array([6], dtype=np.int64), "flat")])
r = np.maximum(x, 0)
write_case(out, "one_tensor_three_outputs", g, [("x", x)], [("y1", r), ("y2", r), ("y3", r.reshape(6))])

x = rng.standard_normal((4, 8)).astype(np.float32)
w = rng.standard_normal((8, 16)).astype(np.float32)
g = h.make_graph(
    [h.make_node("MatMul", ["x", "w"], ["m"], name="linear"),
     h.make_node("Reshape", ["m", "shape"], ["y"], name="to3d")],
    "reshaped", [h.make_tensor_value_info("x", T.FLOAT, [4, 8])],
    [h.make_tensor_value_info("y", T.FLOAT, [1, 4, 16])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.array([1, 4, 16], dtype=np.int64), "shape")])
write_case(out, "reshaped_linear", g, [("x", x)],
           [("y", (x.astype(np.float64) @ w).astype(np.float32).reshape(1, 4, 16))])

# A decoder's cache append: each new key / value, head-transposed, is
# concatenated after the past ones; the results are graph outputs.
k, v = (rng.standard_normal((1, 1, 2, 8)).astype(np.float32) for _ in range(2))
pk, pv = (rng.standard_normal((1, 2, 3, 8)).astype(np.float32) for _ in range(2))
g = h.make_graph(
    [h.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1, 3], name="k_heads"),
     h.make_node("Transpose", ["v"], ["vt"], perm=[0, 2, 1, 3], name="v_heads"),
     h.make_node("Concat", ["past_k", "kt"], ["present_k"], axis=2, name="k_append"),
     h.make_node("Concat", ["past_v", "vt"], ["present_v"], axis=2, name="v_append")],
    "append",
    [h.make_tensor_value_info(n, T.FLOAT, s) for n, s in
     (("k", [1, 1, 2, 8]), ("v", [1, 1, 2, 8]), ("past_k", [1, 2, 3, 8]), ("past_v", [1, 2, 3, 8]))],
    [h.make_tensor_value_info(n, T.FLOAT, [1, 2, 4, 8]) for n in ("present_k", "present_v")])
write_case(out, "cache_append", g, [("k", k), ("v", v), ("past_k", pk), ("past_v", pv)],
           [("present_k", np.concatenate([pk, k.transpose(0, 2, 1, 3)], axis=2)),
            ("present_v", np.concatenate([pv, v.transpose(0, 2, 1, 3)], axis=2))])
