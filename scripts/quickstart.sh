#!/usr/bin/env bash
#===- quickstart.sh - build, then show what the toolchain does ------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds Open-AutoGLM, imports the bundled example model (a digits CNN,
# examples/digits) and prints what the importer made of it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/build.sh"

MODEL="$ROOT/examples/digits/model.onnx"
OUT="$BUILD/quickstart"
mkdir -p "$OUT"
echo
echo "== Importing $MODEL"
"$BUILD/bin/autoglm-opt" "$MODEL" --mlir-elide-resource-strings-if-larger=16 \
  --print-op-stats -o "$OUT/digits.mlir" 2> "$OUT/op-stats.txt"
echo "ONNX nodes -> autoglm ops (op histogram of the imported module):"
grep -E '^\s+autoglm\.' "$OUT/op-stats.txt" | sed 's/^/  /'
echo
echo "Imported IR written to $OUT/digits.mlir ($(wc -l < "$OUT/digits.mlir") lines)."
echo "Model size: $(stat -c %s "$MODEL") bytes; recorded fp32 test accuracy:" \
  "$(grep -oP '"fp32_accuracy": \K[0-9.]+' "$ROOT/examples/digits/accuracy.json")"
