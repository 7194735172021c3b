#!/usr/bin/env bash
# Installs the build into a temporary prefix and uses it as a client would:
# the tools run from the prefix, and examples/c/run_model.c builds against
# the installed CMake package (find_package(Ingot), Ingot::runtime) and runs
# the sample artifact.
#   check-install.sh BUILD_DIR SOURCE_DIR ARTIFACT
set -euo pipefail
build=$1 src=$2 artifact=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/ingot-install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

# Which libingot_runtime.so a binary loads, as a canonical path.
runtime_of() {
  local lib
  lib=$(ldd "$1" | awk '$1 == "libingot_runtime.so" { print $3 }')
  [ -n "$lib" ] && readlink -f "$lib"
}

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for f in bin/ingotc bin/ingot-opt bin/ingot-run bin/ingot-bench \
         lib/libingot_runtime.so include/ingot/runtime.h include/ingot/runtime.hpp \
         include/ingot/kernel_abi.h lib/cmake/Ingot/IngotConfig.cmake \
         lib/cmake/Ingot/IngotConfigVersion.cmake lib/cmake/Ingot/IngotTargets.cmake; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f is not installed"; cat "$work/install.log"; exit 1; }
done

# The installed tools start from the prefix, and ingot-run uses the
# installed runtime, not the build tree's.
for tool in ingotc ingot-opt ingot-run ingot-bench; do
  "$prefix/bin/$tool" --version | grep -q "^$tool " || { echo "FAIL: $tool --version"; exit 1; }
done
installed_runtime=$(readlink -f "$prefix/lib/libingot_runtime.so")
[ "$(runtime_of "$prefix/bin/ingot-run")" = "$installed_runtime" ] ||
  { echo "FAIL: installed ingot-run does not load the installed runtime"; ldd "$prefix/bin/ingot-run"; exit 1; }
# ingotc runs models itself (--quantize calibration): the installed runtime.
[ "$(runtime_of "$prefix/bin/ingotc")" = "$installed_runtime" ] ||
  { echo "FAIL: installed ingotc does not load the installed runtime"; ldd "$prefix/bin/ingotc"; exit 1; }
"$prefix/bin/ingot-run" "$artifact" --random-inputs --quiet

# A client project of its own.
mkdir -p "$work/client"
cp "$src/examples/c/run_model.c" "$work/client/"
cat > "$work/client/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(IngotClient C)
find_package(Ingot 0.1 REQUIRED)
add_executable(run_model run_model.c)
target_link_libraries(run_model PRIVATE Ingot::runtime)
CMAKE
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
cmake -S "$work/client" -B "$work/client/build" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" > "$work/configure.log" 2>&1 ||
  { echo "FAIL: configuring the client"; cat "$work/configure.log"; exit 1; }
cmake --build "$work/client/build" > "$work/build.log" 2>&1 ||
  { echo "FAIL: building the client"; cat "$work/build.log"; exit 1; }
[ "$(runtime_of "$work/client/build/run_model")" = "$installed_runtime" ] ||
  { echo "FAIL: the client does not load the installed runtime"; ldd "$work/client/build/run_model"; exit 1; }
out=$("$work/client/build/run_model" "$artifact")
echo "$out"
grep -q "^probs: 0\.[0-9]" <<< "$out" || { echo "FAIL: unexpected client output"; exit 1; }
echo "install-package: ok"
