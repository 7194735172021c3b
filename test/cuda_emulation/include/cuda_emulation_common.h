// What both CUDA emulation headers (cuda_emulation.h: one thread per block;
// cuda_emulation_threads.h: real blocks) give the generated kernels: CUDA's
// keywords as host C++, its 16-byte vector types (the 128-bit loads of loop
// kernels) and its dim3.
#pragma once
#include <math.h>
#include <stdint.h>

// The toolkit's half-precision types work in host C++ (with -I of its
// include folder): take them, and its vector types, before the keywords
// below are redefined for host code.
#if __has_include(<cuda_fp16.h>)
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <vector_types.h>
#define INGOT_EMULATION_CUDA_HEADERS 1
#endif

#undef __global__
#undef __device__
#undef __forceinline__
#undef __launch_bounds__
#undef __restrict__
#undef __shared__
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __restrict__ __restrict
#define __shared__ static

#ifndef INGOT_EMULATION_CUDA_HEADERS
struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(16) int4 {
  int x, y, z, w;
};
#endif

struct IngotDim3 {
  unsigned x, y, z;
};
