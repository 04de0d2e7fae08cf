#!/usr/bin/env bash
#===- package.sh - deployable packages for every target -------------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# For each target this machine can build (host, aarch64-linux, armv7-linux),
# into ${AUTOGLM_BUILD_DIR:-build}/dist/<target>/: the runtime (shared and static),
# its C header, a CMake package (find_package(AutoGLMRuntime)), autoglm-run,
# and the digits example compiled for the target; then a reproducible
# tarball dist/autoglm-<target>.tar.gz. Each tarball is checked: unpacked
# into a fresh folder, its autoglm-run runs its example (the cross targets under
# qemu-user) and must reproduce the example's recorded accuracy. For the
# Cortex-M targets (cortex-m4, -m7, -m33, -m55): the example's static
# library artifact, its program and data, linked from the unpacked tarball
# and run under qemu-system-arm with the same check. Last, a
# .deb of the toolchain (CPack). Run after scripts/build.sh; .ci/run runs it
# after the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
DIST="$BUILD/dist"
EX="$ROOT/examples/digits"
want="$(grep -oP '"correct": \K[0-9]+' "$EX/accuracy.json")"

"$ROOT/scripts/build.sh"
rm -rf "$DIST" && mkdir -p "$DIST"

# pack TARGET: $DIST/TARGET as a reproducible tarball; prints its path.
pack() {
  local tarball="$DIST/autoglm-$1.tar.gz"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$DIST" -cf - "$1" |
    gzip -n > "$tarball"
  echo "$tarball: $(stat -c %s "$tarball") bytes" >&2
  echo "$tarball"
}

# runtime_build TARGET -> the folder holding a standalone runtime build.
runtime_build() {
  if [ "$1" = host ]; then
    local out="$BUILD/cross/host"
    if [ ! -f "$out/build.ninja" ]; then
      mkdir -p "$BUILD/cross"
      cmake -S "$ROOT/runtime" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_CXX_COMPILER_LAUNCHER=ccache > "$out.configure.log"
    fi
    cmake --build "$out" > /dev/null
  else
    "$ROOT/scripts/build-cross.sh" "$1" > /dev/null
  fi
  echo "$BUILD/cross/$1"
}

for target in host aarch64-linux armv7-linux; do
  prefix="$DIST/$target"
  echo "== package $target"
  cmake --install "$(runtime_build "$target")" --prefix "$prefix" > /dev/null
  mkdir -p "$prefix/examples/digits"
  "$BUILD/bin/autoglm-compile" "$EX/model.onnx" --target "$target" -o "$prefix/examples/digits/model"
  cp "$EX/test_split/inputs.pb" "$EX/test_split/labels.pb" "$prefix/examples/digits/"
  tarball="$(pack "$target")"

  # The check: the unpacked tarball runs its own example.
  check="$(mktemp -d)"
  tar -C "$check" -xzf "$tarball"
  run=("$check/$target/bin/autoglm-run")
  emulator="$("$BUILD/bin/autoglm-compile" --list-targets | awk -v t="$target" '$1 == t {print}' |
    grep -oP '(native|qemu-\S+ -L \S+)$')"
  [ "$emulator" != native ] && run=($emulator "${run[@]}")
  d="$check/$target/examples/digits"
  out="$("${run[@]}" "$d/model" --dataset "$d/inputs.pb" --labels "$d/labels.pb")"
  rm -rf "$check"
  echo "$out" | head -1
  if ! echo "$out" | grep -q "accuracy: $want/"; then
    echo "package.sh: the $target package's example does not reproduce $want correct" >&2
    exit 1
  fi
done

# The microcontrollers: the digits artifact (model.a, model.h, manifest) with
# the example program, its data and the board's linker script template;
# checked by linking the unpacked files into an image and running the test
# split under qemu-system-arm.
/usr/bin/python3 "$ROOT/examples/mcu/make_digits_data.py" "$EX/test_split" "$DIST/digits_data.h"
for target in cortex-m4 cortex-m7 cortex-m33 cortex-m55; do
  prefix="$DIST/$target/examples/digits"
  echo "== package $target"
  mkdir -p "$prefix"
  "$BUILD/bin/autoglm-compile" "$EX/model.onnx" --target "$target" -o "$prefix/model"
  cp "$ROOT/examples/mcu/digits_main.c" "$ROOT/examples/mcu/board.ld.in" "$DIST/digits_data.h" \
    "$prefix/"
  tarball="$(pack "$target")"
  check="$(mktemp -d)"
  tar -C "$check" -xzf "$tarball"
  d="$check/$target/examples/digits"
  "$ROOT/scripts/mcu-image.sh" "$target" "$d/model" "$check/digits.elf" "$d/digits_main.c" \
    -I "$d" > /dev/null
  out="$("$ROOT/scripts/mcu-image.sh" --run "$target" "$check/digits.elf")"
  rm -rf "$check"
  echo "$out" | head -1
  if ! echo "$out" | grep -q "digits: $want/[0-9]* correct.* 0 failed checks"; then
    echo "package.sh: the $target package's example does not reproduce $want correct" >&2
    exit 1
  fi
done
rm -f "$DIST/digits_data.h"

echo "== .deb of the toolchain"
(cd "$BUILD" && cpack -G DEB > "$DIST/cpack.log" 2>&1) || { cat "$DIST/cpack.log"; exit 1; }
mv "$BUILD"/open-autoglm_*.deb "$DIST/"
for deb in "$DIST"/open-autoglm_*.deb; do
  echo "$deb: $(stat -c %s "$deb") bytes"
  contents="$(dpkg-deb --contents "$deb")"
  grep -q './usr/bin/autoglm-compile' <<< "$contents" ||
    { echo "package.sh: $deb lacks autoglm-compile" >&2; exit 1; }
done
echo "package.sh: packages in $DIST"
