//===- IntegerKernelsTest.cpp - conv_i8: SIMD and portable paths agree ----===//
//
// The e2e test integer-convolutions.py checks the runtime's conv_i8 (built
// for this CPU) against onnxruntime. The other paths -- VNNI (uint8 quads,
// vpdpbusd), AVX2 (int16 pairs, vpmaddwd) and the portable loops -- are
// reached only on other CPUs: this test builds the kernel for this CPU, for
// AVX2 without VNNI and for baseline x86-64 from the same source and
// requires the int32 sums of a loop-by-loop reference convolution from all
// three on random geometries (dense, grouped, depthwise, pointwise with few
// pixels), layouts, signedness and weight ranges (7-bit and full-range
// int8).
//
//===----------------------------------------------------------------------===//
#include "ingot/kernel_abi.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace ingot::runtime {
class ThreadPool;
// Serial: the kernels' parallel loops run on the calling thread.
void parallelFor(ThreadPool *, int64_t n, int64_t, IngotRangeFn body,
                 void *closure) {
  body(closure, 0, n);
}
void convIntegerNative(const IngotKernelContext *, const IngotConvParams *,
                       const void *, int, int32_t, const int8_t *, int32_t *,
                       IngotRangeFn, void *);
void convIntegerAvx2(const IngotKernelContext *, const IngotConvParams *,
                     const void *, int, int32_t, const int8_t *, int32_t *,
                     IngotRangeFn, void *);
void convIntegerPortable(const IngotKernelContext *, const IngotConvParams *,
                         const void *, int, int32_t, const int8_t *, int32_t *,
                         IngotRangeFn, void *);
} // namespace ingot::runtime

namespace {

struct Case {
  int rank, batch, in, out, group, kernel, stride, dilation, pad, size;
  bool channelsLast, isSigned, fullRange;
};

using ConvInteger = void (*)(const IngotKernelContext *,
                             const IngotConvParams *, const void *, int,
                             int32_t, const int8_t *, int32_t *, IngotRangeFn,
                             void *);

std::vector<int32_t> run(ConvInteger conv, const Case &c, IngotConvParams &p,
                         const std::vector<uint8_t> &x,
                         const std::vector<int8_t> &w, int32_t zero) {
  int64_t outVolume = 1;
  for (int i = 0; i < c.rank; ++i)
    outVolume *= p.out_size[i];
  std::vector<int32_t> y(size_t(c.batch * c.out * outVolume), -1);
  IngotKernelContext ctx{nullptr, nullptr};
  conv(&ctx, &p, x.data(), c.isSigned, zero, w.data(), y.data(), nullptr,
       nullptr);
  return y;
}

/// The convolution as ONNX defines it, loop by loop (no packing, no
/// SIMD): each output is the sum over its window and its group's channels
/// of (x - zero) * w, with padding outside the input.
std::vector<int32_t> reference(const Case &c, const IngotConvParams &p,
                               const std::vector<uint8_t> &x,
                               const std::vector<int8_t> &w, int32_t zero) {
  int64_t inVolume = 1, outVolume = 1, window = 1;
  for (int i = 0; i < c.rank; ++i) {
    inVolume *= p.in_size[i];
    outVolume *= p.out_size[i];
    window *= p.kernel[i];
  }
  int64_t cg = c.in / c.group, mg = c.out / c.group;
  auto input = [&](int64_t n, int64_t ch, int64_t pixel) {
    size_t i = c.channelsLast ? size_t((n * inVolume + pixel) * c.in + ch)
                              : size_t((n * c.in + ch) * inVolume + pixel);
    return c.isSigned ? int32_t(int8_t(x[i])) : int32_t(x[i]);
  };
  auto weight = [&](int64_t m, int64_t ci, int64_t tap) {
    // OIHW, or OHWI with channels-last.
    return int32_t(c.channelsLast ? w[size_t((m * window + tap) * cg + ci)]
                                  : w[size_t((m * cg + ci) * window + tap)]);
  };
  std::vector<int32_t> y(size_t(c.batch * c.out * outVolume));
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t m = 0; m < c.out; ++m)
      for (int64_t o = 0; o < outVolume; ++o) {
        int32_t sum = 0;
        for (int64_t tap = 0; tap < window; ++tap) {
          // Row-major coordinates of the output pixel and the tap.
          int64_t pixel = 0, restO = o, restT = tap, oStride = outVolume,
                  tStride = window;
          bool inside = true;
          for (int i = 0; i < c.rank; ++i) {
            oStride /= p.out_size[i];
            tStride /= p.kernel[i];
            int64_t oi = restO / oStride, ki = restT / tStride;
            restO %= oStride;
            restT %= tStride;
            int64_t at = oi * p.stride[i] - p.pad_begin[i] + ki * p.dilation[i];
            inside = inside && at >= 0 && at < p.in_size[i];
            pixel = pixel * p.in_size[i] + at;
          }
          if (!inside)
            continue;
          for (int64_t ci = 0; ci < cg; ++ci)
            sum += (input(n, (m / mg) * cg + ci, pixel) - zero) *
                   weight(m, ci, tap);
        }
        y[size_t(c.channelsLast ? (n * outVolume + o) * c.out + m
                                : (n * c.out + m) * outVolume + o)] = sum;
      }
  return y;
}

