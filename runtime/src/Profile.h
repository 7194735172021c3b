//===- Profile.h - INGOT_PROFILE reports ----------------------------------===//
#ifndef INGOT_RUNTIME_PROFILE_H
#define INGOT_RUNTIME_PROFILE_H

#include "Internal.h"

#include <vector>

namespace ingot::runtime {

/// Which report INGOT_PROFILE asks for (read when a session is created).
enum class ProfileMode {
  Off,   // unset, empty or 0
  Table, // 1 (or anything else): the 12 slowest steps of each kind
  All,   // all: every step
  Json,  // json: a JSON document to $INGOT_PROFILE_FILE
};
ProfileMode profileModeFromEnvironment();

/// What the profiled runs of an artifact for a range of shapes did, per
/// step, summed over the runs as the times are (their shapes vary): the
/// bytes of its buffers and its library work at each run's shape, and
/// (CUDA kernels with versions) how many runs took each version.
struct ProfileCounts {
  std::vector<double> bytes, flops;
  std::vector<std::vector<int>> versions;
};

/// Reports a session's step times when it ends. `stepSeconds` holds each
/// step's time summed over `runs` runs; `firstRun` says these are the first
/// run's times (the only run the session made), which include one-time
/// costs that later runs do not pay. `counts`: what varied per run (null
/// or empty entries: the manifest's figures).
void reportProfile(ProfileMode mode, const ModelData &model,
                   const std::vector<double> &stepSeconds, int runs,
                   bool firstRun, const ProfileCounts *counts = nullptr);

} // namespace ingot::runtime

#endif
