#!/usr/bin/env bash
# Python packages for the model scripts (training the example, exporting the
# zoo). Not needed by test.sh.
set -euo pipefail
exec "$(dirname "$0")/../install-deps.sh" python3-torch python3-torchvision \
  python3-onnx python3-sklearn python3-numpy
