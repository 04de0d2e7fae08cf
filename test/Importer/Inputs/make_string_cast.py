#!/usr/bin/python3
"""Cast between strings and numbers beyond ONNX's node tests: float32 and
float64 to strings against numpy's shortest round-trip formatting (the
values chosen where printf's %g and numpy agree: |x| < 1e7 positional,
small and huge ones in exponent form), int32 to strings, and strings
(signs, exponents, inf / nan, leading blanks) to float32 and int64.
Usage: make_string_cast.py OUTDIR -> OUTDIR/<case>/{model.onnx,test_data_set_0/}"""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h

from onnxcase import write_case

out = sys.argv[1]
TYPES = {np.dtype(np.float32): T.FLOAT, np.dtype(np.float64): T.DOUBLE,
         np.dtype(np.int32): T.INT32, np.dtype(np.int64): T.INT64}


def case(name, x, to_onnx, y):
    xt = T.STRING if x.dtype == object else TYPES[x.dtype]
    g = h.make_graph([h.make_node("Cast", ["x"], ["y"], to=to_onnx)], name,
                     [h.make_tensor_value_info("x", xt, x.shape)],
                     [h.make_tensor_value_info("y", to_onnx, y.shape)])
    write_case(out, name, g, [("x", x)], [("y", y)])


def as_str(a):
    return np.array([str(v) for v in a.reshape(-1)], dtype=object).reshape(a.shape)


f = np.array([[1.0, -2.5, 1e-05, 0.1, 123.25, 3.4028235e38],
              [np.nan, np.inf, -np.inf, 7.0e-45, 1234567.0, -0.0]], np.float32)
case("float_to_string", f, T.STRING, as_str(f))
d = np.array([0.1, 1.0 / 3.0, -2.0, 1e-300, 6.02214076e23, 5e-324], np.float64)
case("double_to_string", d, T.STRING, as_str(d))
i = np.array([[0, -1, 2147483647], [-2147483648, 42, 7]], np.int32)
case("int32_to_string", i, T.STRING, as_str(i))
s = np.array(["3.5", "-1e-3", "  42", "+inf", "-INF", "1.17549435e-38", "0x1p3", "7"], dtype=object)
case("string_to_float", s, T.FLOAT,
     np.array([3.5, -1e-3, 42, np.inf, -np.inf, 1.17549435e-38, 8.0, 7], np.float32))
s = np.array(["12", "-9000000000", "  +7", "0"], dtype=object)
case("string_to_int64", s, T.INT64, np.array([12, -9000000000, 7, 0], np.int64))
