//===- HostKernels.cpp - GEMM and convolution for generated host code -----===//
//
// The library half of "library + epilogue" regions: Eigen's GEMM, split over
// the session's threads by the runtime (Eigen itself runs single-threaded),
// and convolutions as im2col + GEMM, with direct loops where im2col only
// costs (1x1 stride-1 convolutions read the input as is; depthwise
// convolutions are a per-channel stencil). Channels-last convolutions unfold
// whole pixels (contiguous channels) and multiply by the O[D]HWI weights
// transposed; their depthwise form vectorizes across channels.
//
//===----------------------------------------------------------------------===//
#include "ConvGeometry.h"
#include "ThreadPool.h"

#include <Eigen/Core>

#include <algorithm>
#include <cstring>
#include <vector>

namespace ingot::runtime {

namespace {
using RowMajor =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Stride = Eigen::OuterStride<Eigen::Dynamic>;
using ConstMap = Eigen::Map<const RowMajor, Eigen::Unaligned, Stride>;
using Map = Eigen::Map<RowMajor, Eigen::Unaligned, Stride>;

/// The session's threads; null (run on the caller) without a session.
ThreadPool *poolOf(const IngotKernelContext *ctx) {
  auto *runtime = static_cast<KernelRuntime *>(ctx->runtime);
  return runtime ? runtime->pool : nullptr;
}

int64_t threadsOf(const IngotKernelContext *ctx) {
  ThreadPool *pool = poolOf(ctx);
  return pool ? pool->size() : 1;
}

/// Single-threaded block: C[m0:m1, :] (+)= alpha op(A)[m0:m1, :] op(B).
void gemmRows(int transA, int transB, int64_t m0, int64_t m1, int64_t n,
              int64_t k, float alpha, const float *a, int64_t lda,
              const float *b, int64_t ldb, int accumulate, float *c,
              int64_t ldc) {
  int64_t rows = m1 - m0;
  Map C(c + m0 * ldc, rows, n, Stride(ldc));
  auto compute = [&](const auto &A, const auto &B) {
    if (accumulate)
      C.noalias() += alpha * (A * B);
    else if (alpha == 1.0f)
      C.noalias() = A * B;
    else
      C.noalias() = alpha * (A * B);
  };
  auto withB = [&](const auto &A) {
    if (transB)
      compute(A, ConstMap(b, n, k, Stride(ldb)).transpose());
    else
      compute(A, ConstMap(b, k, n, Stride(ldb)));
  };
  if (transA)
    withB(ConstMap(a + m0, k, rows, Stride(lda)).transpose());
  else
    withB(ConstMap(a + m0 * lda, rows, k, Stride(lda)));
}

void gemm(const IngotKernelContext *ctx, int transA, int transB, int64_t m,
          int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
          const float *b, int64_t ldb, int accumulate, float *c, int64_t ldc) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i)
        std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    return;
  }
  // A few rows by a matrix of the model's weights: over a copy of the
  // weights packed once (PackedGemm.h), split by panels of columns.
  auto *runtime = static_cast<KernelRuntime *>(ctx->runtime);
  if (!transA && m <= kPackedGemmMaxRows && packableColumns(n) && runtime &&
      runtime->packedWeights)
    if (const float *panels =
            runtime->packedWeights->panels(b, k, n, ldb, transB)) {
      int64_t width = packedPanelWidth();
      int64_t count = (n + width - 1) / width;
      int64_t grain =
          std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, m * k * width));
      parallel(ctx, count, grain, [&](int64_t p0, int64_t p1) {
        packedGemm(m, n, k, alpha, a, lda, panels, p0, p1, accumulate, c, ldc);
      });
      return;
    }
  // Which dim to split across threads: every share packs (and streams) the
  // whole of the operand the split does not cut, B for a split of the rows,
  // A for a split of the columns. So split the columns when B is the larger
  // (n > m: a layer's weights against a few rows of activations), in blocks
  // of 16 columns (a vector of floats) so that each share stays aligned.
  constexpr int64_t kColumnBlock = 16;
  int64_t threads = threadsOf(ctx);
  int64_t colGrain =
      std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, m * k));
  int64_t columnBlocks = (n + kColumnBlock - 1) / kColumnBlock;
  if (threads > 1 && n > m && columnBlocks >= 2) {
    int64_t blockGrain = std::max<int64_t>(1, colGrain / kColumnBlock);
    parallel(ctx, columnBlocks, blockGrain, [&](int64_t b0, int64_t b1) {
      int64_t n0 = b0 * kColumnBlock, n1 = std::min(n, b1 * kColumnBlock);
      const float *bPart = transB ? b + n0 * ldb : b + n0;
      gemmRows(transA, transB, 0, m, n1 - n0, k, alpha, a, lda, bPart, ldb,
               accumulate, c + n0, ldc);
    });
    return;
  }
  int64_t flopsPerRow = n * k;
  int64_t grain =
      std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, flopsPerRow));
  parallel(ctx, m, grain, [&](int64_t m0, int64_t m1) {
    gemmRows(transA, transB, m0, m1, n, k, alpha, a, lda, b, ldb, accumulate, c,
             ldc);
  });
}

