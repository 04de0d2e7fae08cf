#!/usr/bin/env bash
#===- bench/run-llm.sh - decoder generation vs ONNX Runtime ---------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds, exports the decoder (scripts/models/export_llm.py, SIZE=small by
# default: 31M parameters; test: 0.1M) if missing, installs onnxruntime-node
# into the build tree, and runs bench/llm.py: per-token decode latency of
# autoglm (runtime-managed cache) vs ONNX Runtime (caller-managed cache) on
# the same graph, alternating, at 1 and 2 threads, and autoglm's batched
# decode, and the step's roofline from bench/membw.c (streaming read
# bandwidth at 1 and 2 threads). Writes $BUILD/bench/llm.{md,json}.
# Options: SIZE, ROUNDS (5), NEW_TOKENS (64), BATCH (8), PROMPT_LEN (0: the
# reference's prompts; N: N seeded random ids, a long context).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
SIZE="${SIZE:-small}"
"$ROOT/scripts/build.sh"
MODEL_DIR="$BUILD/llm/$SIZE"
if [ ! -f "$MODEL_DIR/reference.json" ]; then
  /usr/bin/python3 "$ROOT/scripts/models/export_llm.py" --size "$SIZE" --out "$MODEL_DIR" --steps 8
fi
clang-22 -O2 -march=native -fopenmp=libomp "$ROOT/bench/membw.c" -o "$BUILD/bench/membw" \
  -L/usr/lib/llvm-22/lib -Wl,-rpath,/usr/lib/llvm-22/lib
"$BUILD/bench/membw" 2 | tee "$BUILD/bench/membw.txt"
source "$ROOT/bench/ort-node.sh"
NODE_PATH="$NODE_DIR/node_modules" exec /usr/bin/python3 "$ROOT/bench/llm.py" \
  --build "$BUILD" --model-dir "$MODEL_DIR" --rounds "${ROUNDS:-5}" \
  --new-tokens "${NEW_TOKENS:-64}" --batch "${BATCH:-8}" --membw "$BUILD/bench/membw.txt" \
  --prompt-len "${PROMPT_LEN:-0}"
