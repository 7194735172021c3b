//===- CudaExecutor.h - Running CUDA artifacts ----------------------------===//
#ifndef INGOT_RUNTIME_CUDA_CUDAEXECUTOR_H
#define INGOT_RUNTIME_CUDA_CUDAEXECUTOR_H

#include "../Internal.h"

#include <memory>
#include <vector>

namespace ingot::runtime::cuda {

struct DeviceModel;
struct DeviceSession;

/// Loads the fatbin and uploads the weights once per model. Fails with
/// INGOT_NO_DEVICE when there is no usable GPU.
ingot_status *loadModel(const ModelData &model, const uint8_t *fatbin,
                        size_t size, std::shared_ptr<DeviceModel> &out);

/// A stream, the activation arena and the library handles of one session.
ingot_status *
createSession(const ModelData &model, bool useCudaGraph,
              std::unique_ptr<DeviceSession, void (*)(DeviceSession *)> &out);

/// Runs the steps. `inputs`/`outputs` are host pointers, or device pointers
/// where `onDevice` says so (no copy). With `stepSeconds` (INGOT_PROFILE),
/// the steps run without the CUDA graph, each between two events, and each
/// step's GPU time is added to its entry. `dims`: the call's symbolic dims
/// (an artifact for a range of shapes), bound and checked by the session,
/// with the arena offsets the session planned for them and the arena's
/// bytes (the device arena grows to it when a larger shape comes).
ingot_status *run(const ModelData &model, DeviceSession &session,
                  const std::vector<const void *> &inputs,
                  const std::vector<bool> &inputsOnDevice,
                  const std::vector<void *> &outputs,
                  const std::vector<bool> &outputsOnDevice,
                  std::vector<double> *stepSeconds = nullptr,
                  const std::vector<int64_t> *dims = nullptr,
                  const std::vector<uint64_t> *arenaOffsets = nullptr,
                  uint64_t arenaBytes = 0);

/// The version each step ran in the session's last call (the index into
/// its manifest variants; -1 for steps without versions).
const std::vector<int> &stepVariants(const DeviceSession &session);

} // namespace ingot::runtime::cuda

#endif
