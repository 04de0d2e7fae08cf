#===- bench/ort-node.sh - onnxruntime-node for the peer benchmarks -------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Sourced with BUILD and ROOT set: installs onnxruntime-node into
# $BUILD/bench/node once (npm is the one download the peer benchmarks make)
# and sets NODE_DIR.
NODE_DIR="$BUILD/bench/node"
if [ ! -f "$NODE_DIR/node_modules/onnxruntime-node/package.json" ]; then
  command -v npm > /dev/null || "$ROOT/scripts/install-deps.sh" nodejs npm
  mkdir -p "$NODE_DIR"
  # The post-install step downloads GPU providers, which cannot be reached
  # here; the CPU library is inside the package.
  (cd "$NODE_DIR" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund \
     --silent onnxruntime-node@1.30.0)
fi