int64_t volume(const int64_t *dims, int rank) {
  int64_t v = 1;
  for (int i = 0; i < rank; ++i)
    v *= dims[i];
  return v;
}

/// col[(c, kz, ky, kx), (oz, oy, ox)] for `channels` channels of `x`.
void im2col(const IngotKernelContext *ctx, const Geometry &g, int64_t channels,
            const float *x, float *col) {
  int64_t kvol = g.kernelVolume(), ovol = g.outVolume();
  parallel(ctx, channels * kvol, 4, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t c = r / kvol, kk = r % kvol;
      int64_t kx = kk % g.k[2], ky = (kk / g.k[2]) % g.k[1],
              kz = kk / (g.k[2] * g.k[1]);
      const float *xc = x + c * g.inVolume();
      float *dst = col + r * ovol;
      for (int64_t oz = 0; oz < g.out[0]; ++oz) {
        int64_t iz = oz * g.s[0] - g.p[0] + kz * g.d[0];
        for (int64_t oy = 0; oy < g.out[1]; ++oy) {
          int64_t iy = oy * g.s[1] - g.p[1] + ky * g.d[1];
          bool rowValid = iz >= 0 && iz < g.in[0] && iy >= 0 && iy < g.in[1];
          const float *src = xc + (iz * g.in[1] + iy) * g.in[2];
          for (int64_t ox = 0; ox < g.out[2]; ++ox) {
            int64_t ix = ox * g.s[2] - g.p[2] + kx * g.d[2];
            *dst++ = rowValid && ix >= 0 && ix < g.in[2] ? src[ix] : 0.0f;
          }
        }
      }
    }
  });
}

bool isPointwise(const Geometry &g) {
  for (int i = 0; i < 3; ++i)
    if (g.k[i] != 1 || g.s[i] != 1 || g.p[i] != 0)
      return false;
  return true;
}

