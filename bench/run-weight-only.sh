#!/usr/bin/env bash
#===- bench/run-weight-only.sh - weight-only int8 / int4 vs our fp32 -----===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds, exports the zoo if missing, compiles each model as fp32, as
# --quantize weight-int8 and as --quantize weight-int4 (groups of 128)
# from the same export, checks each output against the torch reference
# (cosine, worst absolute error), then times the three alternately (ROUNDS
# rounds of RUNS / ROUNDS runs each) at 1 and 2 threads and prints medians,
# fp32 / variant and the library sizes. Writes
# $BUILD/bench/weight-only.{md,json}. Options: RUNS (default 60), WARMUP
# (10), ONLY (comma-separated model names; default the GPT decode step and
# prefill and the BERT encoder: the models whose weights are linears).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
exec /usr/bin/python3 "$ROOT/bench/weight_only.py" --zoo "$ZOO" --build "$BUILD" \
  --runs "${RUNS:-60}" --warmup "${WARMUP:-10}" \
  --only "${ONLY:-gpt_l4_h256_s128_decode_op17,gpt_l4_h256_s128_prefill_op17,bert_l4_h256_s128_op17}"
