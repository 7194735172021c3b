#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz with clang-22 (ASan + UBSan, in
# build-fuzz), replays their checked-in regression inputs, then runs each for
# a bounded time on seeds generated from the test models. Fails on any
# finding; the reproducer is left in build-fuzz/findings/<target>/.
# Needs the main build (build/): the artifact target fuzzes manifests around
# the sample model's artifact compiled by ingotc.
#
#   scripts/fuzz.sh                         # every target, 60 s each
#   INGOT_FUZZ_SECONDS=600 scripts/fuzz.sh artifact
#   INGOT_FUZZ_RUNS=1000000 scripts/fuzz.sh onnx-import   # by executions
#   INGOT_FUZZ_SECONDS=0 scripts/fuzz.sh    # build and replay only
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[fuzz]\033[0m %s\n' "$*"; }

MAIN_BUILD=${INGOT_BUILD_DIR:-build}
BUILD=${INGOT_FUZZ_BUILD_DIR:-build-fuzz}
SECONDS_EACH=${INGOT_FUZZ_SECONDS:-60}
RUNS=${INGOT_FUZZ_RUNS:-}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tensorio artifact onnx-import)
ARTIFACT=$PWD/$MAIN_BUILD/runtime/tiny_cnn_b2.ingot
[ -f "$ARTIFACT" ] || { echo "no $ARTIFACT: run scripts/build.sh first" >&2; exit 1; }
LOCK=${INGOT_BUILD_LOCK:-/tmp/ingot-build.lock}

# -O1 without NDEBUG: fast enough to fuzz, with the asserts of Ingot's and
# LLVM's headers (a failed cast<> is a finding). Everything is instrumented:
# the runtime, the tools' readers, the importer and the dialect (its
# ODS-generated op shards without ASan, to halve the build: see
# dialects/ingot/CMakeLists.txt).
if [ ! -f "$BUILD/build.ninja" ]; then
  say "configuring $BUILD (clang-22, libFuzzer, ASan + UBSan)"
  cmake -G Ninja -S . -B "$BUILD" \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DINGOT_FUZZ=ON -DINGOT_SANITIZE=address,undefined \
    -DINGOT_BUILD_TESTS=OFF -DINGOT_ENABLE_CUDA=OFF >/dev/null
fi
start=$(date +%s)
say "building the fuzz targets"
flock "$LOCK" ninja -C "$BUILD" $(printf 'ingot-fuzz-%s ' "${targets[@]}")
say "built in $(($(date +%s) - start)) s"

SEEDS=$BUILD/seeds
rm -rf "$SEEDS"
models=(examples/models/tiny_cnn.onnx)
[ -d ../shared/models ] && models+=(../shared/models/*.onnx)
.venv/bin/python test/fuzz/make_seeds.py "$SEEDS" "$ARTIFACT" "${models[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  bin=$BUILD/test/fuzz/ingot-fuzz-$t
  extra=()
  [ "$t" = artifact ] && extra=(--artifact="$ARTIFACT")
  findings=$BUILD/findings/$t
  mkdir -p "$findings" "$BUILD/corpus/$t"
  common=(-timeout=20 -rss_limit_mb=4096 -artifact_prefix="$findings/" "${extra[@]}")
  # Given files (not folders), libFuzzer runs each once and stops.
  mapfile -t regressions < <(find "test/fuzz/regressions/$t" -type f | sort)
  say "$t: replaying ${#regressions[@]} inputs of test/fuzz/regressions/$t"
  if [ ${#regressions[@]} -gt 0 ] &&
     ! "$bin" "${common[@]}" "${regressions[@]}" 2>"$findings/replay.log"; then
    tail -40 "$findings/replay.log"
    say "$t: a regression input fails again (log: $findings/replay.log)"
    status=1
    continue
  fi
  if [ -n "$RUNS" ]; then
    budget=(-runs="$RUNS")
  elif [ "$SECONDS_EACH" -gt 0 ]; then
    budget=(-max_total_time="$SECONDS_EACH")
  else
    continue
  fi
  say "$t: fuzzing (${budget[*]})"
  start=$(date +%s)
  # The working corpus (first folder) collects new inputs across runs; the
  # seeds are read only.
  if "$bin" "${budget[@]}" "${common[@]}" -print_final_stats=1 \
      "$BUILD/corpus/$t" "$SEEDS/$t" >"$findings/fuzz.log" 2>&1; then
    say "$t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$findings/fuzz.log" |
               grep -o '[0-9]*$') executions in $(($(date +%s) - start)) s, no finding"
  else
    tail -60 "$findings/fuzz.log"
    say "$t: FINDING (log: $findings/fuzz.log); reproduce with: $bin ${extra[*]} $findings/<crash-file>"
    say "fix it, then add the input to test/fuzz/regressions/$t/"
    status=1
  fi
done
exit $status
