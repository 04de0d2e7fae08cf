#!/usr/bin/env bash
#===- bench/run.sh - autoglm vs ONNX Runtime on the zoo -------------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds (scripts/build.sh: missing packages, configure once, incremental
# build), exports the zoo if missing, installs onnxruntime-node into the build tree,
# exports the wider zoo (scripts/models/export_wide_zoo.py, torch's default
# export) into $BUILD/zoo-wide if missing, compiles every model of both
# (-O3, this CPU), checks both runtimes' outputs
# against torch, then times them alternately at 1 and 2 threads and writes
# $BUILD/bench/results.{md,json}. Options: RUNS (default 30), WARMUP (5),
# ONLY (comma-separated model names).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
source "$ROOT/bench/ort-node.sh"
WIDE="${WIDE_ZOO:-$BUILD/zoo-wide}"
"$ROOT/scripts/models/ensure-zoo.sh" "$ZOO" "$WIDE"
NODE_PATH="$NODE_DIR/node_modules" exec python3 "$ROOT/bench/run.py" \
  --zoo "$ZOO,$WIDE" --build "$BUILD" --runs "${RUNS:-30}" --warmup "${WARMUP:-5}" \
  --only "${ONLY:-}"
