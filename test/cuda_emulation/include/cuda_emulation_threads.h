// Compiles ingotc's generated CUDA as host C++ (g++ -include this file) with
// real parallel blocks: ingot-cuda-emulate runs every block as blockDim.x
// std::threads, __syncthreads() is a barrier over the block and
// __shfl_down_sync exchanges values between the 32 lanes of a warp through a
// per-warp barrier. The generated block reductions therefore run their GPU
// code path (warp shuffles, one value per warp in shared memory, the final
// warp), which cuda_emulation.h replaces by a single thread. Blocks run one
// after another, so `__shared__` (a function-level static here) is the
// block's own.
#pragma once
#include "cuda_emulation_common.h"
#include <string.h>

#include <condition_variable>
#include <mutex>

static thread_local IngotDim3 threadIdx = {0, 0, 0}, blockIdx = {0, 0, 0};
static IngotDim3 blockDim = {1, 1, 1}, gridDim = {1, 1, 1};

/// A reusable barrier for a fixed number of threads.
class IngotEmulatedBarrier {
public:
  void reset(unsigned n) {
    size = n;
    arrived = 0;
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    unsigned gen = generation;
    if (++arrived == size) {
      arrived = 0;
      ++generation;
      changed.notify_all();
    } else {
      changed.wait(lock, [&] { return gen != generation; });
    }
  }

private:
  std::mutex mutex;
  std::condition_variable changed;
  unsigned size = 1, arrived = 0, generation = 0;
};

static IngotEmulatedBarrier ingotBlockBarrier;
static IngotEmulatedBarrier ingotWarpBarriers[32];
static uint64_t ingotShuffleSlots[1024];

inline void __syncthreads() { ingotBlockBarrier.wait(); }

/// Lane i gets lane i + offset's value, or its own where that lane is past
/// the warp's end (as on the GPU). Every lane of the warp must call it.
template <class T> inline T __shfl_down_sync(unsigned, T v, int offset) {
  static_assert(sizeof(T) <= sizeof(uint64_t), "shuffle of a wide type");
  unsigned t = threadIdx.x, lane = t & 31;
  memcpy(&ingotShuffleSlots[t], &v, sizeof v);
  ingotWarpBarriers[t / 32].wait();
  T result = v;
  if (lane + unsigned(offset) < 32)
    memcpy(&result, &ingotShuffleSlots[t + offset], sizeof result);
  ingotWarpBarriers[t / 32].wait();
  return result;
}

/// Lane i gets lane (i ^ mask)'s value. Every lane of the warp must call it.
template <class T> inline T __shfl_xor_sync(unsigned, T v, int mask) {
  static_assert(sizeof(T) <= sizeof(uint64_t), "shuffle of a wide type");
  unsigned t = threadIdx.x, lane = t & 31;
  memcpy(&ingotShuffleSlots[t], &v, sizeof v);
  ingotWarpBarriers[t / 32].wait();
  T result;
  memcpy(&result, &ingotShuffleSlots[t - lane + (lane ^ unsigned(mask))],
         sizeof result);
  ingotWarpBarriers[t / 32].wait();
  return result;
}

/// Called by ingot-cuda-emulate before each launch (blockDim.x a multiple of
/// 32, at most 1024) and in each thread before it runs the kernel.
extern "C" void ingot_emulation_configure(unsigned block, unsigned grid) {
  blockDim = {block, 1, 1};
  gridDim = {grid, 1, 1};
  ingotBlockBarrier.reset(block);
  for (IngotEmulatedBarrier &b : ingotWarpBarriers)
    b.reset(32);
}
extern "C" void ingot_emulation_set_thread(unsigned thread, unsigned block) {
  threadIdx = {thread, 0, 0};
  blockIdx = {block, 0, 0};
}