/// Depthwise convolution as row accumulation: for each output row and each
/// kernel tap, add a scaled input row segment. The valid output range of a
/// tap is computed up front, so the inner loop has no bounds checks and
/// vectorizes when the stride is 1.
void depthwise(const IngotKernelContext *ctx, const IngotConvParams *p,
               const Geometry &g, const float *x, const float *w, float *y) {
  int64_t channels = p->out_channels, kvol = g.kernelVolume();
  int64_t ow = g.out[2], iw = g.in[2], sx = g.s[2];
  parallel(ctx, p->batch * channels, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t nc = b0; nc < b1; ++nc) {
      int64_t c = nc % channels;
      const float *xc = x + nc * g.inVolume();
      const float *wc = w + c * kvol;
      float *yc = y + nc * g.outVolume();
      for (int64_t oz = 0; oz < g.out[0]; ++oz)
        for (int64_t oy = 0; oy < g.out[1]; ++oy) {
          float *yrow = yc + (oz * g.out[1] + oy) * ow;
          std::fill(yrow, yrow + ow, 0.0f);
          for (int64_t kz = 0; kz < g.k[0]; ++kz) {
            int64_t iz = oz * g.s[0] - g.p[0] + kz * g.d[0];
            if (iz < 0 || iz >= g.in[0])
              continue;
            for (int64_t ky = 0; ky < g.k[1]; ++ky) {
              int64_t iy = oy * g.s[1] - g.p[1] + ky * g.d[1];
              if (iy < 0 || iy >= g.in[1])
                continue;
              const float *xrow = xc + (iz * g.in[1] + iy) * iw;
              const float *wk = wc + (kz * g.k[1] + ky) * g.k[2];
              for (int64_t kx = 0; kx < g.k[2]; ++kx) {
                int64_t off = g.tapOffset(kx);
                auto [lo, hi] = g.tapOutputs(kx);
                float wv = wk[kx];
                if (sx == 1) {
                  const float *src = xrow + off;
                  for (int64_t ox = lo; ox < hi; ++ox)
                    yrow[ox] += wv * src[ox];
                } else {
                  for (int64_t ox = lo; ox < hi; ++ox)
                    yrow[ox] += wv * xrow[ox * sx + off];
                }
              }
            }
          }
        }
    }
  });
}

thread_local std::vector<float> scratch;

// Up to which K (taps x input channels) directChannelsLast beats im2row +
// GEMM (measured on the first layers of tiny_cnn and ppocr_v4_det: K = 27,
// M = 8 and 16).
constexpr int64_t kDirectMaxK = 64;

float *scratchFloats(size_t n) {
  if (scratch.size() < n)
    scratch.resize(n);
  return scratch.data();
}

/// The schedule of both layouts' im2col convolutions, over `positions`
/// output positions of `k` unfolded values each: blocks of positions that
/// each thread unfolds and multiplies while they are in cache, so the whole
/// unfolded matrix is never written to memory; or, with too few blocks to
/// keep every thread busy and enough work (`flops`) to share (deep layers at
/// small spatial sizes, e.g. 512x3x3 over 7x7), everything unfolded once
/// and the GEMM split across the threads instead. Small convolutions stay
/// on one thread, where waking the others would cost more than it saves.
/// unfold(buffer, p0, count) writes positions [p0, p0 + count);
/// multiplyBlock(buffer, p0, count) multiplies them on the calling thread;
/// multiplyAll(buffer) multiplies all positions with the threaded GEMM.
template <typename Unfold, typename MultiplyBlock, typename MultiplyAll>
void unfoldAndMultiply(const IngotKernelContext *ctx, int64_t positions,
                       int64_t k, int64_t minBlock, int64_t flops,
                       Unfold &&unfold, MultiplyBlock &&multiplyBlock,
                       MultiplyAll &&multiplyAll) {
  int64_t block = std::max<int64_t>(
      minBlock, ((int64_t(1) << 17) / std::max<int64_t>(1, k)) / 16 * 16);
  int64_t blocks = (positions + block - 1) / block;
  if (blocks < 2 * threadsOf(ctx) && flops >= (int64_t(1) << 22)) {
    float *all = scratchFloats(size_t(k) * positions);
    unfold(all, int64_t(0), positions);
    multiplyAll(all);
    return;
  }
  parallel(ctx, blocks, 1, [&](int64_t b0, int64_t b1) {
    float *buffer = scratchFloats(size_t(k) * block);
    for (int64_t b = b0; b < b1; ++b) {
      int64_t p0 = b * block, count = std::min(block, positions - p0);
      unfold(buffer, p0, count);
      multiplyBlock(buffer, p0, count);
    }
  });
}

