//===- IntegerKernels.cpp - 8-bit convolution with int32 sums -------------===//
//
// conv_i8 of the kernel ABI: y = conv(x - x_zero, w), x uint8 or int8, w
// int8, y the exact int32 sums. Like the FP32 convolution it unfolds blocks
// of output pixels (rows of taps x channels, in the weights' order) and
// multiplies them by the weights, here with a register-tiled integer
// kernel:
//
// - Weights are packed per call into panels of 16 output channels, K in
//   groups of kGroup consecutive values per channel. With VNNI (AVX-512
//   VNNI or AVX-VNNI) the groups are four int8 weights and the unfolded
//   activations stay uint8: one vpdpbusd multiplies a broadcast quad of
//   activations with 8 channels' quads and adds the four products of each
//   into int32, exact for any uint8 x int8 (the products fit 16 bits and
//   the sum does not saturate). Without it the groups are pairs of int16:
//   one AVX2 vpmaddwd multiplies a broadcast pair of activations with 8
//   channels' pairs and adds each pair's products in int32, exactly for
//   any int8 weights. (vpmaddubsw on uint8 x int8 would sum in saturating
//   int16, exact only for 7-bit weights, and needs a vpmaddwd after it to
//   widen: measured on an AVX2-only machine it is no faster, 18.0 against
//   19.3 GMAC/s per core.)
// - The zero point is subtracted once per output: sum((x - z) w) = sum(x w)
//   - z sum(w). Padding unfolds as z, which that correction cancels.
// - int8 activations are biased to uint8 (x + 128, z + 128): same sums.
//
// Without AVX2 the same packed loops run in plain C++ and give the same
// int32 results. Depthwise convolutions, with one channel per group and no
// reduction worth packing, are direct loops.
//
//===----------------------------------------------------------------------===//
#include "ConvGeometry.h"
#include "ThreadPool.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

// The multiply-add of 8-bit values into int32 this build uses (-march).
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define INGOT_VNNI_DPBUSD _mm256_dpbusd_epi32
#elif defined(__AVXVNNI__)
#define INGOT_VNNI_DPBUSD _mm256_dpbusd_avx_epi32
#endif

