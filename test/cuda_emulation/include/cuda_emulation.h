// Compiles ingotc's generated CUDA as host C++ (g++ -include this file), so
// the tests can run the GPU kernels on the CPU: every kernel is launched as a
// single block of a single thread, which walks all of its grid-stride and
// block-stride loops itself. This checks the CUDA skeletons' index math,
// reductions and epilogues numerically without a GPU; it says nothing about
// parallel behaviour (shuffles, barriers): cuda_emulation_threads.h runs real
// blocks for the reduction tests, and the rest needs the real device.
#pragma once
#include "cuda_emulation_common.h"

#define INGOT_CUDA_EMULATION 1

static const IngotDim3 blockIdx = {0, 0, 0}, threadIdx = {0, 0, 0};
static const IngotDim3 blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
inline void __syncthreads() {}
template <class T> inline T __shfl_down_sync(unsigned, T v, int) { return v; }
