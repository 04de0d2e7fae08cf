#!/usr/bin/env python3
# ===- import_sweep.py - import every ONNX backend test model -------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Runs `autoglm-opt <model.onnx>` (import + verify) on every case of Debian's
# libonnx-testdata, each in its own process with a time limit, so a crash or
# a hang is seen as such. Each case must either import and verify, or fail
# with the single "unsupported ONNX op" diagnostic. Anything else (a crash, a
# hang, an assertion, any other import error) fails the sweep, except cases
# listed with their reason in import_expected_errors.txt.
import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import sys
import time

SUITES = ["node", "simple", "pytorch-converted", "pytorch-operator"]


def run_case(opt, model, timeout):
    try:
        p = subprocess.run([opt, model, "-o", os.devnull], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hang", f"no result after {timeout}s"
    err = p.stderr.strip()
    if p.returncode == 0:
        return "ok", ""
    if p.returncode < 0 or p.returncode >= 128:
        return "crash", f"exit {p.returncode}: {err[-300:]}"
    if "unsupported ONNX op" in err:
        return "unsupported", err
    return "error", err.splitlines()[0] if err else f"exit {p.returncode}, no message"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--opt", required=True)
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    ap.add_argument("--expected-errors", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "import_expected_errors.txt"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--write-expected", action="store_true",
                    help="rewrite the expected-errors file with today's errors")
    args = ap.parse_args()

    if not os.path.isdir(args.data):
        print(f"import: test data not found at {args.data} (install libonnx-testdata)")
        return 1
    expected = {}
    if os.path.exists(args.expected_errors):
        for line in open(args.expected_errors):
            line = line.strip()
            if line and not line.startswith("#"):
                case, _, why = line.partition(" ")
                expected[case] = why.strip()

    cases = []
    for suite in SUITES:
        root = os.path.join(args.data, suite)
        for name in sorted(os.listdir(root)):
            model = os.path.join(root, name, "model.onnx")
            if os.path.exists(model):
                cases.append((suite, name, model))

    results = {}
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = {pool.submit(run_case, args.opt, m, args.timeout): (s, n)
                for s, n, m in cases}
        for i, fut in enumerate(concurrent.futures.as_completed(futs), 1):
            results[futs[fut]] = fut.result()
            if i % 100 == 0 or i == len(cases):
                print(f"import: {i}/{len(cases)} cases, {time.time() - start:.0f}s",
                      flush=True)

    per_suite = collections.Counter()
    totals = collections.Counter()
    unsupported_ops = collections.Counter()
    bad = []
    for (suite, name), (status, msg) in sorted(results.items()):
        totals[(suite, status)] += 1
        key = f"{suite}/{name}"
        if status == "ok":
            per_suite[suite] += 1
        elif status == "unsupported":
            listed = re.search(r"unsupported ONNX ops?: (.*)", msg)
            for op in re.findall(r"([\w.]+) \(x\d+", listed.group(1) if listed else ""):
                unsupported_ops[op] += 1
        elif status == "error" and key in expected:
            pass
        else:
            bad.append((key, status, msg))

    print("import: " + ", ".join(
        f"{s} {per_suite[s]}/{sum(v for (su, _), v in totals.items() if su == s)}"
        for s in SUITES))
    for status in ["unsupported", "error", "crash", "hang"]:
        n = sum(v for (s, st), v in totals.items() if st == status)
        print(f"import: {status}: {n}")
    if unsupported_ops:
        print("import: unsupported op types (cases): " + ", ".join(
            f"{op} {c}" for op, c in unsupported_ops.most_common()))
    if args.write_expected:
        with open(args.expected_errors, "w") as f:
            f.write("# Cases whose import fails with a clear, node-naming error that is not\n"
                    "# the unsupported-op diagnostic, and why. The sweep fails if any other\n"
                    "# case errors. Regenerate: import_sweep.py --write-expected\n")
            for (suite, name), (status, msg) in sorted(results.items()):
                if status == "error":
                    why = re.sub(r"^.*error: (ONNX node [^:]*: )?", "", msg)
                    f.write(f"{suite}/{name} {why}\n")
        return 0
    stale = [k for k in expected
             if results.get(tuple(k.split("/", 1)), ("", ""))[0] != "error"]
    for key, status, msg in bad:
        print(f"import: FAIL {key}: {status}: {msg}")
    for key in stale:
        print(f"import: note: {key} is listed in import_expected_errors.txt but "
              f"no longer fails that way; remove it")
    print(f"import: {len(cases) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
