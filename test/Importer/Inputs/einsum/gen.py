# Writes the Einsum cases of test/Importer/einsum.test: each a one-node model,
# seeded random inputs and numpy.einsum in float64 as the reference output.
# Run from this folder: python3 gen.py
import numpy as np, onnx, os, sys
from onnx import helper, TensorProto, numpy_helper
cases = {
 "attn": ("bhqd,bhkd->bhqk", [(2,3,4,5),(2,3,6,5)]),
 "three": ("ij,jk,kl->il", [(3,4),(4,5),(5,2)]),
 "implicit": ("ij,jk", [(3,4),(4,5)]),
 "outer": ("i,j->ij", [(3,),(4,)]),
 "mixed": ("abc,cbd->da", [(2,3,4),(4,3,5)]),
 "sumall": ("ij->", [(3,4)]),
 "bcast_own": ("ijk,k->j", [(2,3,4),(4,)]),
}
rng = np.random.default_rng(0)
for name,(eq,shapes) in cases.items():
    ins = [helper.make_tensor_value_info(f"x{i}", TensorProto.FLOAT, s) for i,s in enumerate(shapes)]
    data = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    ref = np.einsum(eq, *[d.astype(np.float64) for d in data]).astype(np.float32)
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, ref.shape)
    node = helper.make_node("Einsum", [f"x{i}" for i in range(len(shapes))], ["y"], equation=eq)
    g = helper.make_graph([node], name, ins, [out])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    os.makedirs(f"{name}/test_data_set_0", exist_ok=True)
    onnx.save(m, f"{name}/model.onnx")
    for i,d in enumerate(data):
        open(f"{name}/test_data_set_0/input_{i}.pb","wb").write(numpy_helper.from_array(d, f"x{i}").SerializeToString())
    open(f"{name}/test_data_set_0/output_0.pb","wb").write(numpy_helper.from_array(ref, "y").SerializeToString())
