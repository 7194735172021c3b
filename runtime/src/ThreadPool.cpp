//===- ThreadPool.cpp - A session's worker threads ------------------------===//
#include "ThreadPool.h"

#include <algorithm>

namespace ingot::runtime {

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
    IngotRangeFn fn;
    void *arg;
    int64_t begin, end;
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping)
        return;
      seen = generation;
      fn = body;
      arg = closure;
      begin = std::min(n, index * chunk);
      end = std::min(n, begin + chunk);
    }
    if (begin < end)
      fn(arg, begin, end);
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (--pending == 0)
        done.notify_one();
    }
  }
}

void ThreadPool::run(int64_t total, int64_t grain, IngotRangeFn fn,
                     void *arg) {
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
    pending = static_cast<int>(workers.size());
    ++generation;
  }
  wake.notify_all();
  fn(arg, 0, std::min(total, perChunk));
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return pending == 0; });
}

} // namespace ingot::runtime
