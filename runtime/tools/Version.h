//===- Version.h - What --version prints, shared by every Ingot tool ------===//
#ifndef INGOT_RUNTIME_TOOLS_VERSION_H
#define INGOT_RUNTIME_TOOLS_VERSION_H

#include <string>

namespace ingot::tools {

/// "0.1.0"
const char *ingotVersion();
/// The git commit the tools were built from ("unknown" outside a checkout).
const char *ingotGitCommit();
/// "ingotc 0.1.0 (git abc123)": the producer string artifacts record.
std::string producerString(const char *tool);
/// The --version text: tool, Ingot version and commit, artifact format and
/// kernel ABI versions, one item per line. The compiler tools add their
/// MLIR/LLVM version after it.
std::string versionText(const char *tool);

} // namespace ingot::tools

#endif
