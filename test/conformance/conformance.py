#!/usr/bin/env python3
# ===- conformance.py - the ONNX backend suite, compiled and run ----------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Compiles every case of Debian's libonnx-testdata for the host with
# autoglm-compile, runs every test_data_set with autoglm-run and compares
# with the ONNX backend runner's tolerances (rtol 1e-3, atol 1e-7).
#
# Shape parameters that a case feeds as graph inputs (Slice starts, Pad
# pads, Reduce axes, ...) are specialized: if the plain compile says a value
# must be a constant, the case is compiled again per data set with its
# integer inputs bound (--bind-input), as a deployment would fix them.
#
# expected_pass.txt lists the cases that pass; one of them failing fails
# the run. Artifacts are cached by model, data binding and compiler hash.
#
# A target whose artifacts run on another machine (a GPU) splits the work:
# --phase compile writes a bundle (the artifacts, the data sets they run on
# and plan.json) here; --phase run --bundle DIR runs it there with that
# machine's autoglm-run and reports as usual.
import argparse
import collections
import concurrent.futures
import glob
import hashlib
import json
import os
import re
import shutil
import shlex
import subprocess
import sys
import threading
import time
import zlib

SUITES = ["node", "simple", "pytorch-converted", "pytorch-operator"]
HERE = os.path.dirname(os.path.abspath(__file__))


def sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else p.encode())
    return h.hexdigest()[:24]


def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def classify_compile(stderr):
    if "unsupported ONNX op" in stderr:
        return "unsupported op"
    if "must be a constant" in stderr or "must be constants" in stderr or \
            "must be constant" in stderr:
        return "needs constant"
    if "has open extents" in stderr and "fix them with --dim" in stderr:
        return "needs shapes"
    return "compile error"


