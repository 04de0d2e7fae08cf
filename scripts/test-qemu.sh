#!/usr/bin/env bash
#===- test-qemu.sh - ONNX conformance on the emulated targets ---------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   scripts/test-qemu.sh [--ci] [TARGET...]
#
# aarch64-linux and armv7-linux run each case with their cross-built
# autoglm-run under qemu-user (scripts/build-cross.sh builds it). The
# targets with no runtime link each case's artifact with model.h's
# autoglm_model_run into a program (scripts/qemu-run.py) and run it under
# qemu: the microcontrollers under qemu-system-arm, the scalar-FPU code
# with a 32-bit index (cortex-m4) and Helium's vector kernels (cortex-m55);
# riscv64-linux under qemu-riscv64, RV64GC and with RVV at VLEN 256
# (riscv64-linux+v). TARGET defaults to all six. Each is held to the host's
# expectations less its exceptions file
# (test/conformance/exceptions_<target>.txt).
#
# The whole suite takes ~5 (qemu-user) to ~18 minutes a target on 2 cores.
# --ci runs a fixed share of it on each (conformance.py --shard by CRC-32 of
# the case: aarch64 0/2 and armv7 1/2, so every case runs on one Arm Linux
# target; cortex-m4 0/4, cortex-m55 1/4, riscv64 2/4, riscv64+v 3/4, so
# every case runs on one of those), as scripts/test.sh does; run this
# script without --ci for the whole suite before touching a target's code
# generation. Needs a build (scripts/build.sh), the cross packages
# (scripts/install-deps.sh --cross) and the cross runtimes
# (scripts/build-cross.sh). Ends with one line: "N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
JOBS="${AUTOGLM_TEST_JOBS:-$(nproc)}"
ci=0
if [ "${1:-}" = --ci ]; then
  ci=1
  shift
fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] &&
  targets=(aarch64-linux armv7-linux cortex-m4 cortex-m55 riscv64-linux riscv64-linux+v)
declare -A SHARD=([aarch64-linux]=0/2 [armv7-linux]=1/2 [cortex-m4]=0/4 [cortex-m55]=1/4
  [riscv64-linux]=2/4 [riscv64-linux+v]=3/4)

log="$BUILD/test-logs"
mkdir -p "$log"
passed=0
failed=0
for t in "${targets[@]}"; do
  if [ -z "${SHARD[$t]+x}" ]; then
    echo "test-qemu: unknown target '$t' (${!SHARD[*]})"
    failed=$((failed + 1))
    continue
  fi
  shard=()
  [ $ci = 1 ] && shard=(--shard "${SHARD[$t]}")
  start=$SECONDS
  case "$t" in
  aarch64-linux | armv7-linux)
    # The emulator command the target's backend names (--list-targets).
    emulator="$("$BUILD/bin/autoglm-compile" --list-targets | awk -v t="$t" '$1 == t' |
      grep -oP 'qemu-\S+ -L \S+$' || true)"
    echo "== ONNX conformance on $t (cross-compiled, run under ${emulator:-no emulator})" \
      "${shard[*]}"
    python3 "$ROOT/test/conformance/conformance.py" --target "$t" --emulator "$emulator" \
      --run-arg=--guard-pages "${shard[@]}" \
      --compile "$BUILD/bin/autoglm-compile" --run "$BUILD/cross/$t/bin/autoglm-run" \
      --opt "$BUILD/bin/autoglm-opt" --cache "$BUILD/conformance-cache-$t" \
      --report "$log/conformance-$t.json" --jobs "$JOBS" | tee "$log/conformance-$t.txt"
    ;;
  *)
    features=""
    cpu=""
    if [ "$t" = riscv64-linux+v ]; then
      features="+a,+c,+d,+f,+m,+zicsr,+zifencei,+v"
      cpu="rv64,v=true,vlen=256"
    fi
    echo "== ONNX conformance on $t (no runtime: run under qemu by scripts/qemu-run.py)" \
      "${shard[*]}"
    AUTOGLM_QEMU_CPU="$cpu" python3 "$ROOT/test/conformance/conformance.py" --target "${t%+v}" \
      --target-features "$features" --exceptions "$ROOT/test/conformance/exceptions_$t.txt" \
      --emulator /usr/bin/python3 "${shard[@]}" \
      --compile "$BUILD/bin/autoglm-compile" --run "$ROOT/scripts/qemu-run.py" \
      --cache "$BUILD/conformance-cache-$t" \
      --report "$log/conformance-$t.json" --jobs "$JOBS" | tee "$log/conformance-$t.txt"
    ;;
  esac
  rc=${PIPESTATUS[0]}
  p="$(grep -oP "^conformance \(${t%+v}\): \K[0-9]+(?= passed)" "$log/conformance-$t.txt" || echo 0)"
  f="$(grep -oP "^conformance \(${t%+v}\): [0-9]+ passed, \K[0-9]+(?= failed)" \
    "$log/conformance-$t.txt" || echo 0)"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  echo "test-qemu: $t took $((SECONDS - start)) s"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
