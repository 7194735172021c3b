//===- PackedGemm.cpp - FP32 GEMM for few rows over weights packed once ---===//
#include "PackedGemm.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>

namespace ingot::runtime {
namespace {

// The vector width this file is compiled for (the runtime's -march), and
// how many vectors of columns a panel holds: rows x vectors accumulators
// plus the panel's vectors and one broadcast fit in the registers
// (AVX-512: 6 x 4 + 4 + 1 of 32; AVX: 6 x 2 + 2 + 1 of 16).
#if defined(__AVX512F__)
constexpr int kLanes = 16, kPanelVectors = 4;
#elif defined(__AVX__)
constexpr int kLanes = 8, kPanelVectors = 2;
#else
constexpr int kLanes = 4, kPanelVectors = 2;
#endif
constexpr int kPanel = kLanes * kPanelVectors;
constexpr int kRows = 6;

typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

inline Vec load(const float *p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store(float *p, Vec v) { std::memcpy(p, &v, sizeof v); }

/// C[R x cols] (+)= alpha * A[R x k] * panel[k x kPanel] (its first `cols`
/// columns): the accumulators stay in registers over the whole of k, and
/// the panel is read in order.
template <int R>
void block(int64_t k, float alpha, const float *a, int64_t lda,
           const float *panel, bool accumulate, float *c, int64_t ldc,
           int64_t cols) {
  Vec acc[R][kPanelVectors] = {};
  for (int64_t p = 0; p < k; ++p) {
    Vec row[kPanelVectors];
    for (int v = 0; v < kPanelVectors; ++v)
      row[v] = load(panel + p * kPanel + v * kLanes);
    for (int r = 0; r < R; ++r) {
      Vec x = Vec{} + a[r * lda + p];
      for (int v = 0; v < kPanelVectors; ++v)
        acc[r][v] += x * row[v];
    }
  }
  for (int r = 0; r < R; ++r) {
    float *out = c + r * ldc;
    if (cols == kPanel) {
      for (int v = 0; v < kPanelVectors; ++v) {
        Vec result = acc[r][v] * alpha;
        float *o = out + v * kLanes;
        store(o, accumulate ? load(o) + result : result);
      }
      continue;
    }
    // The last panel: only its first `cols` columns exist in C.
    float row[kPanel];
    for (int v = 0; v < kPanelVectors; ++v)
      store(row + v * kLanes, acc[r][v] * alpha);
    for (int64_t j = 0; j < cols; ++j)
      out[j] = accumulate ? out[j] + row[j] : row[j];
  }
}

void rows(int64_t count, int64_t k, float alpha, const float *a, int64_t lda,
          const float *panel, bool accumulate, float *c, int64_t ldc,
          int64_t cols) {
  switch (count) {
  case 1:
    return block<1>(k, alpha, a, lda, panel, accumulate, c, ldc, cols);
  case 2:
    return block<2>(k, alpha, a, lda, panel, accumulate, c, ldc, cols);
  case 3:
    return block<3>(k, alpha, a, lda, panel, accumulate, c, ldc, cols);
  case 4:
    return block<4>(k, alpha, a, lda, panel, accumulate, c, ldc, cols);
  case 5:
    return block<5>(k, alpha, a, lda, panel, accumulate, c, ldc, cols);
  default:
    return block<kRows>(k, alpha, a, lda, panel, accumulate, c, ldc, cols);
  }
}

} // namespace

int64_t packedPanelWidth() { return kPanel; }

const float *WeightPanels::panels(const float *b, int64_t k, int64_t n,
                                  int64_t ldb, bool transB) {
  if (k <= 0 || n <= 0 || ldb <= 0)
    return nullptr;
  // Only the model's constants: anything else may change between calls.
  uint64_t last = 0;
  if (__builtin_mul_overflow(uint64_t(transB ? n - 1 : k - 1), uint64_t(ldb),
                             &last) ||
      __builtin_add_overflow(last, uint64_t(transB ? k - 1 : n - 1), &last))
    return nullptr;
  auto first = reinterpret_cast<uintptr_t>(b);
  if (first < reinterpret_cast<uintptr_t>(begin) ||
      first >= reinterpret_cast<uintptr_t>(end) ||
      last >= (reinterpret_cast<uintptr_t>(end) - first) / sizeof(float))
    return nullptr;
  auto key = std::make_tuple(b, k, n, ldb, transB);
  {
    std::shared_lock<std::shared_mutex> lock(mutex);
    auto found = copies.find(key);
    if (found != copies.end())
      return found->second.get();
  }
  // Packed outside the lock: other sessions' calls go on meanwhile; if
  // two pack the same matrix, the first copy stored is kept.
  int64_t count = (n + kPanel - 1) / kPanel;
  size_t bytes = size_t(count * k * kPanel) * sizeof(float);
  std::unique_ptr<float[], Free> copy(
      static_cast<float *>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
  if (!copy)
    return nullptr;
  for (int64_t q = 0; q < count; ++q)
    for (int64_t p = 0; p < k; ++p) {
      float *dst = copy.get() + (q * k + p) * kPanel;
      for (int64_t j = 0; j < kPanel; ++j) {
        int64_t col = q * kPanel + j;
        dst[j] = col >= n ? 0.0f : transB ? b[col * ldb + p] : b[p * ldb + col];
      }
    }
  std::unique_lock<std::shared_mutex> lock(mutex);
  auto [it, inserted] = copies.emplace(key, std::move(copy));
  if (inserted)
    packed += bytes;
  return it->second.get();
}

void packedGemm(int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                int64_t lda, const float *panels, int64_t p0, int64_t p1,
                bool accumulate, float *c, int64_t ldc) {
  for (int64_t q = p0; q < p1; ++q) {
    int64_t j = q * kPanel, cols = std::min<int64_t>(kPanel, n - j);
    const float *panel = panels + q * k * kPanel;
    for (int64_t i = 0; i < m; i += kRows)
      rows(std::min<int64_t>(kRows, m - i), k, alpha, a + i * lda, lda, panel,
           accumulate, c + i * ldc + j, ldc, cols);
  }
}

} // namespace ingot::runtime
