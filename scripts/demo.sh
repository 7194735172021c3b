#!/usr/bin/env bash
# The main job: installs dependencies, builds the compiler, and compiles the
# sample model shipped in the repo, printing the optimized ingot IR.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh ingotc
BUILD_DIR=${INGOT_BUILD_DIR:-build}
MODEL=examples/models/tiny_cnn.onnx
printf '\033[1m[demo]\033[0m %s\n' "ingotc $MODEL --emit=mlir --input-shape input:1x3x32x32"
time "$BUILD_DIR/compiler/ingotc" "$MODEL" --emit=mlir --input-shape input:1x3x32x32
