//===- ThreadPool.h - A session's worker threads --------------------------===//
#ifndef INGOT_RUNTIME_THREADPOOL_H
#define INGOT_RUNTIME_THREADPOOL_H

#include "ingot/kernel_abi.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace ingot::runtime {

/// Fixed workers for one session. A model runs many short kernels in a row,
/// so waking sleeping threads for each would cost more than the kernels:
/// workers spin briefly on an atomic job counter before they sleep, and the
/// caller spins until its helpers finish. parallelFor hands each worker one
/// contiguous chunk; the calling thread takes the first.
class ThreadPool {
public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  int size() const { return static_cast<int>(workers.size()) + 1; }
  void run(int64_t n, int64_t grain, IngotRangeFn body, void *closure);

private:
  void workerLoop(int index);

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake;
  // The current job; written before `generation` is bumped.
  IngotRangeFn body = nullptr;
  void *closure = nullptr;
  int64_t n = 0, chunk = 0;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  std::atomic<int> sleeping{0};
  std::atomic<bool> stopping{false};
};

} // namespace ingot::runtime

#endif
