//===- ArenaPlanner.h - Arena offsets with liveness-based reuse -----------===//
//
// Buffers whose lifetimes ([first, last] steps, inclusive: a kernel's output
// never shares memory with its inputs) do not overlap may share addresses.
// Placing the largest buffers first at the lowest offset that conflicts with
// no placed, time-overlapping buffer is a standard greedy that lands close to
// the peak of live bytes in practice.
//
// One planner for the compiler (the static plan) and the runtime (the plan
// of each shape an artifact for a range of shapes is called with).
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_RUNTIME_ARENAPLANNER_H
#define INGOT_RUNTIME_ARENAPLANNER_H

#include <cstdint>
#include <vector>

namespace ingot::runtime {

struct ArenaBuffer {
  uint64_t size = 0; // bytes
  int first = 0, last = 0;
  uint64_t offset = 0; // set by planArena, 64-byte aligned
};

/// Sets every buffer's offset; returns the arena's bytes.
uint64_t planArena(std::vector<ArenaBuffer> &buffers);

} // namespace ingot::runtime

#endif
