//===- Internal.h - Runtime objects behind the C API ----------------------===//
#ifndef INGOT_RUNTIME_INTERNAL_H
#define INGOT_RUNTIME_INTERNAL_H

#include "PackedGemm.h"
#include "SizePrograms.h"
#include "ingot/kernel_abi.h"
#include "ingot/runtime.h"
#include "proto/manifest.pb.h"

#include <exception>
#include <memory>
#include <new>
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

/// A status that needs no allocation, for when allocating one failed;
/// ingot_status_free leaves it alone.
ingot_status *outOfMemoryStatus() noexcept;

/// Runs the whole body of a C entry point: no exception may unwind through
/// extern "C" (std::bad_alloc, std::system_error when threads cannot be
/// created, ...), so each becomes a status -- never NULL, which would read
/// as success.
template <typename Body> ingot_status *guarded(Body &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
  } catch (const std::exception &e) {
    try {
      return makeStatus(INGOT_INTERNAL,
                        std::string("internal error: ") + e.what());
    } catch (...) {
    }
  } catch (...) {
    try {
      return makeStatus(INGOT_INTERNAL, "internal error: unknown exception");
    } catch (...) {
    }
  }
  return outOfMemoryStatus();
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
  // The host GEMM's copies of weight matrices it reads with few rows,
  // packed on first use (thread-safe; shared by the sessions).
  std::unique_ptr<WeightPanels> packedWeights;

  ~ModelData();
};

/// What a manifest may describe: no tensor, buffer or arena over 2^56 bytes
/// (beyond any machine, and far from 64-bit overflow when sizes are added),
/// no tensor of more than 64 dimensions.
constexpr uint64_t kMaxArtifactBytes = uint64_t(1) << 56;
constexpr int kMaxRank = 64;

/// a * b (a + b) into `out`; false when it overflows or exceeds
/// kMaxArtifactBytes.
bool checkedMul(uint64_t a, uint64_t b, uint64_t &out);
bool checkedAdd(uint64_t a, uint64_t b, uint64_t &out);
/// Byte size of a manifest tensor; false for an invalid dtype, a negative
/// dimension or a size over the limits above. A dim that varies (-1, in an
/// artifact compiled for a range of shapes) takes its size at `dims`.
bool tensorBytes(const artifact::TensorInfo &t, uint64_t &bytes,
                 const std::vector<int64_t> *dims = nullptr);

/// Checks every tensor, buffer and step of `m.manifest` against the arena,
/// the weights section and the library calls' geometry
/// (ManifestValidation.cpp). Needs m.weights/m.weightsSize set.
ingot_status *validateManifest(const ModelData &m);
/// Checks a CPU kernel step against the signature its host code exports:
/// {buffer count, bytes accessed in buffer 0, 1, ...}.
ingot_status *checkKernelSignature(const ModelData &m, int step,
                                   const uint64_t *signature);

/// Artifacts compiled for a range of shapes (SymbolicDims.cpp; the size
/// programs themselves: SizePrograms.h). Checks the dims, every size program
/// and every varying buffer's bytes (at the largest dims, against its planned
/// size) when the model loads.
ingot_status *validateSymbolicDims(const artifact::Manifest &mf);
/// Binds the dims from the input shapes (`inputs` by model input), checks
/// them against their ranges, the static sizes and the constraints.
ingot_status *bindSymbolicDims(const ModelData &m,
                               const std::vector<const ingot_tensor *> &inputs,
                               std::vector<int64_t> &dims);

class ThreadPool;

/// What IngotKernelContext::runtime points to: the session's threads and
/// the model's packed weights.
struct KernelRuntime {
  ThreadPool *pool = nullptr;
  WeightPanels *packedWeights = nullptr;
};

/// The host routines generated kernels call (GEMM, convolution, threads).
const IngotHostApi *hostApi();
void parallelFor(ThreadPool *pool, int64_t n, int64_t grain, IngotRangeFn body,
                 void *closure);
/// The ABI's conv_i8 (IntegerKernels.cpp).
void convInteger(const IngotKernelContext *ctx, const IngotConvParams *p,
                 const void *x, int xSigned, int32_t xZero, const int8_t *w,
                 int32_t *y, IngotRangeFn epilogue, void *closure);

} // namespace ingot::runtime

struct ingot_model {
  std::shared_ptr<const ingot::runtime::ModelData> data;
};

#endif
