// What both CUDA emulation headers (cuda_emulation.h: one thread per block;
// cuda_emulation_threads.h: real blocks) give the generated kernels: CUDA's
// keywords as host C++, its 16-byte vector types (the 128-bit loads of loop
// kernels) and its dim3.
#pragma once
#include <math.h>
#include <stdint.h>

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __restrict__ __restrict
#define __shared__ static

struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(16) int4 {
  int x, y, z, w;
};

struct IngotDim3 {
  unsigned x, y, z;
};
