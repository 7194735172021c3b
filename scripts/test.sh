#!/usr/bin/env bash
# The one test command: installs dependencies, builds, and runs every test
# (lit/FileCheck suites and Python tests, through ctest), then the runtime's
# tests under ASan + UBSan and TSan and each fuzz target for 30 seconds
# (INGOT_SANITIZERS=0 skips both; INGOT_FUZZ_SECONDS sets the fuzzing time:
# the whole run must stay well under 30 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
BUILD_DIR=${INGOT_BUILD_DIR:-build}
printf '\033[1m[test]\033[0m %s\n' "ctest in $BUILD_DIR"
ctest --test-dir "$BUILD_DIR" --output-on-failure
if [ "${INGOT_SANITIZERS:-1}" != 0 ]; then
  ./scripts/sanitize.sh
  INGOT_FUZZ_SECONDS=${INGOT_FUZZ_SECONDS:-30} ./scripts/fuzz.sh
fi
