# ===- check_profile.py - autoglm-run --profile --json against the model ===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# python3 check_profile.py MODEL.onnx MANIFEST.json REPORT.json
# Checks a --profile report: one row per region of the manifest, every
# region named by nodes of the model, the regions' time within the run's
# (they split it: at most the mean run, at least half of it), the op-type
# shares summing to 1. Prints "profile ok" and the slowest op type.
import json
import sys

import onnx

model, manifest, report = sys.argv[1:4]
nodes = {n.name or f"{n.op_type}_{i}" for i, n in enumerate(onnx.load(model).graph.node)}
regions = json.load(open(manifest))["profile"]["regions"]
rep = json.load(open(report))
prof, bench = rep["profile"], rep["bench"]
assert len(prof["regions"]) == len(regions), (len(prof["regions"]), len(regions))
for row, name in zip(prof["regions"], regions):
    assert row["nodes"] == name, (row, name)
    for part in name.split(" + "):
        assert part in nodes or part == "(unnamed)", f"region '{name}': '{part}' is no node"
    assert row["ms_per_run"] >= 0, row
assert prof["runs"] == bench["runs"], (prof["runs"], bench["runs"])
mean = sum(bench["runs_ms"]) / len(bench["runs_ms"])
total = sum(r["ms_per_run"] for r in prof["regions"])
assert abs(total - prof["ms_per_run"]) < 1e-9, (total, prof["ms_per_run"])
assert 0.5 * mean <= total <= 1.02 * mean + 0.005, f"regions {total} ms, run {mean} ms"
shares = sum(t["share"] for t in prof["op_types"])
assert abs(shares - 1) < 1e-6, shares
print("profile ok:", len(regions), "regions; slowest op type", prof["op_types"][0]["op_type"])
