//===- ConvGeometry.h - What the CPU convolution kernels share ------------===//
//
// The FP32 (HostKernels.cpp) and 8-bit (IntegerKernels.cpp) convolutions
// walk the same geometry: 1-d to 3-d normalized to 3-d, taps whose output
// range is found once per row, and the session's threads.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_RUNTIME_CONVGEOMETRY_H
#define INGOT_RUNTIME_CONVGEOMETRY_H

#include "Internal.h"

#include <algorithm>
#include <utility>

namespace ingot::runtime {

class ThreadPool;

/// Runs f(begin, end) over [0, n) on the session's threads.
template <typename F>
void parallel(const IngotKernelContext *ctx, int64_t n, int64_t grain, F &&f) {
  auto trampoline = [](void *closure, int64_t begin, int64_t end) {
    (*static_cast<std::remove_reference_t<F> *>(closure))(begin, end);
  };
  auto *runtime = static_cast<KernelRuntime *>(ctx->runtime);
  parallelFor(runtime ? runtime->pool : nullptr, n, grain, trampoline, &f);
}

/// Normalizes 1-d/2-d geometry to 3-d with unit leading dims.
struct Geometry {
  int64_t in[3], out[3], k[3], s[3], d[3], p[3];
  explicit Geometry(const IngotConvParams *prm) {
    int lead = 3 - prm->spatial_rank;
    for (int i = 0; i < 3; ++i) {
      bool pad = i < lead;
      int j = i - lead;
      in[i] = pad ? 1 : prm->in_size[j];
      out[i] = pad ? 1 : prm->out_size[j];
      k[i] = pad ? 1 : prm->kernel[j];
      s[i] = pad ? 1 : prm->stride[j];
      d[i] = pad ? 1 : prm->dilation[j];
      p[i] = pad ? 0 : prm->pad_begin[j];
    }
  }
  int64_t inVolume() const { return in[0] * in[1] * in[2]; }
  int64_t outVolume() const { return out[0] * out[1] * out[2]; }
  int64_t kernelVolume() const { return k[0] * k[1] * k[2]; }
  /// The outputs [lo, hi) of a row that tap kx reads inside the input row
  /// (0 <= ox * stride + offset < in): computed once per tap, so the loop
  /// over them needs no bounds checks.
  std::pair<int64_t, int64_t> tapOutputs(int64_t kx) const {
    int64_t off = tapOffset(kx), sx = s[2], iw = in[2];
    int64_t lo = off >= 0 ? 0 : (-off + sx - 1) / sx;
    int64_t hi = iw - off <= 0 ? 0 : (iw - off - 1) / sx + 1;
    return {lo, std::min(hi, out[2])};
  }
  /// Where tap kx reads relative to ox * stride.
  int64_t tapOffset(int64_t kx) const { return kx * d[2] - p[2]; }
};

/// A depthwise channels-last convolution's walk, one output row at a time
/// on the session's threads: the row's accumulators in y are zeroed, then
/// for each tap inside the input and each output pixel it reaches,
/// accumulate(acc, in, tap) with `acc` that pixel's `channels`
/// accumulators and `in` the channels of the input pixel the tap reads
/// (taps outside the input contribute nothing: zero padding, or a zero
/// point minus itself); finished(r) after row r.
template <typename In, typename Acc, typename Accumulate, typename Finished>
void depthwiseRowsChannelsLast(const IngotKernelContext *ctx, const Geometry &g,
                               int64_t batch, int64_t channels, int64_t grain,
                               const In *x, Acc *y, Accumulate &&accumulate,
                               Finished &&finished) {
  int64_t rows = batch * g.out[0] * g.out[1], ow = g.out[2];
  int64_t iw = g.in[2], sx = g.s[2];
  parallel(ctx, rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t oy = r % g.out[1], oz = (r / g.out[1]) % g.out[0],
              n = r / (g.out[1] * g.out[0]);
      Acc *yrow = y + r * ow * channels;
      std::fill(yrow, yrow + ow * channels, Acc(0));
      for (int64_t kz = 0; kz < g.k[0]; ++kz) {
        int64_t iz = oz * g.s[0] - g.p[0] + kz * g.d[0];
        if (iz < 0 || iz >= g.in[0])
          continue;
        for (int64_t ky = 0; ky < g.k[1]; ++ky) {
          int64_t iy = oy * g.s[1] - g.p[1] + ky * g.d[1];
          if (iy < 0 || iy >= g.in[1])
            continue;
          const In *xrow =
              x + ((n * g.in[0] + iz) * g.in[1] + iy) * iw * channels;
          for (int64_t kx = 0; kx < g.k[2]; ++kx) {
            int64_t off = g.tapOffset(kx),
                    tap = (kz * g.k[1] + ky) * g.k[2] + kx;
            auto [lo, hi] = g.tapOutputs(kx);
            for (int64_t ox = lo; ox < hi; ++ox)
              accumulate(yrow + ox * channels,
                         xrow + (ox * sx + off) * channels, tap);
          }
        }
      }
      finished(r);
    }
  });
}

} // namespace ingot::runtime

#endif
