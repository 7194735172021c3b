// Compiles ingotc's generated CUDA as host C++ (g++ -include this file), so
// the tests can run the GPU kernels on the CPU: every kernel is launched as a
// single block of a single thread, which walks all of its grid-stride and
// block-stride loops itself. This checks the CUDA skeletons' index math,
// reductions and epilogues numerically without a GPU; it says nothing about
// parallel behaviour (shuffles, barriers), which needs the real device.
#pragma once
#include <math.h>
#include <stdint.h>

#define INGOT_CUDA_EMULATION 1
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __restrict__ __restrict
#define __shared__ static

// CUDA's 16-byte vector types (the 128-bit loads of loop kernels).
struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(16) int4 {
  int x, y, z, w;
};

struct IngotDim3 {
  unsigned x, y, z;
};
static const IngotDim3 blockIdx = {0, 0, 0}, threadIdx = {0, 0, 0};
static const IngotDim3 blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
inline void __syncthreads() {}
template <class T> inline T __shfl_down_sync(unsigned, T v, int) { return v; }
