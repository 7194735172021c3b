//===- PackedGemm.h - FP32 GEMM for few rows over weights packed once -----===//
//
// Batch-1 fully connected layers and short sequences multiply a few rows of
// activations by a large weight matrix B. A general GEMM (Eigen's) packs
// the panels of B it reads on every call, which at a few rows costs about
// as much as the multiply. Reading B in place is no better: its rows are a
// power-of-two-ish stride apart, so a panel of columns falls on a few cache
// sets and is evicted before the next block of rows needs it (measured:
// docs/BENCHMARKS.md, "Host GEMM"). So B is packed once, when it is a
// constant of the model (it lies in the artifact's weights), and kept:
// onnxruntime does the same at session creation.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_RUNTIME_PACKEDGEMM_H
#define INGOT_RUNTIME_PACKEDGEMM_H

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <shared_mutex>
#include <tuple>

namespace ingot::runtime {

/// The most rows the packed kernel takes; above it Eigen's kernel, which
/// packs A too, is as fast (docs/BENCHMARKS.md, "Host GEMM").
constexpr int64_t kPackedGemmMaxRows = 64;

/// Columns per panel: the packed layout is [panel][k][kPanelWidth], the
/// last panel padded with zeros.
int64_t packedPanelWidth();

/// Whether a B of n columns is worth packing: whole panels, or padding
/// under half of the columns (a few columns would be mostly padding, in
/// memory and in multiplies).
inline bool packableColumns(int64_t n) {
  int64_t width = packedPanelWidth();
  return n % width == 0 || n >= 2 * width;
}

/// B matrices of the model's weights, packed on first use and kept for the
/// model's lifetime (shared by its sessions; safe to call from several).
/// A weight's GEMM geometry is fixed by the manifest, shapes of a dynamic
/// artifact included, so the copies are bounded by the weights' size.
class WeightPanels {
public:
  WeightPanels(const void *weights, uint64_t bytes)
      : begin(static_cast<const char *>(weights)),
        end(static_cast<const char *>(weights) + bytes) {}
  /// The panels of op(B) (k x n; B is k x n with leading dim ldb, or n x k
  /// when transB) when B lies inside the weights; null otherwise, or when
  /// the copy cannot be allocated (the caller then multiplies unpacked).
  const float *panels(const float *b, int64_t k, int64_t n, int64_t ldb,
                      bool transB);
  /// Bytes of packed copies made so far.
  uint64_t packedBytes() const { return packed.load(); }

private:
  const char *begin, *end;
  std::shared_mutex mutex;
  struct Free {
    void operator()(float *p) const { std::free(p); }
  };
  // 64-byte aligned: a panel row is one or more whole vectors.
  std::map<std::tuple<const float *, int64_t, int64_t, int64_t, bool>,
           std::unique_ptr<float[], Free>>
      copies;
  std::atomic<uint64_t> packed{0};
};

/// C[m x n] (+)= alpha * A[m x k] * op(B) for the columns of panels
/// [p0, p1), op(B) given as packed panels; A row-major with leading dim
/// lda, C with ldc; `accumulate` adds to C.
void packedGemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                int64_t lda, const float *panels, int64_t p0, int64_t p1,
                bool accumulate, float *c, int64_t ldc);

} // namespace ingot::runtime

#endif
