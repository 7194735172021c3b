//===- ingot-cuda-emulate.cpp - Run a CUDA artifact's plan on the host ----===//
//
//   ingot-cuda-emulate model.ingot kernels.so --inputs in.npz --compare ref.npz
//
// Test tool: executes the manifest of a --target cuda artifact on the CPU.
// Kernel steps call the artifact's CUDA kernels compiled as host code
// (kernels.so, built with include/cuda_emulation.h); GEMM and convolution
// steps are done by the plain reference loops below, reading exactly the
// parameters cuBLASLt and cuDNN would get. Compares the outputs with the
// references (|x - ref| <= atol + rtol |ref|).
//
//===----------------------------------------------------------------------===//
#include "ArtifactFormat.h"
#include "SizePrograms.h"
#include "TensorIO.h"
#include "proto/manifest.pb.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace art = ingot::artifact;

static void gemm(const art::GemmCall &g, const float *a, const float *b,
                 float *c, const float *bias, const float *z) {
  for (int64_t bi = 0; bi < g.batch(); ++bi) {
    const float *A = a + g.offset_a() + bi * g.stride_a();
    const float *B = b + g.offset_b() + bi * g.stride_b();
    float *C = c + g.offset_c() + bi * g.stride_c();
    // The residual is cuBLASLt's C matrix, laid out (and batched) like D.
    const float *Z = z ? z + bi * g.stride_c() : nullptr;
    for (int64_t i = 0; i < g.m(); ++i)
      for (int64_t j = 0; j < g.n(); ++j) {
        double acc = 0;
        for (int64_t k = 0; k < g.k(); ++k) {
          float av = g.trans_a() ? A[k * g.lda() + i] : A[i * g.lda() + k];
          float bv = g.trans_b() ? B[j * g.ldb() + k] : B[k * g.ldb() + j];
          acc += double(av) * bv;
        }
        float v = float(g.alpha() * acc);
        if (g.residual())
          v += Z[i * g.ldc() + j];
        if (g.epilogue() != art::GemmCall::NONE)
          v += bias[j];
        if (g.epilogue() == art::GemmCall::RELU_BIAS)
          v = v > 0 ? v : 0;
        C[i * g.ldc() + j] = v;
      }
  }
}

/// cuBLASLt's int8 GEMM (library_dtype DT_I8): int8 A and B, exact int32
/// sums in C (no alpha, epilogue or batch: the validator's form).
static void integerGemm(const art::GemmCall &g, const int8_t *a,
                        const int8_t *b, int32_t *c) {
  const int8_t *A = a + g.offset_a(), *B = b + g.offset_b();
  int32_t *C = c + g.offset_c();
  for (int64_t i = 0; i < g.m(); ++i)
    for (int64_t j = 0; j < g.n(); ++j) {
      int32_t acc = 0;
      for (int64_t k = 0; k < g.k(); ++k) {
        int32_t av = g.trans_a() ? A[k * g.lda() + i] : A[i * g.lda() + k];
        int32_t bv = g.trans_b() ? B[j * g.ldb() + k] : B[k * g.ldb() + j];
        acc += av * bv;
      }
      C[i * g.ldc() + j] = acc;
    }
}

