//===- ManifestValidation.cpp - Checking a manifest before anything runs --===//
//
// The artifact's checksums catch accidental corruption, not a manifest that
// was edited and re-checksummed, or written by a buggy compiler. Everything a
// run will dereference is checked here, with overflow-checked arithmetic:
// tensor shapes and dtypes, every buffer against the arena, the weights and
// the caller's tensors, every step's arity and library-call geometry against
// its buffers, and (CPU) every kernel against the buffer sizes it was
// generated for. After these checks no run reads or writes outside memory
// the session owns or the caller passed in.
//
//===----------------------------------------------------------------------===//
#include "Internal.h"
#include "LibraryTypes.h"

#include <set>
#include <string>

namespace art = ingot::artifact;

namespace ingot::runtime {

bool checkedMul(uint64_t a, uint64_t b, uint64_t &out) {
  return !__builtin_mul_overflow(a, b, &out) && out <= kMaxArtifactBytes;
}

bool checkedAdd(uint64_t a, uint64_t b, uint64_t &out) {
  return !__builtin_add_overflow(a, b, &out) && out <= kMaxArtifactBytes;
}

bool tensorBytes(const art::TensorInfo &t, uint64_t &bytes,
                 const std::vector<int64_t> *dims) {
  size_t element = ingot_dtype_size(toPublic(t.dtype()));
  if (element == 0 || t.shape_size() > kMaxRank)
    return false;
  uint64_t count = 1;
  for (int i = 0; i < t.shape_size(); ++i) {
    int64_t d = t.shape(i);
    // A dim that varies: its size at `dims`.
    if (d < 0 && dims && i < t.sizes_size() &&
        !evaluateSize(t.sizes(i), *dims, d))
      return false;
    if (d < 0 || !checkedMul(count, static_cast<uint64_t>(d), count))
      return false;
  }
  return checkedMul(count, element, bytes);
}

namespace {

ingot_status *invalid(const std::string &message) {
  return makeStatus(INGOT_INVALID_ARTIFACT, "manifest: " + message);
}

/// Product of non-negative values, false on a negative value or overflow.
bool product(std::initializer_list<int64_t> values, uint64_t &out) {
  out = 1;
  for (int64_t v : values)
    if (v < 0 || !checkedMul(out, static_cast<uint64_t>(v), out))
      return false;
  return true;
}

/// Elements spanned by `batch` row-major matrices of `rows` x `cols` with
/// leading dimension `ld`, `stride` elements apart, from `offset`:
/// offset + (batch - 1) * stride + (rows - 1) * ld + cols.
bool matrixSpan(int64_t offset, int64_t batch, int64_t stride, int64_t rows,
                int64_t cols, int64_t ld, uint64_t &out) {
  if (offset < 0 || batch < 1 || stride < 0 || rows < 1 || cols < 1 ||
      ld < cols)
    return false;
  uint64_t batchPart, rowPart;
  return product({batch - 1, stride}, batchPart) &&
         product({rows - 1, ld}, rowPart) &&
         checkedAdd(static_cast<uint64_t>(offset), batchPart, out) &&
         checkedAdd(out, rowPart, out) &&
         checkedAdd(out, static_cast<uint64_t>(cols), out);
}

class Validator {
public:
  explicit Validator(const ModelData &m) : m(m), mf(m.manifest) {}

  ingot_status *run() {
    if (mf.arena_bytes() > kMaxArtifactBytes)
      return invalid("arena of " + std::to_string(mf.arena_bytes()) +
                     " bytes is larger than the runtime's limit of 2^56");
    if (ingot_status *st = validateSymbolicDims(mf))
      return st;
    largest = largestDims(mf);
    if (ingot_status *st = tensors("input", mf.inputs(), inputBytes))
      return st;
    if (ingot_status *st = tensors("output", mf.outputs(), outputBytes))
      return st;
    for (int i = 0; i < mf.buffers_size(); ++i)
      if (ingot_status *st = buffer(i))
        return st;
    for (int i = 0; i < mf.steps_size(); ++i)
      if (ingot_status *st = step(i))
        return st;
    return nullptr;
  }

private:
  ingot_status *
  tensors(const char *what,
          const google::protobuf::RepeatedPtrField<art::TensorInfo> &list,
          std::vector<uint64_t> &bytes) {
    std::set<std::string> names;
    for (const art::TensorInfo &t : list) {
      std::string label = std::string(what) + " '" + t.name() + "'";
      if (ingot_dtype_size(toPublic(t.dtype())) == 0)
        return invalid(label + " has an invalid dtype (" +
                       std::to_string(static_cast<int>(t.dtype())) + ")");
      uint64_t size = 0;
      if (!tensorBytes(t, size, &largest))
        return invalid(label +
                       " has a negative dimension, more than 64 dimensions "
                       "or a byte size over 2^56");
      if (!names.insert(t.name()).second)
        return invalid(label + " is listed twice");
      bytes.push_back(size);
    }
    return nullptr;
  }

