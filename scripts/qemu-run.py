#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Run an artifact under qemu without the runtime, autoglm-run style.

    qemu-run.py ARTIFACT [--input [NAME=]FILE.pb ...] [--expect DIR]
                [--rtol R] [--atol A] [--json] [--save-outputs DIR]

For the targets with no autoglm-run of their own: the Cortex-M boards
(a static library, run under qemu-system-arm) and riscv64-linux (Debian 12
has no riscv64 libcrypto or protobuf for the runtime; run under
qemu-riscv64, with $AUTOGLM_QEMU_CPU as its -cpu, e.g.
rv64,v=true,vlen=256). The manifest names the target. The first run links
the artifact with examples/mcu/run_main.c (model.h's autoglm_model_run)
into ARTIFACT/run.elf (scripts/mcu-image.sh for the boards, clang-22 with
Debian's riscv64 cross libc otherwise); each run writes the inputs as raw
bytes, runs the program with the data folder as its argument (the boards
read and write the files through semihosting) and reads the outputs back. With
--expect, each output is compared with DIR/output_<i>.pb as autoglm-run
does (|got - want| <= atol + rtol * |want|; NaN matches NaN, an infinity
itself); --json prints {"expect": [{"output", "ok", "max_abs_error"}]}.
Exit status: 0 when every output matches, 1 when one does not, 2 on an
error. conformance.py uses it as the --run tool of these targets.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDS = {"cortex-m4": "mps2-an386", "cortex-m7": "mps2-an500",
          "cortex-m33": "mps2-an505", "cortex-m55": "mps3-an547"}
# Linux targets without a runtime: clang's triple, -march, -mabi, and qemu.
LINUX = {"riscv64-linux": ("riscv64-linux-gnu", "rv64gc", "lp64d")}
DTYPES = {"float32": np.float32, "float64": np.float64, "float16": np.float16,
          "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
          "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
          "bool": np.bool_}


def to_bits(arr, dtype):
    """The bytes the model takes for an input of manifest dtype `dtype`."""
    if dtype == "bfloat16":
        if arr.dtype == np.uint16:  # the bits (ONNX's test data stores them so)
            return np.ascontiguousarray(arr).tobytes()
        # Floats: round to nearest even; NaN stays a quiet NaN.
        f = np.ascontiguousarray(arr, dtype=np.float32)
        u = f.view(np.uint32).astype(np.uint64)
        u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
        u[np.isnan(f)] = 0x7FC0
        return u.astype(np.uint16).tobytes()
    dt = DTYPES.get(dtype)
    if dt is None:
        fail(f"dtype {dtype} is not supported here")
    return np.ascontiguousarray(arr.astype(dt)).tobytes()


def from_bits(raw, dtype, shape):
    if dtype == "bfloat16":
        u = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
        return u.view(np.float32).reshape(shape)
    return np.frombuffer(raw, dtype=DTYPES[dtype]).reshape(shape)


def fail(msg):
    print(f"qemu-run: {msg}", file=sys.stderr)
    sys.exit(2)


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t.name, numpy_helper.to_array(t)


def image(art, target):
    """ARTIFACT/run.elf, linked once (atomically: runs may share an artifact)."""
    elf = os.path.join(art, "run.elf")
    if os.path.exists(elf):
        return elf
    fd, tmp = tempfile.mkstemp(dir=art, suffix=".elf")
    os.close(fd)
    source = os.path.join(ROOT, "examples", "mcu", "run_main.c")
    if target in BOARDS:
        cmd = [os.path.join(ROOT, "scripts", "mcu-image.sh"), target, art, tmp, source]
    else:
        triple, march, abi = LINUX[target]
        cmd = ["clang-22", f"--target={triple}", "--gcc-toolchain=/usr", "-fuse-ld=lld",
               f"-march={march}", f"-mabi={abi}", "-O2", "-I", art, source,
               os.path.join(art, "model.so"), "-Wl,-rpath,$ORIGIN", "-o", tmp]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        if os.path.exists(tmp):
            os.unlink(tmp)
        fail(f"linking the image failed: {(p.stderr or p.stdout).strip()[:500]}")
    os.replace(tmp, elf)
    return elf


def compare(got, want, rtol, atol):
    if got.shape != want.shape:
        return False, float("inf")
    g = got.astype(np.float64).ravel()
    w = want.astype(np.float64).ravel()
    both_nan = np.isnan(g) & np.isnan(w)
    same_inf = np.isinf(w) & (g == w)
    with np.errstate(invalid="ignore"):
        d = np.abs(g - w)
    d[np.isnan(d)] = np.inf
    d[both_nan | same_inf] = 0
    bad = ~(d <= atol + rtol * np.abs(np.where(np.isinf(w), 0, w)))
    bad &= ~(both_nan | same_inf)
    return not bad.any(), float(d.max()) if d.size else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("artifact")
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--expect", default="")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--save-outputs", default="",
                    help="write the outputs here as output_<i>.pb (TensorProto)")
    ap.add_argument("--timeout", type=int, default=300)
    a = ap.parse_args()
    try:
        with open(os.path.join(a.artifact, "manifest.json")) as f:
            man = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{a.artifact}: no readable manifest.json ({e})")
    target = man["target"]["name"]
    if target not in BOARDS and target not in LINUX:
        fail(f"{a.artifact} is for '{target}'; this runs {', '.join([*BOARDS, *LINUX])}")
    if man.get("hidden_inputs") or man.get("hidden_outputs"):
        fail(f"{a.artifact} has open extents or string outputs: this runner calls model.h's "
             "autoglm_model_run, which only artifacts with static shapes have")
    specs, outs = man["inputs"], man["outputs"]
    by_name = {s["name"]: i for i, s in enumerate(specs)}
    given = [None] * len(specs)
    free = list(range(len(specs)))
    for arg in a.input:
        name, _, path = arg.rpartition("=") if "=" in arg and not os.path.exists(arg) else ("", "", arg)
        pb_name, arr = read_pb(path)
        name = name or pb_name
        i = by_name.get(name, free[0] if free else None)
        if i is None or given[i] is not None:
            fail(f"{path}: no model input left for it")
        given[i] = arr
        free.remove(i)
    if any(g is None for g in given):
        fail(f"inputs missing: {[s['name'] for s, g in zip(specs, given) if g is None]}")
    elf = image(a.artifact, target)
    with tempfile.TemporaryDirectory() as d:
        for i, (s, arr) in enumerate(zip(specs, given)):
            data = to_bits(arr, s["dtype"])
            if len(data) != s["bytes"]:
                fail(f"input '{s['name']}': {len(data)} bytes, the model takes {s['bytes']}")
            with open(os.path.join(d, f"input_{i}.bin"), "wb") as f:
                f.write(data)
        if target in BOARDS:
            cmd = ["qemu-system-arm", "-M", BOARDS[target], "-nographic", "-monitor", "none",
                   "-serial", "none", "-semihosting-config", "enable=on,target=native",
                   "-kernel", elf, "-append", d]
        else:
            cpu = os.environ.get("AUTOGLM_QEMU_CPU", "")
            cmd = ["qemu-riscv64", "-L", "/usr/riscv64-linux-gnu", *(["-cpu", cpu] if cpu else []),
                   elf, d]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
        except subprocess.TimeoutExpired:
            fail("the image timed out")
        if p.returncode != 0:
            fail(f"the image failed ({p.returncode}): {(p.stdout + p.stderr).strip()[:500]}")
        results = []
        for i, s in enumerate(outs):
            raw = open(os.path.join(d, f"output_{i}.bin"), "rb").read()
            results.append(from_bits(raw, s["dtype"], s["shape"]))
    if a.save_outputs:
        os.makedirs(a.save_outputs, exist_ok=True)
        for i, (s, r) in enumerate(zip(outs, results)):
            onnx.save_tensor(numpy_helper.from_array(np.asarray(r), s["name"]),
                             os.path.join(a.save_outputs, f"output_{i}.pb"))
    rc = 0
    checks = []
    if a.expect:
        files = sorted(glob.glob(os.path.join(a.expect, "output_*.pb")),
                       key=lambda f: int(re.findall(r"(\d+)\.pb$", f)[0]))
        if len(files) != len(outs):
            fail(f"{a.expect} holds {len(files)} expected outputs, the model has {len(outs)}")
        for s, got, f in zip(outs, results, files):
            _, want = read_pb(f)
            ok, max_abs = compare(got, want, a.rtol, a.atol)
            if got.dtype != want.dtype and not (
                    s["dtype"] == "bfloat16" and want.dtype in (np.float32, np.uint16)):
                ok = False
            if s["dtype"] == "bfloat16" and want.dtype == np.uint16:
                want = (want.astype(np.uint32) << 16).view(np.float32)
                ok, max_abs = compare(got, want, a.rtol, a.atol)
            rc |= not ok
            checks.append({"output": s["name"], "ok": ok, "max_abs_error": max_abs})
    if a.json:
        print(json.dumps({"target": target, "expect": checks}))
    else:
        for c in checks:
            print(f"output '{c['output']}': {'ok' if c['ok'] else 'FAIL'} "
                  f"(max abs error {c['max_abs_error']:.3g})")
    sys.exit(rc)


if __name__ == "__main__":
    main()
