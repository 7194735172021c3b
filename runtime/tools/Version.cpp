//===- Version.cpp - What --version prints, shared by every Ingot tool ----===//
#include "Version.h"

#include "ArtifactFormat.h"
#include "IngotBuildInfo.h" // generated at build time: version, git commit
#include "ingot/kernel_abi.h"

using namespace ingot;

const char *tools::ingotVersion() { return INGOT_VERSION_STRING; }
const char *tools::ingotGitCommit() { return INGOT_GIT_COMMIT; }

std::string tools::producerString(const char *tool) {
  return std::string(tool) + " " + ingotVersion() + " (git " +
         ingotGitCommit() + ")";
}

std::string tools::versionText(const char *tool) {
  return producerString(tool) + "\n" + "  artifact format version: " +
         std::to_string(artifact::kFormatVersion) + "\n" +
         "  kernel ABI version:      " +
         std::to_string(INGOT_KERNEL_ABI_VERSION) + "\n";
}
