//===- ThreadPool.h - A session's worker threads --------------------------===//
#ifndef INGOT_RUNTIME_THREADPOOL_H
#define INGOT_RUNTIME_THREADPOOL_H

#include "ingot/kernel_abi.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace ingot::runtime {

/// Fixed workers; parallelFor hands each worker one contiguous chunk and the
/// calling thread takes a chunk too, then waits for the rest.
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
  std::condition_variable wake, done;
  // The current job.
  IngotRangeFn body = nullptr;
  void *closure = nullptr;
  int64_t n = 0, chunk = 0;
  uint64_t generation = 0;
  int pending = 0;
  bool stopping = false;
};

} // namespace ingot::runtime

#endif