/// Direct N-d convolution (or its transpose) with the manifest's geometry,
/// in T (float; int32_t for cuDNN's int8 convolutions, exact sums).
template <class T>
static void conv(const art::ConvCall &c, const T *x, const T *w, T *y) {
  int spatial = c.in_size_size();
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1},
          s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, p[3] = {0, 0, 0};
  for (int i = 0; i < spatial; ++i) {
    int j = 3 - spatial + i;
    in[j] = c.in_size(i), out[j] = c.out_size(i), k[j] = c.kernel(i);
    s[j] = c.stride(i), d[j] = c.dilation(i), p[j] = c.pad_begin(i);
  }
  int64_t inVol = in[0] * in[1] * in[2], outVol = out[0] * out[1] * out[2];
  int64_t kVol = k[0] * k[1] * k[2];
  int64_t g = c.group(), cg = c.in_channels() / g, mg = c.out_channels() / g;
  std::memset(y, 0, sizeof(T) * c.batch() * c.out_channels() * outVol);
  for (int64_t n = 0; n < c.batch(); ++n)
    for (int64_t gi = 0; gi < g; ++gi)
      for (int64_t ic = 0; ic < cg; ++ic)
        for (int64_t oc = 0; oc < mg; ++oc) {
          int64_t xc = gi * cg + ic, yc = gi * mg + oc;
          // Forward: W[yc][ic]; transposed: W[xc][oc] (IOHW).
          const T *wk = c.transposed() ? w + (xc * mg + oc) * kVol
                                       : w + (yc * cg + ic) * kVol;
          const T *xp = x + (n * c.in_channels() + xc) * inVol;
          T *yp = y + (n * c.out_channels() + yc) * outVol;
          for (int64_t kz = 0; kz < k[0]; ++kz)
            for (int64_t ky = 0; ky < k[1]; ++ky)
              for (int64_t kx = 0; kx < k[2]; ++kx) {
                T wv = wk[(kz * k[1] + ky) * k[2] + kx];
                if (!c.transposed()) {
                  for (int64_t oz = 0; oz < out[0]; ++oz)
                    for (int64_t oy = 0; oy < out[1]; ++oy)
                      for (int64_t ox = 0; ox < out[2]; ++ox) {
                        int64_t iz = oz * s[0] - p[0] + kz * d[0],
                                iy = oy * s[1] - p[1] + ky * d[1],
                                ix = ox * s[2] - p[2] + kx * d[2];
                        if (iz >= 0 && iz < in[0] && iy >= 0 && iy < in[1] &&
                            ix >= 0 && ix < in[2])
                          yp[(oz * out[1] + oy) * out[2] + ox] +=
                              wv * xp[(iz * in[1] + iy) * in[2] + ix];
                      }
                } else {
                  for (int64_t iz = 0; iz < in[0]; ++iz)
                    for (int64_t iy = 0; iy < in[1]; ++iy)
                      for (int64_t ix = 0; ix < in[2]; ++ix) {
                        int64_t oz = iz * s[0] - p[0] + kz * d[0],
                                oy = iy * s[1] - p[1] + ky * d[1],
                                ox = ix * s[2] - p[2] + kx * d[2];
                        if (oz >= 0 && oz < out[0] && oy >= 0 && oy < out[1] &&
                            ox >= 0 && ox < out[2])
                          yp[(oz * out[1] + oy) * out[2] + ox] +=
                              wv * xp[(iz * in[1] + iy) * in[2] + ix];
                      }
                }
              }
        }
}

/// [outer, volume, channels] <-> [outer, channels, volume].
template <class T>
static std::vector<T> swapChannels(const T *src, int64_t outer, int64_t volume,
                                   int64_t channels, bool toChannelsFirst) {
  std::vector<T> dst(size_t(outer * volume * channels));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t v = 0; v < volume; ++v)
      for (int64_t ch = 0; ch < channels; ++ch) {
        int64_t last = (o * volume + v) * channels + ch,
                first = (o * channels + ch) * volume + v;
        if (toChannelsFirst)
          dst[first] = src[last];
        else
          dst[last] = src[first];
      }
  return dst;
}

/// A channels-last convolution: the direct one above on NCHW copies.
template <class T>
static void convChannelsLast(const art::ConvCall &c, const T *x, const T *w,
                             T *y) {
  int64_t inVol = 1, outVol = 1, kVol = 1;
  for (int i = 0; i < c.in_size_size(); ++i) {
    inVol *= c.in_size(i);
    outVol *= c.out_size(i);
    kVol *= c.kernel(i);
  }
  std::vector<T> xf = swapChannels(x, c.batch(), inVol, c.in_channels(), true);
  std::vector<T> wf = swapChannels(w, c.out_channels(), kVol,
                                   c.in_channels() / c.group(), true);
  std::vector<T> yf(size_t(c.batch() * c.out_channels() * outVol));
  conv(c, xf.data(), wf.data(), yf.data());
  std::vector<T> yl =
      swapChannels(yf.data(), c.batch(), outVol, c.out_channels(), false);
  std::copy(yl.begin(), yl.end(), y);
}

