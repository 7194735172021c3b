//===- HostToolchain.h - Compiling generated C++ into a shared object -----===//
#ifndef INGOT_CODEGEN_HOSTTOOLCHAIN_H
#define INGOT_CODEGEN_HOSTTOOLCHAIN_H

#include <string>
#include <vector>

namespace mlir::ingot::codegen {

struct HostToolchainOptions {
  /// The C++ compiler: $INGOT_CXX, else `c++` on PATH.
  std::string compiler;
  /// -march value: "native" (default) or e.g. "x86-64-v3".
  std::string march = "native";
  /// Keep the generated source here (for debugging), if not empty.
  std::string keepSourceAs;
};

/// Compiles `source` into a shared object and returns its bytes; on failure
/// returns false with the compiler's output in `error`.
bool compileHostSource(const std::string &source,
                       const HostToolchainOptions &options,
                       std::vector<char> &sharedObject, std::string &error);

/// The CPU features (runtime names, see runtime/src/TargetFeatures.h) that
/// `options.march` enables, from the C++ compiler's predefined macros; false
/// with `error` when the compiler cannot be run.
bool hostCpuFeatures(const HostToolchainOptions &options,
                     std::vector<std::string> &features, std::string &error);

} // namespace mlir::ingot::codegen

#endif