/// col[(c, kz, ky, kx), j] for output positions p0 + j, j < cols.
void im2colColumns(const Geometry &g, int64_t channels, const float *x,
                   float *col, int64_t p0, int64_t cols) {
  int64_t kvol = g.kernelVolume();
  for (int64_t r = 0; r < channels * kvol; ++r) {
    int64_t c = r / kvol, kk = r % kvol;
    int64_t kx = kk % g.k[2], ky = (kk / g.k[2]) % g.k[1],
            kz = kk / (g.k[2] * g.k[1]);
    const float *xc = x + c * g.inVolume();
    float *dst = col + r * cols;
    int64_t ox = p0 % g.out[2], oy = (p0 / g.out[2]) % g.out[1],
            oz = p0 / (g.out[2] * g.out[1]);
    for (int64_t j = 0; j < cols;) {
      int64_t iz = oz * g.s[0] - g.p[0] + kz * g.d[0];
      int64_t iy = oy * g.s[1] - g.p[1] + ky * g.d[1];
      int64_t run =
          std::min(cols - j, g.out[2] - ox); // rest of this output row
      if (iz < 0 || iz >= g.in[0] || iy < 0 || iy >= g.in[1]) {
        std::fill(dst + j, dst + j + run, 0.0f);
      } else {
        const float *src = xc + (iz * g.in[1] + iy) * g.in[2];
        int64_t ix = ox * g.s[2] - g.p[2] + kx * g.d[2];
        for (int64_t t = 0; t < run; ++t, ix += g.s[2])
          dst[j + t] = ix >= 0 && ix < g.in[2] ? src[ix] : 0.0f;
      }
      j += run;
      ox += run;
      if (ox == g.out[2]) {
        ox = 0;
        if (++oy == g.out[1]) {
          oy = 0;
          ++oz;
        }
      }
    }
  }
}

/// Depthwise channels-last convolution, one output row at a time: for each
/// tap, the range of output pixels it reaches is computed once, and the
/// loop over those pixels and their contiguous channels has no bounds
/// checks (the channels vectorize).
void depthwiseChannelsLast(const IngotKernelContext *ctx,
                           const IngotConvParams *p, const Geometry &g,
                           const float *x, const float *w, float *y) {
  int64_t channels = p->out_channels, kvol = g.kernelVolume();
  // O kD kH kW I with I = 1 is [channels, taps]: transpose to [taps, channels].
  std::vector<float> taps(size_t(kvol * channels));
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t t = 0; t < kvol; ++t)
      taps[t * channels + c] = w[c * kvol + t];
  int64_t grain = std::max<int64_t>(
      1, (int64_t(1) << 14) / std::max<int64_t>(1, g.out[2] * channels * kvol));
  depthwiseRowsChannelsLast(
      ctx, g, p->batch, channels, grain, x, y,
      [&](float *__restrict__ acc, const float *__restrict__ in, int64_t tap) {
        const float *wp = taps.data() + tap * channels;
        for (int64_t c = 0; c < channels; ++c)
          acc[c] += wp[c] * in[c];
      },
      [](int64_t) {});
}

/// dst[0, n) = src[0, n), inline for the few channels of a first layer
/// (RGB), where a library copy call costs more than the copy.
inline void copyChannels(const float *src, float *dst, int64_t n) {
  if (n <= 4) {
    for (int64_t i = 0; i < n; ++i)
      dst[i] = src[i];
    return;
  }
  std::memcpy(dst, src, sizeof(float) * size_t(n));
}

/// Rows [r0, r0 + rows) of the channels-last im2col matrix of group `gi`:
/// row = output pixel (over the whole batch), columns = (kz, ky, kx, c), so
/// each tap copies `cg` contiguous channels.
void im2rowChannelsLast(const Geometry &g, int64_t inChannels, int64_t cg,
                        int64_t gi, const float *x, float *rowsOut, int64_t r0,
                        int64_t rows) {
  int64_t kg = cg * g.kernelVolume();
  for (int64_t j = 0; j < rows; ++j) {
    int64_t r = r0 + j;
    int64_t ox = r % g.out[2], oy = (r / g.out[2]) % g.out[1],
            oz = (r / (g.out[2] * g.out[1])) % g.out[0], n = r / g.outVolume();
    float *dst = rowsOut + j * kg;
    for (int64_t kz = 0; kz < g.k[0]; ++kz) {
      int64_t iz = oz * g.s[0] - g.p[0] + kz * g.d[0];
      for (int64_t ky = 0; ky < g.k[1]; ++ky) {
        int64_t iy = oy * g.s[1] - g.p[1] + ky * g.d[1];
        for (int64_t kx = 0; kx < g.k[2]; ++kx, dst += cg) {
          int64_t ix = ox * g.s[2] - g.p[2] + kx * g.d[2];
          if (iz < 0 || iz >= g.in[0] || iy < 0 || iy >= g.in[1] || ix < 0 ||
              ix >= g.in[2]) {
            std::fill(dst, dst + cg, 0.0f);
            continue;
          }
          const float *src =
              x +
              (((n * g.in[0] + iz) * g.in[1] + iy) * g.in[2] + ix) *
                  inChannels +
              gi * cg;
          copyChannels(src, dst, cg);
        }
      }
    }
  }
}

