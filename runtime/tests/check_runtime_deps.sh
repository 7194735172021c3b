#!/usr/bin/env bash
# The runtime library must not depend on LLVM or MLIR: it ships to inference
# servers that have neither. Checks the ELF NEEDED entries of the built
# library (and that the check sees them at all: protobuf-lite must be there).
set -euo pipefail
lib="$1"
needed=$(readelf -d "$lib" | awk '/NEEDED/ {print $5}')
echo "runtime needs: $needed"
echo "$needed" | grep -q "libprotobuf-lite" || { echo "FAIL: cannot read NEEDED entries"; exit 1; }
if echo "$needed" | grep -Eiq "llvm|mlir"; then
  echo "FAIL: the runtime links LLVM/MLIR"
  exit 1
fi
echo "ok: no LLVM or MLIR dependency"
