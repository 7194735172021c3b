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

/// Reports a session's step times when it ends. `stepSeconds` holds each
/// step's time summed over `runs` runs; `firstRun` says these are the first
/// run's times (the only run the session made), which include one-time
/// costs that later runs do not pay.
/// `stepBytes`: for an artifact compiled for a range of shapes, each step's
/// bytes summed over the runs (their shapes vary); null: the manifest's.
/// `variantRuns`: for kernels with versions (the manifest's variants), per
/// step how many of the runs took each version.
void reportProfile(ProfileMode mode, const ModelData &model,
                   const std::vector<double> &stepSeconds, int runs,
                   bool firstRun,
                   const std::vector<double> *stepBytes = nullptr,
                   const std::vector<std::vector<int>> *variantRuns = nullptr);

} // namespace ingot::runtime

#endif
