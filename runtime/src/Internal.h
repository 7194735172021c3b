//===- Internal.h - Runtime objects behind the C API ----------------------===//
#ifndef INGOT_RUNTIME_INTERNAL_H
#define INGOT_RUNTIME_INTERNAL_H

#include "ingot/kernel_abi.h"
#include "ingot/runtime.h"
#include "proto/manifest.pb.h"

#include <memory>
#include <string>
#include <vector>

struct ingot_status {
  ingot_status_code code;
  std::string message;
};

namespace ingot::runtime {

inline ingot_status *makeStatus(ingot_status_code code, std::string message) {
  return new ingot_status{code, std::move(message)};
}

ingot_dtype toPublic(artifact::DataType dtype);

/// What a loaded artifact holds; immutable once loaded, shared by sessions.
struct ModelData {
  uint8_t *imageStorage = nullptr; // the whole file, 64-byte aligned
  size_t imageSize = 0;
  artifact::Manifest manifest;
  const uint8_t *weights = nullptr;
  uint64_t weightsSize = 0;
  void *library = nullptr;                // dlopen handle
  std::shared_ptr<void> cuda;             // CUDA artifacts: device state
  std::vector<IngotKernelFn> stepKernels; // per step (null for copies)
  // Public descriptions of the inputs and outputs.
  std::vector<ingot_tensor_info> inputs, outputs;
  std::vector<std::vector<int64_t>> inputShapes, outputShapes;

  ~ModelData();
};

class ThreadPool;

/// The host routines generated kernels call (GEMM, convolution, threads).
const IngotHostApi *hostApi();
void parallelFor(ThreadPool *pool, int64_t n, int64_t grain, IngotRangeFn body,
                 void *closure);

} // namespace ingot::runtime

struct ingot_model {
  std::shared_ptr<const ingot::runtime::ModelData> data;
};

#endif
