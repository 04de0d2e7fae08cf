#!/usr/bin/env bash
#===- bench/run-int8.sh - static int8 against our own fp32 on the zoo ---===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds, exports the zoo if missing, compiles each model twice from the
# same export: fp32, and --quantize int8 calibrated on the zoo's reference
# input (test_data_set_0: a speed and fidelity probe, not an accuracy
# claim). Checks the int8 output against the torch reference (cosine,
# worst absolute error), then times both alternately (ROUNDS rounds of
# RUNS / ROUNDS runs each) at 1 and 2 threads and prints medians and the
# speedup fp32 / int8, with the library sizes; and ONNX Runtime
# (onnxruntime-node, installed into the build tree) running the same
# calibration exported as QDQ ONNX (--emit qdq-onnx), alternating with
# ours, as int8 / ORT. Writes
# $BUILD/bench/int8.{md,json}. Options: RUNS (default 30), WARMUP (5),
# ONLY (comma-separated model names; default the CNNs and transformers).
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
source "$ROOT/bench/ort-node.sh"
NODE_PATH="$NODE_DIR/node_modules" exec /usr/bin/python3 "$ROOT/bench/int8.py" --zoo "$ZOO" --build "$BUILD" \
  --runs "${RUNS:-30}" --warmup "${WARMUP:-5}" \
  --only "${ONLY:-resnet18_op17,mobilenet_v2_op17,bert_l4_h256_s128_op17,gpt_l4_h256_s128_prefill_op17}"