  /// The compiler places arena and weight buffers on 64-byte boundaries
  /// (the arena and the weights section start on one), and kernels may
  /// rely on it: an unaligned offset is a misaligned float access
  /// (found by fuzzing).
  static ingot_status *aligned(const art::Buffer &b, const std::string &label) {
    if (b.offset() % 64 != 0)
      return invalid(label + " is not 64-byte aligned (offset " +
                     std::to_string(b.offset()) + ")");
    return nullptr;
  }

  ingot_status *buffer(int i) {
    const art::Buffer &b = mf.buffers(i);
    std::string label = "buffer " + std::to_string(i);
    switch (b.kind()) {
    case art::Buffer::ARENA:
      if (b.offset() > mf.arena_bytes() ||
          b.size() > mf.arena_bytes() - b.offset())
        return invalid(label + " lies outside the arena");
      return aligned(b, label);
    case art::Buffer::WEIGHT:
      if (b.offset() > m.weightsSize || b.size() > m.weightsSize - b.offset())
        return invalid(label + " lies outside the weights");
      return aligned(b, label);
    case art::Buffer::INPUT:
    case art::Buffer::OUTPUT: {
      bool input = b.kind() == art::Buffer::INPUT;
      const std::vector<uint64_t> &sizes = input ? inputBytes : outputBytes;
      if (b.index() >= sizes.size())
        return invalid(label + " names a missing " +
                       (input ? "input" : "output"));
      // The caller's tensor has exactly this many bytes (the session checks
      // it), so a larger buffer would be read or written past its end.
      if (b.size() != sizes[b.index()])
        return invalid(label + " has " + std::to_string(b.size()) +
                       " bytes, but " + (input ? "input " : "output ") +
                       std::to_string(b.index()) + " has " +
                       std::to_string(sizes[b.index()]));
      return nullptr;
    }
    default:
      return invalid(label + " has an unknown kind");
    }
  }

  uint64_t bufferSize(const art::Step &s, int k) const {
    return mf.buffers(s.buffers(k)).size();
  }

  ingot_status *step(int i) {
    const art::Step &s = mf.steps(i);
    std::string label = "step " + std::to_string(i);
    for (uint32_t b : s.buffers())
      if (b >= static_cast<uint32_t>(mf.buffers_size()))
        return invalid(label + " uses a missing buffer");
    bool cuda = mf.target() == "cuda";
    bool library = s.kind() == art::Step::GEMM || s.kind() == art::Step::CONV;
    if (library && !cuda)
      return invalid(label + " is a GPU library call in a CPU artifact");
    // The buffer a step writes (the last for kernels and copies, C or Y for
    // library calls) is the arena or an output: never the weights, shared
    // by every session, nor the caller's inputs, which may be read-only.
    int written = library ? 2 : s.buffers_size() - 1;
    if (written >= 0 && written < s.buffers_size()) {
      art::Buffer::Kind kind = mf.buffers(s.buffers(written)).kind();
      if (kind == art::Buffer::WEIGHT || kind == art::Buffer::INPUT)
        return invalid(
            label + " writes to " +
            (kind == art::Buffer::WEIGHT ? "the weights" : "an input"));
    }
    switch (s.kind()) {
    case art::Step::COPY:
      if (s.buffers_size() != 2)
        return invalid("copy " + label + " needs two buffers");
      if (bufferSize(s, 0) < bufferSize(s, 1))
        return invalid("copy " + label + " reads past its source buffer");
      return nullptr;
    case art::Step::KERNEL:
      if (s.kernel().empty() || s.buffers_size() == 0)
        return invalid(label + " names no kernel or no buffers");
      if (cuda && (s.grid_x() < 1 || s.grid_x() > INT32_MAX ||
                   s.block_x() < 1 || s.block_x() > 1024))
        return invalid(label + " has an invalid launch configuration");
      return nullptr;
    case art::Step::GEMM:
      return gemm(s, label);
    case art::Step::CONV:
      return conv(s, label);
    default:
      return invalid(label + " has an unknown kind");
    }
  }

