#!/usr/bin/env bash
#===- ensure-zoo.sh - build the tools and export the zoo if missing -------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Shared by bench/run.sh and scripts/check-zoo.sh: builds (scripts/build.sh)
# and, when $1 (the zoo folder) lacks the models, installs the model
# scripts' Debian packages and runs export_zoo.py into it. With a second
# folder, the wider zoo's missing models (export_wide_zoo.py) go there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ZOO="$1"
WIDE="${2:-}"
"$ROOT/scripts/build.sh" > /dev/null
if [ ! -f "$ZOO/resnet18_op17/model.onnx" ]; then
  "$ROOT/scripts/models/install-deps.sh"
  /usr/bin/python3 "$ROOT/scripts/models/export_zoo.py" --out "$ZOO"
elif [ ! -f "$ZOO/vit_l4_h256_p8_op17/model.onnx" ]; then
  # A zoo exported before the ViT was added: export just that model.
  "$ROOT/scripts/models/install-deps.sh"
  /usr/bin/python3 "$ROOT/scripts/models/export_zoo.py" --out "$ZOO" --only vit_l4_h256_p8
fi
if [ -n "$WIDE" ]; then
  "$ROOT/scripts/models/install-deps.sh"
  /usr/bin/python3 "$ROOT/scripts/models/export_wide_zoo.py" --out "$WIDE" --missing \
    2> "$WIDE.export.log" || { cat "$WIDE.export.log" >&2; exit 1; }
fi
