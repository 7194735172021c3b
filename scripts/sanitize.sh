#!/usr/bin/env bash
# Builds the runtime alone with clang-22 and sanitizers, and runs its tests:
#   build-asan  ASan + UBSan: the runtime's GoogleTest suite, the C example,
#               and the fuzz regression replays (artifact, tensorio)
#   build-tsan  TSan: the runtime's GoogleTest suite (4 threads x 50 runs
#               sharing one model, among others)
# The tests need the sample model compiled by the main build's ingotc
# (build/runtime/tiny_cnn_b2.ingot). The host kernels that artifacts carry
# are compiled by ingotc without sanitizers; they are dlopen()ed as they are.
#
#   scripts/sanitize.sh            # both
#   scripts/sanitize.sh asan       # one
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[sanitize]\033[0m %s\n' "$*"; }

MAIN_BUILD=${INGOT_BUILD_DIR:-build}
ARTIFACT=$PWD/$MAIN_BUILD/runtime/tiny_cnn_b2.ingot
[ -f "$ARTIFACT" ] || { echo "no $ARTIFACT: run scripts/build.sh first" >&2; exit 1; }
LOCK=${INGOT_BUILD_LOCK:-/tmp/ingot-build.lock}
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(asan tsan)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

for kind in "${kinds[@]}"; do
  case $kind in
  asan)
    sanitizers=address,undefined
    targets=(ingot-runtime-tests ingot-c-example ingot-fuzz-artifact-replay
             ingot-fuzz-tensorio-replay)
    tests='runtime-api|runtime-c-example|fuzz-regressions' ;;
  tsan)
    sanitizers=thread
    targets=(ingot-runtime-tests)
    tests='runtime-api' ;;
  *) echo "unknown kind '$kind' (asan, tsan)" >&2; exit 2 ;;
  esac
  dir=build-$kind
  if [ ! -f "$dir/build.ninja" ]; then
    say "configuring $dir (clang-22, -fsanitize=$sanitizers, runtime only)"
    cmake -G Ninja -S . -B "$dir" \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DINGOT_BUILD_COMPILER=OFF -DINGOT_ENABLE_CUDA=OFF \
      -DINGOT_SANITIZE=$sanitizers \
      -DINGOT_PREBUILT_TEST_ARTIFACT="$ARTIFACT" >/dev/null
  fi
  start=$(date +%s)
  say "building $dir"
  flock "$LOCK" ninja -C "$dir" "${targets[@]}"
  say "built in $(($(date +%s) - start)) s; testing"
  ctest --test-dir "$dir" --output-on-failure -R "^($tests)"
done
