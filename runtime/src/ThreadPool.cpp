//===- ThreadPool.cpp - A session's worker threads ------------------------===//
#include "ThreadPool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpuRelax() { _mm_pause(); }
#else
static inline void cpuRelax() {}
#endif

namespace ingot::runtime {

/// About 50-100 microseconds of spinning before a worker sleeps.
static constexpr int kSpinIterations = 20000;

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i)
    workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &t : workers)
    t.join();
}

void ThreadPool::workerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    // Spin for the next job, then sleep.
    int spins = 0;
    while (generation.load(std::memory_order_acquire) == seen && !stopping &&
           spins < kSpinIterations) {
      cpuRelax();
      ++spins;
    }
    if (generation.load(std::memory_order_acquire) == seen && !stopping) {
      std::unique_lock<std::mutex> lock(mutex);
      ++sleeping;
      wake.wait(lock, [&] {
        return stopping || generation.load(std::memory_order_acquire) != seen;
      });
      --sleeping;
    }
    if (stopping)
      return;
    seen = generation.load(std::memory_order_acquire);
    int64_t begin = std::min(n, index * chunk);
    int64_t end = std::min(n, begin + chunk);
    if (begin < end)
      body(closure, begin, end);
    pending.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::run(int64_t total, int64_t grain, IngotRangeFn fn, void *arg) {
  if (total <= 0)
    return;
  int64_t maxChunks = std::max<int64_t>(1, total / std::max<int64_t>(1, grain));
  int64_t chunks = std::min<int64_t>(size(), maxChunks);
  if (chunks <= 1 || workers.empty()) {
    fn(arg, 0, total);
    return;
  }
  int64_t perChunk = (total + chunks - 1) / chunks;
  {
    std::lock_guard<std::mutex> lock(mutex);
    body = fn;
    closure = arg;
    n = total;
    chunk = perChunk;
    pending.store(static_cast<int>(workers.size()), std::memory_order_relaxed);
    generation.fetch_add(1, std::memory_order_acq_rel);
  }
  if (sleeping.load(std::memory_order_acquire) > 0)
    wake.notify_all();
  fn(arg, 0, std::min(total, perChunk));
  while (pending.load(std::memory_order_acquire) != 0)
    cpuRelax();
}

} // namespace ingot::runtime
