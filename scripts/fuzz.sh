#!/usr/bin/env bash
#===- fuzz.sh - run a fuzz target of test/fuzz ------------------------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   scripts/fuzz.sh TARGET [SECONDS]     libFuzzer, coverage-guided
#   scripts/fuzz.sh --sweep TARGET [N]   N structural mutants of every seed
#
# TARGET: import (the ONNX importer) or pipeline (importer, -O2 graph
# pipeline, lowering to linalg). Seeds: every model of Debian's
# libonnx-testdata plus test/fuzz/regressions.
#
# libFuzzer mode configures build-fuzz/ (AUTOGLM_FUZZ_INSTRUMENT: all our code
# with coverage counters, ASan and UBSan; a separate tree, so a first run
# compiles everything, ~15 min on 2 cores) and fuzzes for SECONDS (600),
# with a 4 GB memory limit per input; a crash, leak, UB report, timeout
# (10 s) or out-of-memory leaves the input in build-fuzz/crashes/TARGET/.
# Copy it to test/fuzz/regressions/ and make fuzz-regressions.test assert
# its error. The last line is libFuzzer's execution count.
#
# Sweep mode runs in the normal build (build/): each seed gets N (20) edits
# of what the importer reads, reproducibly (ONNX ModelProto through the
# structure-aware mutator of onnx_fuzzer.cpp), under a 6 GB address-space
# limit; CI runs it with N = 30 (ctest fuzz-sweep-*, seconds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESTDATA=/usr/share/libonnx-testdata
sweep=0
if [ "${1:-}" = "--sweep" ]; then
  sweep=1
  shift
fi
target="${1:?usage: scripts/fuzz.sh [--sweep] import|pipeline [SECONDS|N]}"
case "$target" in import | pipeline) ;; *) echo "fuzz.sh: unknown target '$target' (import, pipeline)" >&2; exit 2 ;; esac
seeds() { find "$TESTDATA" "$ROOT/test/fuzz/regressions" -name '*.onnx' | sort; }

if [ $sweep = 1 ]; then
  BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
  [ -x "$BUILD/bin/autoglm-fuzz-$target" ] || ninja -C "$BUILD" "autoglm-fuzz-$target"
  out="$(mktemp -d)"
  ulimit -v 6000000
  cd "$out"
  # shellcheck disable=SC2046
  AUTOGLM_FUZZ_SWEEP="${2:-20}" AUTOGLM_FUZZ_SWEEP_OUT="$out/mutant.onnx" \
    "$BUILD/bin/autoglm-fuzz-$target" $(seeds) || {
    echo "fuzz.sh: the mutant that failed is $out/mutant.onnx" >&2
    exit 1
  }
  rm -rf "$out"
  exit 0
fi

FUZZ="$ROOT/build-fuzz"
if [ ! -f "$FUZZ/build.ninja" ]; then
  cmake -S "$ROOT" -B "$FUZZ" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DAUTOGLM_FUZZ_INSTRUMENT=ON
fi
ninja -C "$FUZZ" "autoglm-fuzz-$target"
corpus="$FUZZ/corpus/$target"
crashes="$FUZZ/crashes/$target"
mkdir -p "$corpus" "$crashes"
if [ -z "$(ls -A "$corpus")" ]; then
  i=0
  while read -r f; do
    i=$((i + 1))
    cp "$f" "$corpus/seed-$i.onnx"
  done < <(seeds)
fi
exec "$FUZZ/bin/autoglm-fuzz-$target" "$corpus" -max_total_time="${2:-600}" -rss_limit_mb=4096 \
  -timeout=10 -max_len=262144 -artifact_prefix="$crashes/" -print_final_stats=1
