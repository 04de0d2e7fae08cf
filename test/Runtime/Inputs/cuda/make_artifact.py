#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes a tiny GPU artifact by hand, as autoglm-compile would for
cuda-sm90: kernels.ptx (two hand-written kernels), weights.bin and a
manifest.json with the sha256 of each file and a "gpu" launch plan. The
model is y = x * w + 0.25 + 0.25 over float[4], w = [1, 2, 3, 4]: launch 0
writes x * w into the arena, launch 1 adds an f32 and an f64 scalar.

  make_artifact.py OUT [--data DIR] [--mutate NAME] [--api hip]

--data writes DIR/input_0.pb (x = [1, 2, 3, 4]) and DIR/output_0.pb (the
expected y) as ONNX TensorProtos, encoded here so that only Python's
standard library is needed. --mutate breaks the artifact one way (MUTATIONS)
for the runtime's manifest checks. --api hip writes the same model as
hygon-dcu would (api hip, arch gfx906, the code in kernels.hsaco: here the
same text, which the stand-in HIP runtime reads like the stand-in driver).
"""
import argparse
import hashlib
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
X = [1.0, 2.0, 3.0, 4.0]
W = [1.0, 2.0, 3.0, 4.0]
# The weights blob puts w after 16 bytes of something else, so the plan's
# offset into it matters.
WEIGHTS = struct.pack("<8f", 100, 100, 100, 100, *W)


def plan():
    return {
        "api": "cuda",
        "arch": "sm_90",
        "module": "kernels.ptx",
        "weights": "weights.bin",
        "weights_bytes": len(WEIGHTS),
        "arena_bytes": 512,
        "kernels": ["mul_weights", "add_scalars"],
        "launches": [
            {"kernel": 0, "node": "/mul", "grid": [1, 1, 1], "block": [4, 1, 1], "shared_bytes": 0,
             "args": [{"buffer": "input", "index": 0, "offset": 0},
                      {"buffer": "weights", "offset": 16},
                      {"buffer": "arena", "offset": 256},
                      {"i32": 4}]},
            {"kernel": 1, "node": "/add", "grid": [2, 1, 1], "block": [2, 1, 1], "shared_bytes": 0,
             "args": [{"buffer": "arena", "offset": 256},
                      {"buffer": "output", "index": 0, "offset": 0},
                      {"f32": 0.25}, {"f64": 0.25}, {"i64": 4}]},
        ],
    }


def set_launch(key, value, launch=1):
    return lambda m: m["gpu"]["launches"][launch].__setitem__(key, value)


def set_arg(i, value, launch=0):
    return lambda m: m["gpu"]["launches"][launch]["args"].__setitem__(i, value)


# Each mutation edits the manifest (the files stay as they are unless it
# says otherwise).
MUTATIONS = {
    "kernel-index": set_launch("kernel", 5),
    "offset": set_arg(2, {"buffer": "arena", "offset": 4096}),
    "input-index": set_arg(0, {"buffer": "input", "index": 3, "offset": 0}),
    "arg-key": set_arg(0, {"buffer": "input", "index": 0, "offest": 0}),
    "scalar-key": set_arg(3, {"u32": 4}),
    "api": lambda m: m["gpu"].__setitem__("api", "foo"),
    "hip": lambda m: m["gpu"].__setitem__("api", "hip"),
    "arch": lambda m: m["gpu"].__setitem__("arch", "compute_90"),
    "block": set_launch("block", [2048, 1, 1]),
    "grid": set_launch("grid", [0, 1, 1]),
    "node": set_launch("node", 7),
    "weights-size": lambda m: m["gpu"].__setitem__("weights_bytes", 64),
    "weights-unhashed": lambda m: m["files"].pop("weights.bin"),
    "no-arena": lambda m: m["gpu"].__setitem__("arena_bytes", 0),
    "not-object": lambda m: m["gpu"].__setitem__("launches", [7]),
    # A kernel the PTX does not define (found when the driver loads it).
    "kernel-name": lambda m: m["gpu"]["kernels"].__setitem__(0, "mul_weightz"),
    # The weights file is listed, with its hash, but not there.
    "no-weights-file": None,
    # Code for a newer GPU than a 9.0 device.
    "sm100": lambda m: m["gpu"].__setitem__("arch", "sm_100"),
    # PTX of an ISA version no driver knows (rewritten before hashing).
    "ptx-version": None,
}


def tensor_proto(name, values):
    def varint(n):
        out = b""
        while True:
            b, n = n & 0x7F, n >> 7
            out += bytes([b | (0x80 if n else 0)])
            if not n:
                return out
    raw = struct.pack("<%df" % len(values), *values)
    return (b"\x08" + varint(len(values)) + b"\x10\x01" +  # dims, FLOAT
            b"\x42" + varint(len(name)) + name.encode() +  # name
            b"\x4a" + varint(len(raw)) + raw)  # raw_data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--data")
    ap.add_argument("--mutate", choices=sorted(MUTATIONS))
    ap.add_argument("--api", choices=["cuda", "hip"], default="cuda")
    a = ap.parse_args()
    module = "kernels.hsaco" if a.api == "hip" else "kernels.ptx"
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    with open(os.path.join(HERE, "kernels.ptx")) as f:
        ptx = f.read()
    if a.mutate == "ptx-version":
        ptx = ptx.replace(".version 7.8", ".version 99.9")
    with open(os.path.join(a.out, module), "w") as f:
        f.write(ptx)
    with open(os.path.join(a.out, "weights.bin"), "wb") as f:
        f.write(WEIGHTS)
    files = {}
    for name in (module, "weights.bin"):
        with open(os.path.join(a.out, name), "rb") as f:
            files[name] = {"sha256": hashlib.sha256(f.read()).hexdigest()}
    tensor = {"dtype": "float32", "shape": [4], "bytes": 16}
    m = {
        "schema_version": 1,
        "target": {"name": "cuda-sm90", "kind": "gpu", "triple": "nvptx64-nvidia-cuda",
                   "cpu": "sm_90"},
        "library": module,
        "inputs": [dict(name="x", **tensor)],
        "outputs": [dict(name="y", **tensor)],
        "memory": {"weights_bytes": len(WEIGHTS), "io_bytes": 32, "arena_bytes": 512,
                   "naive_temp_bytes": 512},
        "gpu": plan(),
        "files": files,
    }
    if a.api == "hip":
        m["target"] = {"name": "hygon-dcu", "kind": "gpu", "triple": "amdgcn-amd-amdhsa",
                       "cpu": "gfx906"}
        m["gpu"].update(api="hip", arch="gfx906", module=module)
    if a.mutate == "no-weights-file":
        os.remove(os.path.join(a.out, "weights.bin"))
    elif MUTATIONS.get(a.mutate):
        MUTATIONS[a.mutate](m)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(m, f, indent=2)
    if a.data:
        os.makedirs(a.data, exist_ok=True)
        y = [struct.unpack("<f", struct.pack("<f", x * w))[0] + 0.25 + 0.25
             for x, w in zip(X, W)]
        for fname, name, vals in (("input_0.pb", "x", X), ("output_0.pb", "y", y)):
            with open(os.path.join(a.data, fname), "wb") as f:
                f.write(tensor_proto(name, vals))


if __name__ == "__main__":
    main()