/// Direct channels-last convolution for few input values per output (K =
/// taps x channels, e.g. an RGB first layer's 27) and few output channels:
/// there an im2row + GEMM spends its time building and multiplying thin
/// matrices. Each output pixel accumulates its M channels in registers from
/// the weights laid out [K, M], so the innermost loop runs over contiguous
/// output channels.
/// `OutC` is a template argument so that the accumulators stay in
/// registers and the channel loop unrolls.
// Eight floats; GCC/Clang lower it to whatever SIMD -march allows (two SSE
// registers, one AVX register). Written out because GCC 12 keeps an
// accumulator array of a dozen floats as scalars (measured: vfmadd231ss,
// 4 GFLOP/s) rather than vectorizing the loop over it.
typedef float Floats8 __attribute__((vector_size(32)));

inline Floats8 loadFloats8(const float *p) {
  Floats8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <int OutC>
void directChannelsLast(const IngotKernelContext *ctx, const IngotConvParams *p,
                        const Geometry &g, const float *x, const float *w,
                        float *y) {
  static_assert(OutC % 8 == 0, "whole vectors of output channels");
  constexpr int64_t outC = OutC, vectors = OutC / 8;
  int64_t inC = p->in_channels;
  int64_t kvol = g.kernelVolume(), k = kvol * inC;
  std::vector<float> wt(size_t(k * outC));
  for (int64_t m = 0; m < outC; ++m)
    for (int64_t j = 0; j < k; ++j)
      wt[j * outC + m] = w[m * k + j];
  int64_t rows = p->batch * g.out[0] * g.out[1], ow = g.out[2];
  int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) /
                                           std::max<int64_t>(1, ow * k * outC));
  parallel(ctx, rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t oy = r % g.out[1], oz = (r / g.out[1]) % g.out[0],
              n = r / (g.out[1] * g.out[0]);
      for (int64_t ox = 0; ox < ow; ++ox) {
        Floats8 acc[vectors] = {};
        for (int64_t kz = 0; kz < g.k[0]; ++kz) {
          int64_t iz = oz * g.s[0] - g.p[0] + kz * g.d[0];
          if (iz < 0 || iz >= g.in[0])
            continue;
          for (int64_t ky = 0; ky < g.k[1]; ++ky) {
            int64_t iy = oy * g.s[1] - g.p[1] + ky * g.d[1];
            if (iy < 0 || iy >= g.in[1])
              continue;
            for (int64_t kx = 0; kx < g.k[2]; ++kx) {
              int64_t ix = ox * g.s[2] - g.p[2] + kx * g.d[2];
              if (ix < 0 || ix >= g.in[2])
                continue;
              const float *xp =
                  x +
                  (((n * g.in[0] + iz) * g.in[1] + iy) * g.in[2] + ix) * inC;
              const float *wp =
                  wt.data() + ((kz * g.k[1] + ky) * g.k[2] + kx) * inC * outC;
              for (int64_t c = 0; c < inC; ++c) {
                float xv = xp[c];
                for (int64_t v = 0; v < vectors; ++v)
                  acc[v] += xv * loadFloats8(wp + c * outC + 8 * v);
              }
            }
          }
        }
        std::memcpy(y + (r * ow + ox) * outC, acc, sizeof acc);
      }
    }
  });
}

