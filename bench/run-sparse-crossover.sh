#!/usr/bin/env bash
#===- bench/run-sparse-crossover.sh - block-sparse vs dense kernels by density ===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds, exports the zoo if missing, and times the transformer models with
# 40-90% of their 16x1 weight blocks zeroed, on the block-sparse kernels and
# on the dense ones (bench/sparse_crossover.py). Writes
# $BUILD/bench/sparse-crossover.{md,json}. Options: RUNS (default 20),
# WARMUP (5), ONLY (default BERT).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
exec /usr/bin/python3 "$ROOT/bench/sparse_crossover.py" --zoo "$ZOO" --build "$BUILD" \
  --runs "${RUNS:-20}" --warmup "${WARMUP:-5}" --only "${ONLY:-bert_l4_h256_s128_op17}"