  /// Buffer `k` of a library call holds `elements` of its type.
  ingot_status *needs(const art::Step &s, int k, uint64_t elements,
                      const std::string &label, const char *what) {
    uint64_t bytes;
    if (!checkedMul(elements, libraryOperandBytes(s, k), bytes) ||
        bufferSize(s, k) < bytes)
      return invalid(label + ": the " + what + " buffer is too small for the " +
                     (s.kind() == art::Step::GEMM ? "GEMM" : "convolution"));
    return nullptr;
  }

  /// GPU libraries are called for FP32, FP16 and BF16 data, and int8
  /// GEMMs.
  ingot_status *libraryType(const art::Step &s, const std::string &label) {
    switch (s.library_dtype()) {
    case art::DT_INVALID: // artifacts from before the field: F32
    case art::DT_F32:
    case art::DT_F16:
    case art::DT_BF16:
      return nullptr;
    case art::DT_I8:
      return nullptr;
    default:
      return invalid(label + ": library call on an unsupported data type");
    }
  }

  /// A library call's buffers: A/B (or X/W), the output, then its
  /// epilogue's bias (`biasElements` values) and residual (laid out like the
  /// output), each large enough for `spans` elements.
  ingot_status *libraryBuffers(const art::Step &s, const std::string &label,
                               const char *call, const char *const names[3],
                               const uint64_t spans[3], bool bias,
                               uint64_t biasElements, bool residual) {
    int arity = 3 + (bias ? 1 : 0) + (residual ? 1 : 0);
    if (s.buffers_size() != arity || (residual && !bias))
      return invalid(label + ": " + call + " with " +
                     std::to_string(s.buffers_size()) +
                     " buffers does not match its epilogue");
    for (int k = 0; k < 3; ++k)
      if (ingot_status *st = needs(s, k, spans[k], label, names[k]))
        return st;
    if (bias)
      if (ingot_status *st = needs(s, 3, biasElements, label, "bias"))
        return st;
    if (residual)
      if (ingot_status *st = needs(s, 4, spans[2], label, "residual"))
        return st;
    return nullptr;
  }

  /// cuBLASLt's int8 GEMMs (int32 sums) sum over contiguous rows of 4-byte
  /// multiples: column-major A transposed, B not. The manifest's row-major
  /// C = A B^T is that after the executor swaps the operands.
  static bool integerGemmForm(const art::GemmCall &g) {
    auto fourfold = [](int64_t v) { return v % 4 == 0; };
    return !g.trans_a() && g.trans_b() && g.batch() == 1 && g.alpha() == 1 &&
           g.epilogue() == art::GemmCall::NONE && !g.residual() &&
           fourfold(g.k()) && fourfold(g.n()) && fourfold(g.lda()) &&
           fourfold(g.ldb()) && fourfold(g.ldc()) && fourfold(g.offset_a()) &&
           fourfold(g.offset_b()) && g.symbolic().empty();
  }

  ingot_status *gemm(const art::Step &s, const std::string &label) {
    if (ingot_status *st = libraryType(s, label))
      return st;
    const art::GemmCall &g = s.gemm();
    if (!art::GemmCall::Epilogue_IsValid(g.epilogue()))
      return invalid(label + ": GEMM with an unknown epilogue");
    if (s.library_dtype() == art::DT_I8 && !integerGemmForm(g))
      return invalid(label +
                     ": an int8 GEMM not in the form cuBLASLt runs (row-major "
                     "A times B transposed, one matrix, sizes and offsets "
                     "multiples of 4, alpha 1, no epilogue)");
    uint64_t spans[3];
    if (!matrixSpan(g.offset_a(), g.batch(), g.stride_a(),
                    g.trans_a() ? g.k() : g.m(), g.trans_a() ? g.m() : g.k(),
                    g.lda(), spans[0]) ||
        !matrixSpan(g.offset_b(), g.batch(), g.stride_b(),
                    g.trans_b() ? g.n() : g.k(), g.trans_b() ? g.k() : g.n(),
                    g.ldb(), spans[1]) ||
        !matrixSpan(g.offset_c(), g.batch(), g.stride_c(), g.m(), g.n(),
                    g.ldc(), spans[2]))
      return invalid(label + ": GEMM geometry is invalid");
    static const char *const names[3] = {"A", "B", "C"};
    return libraryBuffers(s, label, "GEMM", names, spans,
                          g.epilogue() != art::GemmCall::NONE, g.n(),
                          g.residual());
  }

