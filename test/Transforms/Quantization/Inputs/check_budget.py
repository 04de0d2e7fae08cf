#!/usr/bin/env python3
"""Checks an --accuracy-budget compile report (accuracy-budget.test).

The fp32 layers must be the k most sensitive ones of the report's
sensitivity list (lowest SQNR first), the model with k fp32 layers must
have met the budget when it was measured, and the one with k - 1 (when
measured) must not have: the search found the fewest fp32 layers among
those it tried, and chose the layers by the measured sensitivity.
Prints "budget ok: K fp32 layers" or exits 1 saying what is wrong."""
import json
import sys

q = json.load(open(sys.argv[1]))["quantization"]
b = q["accuracy_budget"]
fp32 = b["fp32_layers"]
k = len(fp32)
by_sqnr = [s["node"] for s in sorted(q["sensitivity"], key=lambda s: s["sqnr_db"])]
if fp32 != by_sqnr[:k]:
    sys.exit(f"fp32 layers {fp32} are not the {k} most sensitive {by_sqnr[:k]}")
tried = {e["fp32_layers"]: e["min_cosine"] for e in b["evaluations"]}
if tried.get(k, -2) < b["min"]:
    sys.exit(f"the chosen model ({k} fp32 layers) measured {tried.get(k)} < {b['min']}")
if k > 0 and tried.get(k - 1, -2) >= b["min"]:
    sys.exit(f"{k - 1} fp32 layers already met the budget")
precision = {l["node"]: l["precision"] for l in q["layers"]}
if sorted(n for n, p in precision.items() if p == "fp32") != sorted(fp32):
    sys.exit(f"the layer table's fp32 layers differ from {fp32}")
print(f"budget ok: {k} fp32 layers")
