"""Shared by the make_*.py case generators: writes one case in ONNX's
backend-test layout, OUT/<name>/{model.onnx,test_data_set_0/{input,output}_N.pb}."""
import os

import onnx
from onnx import helper as h
from onnx import numpy_helper


def write_case(out, name, graph, feeds, refs, opset=17):
    """graph: a GraphProto; feeds / refs: (name, numpy array) lists. The
    model is checked with onnx.checker; the case name is printed."""
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for kind, tensors in (("input", feeds), ("output", refs)):
        for i, (nm, a) in enumerate(tensors):
            onnx.save_tensor(numpy_helper.from_array(a, nm),
                             os.path.join(d, "test_data_set_0", "%s_%d.pb" % (kind, i)))
    print(name)