/// cuDNN's int8 convolution (library_dtype DT_I8, channels-last, no
/// epilogue: the validator's form): int8 x and w summed exactly in int32,
/// written as FP32 (one rounding).
static void integerConv(const art::ConvCall &c, const int8_t *x,
                        const int8_t *w, float *y) {
  int64_t inVol = 1, outVol = 1, kVol = 1;
  for (int i = 0; i < c.in_size_size(); ++i) {
    inVol *= c.in_size(i);
    outVol *= c.out_size(i);
    kVol *= c.kernel(i);
  }
  std::vector<int32_t> xi(x, x + c.batch() * c.in_channels() * inVol);
  std::vector<int32_t> wi(w, w + c.out_channels() * c.in_channels() * kVol);
  std::vector<int32_t> yi(size_t(c.batch() * c.out_channels() * outVol));
  convChannelsLast(c, xi.data(), wi.data(), yi.data());
  for (size_t i = 0; i < yi.size(); ++i)
    y[i] = static_cast<float>(yi[i]);
}

/// Calls a kernel whose parameters are all pointers (up to 64: a fusion
/// region has one per input plus its output).
template <size_t> using Pointer = void *;
template <size_t... I>
static void callWith(void *fn, std::vector<void *> &a,
                     std::index_sequence<I...>) {
  reinterpret_cast<void (*)(Pointer<I>...)>(fn)(a[I]...);
}
/// The kernels of an artifact for a range of shapes take the dims' values
/// last, by value, with the version to run (the prelude's IngotDims, laid
/// out the same).
struct IngotDims {
  long long v[16];
  long long variant;
};
template <size_t... I>
static void callWithDims(void *fn, std::vector<void *> &a,
                         const IngotDims &dims, std::index_sequence<I...>) {
  reinterpret_cast<void (*)(Pointer<I>..., IngotDims)>(fn)(a[I]..., dims);
}
template <size_t N = 1>
static void call(void *fn, std::vector<void *> &a,
                 const IngotDims *dims = nullptr) {
  if constexpr (N > 64) {
    throw std::runtime_error("kernel with " + std::to_string(a.size()) +
                             " parameters");
  } else if (a.size() == N) {
    if (dims)
      callWithDims(fn, a, *dims, std::make_index_sequence<N>());
    else
      callWith(fn, a, std::make_index_sequence<N>());
  } else {
    call<N + 1>(fn, a, dims);
  }
}

/// The cuDNN epilogue of a convolution step: y = relu?(y + bias[c] + z).
static void convEpilogue(const art::ConvCall &c, float *y, const float *bias,
                         const float *z) {
  if (!c.bias() && !c.residual() && !c.relu())
    return;
  int64_t volume = 1;
  for (int64_t v : c.out_size())
    volume *= v;
  int64_t channels = c.out_channels();
  for (int64_t i = 0, n = c.batch() * channels * volume; i < n; ++i) {
    float v = y[i];
    if (c.bias())
      v += bias[c.channels_last() ? i % channels : i / volume % channels];
    if (c.residual())
      v += z[i];
    y[i] = c.relu() ? std::max(v, 0.0f) : v;
  }
}

