#!/usr/bin/env bash
#===- bench/run.sh - autoglm vs ONNX Runtime on the zoo -------------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds (scripts/build.sh: missing packages, configure once, incremental
# build), exports the zoo if missing, installs onnxruntime-node into the build tree,
# compiles every zoo model (-O3, this CPU), checks both runtimes' outputs
# against torch, then times them alternately at 1 and 2 threads and writes
# $BUILD/bench/results.{md,json}. Options: RUNS (default 30), WARMUP (5),
# ONLY (comma-separated model names).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
source "$ROOT/bench/ort-node.sh"
NODE_PATH="$NODE_DIR/node_modules" exec python3 "$ROOT/bench/run.py" \
  --zoo "$ZOO" --build "$BUILD" --runs "${RUNS:-30}" --warmup "${WARMUP:-5}" \
  --only "${ONLY:-}"
