//===- ArtifactInfo.h - ingot-run --info ----------------------------------===//
#ifndef INGOT_RUNTIME_TOOLS_ARTIFACTINFO_H
#define INGOT_RUNTIME_TOOLS_ARTIFACTINFO_H

#include <ostream>
#include <string>

namespace ingot::tools {

/// Prints what an artifact holds: inputs and outputs, target, producer,
/// precision, memory and step counts. Reads the manifest only (no host code
/// is loaded, no GPU is needed), so a CUDA artifact can be inspected on any
/// machine. Throws std::runtime_error for an unreadable or invalid file.
void printArtifactInfo(const std::string &path, std::ostream &os);

} // namespace ingot::tools

#endif
