#===- bench/prepare.sh - what every CPU benchmark does first ------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Sourced by the bench/run*.sh scripts: strict mode, ROOT, BUILD
# (AUTOGLM_BUILD_DIR or build/) and ZOO (ZOO or $BUILD/zoo); builds
# (scripts/build.sh) and exports the zoo if it is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
ZOO="${ZOO:-$BUILD/zoo}"
"$ROOT/scripts/build.sh"
"$ROOT/scripts/models/ensure-zoo.sh" "$ZOO"