  /// cuDNN's int8 convolutions (int8 x and w, int32 accumulation, FP32 y):
  /// 1-d or 2-d, NHWC, channels in multiples of 4, symmetric padding (cuDNN
  /// pads symmetrically; the FP32 path's pre-padding copies are not for them),
  /// no epilogue.
  static bool integerConvForm(const art::ConvCall &c) {
    bool ok = c.channels_last() && !c.transposed() && c.group() == 1 &&
              c.in_channels() % 4 == 0 && c.out_channels() % 4 == 0 &&
              !c.bias() && !c.residual() && !c.relu() && c.symbolic().empty() &&
              c.in_size_size() <= 2 && c.pad_begin_size() == c.pad_end_size();
    for (int d = 0; ok && d < c.pad_begin_size(); ++d)
      ok = c.pad_begin(d) == c.pad_end(d);
    return ok;
  }

  ingot_status *conv(const art::Step &s, const std::string &label) {
    if (ingot_status *st = libraryType(s, label))
      return st;
    const art::ConvCall &c = s.conv();
    if (s.library_dtype() == art::DT_I8 && !integerConvForm(c))
      return invalid(label +
                     ": an int8 convolution not in the form cuDNN runs "
                     "(channels-last, channels multiples of 4, group 1, "
                     "symmetric padding, no epilogue)");
    int rank = c.in_size_size();
    bool shapeOk = rank >= 1 && rank <= 3 && c.out_size_size() == rank &&
                   c.kernel_size() == rank && c.stride_size() == rank &&
                   c.dilation_size() == rank && c.pad_begin_size() == rank &&
                   c.pad_end_size() == rank && c.batch() >= 1 &&
                   c.group() >= 1 && c.in_channels() >= 1 &&
                   c.out_channels() >= 1 && c.in_channels() % c.group() == 0 &&
                   c.out_channels() % c.group() == 0 &&
                   !(c.channels_last() && c.transposed()); // no such kernel
    for (int d = 0; shapeOk && d < rank; ++d)
      shapeOk = c.in_size(d) >= 1 && c.out_size(d) >= 1 && c.kernel(d) >= 1 &&
                c.stride(d) >= 1 && c.dilation(d) >= 1 && c.pad_begin(d) >= 0 &&
                c.pad_end(d) >= 0;
    uint64_t x, w, y;
    shapeOk =
        shapeOk && product({c.batch(), c.in_channels()}, x) &&
        product({c.batch(), c.out_channels()}, y) &&
        (c.transposed()
             ? product({c.in_channels(), c.out_channels() / c.group()}, w)
             : product({c.out_channels(), c.in_channels() / c.group()}, w));
    for (int d = 0; shapeOk && d < rank; ++d)
      shapeOk = checkedMul(x, c.in_size(d), x) &&
                checkedMul(y, c.out_size(d), y) &&
                checkedMul(w, c.kernel(d), w);
    if (!shapeOk)
      return invalid(label + ": convolution geometry is invalid");
    static const char *const names[3] = {"input", "weight", "output"};
    const uint64_t spans[3] = {x, w, y};
    return libraryBuffers(s, label, "convolution", names, spans, c.bias(),
                          c.out_channels(), c.residual());
  }

  const ModelData &m;
  std::vector<int64_t> largest; // the symbolic dims' largest values
  const art::Manifest &mf;
  std::vector<uint64_t> inputBytes, outputBytes;
};

} // namespace

ingot_status *validateManifest(const ModelData &m) {
  return Validator(m).run();
}

ingot_status *checkKernelSignature(const ModelData &m, int stepIndex,
                                   const uint64_t *signature) {
  const art::Step &s = m.manifest.steps(stepIndex);
  std::string label = "manifest: step " + std::to_string(stepIndex) +
                      " (kernel '" + s.kernel() + "')";
  if (!signature)
    return makeStatus(INGOT_INVALID_ARTIFACT,
                      label +
                          " has no buffer signature in the artifact's code");
  if (signature[0] != static_cast<uint64_t>(s.buffers_size()))
    return makeStatus(INGOT_INVALID_ARTIFACT,
                      label + " passes " + std::to_string(s.buffers_size()) +
                          " buffers; the kernel takes " +
                          std::to_string(signature[0]));
  for (int k = 0; k < s.buffers_size(); ++k)
    if (m.manifest.buffers(s.buffers(k)).size() < signature[k + 1])
      return makeStatus(
          INGOT_INVALID_ARTIFACT,
          label + ": buffer " + std::to_string(k) + " has " +
              std::to_string(m.manifest.buffers(s.buffers(k)).size()) +
              " bytes; the kernel accesses " +
              std::to_string(signature[k + 1]));
  return nullptr;
}

} // namespace ingot::runtime