/// FP16/BF16 library steps: the buffers widened to float, the call done in
/// FP32 as above, its output rounded back (to nearest even) -- what cuBLASLt
/// and cuDNN do with FP32 accumulation and one rounding at the store.
static float widen(art::DataType t, const void *p, size_t i) {
  if (t == art::DT_F16)
    return float(static_cast<const _Float16 *>(p)[i]);
  uint32_t u = uint32_t(static_cast<const uint16_t *>(p)[i]) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
static void narrow(art::DataType t, void *p, size_t i, float v) {
  if (t == art::DT_F16) {
    static_cast<_Float16 *>(p)[i] = static_cast<_Float16>(v);
    return;
  }
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  static_cast<uint16_t *>(p)[i] =
      (u & 0x7fffffffu) > 0x7f800000u
          ? uint16_t((u >> 16) | 0x40u)
          : uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/// Runs `fn` on float views of a library step's buffers (`bytes` each).
template <class F>
static void inFloat(art::DataType t, std::vector<void *> &args,
                    const std::vector<size_t> &bytes, F &&fn) {
  if (t == art::DT_F32 || t == art::DT_INVALID) {
    fn(args);
    return;
  }
  std::vector<std::vector<float>> wide(args.size());
  std::vector<void *> views;
  for (size_t k = 0; k < args.size(); ++k) {
    wide[k].resize(bytes[k] / 2);
    for (size_t i = 0; i < wide[k].size(); ++i)
      wide[k][i] = widen(t, args[k], i);
    views.push_back(wide[k].data());
  }
  fn(views);
  for (size_t i = 0; i < wide[2].size(); ++i)
    narrow(t, args[2], i, wide[2][i]);
}

using ConfigureFn = void (*)(unsigned, unsigned);
using SetThreadFn = void (*)(unsigned, unsigned);

/// Runs the kernel as up to three blocks (fewer than most launches ask for,
/// so the grid-stride and row-stride loops are exercised too) of the step's
/// block size, one std::thread per GPU thread, one block after another.
static void launchThreaded(void *fn, std::vector<void *> &args,
                           const art::Step &step, int64_t gridX,
                           const IngotDims *dims, ConfigureFn configure,
                           SetThreadFn setThread) {
  unsigned block = unsigned(step.block_x());
  if (block == 0 || block % 32 != 0 || block > 1024)
    throw std::runtime_error("step " + step.kernel() + ": block size " +
                             std::to_string(block) + " cannot be emulated");
  unsigned grid = unsigned(std::min<int64_t>(std::max<int64_t>(gridX, 1), 3));
  configure(block, grid);
  for (unsigned b = 0; b < grid; ++b) {
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < block; ++t)
      threads.emplace_back([&, t] {
        setThread(t, b);
        std::vector<void *> own(args);
        call(fn, own, dims);
      });
    for (std::thread &th : threads)
      th.join();
  }
}

/// The step against the `<kernel>_buffers` signature the generated code
/// exports (the CUDA executor reads it from the module and checks the same),
/// so the emulation also tests that the signature is right.
static void checkSignature(void *lib, const art::Manifest &m,
                           const art::Step &step) {
  auto sig = static_cast<const unsigned long long *>(
      dlsym(lib, (step.kernel() + "_buffers").c_str()));
  if (!sig)
    throw std::runtime_error("no buffer signature for " + step.kernel());
  if (sig[0] != unsigned(step.buffers_size()))
    throw std::runtime_error(
        step.kernel() + ": the signature says " + std::to_string(sig[0]) +
        " buffers, the step has " + std::to_string(step.buffers_size()));
  for (int k = 0; k < step.buffers_size(); ++k)
    if (sig[k + 1] != m.buffers(int(step.buffers(k))).size())
      throw std::runtime_error(step.kernel() + ": buffer " + std::to_string(k) +
                               " differs from the signature");
}

int main(int argc, char **argv) {
  if (argc < 7) {
    std::fprintf(stderr,
                 "usage: %s model.ingot kernels.so --inputs in.npz --compare "
                 "ref.npz [--rtol R --atol A]\n",
                 argv[0]);
    return 2;
  }
  std::string inputsPath, refPath;
  double rtol = 1e-4, atol = 1e-5;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--inputs")
      inputsPath = argv[i + 1];
    else if (a == "--compare")
      refPath = argv[i + 1];
    else if (a == "--rtol")
      rtol = std::stod(argv[i + 1]);
    else if (a == "--atol")
      atol = std::stod(argv[i + 1]);
  }
  try {
    std::ifstream f(argv[1], std::ios::binary);
    std::vector<uint8_t> image((std::istreambuf_iterator<char>(f)), {});
    std::vector<art::Section> sections;
    std::string error;
    if (!art::readImage(image.data(), image.size(), sections, error))
      throw std::runtime_error(error);
    art::Manifest m;
    const uint8_t *weights = nullptr;
    for (const art::Section &s : sections) {
      if (s.kind == art::SectionKind::Manifest)
        m.ParseFromArray(s.data, int(s.size));
      if (s.kind == art::SectionKind::Weights)
        weights = s.data;
    }
    if (m.target() != "cuda")
      throw std::runtime_error("not a CUDA artifact");
    void *lib = dlopen(argv[2], RTLD_NOW);
    if (!lib)
      throw std::runtime_error(dlerror());
    // Kernels built with cuda_emulation_threads.h run as real blocks.
    auto configure =
        reinterpret_cast<ConfigureFn>(dlsym(lib, "ingot_emulation_configure"));
    auto setThread =
        reinterpret_cast<SetThreadFn>(dlsym(lib, "ingot_emulation_set_thread"));
    std::map<std::string, ingot::Tensor> in =
        inputsPath.empty() ? std::map<std::string, ingot::Tensor>()
                           : ingot::tools::readNpz(inputsPath);
    std::map<std::string, ingot::Tensor> ref = ingot::tools::readNpz(refPath);
    std::vector<uint8_t> arena(m.arena_bytes() + 64);
    // A range of shapes: the dims bound from the inputs' shapes (the
    // runtime also checks ranges and constraints; the tests give valid
    // shapes here), every varying size evaluated from them.
    std::vector<int64_t> dims(m.dims_size(), 1);
    for (const art::TensorInfo &t : m.inputs())
      for (int d = 0; d < t.sizes_size(); ++d) {
        int symbol;
        int64_t factor;
        if (t.shape(d) < 0 &&
            ingot::runtime::scaledDim(t.sizes(d), symbol, factor))
          dims.at(symbol) = in.at(t.name()).shape.at(d) / factor;
      }
    IngotDims kernelDims{};
    if (dims.size() > 16)
      throw std::runtime_error("more than 16 dims");
    std::copy(dims.begin(), dims.end(), kernelDims.v);
    const IngotDims *dimsArg = m.dims_size() ? &kernelDims : nullptr;
    const char *forced = std::getenv("INGOT_FORCE_VARIANT");
    auto sizeOf = [&](const art::TensorInfo &t, int d) {
      int64_t v = t.shape(d);
      if (v < 0 && !ingot::runtime::evaluateSize(t.sizes(d), dims, v))
        throw std::runtime_error("bad size program for " + t.name());
      return v;
    };
    auto bufferBytes = [&](uint32_t id) {
      const art::Buffer &b = m.buffers(int(id));
      int64_t v = int64_t(b.size());
      if (b.has_bytes() && !ingot::runtime::evaluateSize(b.bytes(), dims, v))
        throw std::runtime_error("bad size program for a buffer");
      return size_t(v);
    };
    std::vector<std::vector<uint8_t>> outputs;
    for (const art::TensorInfo &t : m.outputs()) {
      size_t n = 1;
      for (int d = 0; d < t.shape_size(); ++d)
        n *= size_t(sizeOf(t, d));
      outputs.emplace_back(
          n * (t.dtype() == art::DT_F64 || t.dtype() == art::DT_I64 ? 8
               : t.dtype() == art::DT_BOOL || t.dtype() == art::DT_I8 ||
                       t.dtype() == art::DT_U8
                   ? 1
                   : 4));
    }
    auto pointer = [&](uint32_t id) -> void * {
      const art::Buffer &b = m.buffers(int(id));
      switch (b.kind()) {
      case art::Buffer::ARENA:
        return arena.data() + b.offset();
      case art::Buffer::WEIGHT:
        return const_cast<uint8_t *>(weights + b.offset());
      case art::Buffer::INPUT:
        return in.at(m.inputs(int(b.index())).name()).data.data();
      default:
        return outputs[b.index()].data();
      }
    };
    for (const art::Step &step : m.steps()) {
      std::vector<void *> args;
      std::vector<size_t> bytes;
      for (uint32_t b : step.buffers()) {
        args.push_back(pointer(b));
        bytes.push_back(bufferBytes(b));
      }
      switch (step.kind()) {
      case art::Step::KERNEL: {
        void *fn = dlsym(lib, step.kernel().c_str());
        if (!fn)
          throw std::runtime_error("missing kernel " + step.kernel());
        checkSignature(lib, m, step);
        // Kernels with versions: the runtime's choice, from the same
        // conditions on these dims and pointers, printed for the tests
        // (-1, as the runtime passes, for the others).
        kernelDims.variant = -1;
        if (step.variants_size()) {
          std::vector<uint64_t> addresses;
          for (void *a : args)
            addresses.push_back(reinterpret_cast<uint64_t>(a));
          kernelDims.variant = ingot::runtime::chooseVariant(
              step, dims, addresses, forced ? forced : "");
          std::printf("version: %s %s\n", step.kernel().c_str(),
                      step.variants(int(kernelDims.variant)).name().c_str());
        }
        if (configure && setThread)
          launchThreaded(fn, args, step, ingot::runtime::launchGrid(step, dims),
                         dimsArg, configure, setThread);
        else
          call(fn, args, dimsArg);
        break;
      }
      case art::Step::COPY:
        std::memmove(args[1], args[0], bufferBytes(step.buffers(1)));
        break;
      case art::Step::GEMM: {
        art::GemmCall call;
        if (!ingot::runtime::resolveGemm(step.gemm(), dims, call))
          throw std::runtime_error("bad size program in a GEMM");
        if (step.library_dtype() == art::DT_I8) {
          integerGemm(call, static_cast<const int8_t *>(args[0]),
                      static_cast<const int8_t *>(args[1]),
                      static_cast<int32_t *>(args[2]));
          break;
        }
        inFloat(step.library_dtype(), args, bytes, [&](auto &a) {
          gemm(call, static_cast<float *>(a[0]), static_cast<float *>(a[1]),
               static_cast<float *>(a[2]),
               a.size() > 3 ? static_cast<float *>(a[3]) : nullptr,
               a.size() > 4 ? static_cast<float *>(a[4]) : nullptr);
        });
        break;
      }
      case art::Step::CONV: {
        art::ConvCall c;
        if (!ingot::runtime::resolveConv(step.conv(), dims, c))
          throw std::runtime_error("bad size program in a convolution");
        if (step.library_dtype() == art::DT_I8) {
          integerConv(c, static_cast<const int8_t *>(args[0]),
                      static_cast<const int8_t *>(args[1]),
                      static_cast<float *>(args[2]));
          break;
        }
        inFloat(step.library_dtype(), args, bytes, [&](auto &a) {
          (c.channels_last() ? convChannelsLast<float>
                             : conv<float>)(c, static_cast<float *>(a[0]),
                                            static_cast<float *>(a[1]),
                                            static_cast<float *>(a[2]));
          convEpilogue(c, static_cast<float *>(a[2]),
                       a.size() > 3 ? static_cast<float *>(a[3]) : nullptr,
                       a.size() > 4 ? static_cast<float *>(a[4]) : nullptr);
        });
        break;
      }
      default:
        throw std::runtime_error("unknown step");
      }
    }
    int bad = 0;
    for (int o = 0; o < m.outputs_size(); ++o) {
      const art::TensorInfo &t = m.outputs(o);
      auto it = ref.find(t.name());
      if (it == ref.end())
        throw std::runtime_error("no reference for " + t.name());
      const ingot::Tensor &r = it->second;
      // The manifest's DataType numbering is ingot_dtype's.
      ingot::Tensor got;
      got.dtype = static_cast<ingot_dtype>(t.dtype());
      got.data = outputs[o];
      if (got.dtype != r.dtype || got.data.size() < r.data.size())
        throw std::runtime_error("the reference for " + t.name() +
                                 " has another dtype or size");
      size_t n = r.count(), mismatches = 0;
      double worst = 0;
      for (size_t i = 0; i < n; ++i) {
        double x = ingot::tools::elementValue(got, i),
               y = ingot::tools::elementValue(r, i);
        double err = std::fabs(x - y);
        bool same = x == y || (std::isnan(x) && std::isnan(y));
        if (!same && !(err <= atol + rtol * std::fabs(y)))
          ++mismatches;
        if (!same && err > worst)
          worst = err;
      }
      std::printf("emulated %s: %s, max abs error %.3g, %zu of %zu outside\n",
                  t.name().c_str(), mismatches ? "MISMATCH" : "ok", worst,
                  mismatches, n);
      bad += mismatches != 0;
    }
    return bad ? 1 : 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "ingot-cuda-emulate: error: %s\n", e.what());
    return 1;
  }
}
