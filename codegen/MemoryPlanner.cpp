//===- MemoryPlanner.cpp - Arena offsets of a plan ------------------------===//
//
// The arena buffers of a plan placed by the planner the runtime also uses
// (runtime/src/ArenaPlanner.h) for artifacts compiled for a range of
// shapes; here with the buffers' (largest) sizes.
//
//===----------------------------------------------------------------------===//
#include "codegen/ExecutionPlan.h"

#include "ArenaPlanner.h"

using namespace mlir::ingot::codegen;

uint64_t mlir::ingot::codegen::planArena(std::vector<PlanBuffer> &buffers) {
  std::vector<::ingot::runtime::ArenaBuffer> arena;
  std::vector<PlanBuffer *> planned;
  for (PlanBuffer &b : buffers)
    if (b.kind == PlanBuffer::Kind::Arena) {
      arena.push_back({b.size, b.defStep, b.lastUse});
      planned.push_back(&b);
    }
  uint64_t total = ::ingot::runtime::planArena(arena);
  for (size_t i = 0; i < arena.size(); ++i)
    planned[i]->offset = arena[i].offset;
  return total;
}
