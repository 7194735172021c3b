//===- MemoryPlanner.cpp - Arena offsets with liveness-based reuse --------===//
//
// Buffers whose lifetimes ([defStep, lastUse], inclusive: a kernel's output
// never shares memory with its inputs) do not overlap may share addresses.
// Placing the largest buffers first at the lowest offset that conflicts with
// no placed, time-overlapping buffer is a standard greedy that lands close to
// the peak of live bytes in practice.
//
//===----------------------------------------------------------------------===//
#include "codegen/ExecutionPlan.h"

#include <algorithm>

using namespace mlir::ingot::codegen;

static constexpr uint64_t kAlignment = 64;

uint64_t mlir::ingot::codegen::planArena(std::vector<PlanBuffer> &buffers) {
  std::vector<PlanBuffer *> arena;
  for (PlanBuffer &b : buffers)
    if (b.kind == PlanBuffer::Kind::Arena)
      arena.push_back(&b);
  std::stable_sort(
      arena.begin(), arena.end(),
      [](PlanBuffer *a, PlanBuffer *b) { return a->size > b->size; });
  std::vector<PlanBuffer *> placed;
  uint64_t total = 0;
  for (PlanBuffer *b : arena) {
    uint64_t size = (b->size + kAlignment - 1) / kAlignment * kAlignment;
    // Address ranges taken by buffers alive at the same time, by offset.
    std::vector<std::pair<uint64_t, uint64_t>> taken;
    for (PlanBuffer *p : placed)
      if (p->defStep <= b->lastUse && b->defStep <= p->lastUse)
        taken.push_back({p->offset, p->offset + (p->size + kAlignment - 1) /
                                                    kAlignment * kAlignment});
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
