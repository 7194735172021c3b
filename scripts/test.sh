#!/usr/bin/env bash
# The one test command: installs dependencies, builds, and runs every test
# (lit/FileCheck suites and Python tests, through ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
BUILD_DIR=${INGOT_BUILD_DIR:-build}
printf '\033[1m[test]\033[0m %s\n' "ctest in $BUILD_DIR"
ctest --test-dir "$BUILD_DIR" --output-on-failure