class Runner:
    def __init__(self, args):
        self.a = args
        self.tool_hash = sha(file_hash(args.compile) if args.compile else "",
                             file_hash(args.run) if args.phase != "compile" else "",
                             "open-inputs" if args.open_inputs else "", args.target,
                             args.target_features, " ".join(args.run_arg))
        self.locks = {}
        self.locks_guard = threading.Lock()
        self.local = threading.local()
        self.plan = {}

    def compile(self, model, out, binds, shapes=()):
        key = sha(file_hash(model), self.tool_hash, *[f"{n}={file_hash(p)}" for n, p in binds],
                  *shapes)
        with self.locks_guard:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            return self._compile(model, key, binds, shapes)

    def _compile(self, model, key, binds, shapes=()):
        art = os.path.join(self.a.cache, key)
        status = os.path.join(art + ".status")
        if os.path.exists(status):
            with open(status) as f:
                return json.load(f), art
        cmd = [self.a.compile, model, "-o", art, "-O2", "--target", self.a.target]
        if self.a.open_inputs:
            cmd.append("--open-inputs")
        if self.a.target_features:
            cmd += ["--target-features", self.a.target_features]
        for n, p in binds:
            cmd += ["--bind-input", f"{n}={p}"]
        for sh in shapes:
            cmd += ["--input-shape", sh]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=self.a.timeout)
            if p.returncode < 0 or p.returncode >= 128:
                res = {"ok": False, "cause": "crash", "msg": f"compiler exit {p.returncode}"}
            elif p.returncode != 0:
                res = {"ok": False, "cause": classify_compile(p.stderr),
                       "msg": (p.stderr.strip().splitlines() or [""])[0][:300]}
            else:
                res = {"ok": True}
        except subprocess.TimeoutExpired:
            res = {"ok": False, "cause": "crash", "msg": "compile timed out"}
        with open(status, "w") as f:
            json.dump(res, f)
        return res, art

    def run_set(self, art, dataset, skip_inputs):
        inputs = []
        for f in sorted(glob.glob(os.path.join(dataset, "input_*.pb")),
                        key=lambda s: int(re.findall(r"(\d+)\.pb$", s)[0])):
            idx = int(re.findall(r"(\d+)\.pb$", f)[0])
            if idx not in skip_inputs:
                inputs.append(f)
        if self.a.phase == "compile":
            # Recorded for the run phase on the target's machine.
            self.plan.setdefault(self.local.case, []).append(
                {"art": art, "inputs": inputs, "expect": dataset})
            return "pass", ""
        return self.run_cmd(art, inputs, dataset)

    def run_cmd(self, art, inputs, dataset):
        cmd = shlex.split(self.a.emulator) + [self.a.run, art, "--json", "--rtol",
                                               str(self.a.rtol), "--atol", str(self.a.atol)]
        for f in inputs:
            cmd += ["--input", f]
        cmd += ["--expect", dataset] + self.a.run_arg
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=self.a.timeout)
        except subprocess.TimeoutExpired:
            return "crash", "run timed out"
        if p.returncode < 0 or p.returncode >= 128:
            return "crash", f"autoglm-run exit {p.returncode}"
        if p.returncode == 0:
            return "pass", ""
        try:
            rep = json.loads(p.stdout)
            bad = [c for c in rep.get("expect", []) if not c["ok"]]
            return "wrong result", "; ".join(
                f"{c['output']}: max abs {c['max_abs_error']}" for c in bad)[:300]
        except (ValueError, KeyError):
            return "run error", (p.stderr.strip().splitlines() or [""])[0][:300]

    def case(self, suite, name):
        self.local.case = f"{suite}/{name}"
        d = os.path.join(self.a.data, suite, name)
        model = os.path.join(d, "model.onnx")
        sets = sorted(glob.glob(os.path.join(d, "test_data_set_*")))
        res, art = self.compile(model, None, [])
        if res["ok"]:
            for s in sets:
                status, msg = self.run_set(art, s, set())
                if status != "pass":
                    return status, msg
            return "pass", ""
        if res["cause"] == "needs shapes":
            # Graph inputs with open extents (dim_params): specialize them to
            # each data set's shapes, as a deployment fixes them with
            # --input-shape.
            for s in sets:
                shapes = []
                for f in sorted(glob.glob(os.path.join(s, "input_*.pb"))):
                    name, dims = tensor_name_dims(f)
                    if name:
                        shapes.append(f"{name}={'x'.join(str(d) for d in dims)}")
                r2, art2 = self.compile(model, None, [], shapes)
                if not r2["ok"]:
                    return r2["cause"], r2.get("msg", "")
                status, msg = self.run_set(art2, s, set())
                if status != "pass":
                    return status, msg
            return "pass", ""
        if res["cause"] != "needs constant":
            return res["cause"], res.get("msg", "")
        # Specialize: bind the data set's integer inputs.
        try:
            import_inputs = self.graph_int_inputs(model)
        except OSError as e:
            return "compile error", str(e)
        for s in sets:
            binds, skip = [], set()
            for idx, gname in import_inputs:
                f = os.path.join(s, f"input_{idx}.pb")
                if os.path.exists(f):
                    binds.append((gname, f))
                    skip.add(idx)
            r2, art2 = self.compile(model, None, binds)
            if not r2["ok"]:
                return r2["cause"], r2.get("msg", "")
            status, msg = self.run_set(art2, s, skip)
            if status != "pass":
                return status, msg
        return "pass", ""

    @staticmethod
    def graph_int_inputs(model):
        return INT_INPUTS.get(model, [])


INT_INPUTS = {}
ARGS = None


def int_inputs_from_data(model_dir):
    """Positions of input_<i>.pb that are shape parameters, with the graph
    input name stored in the TensorProto (ONNX test data names them)."""
    res = []
    sets = sorted(glob.glob(os.path.join(model_dir, "test_data_set_*")))
    if not sets:
        return res
    for f in sorted(glob.glob(os.path.join(sets[0], "input_*.pb"))):
        idx = int(re.findall(r"(\d+)\.pb$", f)[0])
        name, dtype, rank = tensor_header(f)
        # Integer tensors and scalars are the shape parameters (axes, pads,
        # starts, depth, Range bounds, a constant pad value); so are Resize's
        # float scales (and roi), which fix the output extents.
        if name and (dtype in (6, 7, 2, 3, 4, 5, 12, 13) or rank == 0 or
                     name in ("scales", "roi")):
            res.append((idx, name))
    return res


