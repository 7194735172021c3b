#!/usr/bin/env bash
# Run on a machine with the compiler (this one): builds a portable runtime
# bundle with CUDA support and compiles the check's models, into
# out/gpu-check/ (about 40 MB), which the device tool carries to the GPU
# machine for scripts/gpu-check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
OUT=out/gpu-check
B=build-gpu-bundle
say() { printf '\033[1m[gpu-check-prepare]\033[0m %s\n' "$*"; }
say "runtime bundle (no compiler, CUDA on, -march=x86-64-v3)"
cmake -G Ninja -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DINGOT_BUILD_COMPILER=OFF \
  -DINGOT_BUILD_TESTS=OFF -DINGOT_ENABLE_CUDA=ON -DINGOT_RUNTIME_ARCH=x86-64-v3 > /dev/null
ninja -C "$B" ingot_runtime ingot-run ingot-bench ingot-gpu-test
rm -rf "$OUT" && mkdir -p "$OUT/bin" "$OUT/lib"
cp "$B"/runtime/{ingot-run,ingot-bench,ingot-gpu-test} "$OUT/bin/"
cp "$B"/runtime/libingot_runtime.so "$OUT/lib/"
cp -L "$(ldd "$B/runtime/libingot_runtime.so" | awk '/libprotobuf-lite/ {print $3}')" "$OUT/lib/"
say "ingotc, statically linked (MLIR, LLVM, protobuf, libstdc++), for ResNet-50/BERT there"
cmake -G Ninja -S . -B build-static -DCMAKE_BUILD_TYPE=Release \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DINGOT_STATIC_COMPILER=ON \
  -DINGOT_BUILD_TESTS=OFF -DINGOT_ENABLE_CUDA=OFF > /dev/null
ninja -C build-static ingotc
strip -o "$OUT/bin/ingotc" build-static/compiler/ingotc
say "models"
.venv/bin/python bench/gpu_check_prepare.py "$OUT/models"
du -sh "$OUT"
