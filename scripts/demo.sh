#!/usr/bin/env bash
# The main job: installs dependencies, builds Ingot, compiles the sample model
# shipped in the repo for the CPU, runs it, and prints outputs and timing.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh ingotc ingot-run ingot-bench
BUILD_DIR=${INGOT_BUILD_DIR:-build}
MODEL=examples/models/tiny_cnn.onnx
OUT="$BUILD_DIR/tiny_cnn.ingot"
say() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }
say "ingotc $MODEL --input-shape input:1x3x32x32 -o $OUT --stats"
"$BUILD_DIR/compiler/ingotc" "$MODEL" --input-shape input:1x3x32x32 -o "$OUT" --stats
say "ingot-run $OUT --random-inputs"
"$BUILD_DIR/runtime/ingot-run" "$OUT" --random-inputs
say "ingot-bench $OUT --threads 2"
"$BUILD_DIR/runtime/ingot-bench" "$OUT" --threads 2 --warmup 10 --iterations 200
say "The single ingot-run above is the session's first run: it pays one-time"
say "costs (loading the kernels' code, first touches of memory), so it is slower"
say "than ingot-bench's p50, which times runs after 10 warm-up runs."
say "verdict: Ingot against onnxruntime on the same inputs and threads"
.venv/bin/python scripts/demo-verdict.py "$MODEL" "$OUT" --bin-dir "$BUILD_DIR/runtime" \
  --input-shape input:1x3x32x32 --threads 2
