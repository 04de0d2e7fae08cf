#!/usr/bin/env bash
#===- fuzz.sh - run a fuzz target of test/fuzz ------------------------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   scripts/fuzz.sh TARGET [SECONDS]     libFuzzer, coverage-guided
#   scripts/fuzz.sh --smoke TARGET [N]   N libFuzzer inputs in the normal build
#   scripts/fuzz.sh --sweep TARGET [N]   N structural mutants of every seed
#
# TARGET:
#   import    the ONNX importer (seeds: every model of Debian's
#             libonnx-testdata plus test/fuzz/regressions);
#   pipeline  the importer, the -O2 graph pipeline, the lowering to linalg;
#   manifest  the runtime's artifact loader (manifest.json of real artifacts);
#   binding   the runtime's tensor binding and runs (programs of C API calls);
#   config    the build-config reader (YAML / JSON).
# manifest and binding run over artifacts this script compiles first with the
# normal build's autoglm-compile (build/fuzz-artifacts: a static model, one
# with open extents, one with string tensors).
#
# libFuzzer mode configures build-fuzz/ (AUTOGLM_FUZZ_INSTRUMENT: all our code
# with coverage counters, ASan and UBSan; a separate tree, so a first run
# compiles everything, ~15 min on 2 cores; manifest and binding need only
# the runtime) and fuzzes for SECONDS (600), with a 4 GB memory limit per
# input; a crash, leak, UB report, timeout (10 s) or out-of-memory leaves the
# input in build-fuzz/crashes/TARGET/. Copy it to test/fuzz/regressions/ and
# make a test assert its error. The last lines are libFuzzer's statistics
# (stat::number_of_executed_units: the execution count).
#
# Smoke mode (ctest fuzz-smoke-*, which ./scripts/test.sh runs) is libFuzzer
# in the normal build (build/: only the fuzzer's own code instrumented) for N
# (20000) inputs from the seeds.
#
# Sweep mode runs in the normal build (build/): each seed gets N (20) edits
# of what the importer reads, reproducibly (ONNX ModelProto through the
# structure-aware mutator of onnx_fuzzer.cpp), under a 6 GB address-space
# limit; ./scripts/test.sh runs it with N = 30 (ctest fuzz-sweep-*).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESTDATA=/usr/share/libonnx-testdata
mode=fuzz
case "${1:-}" in --sweep) mode=sweep; shift ;; --smoke) mode=smoke; shift ;; esac
target="${1:?usage: scripts/fuzz.sh [--sweep|--smoke] import|pipeline|manifest|binding|config [SECONDS|N]}"
case "$target" in import | pipeline | manifest | binding | config) ;;
*) echo "fuzz.sh: unknown target '$target' (import, pipeline, manifest, binding, config)" >&2; exit 2 ;;
esac
[ "$mode" = sweep ] && case "$target" in import | pipeline) ;;
*) echo "fuzz.sh: --sweep takes import or pipeline" >&2; exit 2 ;; esac
# In one order wherever the checkout lies (the sweep seeds each mutant by
# its file's position; one sort of both trees put the regressions first
# under /check and last under /work).
seeds() {
  find "$TESTDATA" -name '*.onnx' | LC_ALL=C sort
  find "$ROOT/test/fuzz/regressions" -name '*.onnx' | LC_ALL=C sort
}
sweep=0
[ "$mode" = sweep ] && sweep=1
NORMAL="${AUTOGLM_BUILD_DIR:-$ROOT/build}"

