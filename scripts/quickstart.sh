#!/usr/bin/env bash
#===- quickstart.sh - build, compile the example model, run it ------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds Open-AutoGLM, compiles the bundled example (a digits CNN,
# examples/digits) for this CPU, runs it over its committed test split and
# prints what the toolchain did.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/build.sh"

EX="$ROOT/examples/digits"
OUT="$BUILD/quickstart"
ART="$OUT/digits"
mkdir -p "$OUT"
echo
echo "== 1. Import: $EX/model.onnx"
"$BUILD/bin/autoglm-opt" "$EX/model.onnx" --print-op-stats -o "$OUT/digits.mlir" \
  2> "$OUT/op-stats.txt"
echo "autoglm ops after import:"
grep -E '^\s+autoglm\.' "$OUT/op-stats.txt" | sed 's/^\s*/    /'

echo
echo "== 2. Compile for this CPU (-O2): $ART"
start=$(date +%s.%N)
"$BUILD/bin/autoglm-compile" "$EX/model.onnx" -o "$ART" -O2
end=$(date +%s.%N)
printf "compiled in %.2f s; target %s\n" "$(echo "$end - $start" | bc)" \
  "$(grep -oP '"cpu": "\K[^"]+' "$ART/manifest.json")"
printf "model.onnx %d bytes -> model.so %d bytes (weights %s bytes)\n" \
  "$(stat -c %s "$EX/model.onnx")" "$(stat -c %s "$ART/model.so")" \
  "$(grep -oP '"weights_bytes": \K[0-9]+' "$ART/manifest.json")"

echo
echo "== 3. Run over the test split (360 digits, one call each)"
"$BUILD/bin/autoglm-run" "$ART" --dataset "$EX/test_split/inputs.pb" \
  --labels "$EX/test_split/labels.pb" --bench 200 --warmup 20
echo "recorded fp32 accuracy (torch): $(grep -oP '"fp32_accuracy": \K[0-9.]+' "$EX/accuracy.json" | cut -c1-6)"
