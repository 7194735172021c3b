//===- ArtifactWriter.h - Packing a plan into an .ingot file --------------===//
#ifndef INGOT_CODEGEN_ARTIFACTWRITER_H
#define INGOT_CODEGEN_ARTIFACTWRITER_H

#include "codegen/ExecutionPlan.h"

#include <string>
#include <vector>

namespace mlir::ingot::codegen {

/// Serializes the plan's manifest, its weights and its code (the host shared
/// object, or the CUDA fatbin when plan.target is "cuda") into the artifact
/// format (runtime/src/ArtifactFormat.h).
std::vector<uint8_t> buildArtifact(const ExecutionPlan &plan,
                                   const std::vector<char> &hostObject,
                                   const std::string &producer);

} // namespace mlir::ingot::codegen

#endif