namespace ingot::runtime {
namespace {

constexpr int64_t kTileRows = 6;  // output pixels per register tile
constexpr int64_t kTileCols = 16; // output channels per register tile

#ifdef INGOT_VNNI_DPBUSD
using Unfolded = uint8_t; // activations as the kernel reads them
using Packed = int8_t;    // weights as packed
constexpr int64_t kGroup = 4;
#else
using Unfolded = int16_t;
using Packed = int16_t;
constexpr int64_t kGroup = 2;
#endif

/// One group's weights, [channels, k] row-major, packed for the tile
/// kernel: panels of kTileCols channels x `steps` groups of kGroup K
/// values. A last panel of at most 8 channels is packed 8 wide (and
/// multiplied by the one-vector kernel), so that e.g. 24 channels cost 3
/// vectors, not 4.
struct PackedWeights {
  int64_t channels = 0, k = 0;
  int64_t paddedK = 0; // k rounded up to whole groups
  int64_t steps = 0;
  int64_t panels = 0;
  std::vector<Packed> data;  // [panel][step][width][kGroup], width 16 or 8
  std::vector<int32_t> sums; // sum over K of each channel's weights
};

/// Channels in panel `panel` as packed: 16, or 8 for a last panel of at
/// most 8 channels.
inline int64_t panelWidth(int64_t channels, int64_t panel) {
  return channels - panel * kTileCols <= 8 ? 8 : kTileCols;
}

void packWeights(const int8_t *w, int64_t channels, int64_t k,
                 PackedWeights &pw) {
  pw.channels = channels;
  pw.k = k;
  pw.paddedK = (k + kGroup - 1) / kGroup * kGroup;
  pw.steps = pw.paddedK / kGroup;
  pw.panels = (channels + kTileCols - 1) / kTileCols;
  pw.data.assign(size_t(pw.panels * pw.steps * kTileCols * kGroup), 0);
  pw.sums.assign(size_t(channels), 0);
  for (int64_t m = 0; m < channels; ++m) {
    Packed *panel =
        pw.data.data() + (m / kTileCols) * pw.steps * kTileCols * kGroup;
    int64_t col = m % kTileCols, width = panelWidth(channels, m / kTileCols);
    for (int64_t j = 0; j < k; ++j) {
      int v = w[m * k + j];
      pw.sums[m] += v;
      panel[((j / kGroup) * width + col) * kGroup + j % kGroup] = Packed(v);
    }
  }
}

/// acc[r][c] = sum over the packed K of a[r][j] * panel[j][c], for
/// kTileRows rows of `a` (row stride lda elements) and 8 * Vectors
/// channels.
template <int Vectors>
void multiplyTile(const Unfolded *a, int64_t lda, const Packed *panel,
                  int64_t steps, int32_t acc[kTileRows][kTileCols]) {
  constexpr int64_t width = 8 * Vectors;
  const Unfolded *rowPtr[kTileRows];
  for (int64_t r = 0; r < kTileRows; ++r)
    rowPtr[r] = a + r * lda;
#ifdef __AVX2__
  __m256i sum[kTileRows][Vectors];
  for (auto &row : sum)
    for (auto &v : row)
      v = _mm256_setzero_si256();
  for (int64_t q = 0; q < steps; ++q) {
    // One vector: 8 channels' groups (32 bytes).
    const Packed *b = panel + q * width * kGroup;
    __m256i bv[Vectors];
    for (int v = 0; v < Vectors; ++v)
      bv[v] = _mm256_loadu_si256(
          reinterpret_cast<const __m256i *>(b + 8 * kGroup * v));
    for (int64_t r = 0; r < kTileRows; ++r) {
      int32_t group; // one row's kGroup activations (4 bytes either way)
      std::memcpy(&group, rowPtr[r] + q * kGroup, 4);
      __m256i av = _mm256_set1_epi32(group);
      for (int v = 0; v < Vectors; ++v)
#ifdef INGOT_VNNI_DPBUSD
        sum[r][v] = INGOT_VNNI_DPBUSD(sum[r][v], av, bv[v]);
#else
        sum[r][v] = _mm256_add_epi32(sum[r][v], _mm256_madd_epi16(av, bv[v]));
#endif
    }
  }
  for (int64_t r = 0; r < kTileRows; ++r)
    for (int v = 0; v < Vectors; ++v)
      _mm256_storeu_si256(reinterpret_cast<__m256i *>(acc[r] + 8 * v),
                          sum[r][v]);
#else
  for (int64_t r = 0; r < kTileRows; ++r)
    for (int64_t c = 0; c < width; ++c)
      acc[r][c] = 0;
  for (int64_t q = 0; q < steps; ++q) {
    const Packed *b = panel + q * width * kGroup;
    for (int64_t r = 0; r < kTileRows; ++r) {
      const Unfolded *ar = rowPtr[r] + q * kGroup;
      for (int64_t c = 0; c < width; ++c)
        for (int64_t g = 0; g < kGroup; ++g)
          acc[r][c] += int32_t(ar[g]) * int32_t(b[c * kGroup + g]);
    }
  }
#endif
}

/// The operands of one group as the unfolding sees them, and the epilogue
/// to call on finished output pixels.
struct Source {
  IngotRangeFn epilogue = nullptr;
  void *closure = nullptr;
  const uint8_t *x;
  uint8_t flip; // 0x80 for int8 input: biased to uint8
  uint8_t zero; // the zero point, biased likewise
  bool channelsLast;
  int64_t inChannels, groupChannels, group;
};

/// Row j of `rows` (stride `ld`) = the K values of output pixel r0 + j of
/// group `gi`, in the weights' order: (c, taps) for NC[D]HW, (taps, c) for
/// channels-last, as Unfolded values (uint8 with VNNI, int16 otherwise).
void unfoldRows(const Geometry &g, const Source &src, const PackedWeights &pw,
                int64_t gi, int64_t r0, int64_t count, Unfolded *rows,
                int64_t ld) {
  int64_t cg = src.groupChannels, taps = g.kernelVolume();
  // Coordinates of r0, then stepped: a 64-bit division per pixel costs more
  // than unfolding the few channels of a first layer.
  int64_t ox = r0 % g.out[2], oy = (r0 / g.out[2]) % g.out[1],
          oz = (r0 / (g.out[2] * g.out[1])) % g.out[0], n = r0 / g.outVolume();
  auto step = [&] {
    if (++ox < g.out[2])
      return;
    ox = 0;
    if (++oy < g.out[1])
      return;
    oy = 0;
    if (++oz < g.out[0])
      return;
    oz = 0;
    ++n;
  };
  for (int64_t j = 0; j < count; ++j, step()) {
    Unfolded *dst = rows + j * ld;
    int64_t tap = 0;
    for (int64_t kz = 0; kz < g.k[0]; ++kz) {
      int64_t iz = oz * g.s[0] - g.p[0] + kz * g.d[0];
      for (int64_t ky = 0; ky < g.k[1]; ++ky) {
        int64_t iy = oy * g.s[1] - g.p[1] + ky * g.d[1];
        for (int64_t kx = 0; kx < g.k[2]; ++kx, ++tap) {
          int64_t ix = ox * g.s[2] - g.p[2] + kx * g.d[2];
          bool inside = iz >= 0 && iz < g.in[0] && iy >= 0 && iy < g.in[1] &&
                        ix >= 0 && ix < g.in[2];
          int64_t pixel = (iz * g.in[1] + iy) * g.in[2] + ix;
          if (src.channelsLast) {
            Unfolded *out = dst + tap * cg;
            if (!inside) {
              std::fill(out, out + cg, Unfolded(src.zero));
              continue;
            }
            const uint8_t *in =
                src.x + (n * g.inVolume() + pixel) * src.inChannels + gi * cg;
            if (cg == 3) { // RGB first layers: no loop
              out[0] = uint8_t(in[0] ^ src.flip);
              out[1] = uint8_t(in[1] ^ src.flip);
              out[2] = uint8_t(in[2] ^ src.flip);
              continue;
            }
            for (int64_t c = 0; c < cg; ++c)
              out[c] = uint8_t(in[c] ^ src.flip);
            continue;
          }
          const uint8_t *in =
              src.x + (n * src.inChannels + gi * cg) * g.inVolume() + pixel;
          for (int64_t c = 0; c < cg; ++c)
            dst[c * taps + tap] =
                inside ? uint8_t(in[c * g.inVolume()] ^ src.flip) : src.zero;
        }
      }
    }
    std::fill(dst + pw.k, dst + pw.paddedK, Unfolded(0));
  }
}

thread_local std::vector<Unfolded> rowScratch;

/// Dense and grouped convolutions: unfold + tile kernel, blocks of output
/// pixels split over the threads.
void convPacked(const IngotKernelContext *ctx, const IngotConvParams *p,
                const Geometry &g, const Source &src, const int8_t *w,
                int32_t *y) {
  int64_t groups = p->group, outC = p->out_channels;
  int64_t mg = outC / groups, kg = src.groupChannels * g.kernelVolume();
  int64_t pixels = p->batch * g.outVolume(), ovol = g.outVolume();
  int32_t zero = src.zero;
  PackedWeights pw;
  for (int64_t gi = 0; gi < groups; ++gi) {
    packWeights(w + gi * mg * kg, mg, kg, pw);
    int64_t ld = pw.paddedK; // Unfolded elements
    // Blocks of pixels whose unfolded rows (128 KiB in all) stay in L2, and
    // at least 8 per thread where there are enough pixels (whole blocks per
    // thread: 7 blocks on 2 threads would leave one idle an eighth of the
    // time).
    int64_t threads =
        ctx->runtime
            ? int64_t(static_cast<KernelRuntime *>(ctx->runtime)->pool->size())
            : 1;
    int64_t block = std::min<int64_t>(
        256, (int64_t(1) << 17) / (ld * int64_t(sizeof(Unfolded))));
    block = std::min(block, std::max<int64_t>(16, pixels / (8 * threads)));
    block = std::max<int64_t>(kTileRows, block / kTileRows * kTileRows);
    int64_t blocks = (pixels + block - 1) / block;
    parallel(ctx, blocks, 1, [&](int64_t b0, int64_t b1) {
      if (rowScratch.size() < size_t(block * ld))
        rowScratch.resize(size_t(block * ld));
      Unfolded *rows = rowScratch.data();
      int32_t acc[kTileRows][kTileCols];
      for (int64_t b = b0; b < b1; ++b) {
        int64_t r0 = b * block, count = std::min(block, pixels - r0);
        unfoldRows(g, src, pw, gi, r0, count, rows, ld);
        // Rows past `count` of the last tile read zeros.
        int64_t tiles = (count + kTileRows - 1) / kTileRows;
        std::fill(rows + count * ld, rows + tiles * kTileRows * ld,
                  Unfolded(0));
        for (int64_t panel = 0; panel < pw.panels; ++panel) {
          const Packed *packed =
              pw.data.data() + panel * pw.steps * kTileCols * kGroup;
          int64_t c0 = panel * kTileCols, cols = std::min(kTileCols, mg - c0);
          for (int64_t t = 0; t < tiles; ++t) {
            if (panelWidth(mg, panel) == 8)
              multiplyTile<1>(rows + t * kTileRows * ld, ld, packed, pw.steps,
                              acc);
            else
              multiplyTile<2>(rows + t * kTileRows * ld, ld, packed, pw.steps,
                              acc);
            int64_t tileRows = std::min(kTileRows, count - t * kTileRows);
            for (int64_t i = 0; i < tileRows; ++i) {
              int64_t r = r0 + t * kTileRows + i;
              const int32_t *sums = pw.sums.data() + c0;
              if (src.channelsLast) {
                int32_t *out = y + r * outC + gi * mg + c0;
                for (int64_t c = 0; c < cols; ++c)
                  out[c] = acc[i][c] - zero * sums[c];
                continue;
              }
              int32_t *out =
                  y + ((r / ovol) * outC + gi * mg + c0) * ovol + r % ovol;
              for (int64_t c = 0; c < cols; ++c)
                out[c * ovol] = acc[i][c] - zero * sums[c];
            }
          }
        }
        // The block's pixels are complete once the last group is done.
        if (src.epilogue && gi == groups - 1)
          src.epilogue(src.closure, r0, r0 + count);
      }
    });
  }
}

/// Output pixels below which a pointwise convolution runs as direct dot
/// products: packing the weights (every call) would cost more than the
/// products themselves (a squeeze-excitation block's 1x1 convolutions on
/// one pixel per image).
constexpr int64_t kDirectPixels = 32;

/// Whether `p` is a dense pointwise convolution reading each output
/// pixel's channels contiguously (channels-last, or one pixel per image)
/// with few pixels.
bool isSmallPointwise(const IngotConvParams *p, const Geometry &g) {
  bool unit = g.kernelVolume() == 1 && g.inVolume() == g.outVolume();
  for (int i = 0; i < 3; ++i)
    unit = unit && g.s[i] == 1 && g.p[i] == 0;
  return unit && p->group == 1 && p->batch * g.outVolume() <= kDirectPixels &&
         (p->channels_last || g.outVolume() == 1);
}

/// y[pixel][m] = sum over c of (x[pixel][c] - zero) * w[m][c]: each
/// difference times a weight fits int16, the sums int32.
void pointwiseDirect(const IngotConvParams *p, const Geometry &g,
                     const Source &src, const int8_t *w, int32_t *y) {
  int64_t pixels = p->batch * g.outVolume(), in = p->in_channels,
          out = p->out_channels;
  const int16_t zero = src.zero;
  for (int64_t r = 0; r < pixels; ++r) {
    const uint8_t *x = src.x + r * in;
    for (int64_t m = 0; m < out; ++m) {
      const int8_t *wm = w + m * in;
      int32_t sum = 0;
      for (int64_t c = 0; c < in; ++c)
        sum += int32_t(int16_t(uint8_t(x[c] ^ src.flip)) - zero) * wm[c];
      y[r * out + m] = sum;
    }
  }
  if (src.epilogue)
    src.epilogue(src.closure, 0, pixels);
}

/// Depthwise (one input and one output channel per group), channels-last:
/// one output row at a time, tap by tap over the range of output pixels the
/// tap reaches inside the input (taps outside would add (zero - zero) * w).
/// (x - zero) * w fits int16 (255 * 128 < 32768), so the channel loop
/// multiplies 16-bit lanes and widens only to accumulate.
void depthwiseChannelsLast(const IngotKernelContext *ctx,
                           const IngotConvParams *p, const Geometry &g,
                           const Source &src, const int8_t *w, int32_t *y) {
  int64_t channels = p->out_channels, taps = g.kernelVolume();
  std::vector<int16_t> wt(size_t(taps * channels)); // [taps, channels]
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t t = 0; t < taps; ++t)
      wt[t * channels + c] = w[c * taps + t];
  const int16_t zero = src.zero;
  const uint8_t flip = src.flip;
  int64_t ow = g.out[2];
  depthwiseRowsChannelsLast(
      ctx, g, p->batch, channels, 1, src.x, y,
      [&](int32_t *__restrict__ acc, const uint8_t *__restrict__ in,
          int64_t tap) {
        const int16_t *wp = wt.data() + tap * channels;
        for (int64_t c = 0; c < channels; ++c) {
          int16_t d = int16_t(int16_t(uint8_t(in[c] ^ flip)) - zero);
          acc[c] += int16_t(d * wp[c]);
        }
      },
      [&](int64_t r) {
        if (src.epilogue)
          src.epilogue(src.closure, r * ow, (r + 1) * ow);
      });
}

/// Depthwise, NC[D]HW: each channel's plane with the dense path's
/// unfolding would pack one-channel matrices; direct loops instead.
void depthwiseChannelsFirst(const IngotKernelContext *ctx,
                            const IngotConvParams *p, const Geometry &g,
                            const Source &src, const int8_t *w, int32_t *y) {
  int64_t channels = p->out_channels, taps = g.kernelVolume();
  int32_t zero = int32_t(src.zero);
  parallel(ctx, p->batch * channels, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t nc = b0; nc < b1; ++nc) {
      int64_t c = nc % channels;
      const uint8_t *xc = src.x + nc * g.inVolume();
      const int8_t *wc = w + c * taps;
      int32_t *yc = y + nc * g.outVolume();
      for (int64_t oz = 0; oz < g.out[0]; ++oz)
        for (int64_t oy = 0; oy < g.out[1]; ++oy)
          for (int64_t ox = 0; ox < g.out[2]; ++ox) {
            int32_t sum = 0;
            int64_t tap = 0;
            for (int64_t kz = 0; kz < g.k[0]; ++kz)
              for (int64_t ky = 0; ky < g.k[1]; ++ky)
                for (int64_t kx = 0; kx < g.k[2]; ++kx, ++tap) {
                  int64_t iz = oz * g.s[0] - g.p[0] + kz * g.d[0];
                  int64_t iy = oy * g.s[1] - g.p[1] + ky * g.d[1];
                  int64_t ix = ox * g.s[2] - g.p[2] + kx * g.d[2];
                  if (iz < 0 || iz >= g.in[0] || iy < 0 || iy >= g.in[1] ||
                      ix < 0 || ix >= g.in[2])
                    continue;
                  int32_t v = xc[(iz * g.in[1] + iy) * g.in[2] + ix] ^ src.flip;
                  sum += (v - zero) * wc[tap];
                }
            yc[(oz * g.out[1] + oy) * g.out[2] + ox] = sum;
          }
    }
  });
}
} // namespace

void convInteger(const IngotKernelContext *ctx, const IngotConvParams *p,
                 const void *x, int xSigned, int32_t xZero, const int8_t *w,
                 int32_t *y, IngotRangeFn epilogue, void *closure) {
  Geometry g(p);
  Source src;
  src.x = static_cast<const uint8_t *>(x);
  src.flip = xSigned ? 0x80 : 0;
  src.zero = uint8_t(xSigned ? xZero + 128 : xZero);
  src.channelsLast = p->channels_last != 0;
  src.inChannels = p->in_channels;
  src.group = p->group;
  src.groupChannels = p->in_channels / p->group;
  if (p->channels_last) { // the ABI's epilogue is for channels-last only
    src.epilogue = epilogue;
    src.closure = closure;
  }
  if (isSmallPointwise(p, g)) {
    pointwiseDirect(p, g, src, w, y);
  } else if (src.groupChannels == 1 && p->out_channels == p->group &&
             p->group > 1) {
    if (src.channelsLast)
      return depthwiseChannelsLast(ctx, p, g, src, w, y);
    depthwiseChannelsFirst(ctx, p, g, src, w, y);
  } else {
    convPacked(ctx, p, g, src, w, y);
  }
}

} // namespace ingot::runtime
