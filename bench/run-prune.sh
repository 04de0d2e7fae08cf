#!/usr/bin/env bash
#===- bench/run-prune.sh - structured pruning against our own dense fp32 ---===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds, exports the zoo if missing, and compiles each model from the same
# export: dense fp32, --prune structured:0.5 (l1, channels in multiples of
# 8), the same plus --quantize int8 (calibrated on the zoo's reference
# input), --prune structured:auto --prune-target flops=0.3 (per-group ratios
# measured on that input) beside structured:0.2, and for the transformers --prune block:0.8 --prune-block 16x1
# (per layer) run by the block-sparse kernels and, with --sparse-density 0,
# by the dense ones. Times them alternately (ROUNDS rounds of RUNS / ROUNDS
# runs each) at 1 and 2 threads and prints medians, the speedups over dense
# and the FLOP and nonzero-weight reductions from the compile report. The
# zoo's weights are random, so this measures speed, not accuracy (the digits
# example and docs/pruning.md do that). Writes $BUILD/bench/prune.{md,json}.
# Options: RUNS (default 30), WARMUP (5), ONLY (comma-separated model names;
# default the CNNs and BERT).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
exec /usr/bin/python3 "$ROOT/bench/prune.py" --zoo "$ZOO" --build "$BUILD" \
  --runs "${RUNS:-30}" --warmup "${WARMUP:-5}" \
  --only "${ONLY:-resnet18_op17,mobilenet_v2_op17,bert_l4_h256_s128_op17}"