/// Channels-last convolution: Y[pixels, M] = im2row(X)[pixels, K] W^T with
/// W O[D]HWI = [M, K] row-major. 1x1 convolutions multiply X as it is.
void convChannelsLast(const IngotKernelContext *ctx, const IngotConvParams *p,
                      const Geometry &g, const float *x, const float *w,
                      float *y) {
  int64_t groups = p->group, inC = p->in_channels, outC = p->out_channels;
  int64_t cg = inC / groups, mg = outC / groups;
  if (cg == 1 && mg == 1 && groups > 1) {
    depthwiseChannelsLast(ctx, p, g, x, w, y);
    return;
  }
  int64_t kg = cg * g.kernelVolume(), pixels = p->batch * g.outVolume();
  if (groups == 1 && !isPointwise(g) && kg <= kDirectMaxK) {
    switch (outC) {
    case 8:
      return directChannelsLast<8>(ctx, p, g, x, w, y);
    case 16:
      return directChannelsLast<16>(ctx, p, g, x, w, y);
    case 24:
      return directChannelsLast<24>(ctx, p, g, x, w, y);
    case 32:
      return directChannelsLast<32>(ctx, p, g, x, w, y);
    default:
      break;
    }
  }
  if (isPointwise(g)) {
    for (int64_t gi = 0; gi < groups; ++gi)
      gemm(ctx, 0, 1, pixels, mg, cg, 1.0f, x + gi * cg, inC, w + gi * mg * kg,
           kg, 0, y + gi * mg, outC);
    return;
  }
  // Rows of the unfolded matrix are pixels, so the output (NHWC) takes the
  // GEMM's result as it is, with the group's channels at column gi * mg.
  for (int64_t gi = 0; gi < groups; ++gi) {
    const float *wg = w + gi * mg * kg;
    unfoldAndMultiply(
        ctx, pixels, kg, 16, pixels * mg * kg,
        [&](float *rows, int64_t r0, int64_t count) {
          im2rowChannelsLast(g, inC, cg, gi, x, rows, r0, count);
        },
        [&](float *rows, int64_t r0, int64_t count) {
          gemmRows(0, 1, 0, count, mg, kg, 1.0f, rows, kg, wg, kg, 0,
                   y + r0 * outC + gi * mg, outC);
        },
        [&](float *rows) {
          gemm(ctx, 0, 1, pixels, mg, kg, 1.0f, rows, kg, wg, kg, 0,
               y + gi * mg, outC);
        });
  }
}

void conv(const IngotKernelContext *ctx, const IngotConvParams *p,
          const float *x, const float *w, float *y) {
  Geometry g(p);
  if (p->channels_last) {
    convChannelsLast(ctx, p, g, x, w, y);
    return;
  }
  int64_t groups = p->group;
  int64_t cg = p->in_channels / groups, mg = p->out_channels / groups;
  if (cg == 1 && mg == 1 && groups > 1) {
    depthwise(ctx, p, g, x, w, y);
    return;
  }
  int64_t kg = cg * g.kernelVolume(), ovol = g.outVolume();
  bool pointwise = isPointwise(g);
  for (int64_t n = 0; n < p->batch; ++n)
    for (int64_t gi = 0; gi < groups; ++gi) {
      const float *xg = x + (n * p->in_channels + gi * cg) * g.inVolume();
      const float *wg = w + gi * mg * kg;
      float *yg = y + (n * p->out_channels + gi * mg) * ovol;
      if (pointwise) {
        gemm(ctx, 0, 0, mg, ovol, kg, 1.0f, wg, kg, xg, ovol, 0, yg, ovol);
        continue;
      }
      // Columns of the unfolded matrix are output positions: a block of
      // them multiplies into the same columns of the output.
      unfoldAndMultiply(
          ctx, ovol, kg, 64, mg * ovol * kg,
          [&](float *col, int64_t p0, int64_t cols) {
            im2colColumns(g, cg, xg, col, p0, cols);
          },
          [&](float *col, int64_t p0, int64_t cols) {
            gemmRows(0, 0, 0, mg, cols, kg, 1.0f, wg, kg, col, cols, 0, yg + p0,
                     ovol);
          },
          [&](float *col) {
            gemm(ctx, 0, 0, mg, ovol, kg, 1.0f, wg, kg, col, ovol, 0, yg, ovol);
          });
    }
}

