//===- TargetFeatures.h - What an artifact needs of the CPU or the GPU ----===//
//
// Host kernels are compiled for one -march (native by default). The
// compiler records which instruction-set extensions that enables, read from
// the C++ compiler's predefined macros, and the runtime checks them when it
// loads the artifact: on a CPU without one of them the load fails naming it,
// instead of the first kernel dying with SIGILL. Shared by the compiler and
// the runtime (no MLIR, no protobuf). Likewise the CUDA architectures of a
// GPU artifact, against the GPU it is loaded on.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_RUNTIME_TARGETFEATURES_H
#define INGOT_RUNTIME_TARGETFEATURES_H

#include <string>
#include <vector>

namespace ingot::artifact {

/// The features whose predefined macro (e.g. __AVX2__) appears in `macros`,
/// the output of `c++ -march=... -dM -E`, by their runtime names ("avx2").
std::vector<std::string> cpuFeaturesFromMacros(const std::string &macros);

/// The features of `required` this CPU lacks (or that this runtime cannot
/// check). INGOT_CPU_FEATURES_DISABLE=avx512f,avx2 treats the named features
/// as absent, to try an artifact as a machine without them would load it.
std::vector<std::string>
missingCpuFeatures(const std::vector<std::string> &required);

/// Empty when a GPU of compute capability major.minor can run a fatbin with
/// SASS for `archs` ("sm_80", ...) and PTX for the newest of them (SASS runs
/// on the same major version at an equal or higher minor; PTX on any later
/// GPU); else the reason, naming the architectures.
std::string cudaArchMismatch(const std::vector<std::string> &archs, int major,
                             int minor);

} // namespace ingot::artifact

#endif
