#!/usr/bin/env bash
#===- fuzz-bundle.sh - libFuzzer campaigns on a machine with more cores ---===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   scripts/fuzz-bundle.sh pack OUT.tar.xz TARGET...
#       here: the instrumented fuzz targets (build-fuzz/, as scripts/fuzz.sh
#       builds them), their seed corpora and the artifacts the runtime's
#       targets load in OUT.tar.xz, and every shared library they load (ldd,
#       with glibc's loader) in OUT.libs.tar.xz: both unpacked into one
#       folder run on any x86-64 Linux machine (two archives, since a
#       lent machine takes 64 MiB a call: the libraries, LLVM's 150 MB
#       among them, can go first and stay);
#   scripts/fuzz-bundle.sh run DIR TARGET SECONDS [WORKERS] [OUT]
#       there (DIR: the unpacked bundle): WORKERS (default: one per core)
#       independent libFuzzer processes for SECONDS each, seeds 1..WORKERS,
#       all reading the same seeds; prints every worker's execution count,
#       the sum, and each input that failed (copied to OUT/crashes/TARGET
#       when OUT is given, with the workers' logs).
#
# The processes are started through the bundled loader
# (lib/ld-linux-x86-64.so.2 --library-path lib), so the other machine's
# glibc and libraries do not matter; libFuzzer's own -fork / -jobs modes
# re-execute the binary directly and would not find them, hence separate
# processes. Each worker writes what it finds to its own corpus folder.
# Reproduce a failure here with the normal tree:
#   ASAN_OPTIONS=allow_user_poisoning=0 build-fuzz/bin/autoglm-fuzz-TARGET CRASH_FILE
# (docs/fuzzing.md has the campaigns run so, with their counts.)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESTDATA=/usr/share/libonnx-testdata

pack() {
  local out="$1"
  shift
  [ $# -gt 0 ] || { echo "fuzz-bundle.sh pack: name at least one target" >&2; exit 2; }
  STAGE="$(mktemp -d)"
  trap 'rm -rf "$STAGE"' EXIT
  local b="$STAGE/fuzz-bundle"
  mkdir -p "$b/bin" "$b/lib" "$b/corpus" "$b/artifacts"
  local t
  for t in "$@"; do
    case "$t" in import | pipeline | manifest | binding | config) ;;
    *) echo "fuzz-bundle.sh: unknown target '$t'" >&2; exit 2 ;;
    esac
    # scripts/fuzz.sh builds the instrumented tree (and compiles the
    # runtime targets' artifacts); 0 seconds fuzzes nothing.
    "$ROOT/scripts/fuzz.sh" "$t" 1 >/dev/null 2>&1 || true
    local bin="$ROOT/build-fuzz/bin/autoglm-fuzz-$t"
    [ -x "$bin" ] || { echo "fuzz-bundle.sh: $bin was not built" >&2; exit 1; }
    strip --strip-debug -o "$b/bin/autoglm-fuzz-$t" "$bin"
    ldd "$bin" | awk '/=> \// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' |
      while read -r lib; do cp -L "$lib" "$b/lib/"; done
    mkdir -p "$b/corpus/$t"
    case "$t" in
    import | pipeline)
      local i=0 f
      while read -r f; do
        i=$((i + 1))
        cp "$f" "$b/corpus/$t/seed-$i.onnx"
      done < <(find "$TESTDATA" "$ROOT/test/fuzz/regressions" -maxdepth 4 -name '*.onnx' | sort)
      ;;
    *)
      # The seeds scripts/fuzz.sh made for its own corpus.
      cp "$ROOT/build-fuzz/corpus/$t"/* "$b/corpus/$t/"
      ;;
    esac
  done
  if [ -d "$ROOT/build/fuzz-artifacts" ]; then
    cp -r "$ROOT/build/fuzz-artifacts"/. "$b/artifacts/"
    local so
    for so in "$b"/artifacts/*/model.so; do
      ldd "$so" 2>/dev/null | awk '/=> \// { print $3 }' |
        while read -r lib; do cp -nL "$lib" "$b/lib/"; done
    done
  fi
  cp "$ROOT/scripts/fuzz-bundle.sh" "$b/"
  local libs="${out%.tar.xz}.libs.tar.xz"
  tar -C "$STAGE" --exclude=fuzz-bundle/lib -cf - fuzz-bundle | xz -T0 -6 >"$out"
  tar -C "$STAGE" -cf - fuzz-bundle/lib | xz -T0 -6 >"$libs"
  echo "fuzz-bundle.sh: $(du -h "$out" | cut -f1) in $out, $(du -h "$libs" | cut -f1) in $libs (targets: $*)"
}