TEST(IntegerKernels, EveryBuildMatchesTheReference) {
  std::mt19937 rng(5);
  auto pick = [&](std::initializer_list<int> v) {
    return *(v.begin() + rng() % v.size());
  };
  int compared = 0;
  // 60 random geometries, then 8 pointwise ones with few pixels (the
  // direct path: a squeeze-excitation block's 1x1 convolutions).
  for (int trial = 0; trial < 68; ++trial) {
    Case c;
    c.rank = pick({1, 2, 2, 2, 3});
    c.batch = pick({1, 2});
    c.group = pick({1, 1, 1, 2, 0}); // 0: depthwise
    c.in = pick({3, 8, 16, 24, 36});
    c.out = pick({3, 8, 16, 20, 24, 40});
    if (c.group == 0)
      c.group = c.out = c.in;
    if (c.in % c.group || c.out % c.group)
      c.group = 1;
    c.kernel = pick({1, 3, 5});
    c.stride = pick({1, 1, 2});
    c.dilation = pick({1, 1, 2});
    c.pad = pick({0, 1, 2});
    c.size = c.rank == 3 ? 6 : pick({7, 12});
    c.channelsLast = rng() % 2;
    c.isSigned = rng() % 2;
    c.fullRange = rng() % 2;
    if (trial >= 60) {
      c.rank = 2;
      c.group = c.kernel = c.stride = c.dilation = 1;
      c.pad = 0;
      c.size = trial % 2 ? 1 : 3;
      c.channelsLast = trial % 4 < 2;
    }
    IngotConvParams p{};
    p.spatial_rank = c.rank;
    p.batch = c.batch;
    p.in_channels = c.in;
    p.out_channels = c.out;
    p.group = c.group;
    p.channels_last = c.channelsLast;
    int64_t inVolume = 1, window = 1;
    bool fits = true;
    for (int i = 0; i < c.rank; ++i) {
      int64_t effective = (c.kernel - 1) * c.dilation + 1;
      int64_t out = (c.size + 2 * c.pad - effective) / c.stride + 1;
      fits &= out >= 1;
      p.in_size[i] = c.size;
      p.out_size[i] = out;
      p.kernel[i] = c.kernel;
      p.stride[i] = c.stride;
      p.dilation[i] = c.dilation;
      p.pad_begin[i] = c.pad;
      inVolume *= c.size;
      window *= c.kernel;
    }
    if (!fits)
      continue;
    std::vector<uint8_t> x(size_t(c.batch * c.in * inVolume));
    for (uint8_t &v : x)
      v = uint8_t(rng());
    std::vector<int8_t> w(size_t(c.out * (c.in / c.group) * window));
    for (int8_t &v : w)
      v = c.fullRange ? int8_t(rng()) : int8_t(int(rng() % 127) - 63);
    int32_t zero = c.isSigned ? int(rng() % 256) - 128 : int(rng() % 256);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": rank " +
                 std::to_string(c.rank) + ", " + std::to_string(c.in) + "->" +
                 std::to_string(c.out) + " group " + std::to_string(c.group) +
                 " kernel " + std::to_string(c.kernel) +
                 (c.channelsLast ? " NHWC" : " NCHW") +
                 (c.isSigned ? " int8" : " uint8") +
                 (c.fullRange ? " full-range" : " 7-bit"));
    std::vector<int32_t> native = run(ingot::runtime::convIntegerNative, c, p,
                                      x, w, zero),
                         avx2 = run(ingot::runtime::convIntegerAvx2, c, p, x, w,
                                    zero),
                         portable = run(ingot::runtime::convIntegerPortable, c,
                                        p, x, w, zero);
    ASSERT_EQ(portable, reference(c, p, x, w, zero));
    ASSERT_EQ(native, portable);
    ASSERT_EQ(avx2, portable);
    ++compared;
  }
  EXPECT_GE(compared, 48) << "too few geometries fit their inputs";
}

} // namespace
