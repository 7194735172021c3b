#!/usr/bin/env bash
# Configures (once) and builds Ingot with CMake + ninja into build/.
# Extra arguments are passed to ninja (e.g. a target name).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[build]\033[0m %s\n' "$*"; }

BUILD_DIR=${INGOT_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  say "configuring $BUILD_DIR"
  cmake -G Ninja -S . -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DINGOT_PYTHON="$PWD/.venv/bin/python"
fi
say "building (ninja -C $BUILD_DIR $*)"
ninja -C "$BUILD_DIR" "$@"