run() {
  local dir="$1" t="$2" secs="$3" workers="${4:-$(nproc)}" out="${5:-}"
  dir="$(cd "$dir" && pwd)"
  local bin="$dir/bin/autoglm-fuzz-$t" loader="$dir/lib/ld-linux-x86-64.so.2"
  [ -x "$bin" ] || { echo "fuzz-bundle.sh: no target '$t' in $dir" >&2; exit 2; }
  local work="$dir/work/$t"
  rm -rf "$work" && mkdir -p "$work"
  local a="" d
  for d in static open strings; do
    [ -d "$dir/artifacts/$d" ] && a="${a:+$a:}$dir/artifacts/$d"
  done
  export AUTOGLM_FUZZ_ARTIFACTS="$a"
  # Debian's LLVM libraries are not instrumented (see scripts/fuzz.sh).
  export ASAN_OPTIONS="allow_user_poisoning=0"
  local i
  for i in $(seq 1 "$workers"); do
    mkdir -p "$work/$i/corpus" "$work/$i/crashes"
    (cd "$work/$i" && exec "$loader" --library-path "$dir/lib" "$bin" "$work/$i/corpus" \
      "$dir/corpus/$t" -seed="$i" -max_total_time="$secs" -rss_limit_mb=4096 -timeout=10 \
      -max_len=262144 -artifact_prefix="$work/$i/crashes/" -print_final_stats=1 \
      >"$work/$i/log" 2>&1) &
  done
  wait || true
  local total=0 n
  for i in $(seq 1 "$workers"); do
    n="$(awk '/^stat::number_of_executed_units/ { n = $2 } END { print n }' "$work/$i/log")"
    echo "worker $i: ${n:-no count (it stopped early: see $work/$i/log)} executions"
    total=$((total + ${n:-0}))
  done
  echo "fuzz-bundle.sh: $t: $total executions in $workers workers x $secs s"
  local found
  found="$(find "$work" -path '*/crashes/*' -type f | sort)"
  if [ -n "$found" ]; then
    echo "fuzz-bundle.sh: $t: inputs that failed, with the first report line of their worker:"
    echo "$found"
    for i in $(seq 1 "$workers"); do
      grep -m1 -h -E '^SUMMARY|deadly signal|runtime error|^==[0-9]+==ERROR' "$work/$i/log" |
        sed "s|^|worker $i: |" || true
    done
  else
    echo "fuzz-bundle.sh: $t: no failure"
  fi
  if [ -n "$out" ]; then
    mkdir -p "$out/crashes/$t" "$out/logs/$t"
    for i in $(seq 1 "$workers"); do
      cp "$work/$i/log" "$out/logs/$t/worker-$i.log"
      find "$work/$i/crashes" -type f -exec cp {} "$out/crashes/$t/" \;
      # The stack of each failure, for the note.
      grep -h -A25 -E '^==[0-9]+==ERROR|runtime error|^SUMMARY' "$work/$i/log" \
        >>"$out/logs/$t/failures.txt" 2>/dev/null || true
    done
  fi
}

case "${1:-}" in
pack) shift; pack "$@" ;;
run) shift; run "$@" ;;
*)
  echo "usage: scripts/fuzz-bundle.sh pack OUT.tar.xz TARGET... | run DIR TARGET SECONDS [WORKERS] [OUT]" >&2
  exit 2
  ;;
esac