def tensor_fields(path):
    """(name, data_type, dims) of a serialized TensorProto, by reading
    protobuf fields 8 (name), 2 (data_type) and 1 (dims)."""
    with open(path, "rb") as f:
        b = f.read()
    i, name, dtype, dims = 0, "", 0, []

    def varint(i):
        v, s = 0, 0
        while True:
            c = b[i]
            i += 1
            v |= (c & 0x7F) << s
            s += 7
            if not c & 0x80:
                return v, i
    while i < len(b):
        key, i = varint(i)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(i)
            if field == 2:
                dtype = v
            elif field == 1:
                dims.append(v)
        elif wt == 2:
            ln, i = varint(i)
            if field == 8:
                name = b[i:i + ln].decode("utf-8", "replace")
            elif field == 1:  # packed dims
                j, end = i, i + ln
                while j < end:
                    v, j = varint(j)
                    dims.append(v)
            i += ln
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        else:
            break
    return name, dtype, dims


def tensor_name_dims(path):
    name, _, dims = tensor_fields(path)
    return name, dims


def tensor_header(path):
    """(name, data_type, rank) of a serialized TensorProto."""
    name, dtype, dims = tensor_fields(path)
    return name, dtype, len(dims)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--compile", default="")
    ap.add_argument("--run", default="autoglm-run")
    ap.add_argument("--opt", default="")
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    ap.add_argument("--cache", default="")
    ap.add_argument("--expected", default=os.path.join(HERE, "expected_pass.txt"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-7)
    ap.add_argument("--only", default="", help="regex on suite/case")
    ap.add_argument("--shard", default="",
                    help="K/N: only the cases whose CRC-32 of suite/case is K modulo N "
                         "(a fixed share of the suite, for the slow emulated targets in CI)")
    ap.add_argument("--write-expected", action="store_true",
                    help="rewrite expected_pass.txt with today's passing cases")
    ap.add_argument("--report", default="", help="write a JSON report here")
    ap.add_argument("--open-inputs", action="store_true",
                    help="compile with every input extent open (autoglm-compile "
                         "--open-inputs); expectations in expected_pass_open.txt")
    ap.add_argument("--target", default="host",
                    help="compile for this target (autoglm-compile --target); --run is then "
                         "that target's autoglm-run, run through --emulator")
    ap.add_argument("--target-features", default="",
                    help="the target's features (--target-features of autoglm-compile), "
                         "e.g. riscv64-linux with +v")
    ap.add_argument("--exceptions", default="",
                    help="the target's exceptions file (default: exceptions_<target>.txt)")
    ap.add_argument("--phase", choices=["both", "compile", "run"], default="both",
                    help="compile: compile only and write a bundle to --bundle; run: run a "
                         "bundle written by the compile phase (on the target's machine)")
    ap.add_argument("--bundle", default="", help="the bundle folder of --phase compile|run")
    ap.add_argument("--run-arg", action="append", default=[],
                    help="an extra argument for every run (e.g. --guard-pages)")
    ap.add_argument("--emulator", default="",
                    help="command prefix that runs the target's programs here, e.g. "
                         "'qemu-aarch64 -L /usr/aarch64-linux-gnu'")
    args = ap.parse_args()
    ARGS = args
    shard = None
    if args.shard:
        m = re.fullmatch(r"(\d+)/(\d+)", args.shard)
        if not m or int(m.group(1)) >= int(m.group(2)):
            print(f"conformance: --shard takes K/N with 0 <= K < N, not '{args.shard}'")
            return 2
        shard = (int(m.group(1)), int(m.group(2)))
    label = "conformance (open inputs)" if args.open_inputs else "conformance"
    if args.target != "host":
        label += f" ({args.target})"
    if args.open_inputs and args.expected == os.path.join(HERE, "expected_pass.txt"):
        args.expected = os.path.join(HERE, "expected_pass_open.txt")
    # A cross target is held to the host's expectations, less the cases its
    # exceptions file lists (each with its reason).
    exceptions = {}
    exceptions_file = args.exceptions or os.path.join(HERE, f"exceptions_{args.target}.txt")
    if args.target != "host" and os.path.exists(exceptions_file):
        for line in open(exceptions_file):
            if line.strip() and not line.startswith("#"):
                key, _, why = line.partition(" ")
                exceptions[key] = why.strip()
    if args.phase != "both" and not args.bundle:
        print("conformance: --phase compile|run needs --bundle DIR")
        return 2
    if args.phase == "run":
        return report(args, label, exceptions, exceptions_file, run_bundle(args))
    if not args.compile:
        print("conformance: --compile is required")
        return 2
    if not args.cache:
        print("conformance: --cache is required")
        return 2
    os.makedirs(args.cache, exist_ok=True)
    if not os.path.isdir(args.data):
        print(f"conformance: test data not found at {args.data}")
        return 1

    cases = []
    for suite in SUITES:
        for name in sorted(os.listdir(os.path.join(args.data, suite))):
            d = os.path.join(args.data, suite, name)
            if os.path.exists(os.path.join(d, "model.onnx")):
                if args.only and not re.search(args.only, f"{suite}/{name}"):
                    continue
                if shard and zlib.crc32(f"{suite}/{name}".encode()) % shard[1] != shard[0]:
                    continue
                cases.append((suite, name))
                INT_INPUTS[os.path.join(d, "model.onnx")] = int_inputs_from_data(d)

    if shard:
        print(f"{label}: shard {shard[0]}/{shard[1]}: {len(cases)} cases", flush=True)
    runner = Runner(args)
    results = {}
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = {pool.submit(runner.case, s, n): (s, n) for s, n in cases}
        for i, fut in enumerate(concurrent.futures.as_completed(futs), 1):
            try:
                results[futs[fut]] = fut.result()
            except Exception as e:  # noqa: BLE001
                results[futs[fut]] = ("crash", f"runner: {e}")
            if i % 100 == 0 or i == len(cases):
                print(f"conformance: {i}/{len(cases)} cases, {time.time() - start:.0f}s",
                      flush=True)
    if args.phase == "compile":
        write_bundle(args, runner, results)
        return check_compiled(args, label, exceptions, results)
    return report(args, label, exceptions, exceptions_file, results)


def check_compiled(args, label, exceptions, results):
    """Compile phase: every case expected to pass (less the exceptions) must
    at least compile for the target; running them is the run phase's."""
    expected = set()
    if os.path.exists(args.expected):
        expected = {l.strip() for l in open(args.expected)
                    if l.strip() and not l.startswith("#")} - set(exceptions)
    bad = []
    for (suite, name), (status, msg) in sorted(results.items()):
        if f"{suite}/{name}" in expected and status != "pass":
            bad.append((f"{suite}/{name}", status, msg))
    for key, status, msg in bad:
        print(f"{label}: REGRESSION {key} does not compile: {status}: {msg}")
    n = sum(1 for (s, n) in results if f"{s}/{n}" in expected)
    print(f"{label}: {n - len(bad)} compiled, {len(bad)} failed (compile only, of the {n} "
          f"expected to pass)")
    return 1 if bad else 0


def write_bundle(args, runner, results):
    """The artifacts that compiled, the data sets they run on and plan.json
    ({case: {"status", "message"} or {"runs": [{art, inputs, expect}]}}),
    with paths relative to the bundle."""
    if os.path.exists(args.bundle):
        shutil.rmtree(args.bundle)
    os.makedirs(args.bundle)
    plan = {}

    def place(src, kind):
        rel = os.path.join(kind, os.path.relpath(src, args.cache if kind == "a" else args.data))
        dst = os.path.join(args.bundle, rel)
        if os.path.isdir(src):
            # A data set's folder may exist already, holding the inputs.
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif not os.path.exists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)
        return rel
    for (suite, name), (status, msg) in sorted(results.items()):
        key = f"{suite}/{name}"
        if status != "pass":
            plan[key] = {"status": status, "message": msg}
            continue
        runs = []
        for r in runner.plan.get(key, []):
            runs.append({"art": place(r["art"], "a"),
                         "inputs": [place(f, "d") for f in r["inputs"]],
                         "expect": place(r["expect"], "d")})
        plan[key] = {"runs": runs}
    with open(os.path.join(args.bundle, "plan.json"), "w") as f:
        json.dump(plan, f, indent=1, sort_keys=True)
    ok = sum(1 for v in plan.values() if "runs" in v)
    print(f"conformance: bundle {args.bundle}: {ok} of {len(plan)} cases compiled "
          f"({args.target})")