# The artifacts the runtime's targets load (compiled again when the
# compiler is newer than they are).
artifacts() {
  local out="$NORMAL/fuzz-artifacts"
  [ -x "$NORMAL/bin/autoglm-compile" ] || ninja -C "$NORMAL" autoglm-compile >&2
  if [ ! -f "$out/strings/manifest.json" ] ||
    [ "$NORMAL/bin/autoglm-compile" -nt "$out/strings/manifest.json" ]; then
    rm -rf "$out" && mkdir -p "$out"
    "$NORMAL/bin/autoglm-compile" "$TESTDATA/data/node/test_conv_with_strides_padding/model.onnx" \
      -o "$out/static" >/dev/null
    /usr/bin/python3 "$ROOT/test/Runtime/Inputs/stress/make_stress_model.py" "$out/open.onnx"
    "$NORMAL/bin/autoglm-compile" "$out/open.onnx" -o "$out/open" --max-dim N=4 >/dev/null
    "$NORMAL/bin/autoglm-compile" "$TESTDATA/data/node/test_strnormalizer_export_monday_casesensintive_lower/model.onnx" \
      -o "$out/strings" >/dev/null
  fi
  echo "$out/static:$out/open:$out/strings"
}

# Seeds of the runtime's and the config's targets, into folder $1: made
# here, and every input that once failed (test/fuzz/regressions/TARGET/).
seed_corpus() {
  local corpus="$1" i=0 a
  if [ -d "$ROOT/test/fuzz/regressions/$target" ]; then
    cp "$ROOT/test/fuzz/regressions/$target"/* "$corpus/"
  fi
  case "$target" in
  manifest)
    IFS=: read -r -a dirs <<<"$AUTOGLM_FUZZ_ARTIFACTS"
    for a in "${dirs[@]}"; do
      { printf "\\x$(printf %02x "$i")"; cat "$a/manifest.json"; } >"$corpus/seed-$i"
      i=$((i + 1))
    done
    ;;
  binding)
    for i in 0 1 2; do head -c 256 /dev/urandom >"$corpus/seed-$i"; done
    ;;
  config)
    for a in "$ROOT"/test/fuzz/seeds/config/* "$ROOT/test/Runtime/Inputs/llm/llm.yaml"; do
      cp "$a" "$corpus/seed-$i"
      i=$((i + 1))
    done
    ;;
  esac
}

if [ "$mode" = smoke ]; then
  ninja -C "$NORMAL" "autoglm-fuzz-$target" >&2
  case "$target" in manifest | binding) export AUTOGLM_FUZZ_ARTIFACTS="$(artifacts)" ;; esac
  work="$(mktemp -d)"
  mkdir -p "$work/corpus"
  if [ "$target" = import ] || [ "$target" = pipeline ]; then
    seeds | head -200 | while read -r f; do cp "$f" "$work/corpus/"; done
  else
    seed_corpus "$work/corpus"
  fi
  cd "$work"
  "$NORMAL/bin/autoglm-fuzz-$target" "$work/corpus" -runs="${2:-20000}" -seed=1 \
    -rss_limit_mb=4096 -timeout=10 -max_len=65536 -artifact_prefix="$work/" \
    -print_final_stats=1 2>"$work/log" || {
    tail -40 "$work/log" >&2
    echo "fuzz.sh: the input that failed is under $work/" >&2
    exit 1
  }
  grep -E '^stat::number_of_executed_units' "$work/log"
  rm -rf "$work"
  exit 0
fi

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
case "$target" in manifest | binding) export AUTOGLM_FUZZ_ARTIFACTS="$(artifacts)" ;; esac
corpus="$FUZZ/corpus/$target"
crashes="$FUZZ/crashes/$target"
mkdir -p "$corpus" "$crashes"
if [ -z "$(ls -A "$corpus")" ]; then
  if [ "$target" = import ] || [ "$target" = pipeline ]; then
    i=0
    while read -r f; do
      i=$((i + 1))
      cp "$f" "$corpus/seed-$i.onnx"
    done < <(seeds)
  else
    seed_corpus "$corpus"
  fi
fi
# Debian's LLVM libraries are not instrumented: LLVM's headers would poison
# allocator memory they never unpoison (see test.sh --sanitize).
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_poisoning=0}"
exec "$FUZZ/bin/autoglm-fuzz-$target" "$corpus" -max_total_time="${2:-600}" -rss_limit_mb=4096 \
  -timeout=10 -max_len=262144 -artifact_prefix="$crashes/" -print_final_stats=1
