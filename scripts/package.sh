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
# qemu-user) and must reproduce the example's recorded accuracy. Last, a
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
  tarball="$DIST/autoglm-$target.tar.gz"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$DIST" -cf - "$target" |
    gzip -n > "$tarball"
  echo "$tarball: $(stat -c %s "$tarball") bytes"

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