def run_bundle(args):
    with open(os.path.join(args.bundle, "plan.json")) as f:
        plan = json.load(f)
    runner = Runner(args)
    b = args.bundle

    def one(key):
        entry = plan[key]
        if "runs" not in entry:
            return entry["status"], entry["message"]
        for r in entry["runs"]:
            status, msg = runner.run_cmd(os.path.join(b, r["art"]),
                                         [os.path.join(b, f) for f in r["inputs"]],
                                         os.path.join(b, r["expect"]))
            if status != "pass":
                return status, msg
        return "pass", ""
    results = {}
    keys = [k for k in sorted(plan) if not args.only or re.search(args.only, k)]
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = {pool.submit(one, k): k for k in keys}
        for i, fut in enumerate(concurrent.futures.as_completed(futs), 1):
            suite, name = futs[fut].split("/", 1)
            try:
                results[(suite, name)] = fut.result()
            except Exception as e:  # noqa: BLE001
                results[(suite, name)] = ("crash", f"runner: {e}")
            if i % 100 == 0 or i == len(keys):
                print(f"conformance: {i}/{len(keys)} cases run, {time.time() - start:.0f}s",
                      flush=True)
    return results


def report(args, label, exceptions, exceptions_file, results):

    expected = set()
    if os.path.exists(args.expected):
        expected = {l.strip() for l in open(args.expected)
                    if l.strip() and not l.startswith("#")} - set(exceptions)
    passed = collections.Counter()
    total = collections.Counter()
    causes = collections.Counter()
    regressions, new = [], []
    for (suite, name), (status, msg) in sorted(results.items()):
        key = f"{suite}/{name}"
        total[suite] += 1
        if status == "pass":
            passed[suite] += 1
            if key not in expected:
                new.append(key)
        else:
            causes[status] += 1
            if key in expected:
                regressions.append((key, status, msg))
    print(f"{label}: " + ", ".join(f"{s} {passed[s]}/{total[s]}" for s in SUITES))
    print(f"{label}: failures by cause: " +
          (", ".join(f"{c} {n}" for c, n in causes.most_common()) or "none"))
    if args.report:
        with open(args.report, "w") as f:
            json.dump({f"{s}/{n}": {"status": st, "message": m}
                       for (s, n), (st, m) in sorted(results.items())}, f, indent=1)
    if args.write_expected:
        with open(args.expected, "w") as f:
            if args.open_inputs:
                f.write("# Cases that compile with every input extent open (--open-inputs)\n"
                        "# and match the ONNX reference outputs.\n"
                        "# Regenerate: test/conformance/conformance.py --open-inputs "
                        "--write-expected\n")
            else:
                f.write("# Cases that compile and match the ONNX reference outputs.\n"
                        "# Regenerate: test/conformance/conformance.py --write-expected\n")
            for (s, n), (st, _) in sorted(results.items()):
                if st == "pass":
                    f.write(f"{s}/{n}\n")
    again = sorted(k for k in exceptions if results.get(tuple(k.split("/", 1)), ("",))[0] == "pass")
    if again:
        print(f"{label}: {len(again)} cases in {os.path.basename(exceptions_file)} pass now "
              f"(remove them): {' '.join(again)}")
    for key, status, msg in regressions:
        print(f"{label}: REGRESSION {key}: {status}: {msg}")
    if new and not args.write_expected:
        print(f"{label}: {len(new)} passing cases are not in {os.path.basename(args.expected)} "
              f"(add them): {' '.join(new[:20])}{' ...' if len(new) > 20 else ''}")
    n_pass = sum(passed.values())
    n_checked = sum(1 for (s, n) in results if f"{s}/{n}" in expected)
    print(f"{label}: {n_checked - len(regressions)} passed, {len(regressions)} failed"
          f" (of the {n_checked} expected to pass; {n_pass} pass in all)")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
