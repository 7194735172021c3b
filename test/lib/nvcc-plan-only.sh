#!/bin/sh
# Stands in for nvcc (INGOT_NVCC) where a test checks a CUDA plan only
# through the host emulation (test/cuda_emulation), which never reads the
# fatbin: writes an empty one to the -o file. The op cases at FP16/BF16 use
# it; real nvcc builds every FP32 op case and the model tests at every
# precision.
out=
while [ $# -gt 0 ]; do
  [ "$1" = "-o" ] && out=$2
  shift
done
[ -n "$out" ] && : > "$out"
