//===- ArenaPlanner.cpp - Arena offsets with liveness-based reuse ---------===//
#include "ArenaPlanner.h"

#include <algorithm>

namespace ingot::runtime {

static constexpr uint64_t kAlignment = 64;

static uint64_t aligned(uint64_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

uint64_t planArena(std::vector<ArenaBuffer> &buffers) {
  std::vector<ArenaBuffer *> order;
  for (ArenaBuffer &b : buffers)
    order.push_back(&b);
  std::stable_sort(
      order.begin(), order.end(),
      [](ArenaBuffer *a, ArenaBuffer *b) { return a->size > b->size; });
  std::vector<ArenaBuffer *> placed;
  uint64_t total = 0;
  std::vector<std::pair<uint64_t, uint64_t>> taken;
  for (ArenaBuffer *b : order) {
    uint64_t size = aligned(b->size);
    // Address ranges taken by buffers alive at the same time, by offset.
    taken.clear();
    for (ArenaBuffer *p : placed)
      if (p->first <= b->last && b->first <= p->last)
        taken.push_back({p->offset, p->offset + aligned(p->size)});
    std::sort(taken.begin(), taken.end());
    uint64_t offset = 0;
    for (auto [begin, end] : taken) {
      if (offset + size <= begin)
        break;
      offset = std::max(offset, end);
    }
    b->offset = offset;
    total = std::max(total, offset + size);
    placed.push_back(b);
  }
  return total;
}

} // namespace ingot::runtime
