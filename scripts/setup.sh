#!/usr/bin/env bash
# Installs what Ingot needs on Debian 12 (with or without the CUDA toolkit):
# Debian packages for LLVM/MLIR 22, protobuf, Eigen and the build tools, and a
# Python virtual environment (.venv) with onnx, onnxruntime, numpy, pytest,
# lit and Pillow for the tests. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

packages=(
  build-essential cmake ninja-build git
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libprotobuf-dev protobuf-compiler libeigen3-dev zlib1g-dev libgtest-dev
  python3 python3-venv python3-pip
  # The sanitizer and fuzzing builds (scripts/sanitize.sh, scripts/fuzz.sh):
  # clang with its sanitizer and libFuzzer runtimes (-fsanitize=fuzzer links
  # libclang_rt.fuzzer from libclang-rt-22-dev; libfuzzer-22-dev is not needed).
  clang-22 libclang-rt-22-dev
  # Fonts for the rendered accuracy data (test/lib/text_images.py,
  # bench/int8_accuracy.py).
  fonts-dejavu-core
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages present"
fi

# The Python side lives in a virtual environment so that it works the same
# with Debian's python3 (which refuses system-wide pip installs) and others.
PY=${INGOT_PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PY --version)"
  $PY -m venv .venv
fi
if ! .venv/bin/python -c "import onnx, onnxruntime, numpy, pytest, lit, PIL" 2>/dev/null; then
  say "installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r scripts/requirements.txt
else
  say "Python packages present in .venv"
fi