/// Transposed convolution: col = W_g^T x_g, then scatter-add col into y.
void convTranspose(const IngotKernelContext *ctx, const IngotConvParams *p,
                   const float *x, const float *w, float *y) {
  Geometry g(p); // in/out as seen by the transposed op
  int64_t groups = p->group;
  int64_t cg = p->in_channels / groups, mg = p->out_channels / groups;
  int64_t kvol = g.kernelVolume(), ivol = g.inVolume(), ovol = g.outVolume();
  float *col = scratchFloats(size_t(mg) * kvol * ivol);
  std::memset(y, 0, sizeof(float) * p->batch * p->out_channels * ovol);
  for (int64_t n = 0; n < p->batch; ++n)
    for (int64_t gi = 0; gi < groups; ++gi) {
      const float *xg = x + (n * p->in_channels + gi * cg) * ivol;
      gemm(ctx, 1, 0, mg * kvol, ivol, cg, 1.0f, w + gi * cg * mg * kvol,
           mg * kvol, xg, ivol, 0, col, ivol);
      float *yg = y + (n * p->out_channels + gi * mg) * ovol;
      parallel(ctx, mg, 1, [&](int64_t m0, int64_t m1) {
        for (int64_t m = m0; m < m1; ++m)
          for (int64_t kk = 0; kk < kvol; ++kk) {
            int64_t kx = kk % g.k[2], ky = (kk / g.k[2]) % g.k[1],
                    kz = kk / (g.k[2] * g.k[1]);
            const float *src = col + (m * kvol + kk) * ivol;
            float *dst = yg + m * ovol;
            // Inputs ix whose output ox = ix * s + off lands inside the
            // row: found once per tap, so the inner loop is unchecked.
            int64_t sx = g.s[2], off = kx * g.d[2] - g.p[2];
            int64_t lo = off >= 0 ? 0 : (-off + sx - 1) / sx;
            int64_t hi = g.out[2] - off <= 0
                             ? 0
                             : std::min(g.in[2], (g.out[2] - off - 1) / sx + 1);
            for (int64_t iz = 0; iz < g.in[0]; ++iz) {
              int64_t oz = iz * g.s[0] - g.p[0] + kz * g.d[0];
              if (oz < 0 || oz >= g.out[0])
                continue;
              for (int64_t iy = 0; iy < g.in[1]; ++iy) {
                int64_t oy = iy * g.s[1] - g.p[1] + ky * g.d[1];
                if (oy < 0 || oy >= g.out[1])
                  continue;
                float *drow = dst + (oz * g.out[1] + oy) * g.out[2] + off;
                const float *srow = src + (iz * g.in[1] + iy) * g.in[2];
                for (int64_t ix = lo; ix < hi; ++ix)
                  drow[ix * sx] += srow[ix];
              }
            }
          }
      });
    }
}

void parallelForEntry(const IngotKernelContext *ctx, int64_t n, int64_t grain,
                      IngotRangeFn body, void *closure) {
  parallelFor(poolOf(ctx), n, grain, body, closure);
}

const IngotHostApi kApi = {INGOT_KERNEL_ABI_VERSION,
                           parallelForEntry,
                           gemm,
                           conv,
                           convTranspose,
                           convInteger};
} // namespace

const IngotHostApi *hostApi() { return &kApi; }

void parallelFor(ThreadPool *pool, int64_t n, int64_t grain, IngotRangeFn body,
                 void *closure) {
  if (!pool) {
    body(closure, 0, n);
    return;
  }
  pool->run(n, grain, body, closure);
}

} // namespace ingot::runtime
