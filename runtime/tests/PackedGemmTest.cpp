//===- PackedGemmTest.cpp - The few-row GEMM over packed weights ----------===//
//
// packedGemm against a double-precision reference over shapes around the
// panel width and the 6-row blocks, B plain and transposed, padded leading
// dims, alpha and accumulation; and WeightPanels packs only what lies in
// the weights, once.
//
//===----------------------------------------------------------------------===//
#include "PackedGemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace ingot::runtime;

namespace {

struct Shape {
  int64_t m, n, k;
};

void checkShape(Shape s, bool transB, bool accumulate, std::mt19937 &rng) {
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  int64_t lda = s.k + 3, ldc = s.n + 5;
  int64_t ldb = (transB ? s.k : s.n) + 2;
  int64_t bRows = transB ? s.n : s.k;
  // B sits inside a "weights" block, after other data.
  std::vector<float> weights(64 + bRows * ldb + 7);
  for (float &w : weights)
    w = value(rng);
  const float *b = weights.data() + 64;
  std::vector<float> a(s.m * lda), c(s.m * ldc);
  for (float &x : a)
    x = value(rng);
  for (float &x : c)
    x = value(rng);
  std::vector<float> before = c;
  const float alpha = 0.75f;

  WeightPanels packed(weights.data(), weights.size() * sizeof(float));
  const float *panels = packed.panels(b, s.k, s.n, ldb, transB);
  ASSERT_NE(panels, nullptr);
  // Two calls over the halves of the panels, as two threads make them.
  int64_t width = packedPanelWidth();
  int64_t count = (s.n + width - 1) / width, half = count / 2;
  packedGemm(s.m, s.n, s.k, alpha, a.data(), lda, panels, 0, half, accumulate,
             c.data(), ldc);
  packedGemm(s.m, s.n, s.k, alpha, a.data(), lda, panels, half, count,
             accumulate, c.data(), ldc);

  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      double want = before[i * ldc + j];
      if (j < s.n) {
        double sum = 0;
        for (int64_t p = 0; p < s.k; ++p)
          sum += double(a[i * lda + p]) *
                 (transB ? b[j * ldb + p] : b[p * ldb + j]);
        want = alpha * sum + (accumulate ? want : 0.0);
      }
      // Columns past n (the leading dim's padding) stay as they were.
      ASSERT_NEAR(c[i * ldc + j], want, 1e-5 * (1 + s.k))
          << "m " << s.m << " n " << s.n << " k " << s.k << " transB " << transB
          << " accumulate " << accumulate << " at " << i << ", " << j;
    }
  }
}

TEST(PackedGemm, MatchesReference) {
  std::mt19937 rng(13);
  for (Shape s : {Shape{1, 1, 1}, Shape{1, 16, 3}, Shape{5, 15, 7},
                  Shape{6, 64, 64}, Shape{7, 65, 33}, Shape{13, 130, 257},
                  Shape{32, 200, 100}, Shape{12, 2, 5}})
    for (bool transB : {false, true})
      for (bool accumulate : {false, true})
        checkShape(s, transB, accumulate, rng);
}

TEST(PackedGemm, PacksOnlyWeightsOnce) {
  std::vector<float> weights(1000, 1.0f), other(1000, 1.0f);
  WeightPanels packed(weights.data(), weights.size() * sizeof(float));
  // Not in the weights: activations may change between calls.
  EXPECT_EQ(packed.panels(other.data(), 10, 10, 10, false), nullptr);
  // Starts inside but runs past the end (10 x 100 from element 100).
  EXPECT_EQ(packed.panels(weights.data() + 100, 10, 100, 100, false), nullptr);
  EXPECT_EQ(packed.panels(weights.data() + 100, 100, 10, 100, true), nullptr);
  EXPECT_EQ(packed.packedBytes(), 0u);
  // One element past the end.
  EXPECT_EQ(packed.panels(weights.data() + 901, 10, 10, 10, false), nullptr);
  EXPECT_EQ(packed.panels(weights.data() + 901, 10, 10, 10, true), nullptr);
  // Exactly to the end: packed, and the same copy the second time.
  const float *first = packed.panels(weights.data() + 900, 10, 10, 10, false);
  ASSERT_NE(first, nullptr);
  uint64_t bytes = packed.packedBytes();
  EXPECT_GT(bytes, 0u);
  EXPECT_EQ(packed.panels(weights.data() + 900, 10, 10, 10, false), first);
  EXPECT_EQ(packed.packedBytes(), bytes);
  // The same data read as B transposed is another copy.
  EXPECT_NE(packed.panels(weights.data() + 900, 10, 10, 10, true), first);
}

} // namespace
