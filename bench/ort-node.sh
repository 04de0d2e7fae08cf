#===- bench/ort-node.sh - onnxruntime-node for the peer benchmarks -------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Sourced with BUILD and ROOT set: installs onnxruntime-node into
# $BUILD/bench/node once (npm is the one download the peer benchmarks make)
# and sets NODE_DIR: the pinned version the README's ratios use. Also asks
# npm for the latest release and, when it is another one, installs it into
# $BUILD/bench/node-latest/<version> and exports ORT_LATEST_NODE_PATH (its
# node_modules) for bench/run.py to time beside the pinned one; offline, or
# with ORT_LATEST=0, only the pinned one is measured.
NODE_DIR="$BUILD/bench/node"
if [ ! -f "$NODE_DIR/node_modules/onnxruntime-node/package.json" ]; then
  command -v npm > /dev/null || "$ROOT/scripts/install-deps.sh" nodejs npm
  mkdir -p "$NODE_DIR"
  # The post-install step downloads GPU providers, which cannot be reached
  # here; the CPU library is inside the package.
  (cd "$NODE_DIR" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund \
     --silent onnxruntime-node@1.30.0)
fi
ORT_LATEST_NODE_PATH=""
if [ "${ORT_LATEST:-1}" != 0 ]; then
  latest="$(timeout 60 npm view onnxruntime-node version 2> /dev/null || true)"
  if [ -z "$latest" ]; then
    echo "bench: npm does not answer: only the pinned onnxruntime-node is timed" >&2
  elif [ "$latest" != "$(node -p "require('$NODE_DIR/node_modules/onnxruntime-node').env.versions.node")" ]; then
    dir="$BUILD/bench/node-latest/$latest"
    if [ ! -f "$dir/node_modules/onnxruntime-node/package.json" ]; then
      mkdir -p "$dir"
      (cd "$dir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund \
         --silent "onnxruntime-node@$latest") || echo "bench: cannot install onnxruntime-node $latest" >&2
    fi
    if [ -f "$dir/node_modules/onnxruntime-node/package.json" ]; then
      ORT_LATEST_NODE_PATH="$dir/node_modules"
    fi
  fi
fi
export ORT_LATEST_NODE_PATH
