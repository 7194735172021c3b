//===- SizePrograms.cpp - Sizes of an artifact for a range of shapes ------===//
#include "SizePrograms.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace art = ingot::artifact;

namespace ingot::runtime {

namespace {
enum Code : int64_t {
  kPushConstant = 0,
  kPushDim = 1,
  kAdd = 2,
  kMultiply = 3,
  kFloorDivide = 4,
  // Conditions (KernelVariant): 0/1 values.
  kRemainder = 5,
  kLessEqual = 6,
  kAnd = 7,
  kOr = 8,
};
} // namespace

bool scaledDim(const art::SizeProgram &p, int &symbol, int64_t &factor) {
  const auto &c = p.code();
  if (c.size() != 5 || c[0] != kPushConstant || c[1] < 1 || c[2] != kPushDim ||
      c[4] != kMultiply || c[3] < 0 || c[3] > INT32_MAX)
    return false;
  factor = c[1];
  symbol = static_cast<int>(c[3]);
  return true;
}

bool evaluateSize(const art::SizeProgram &p, const std::vector<int64_t> &dims,
                  int64_t &out) {
  int64_t stack[32];
  int depth = 0;
  const auto &code = p.code();
  for (int i = 0; i < code.size(); ++i) {
    switch (code[i]) {
    case kPushConstant:
    case kPushDim: {
      if (i + 1 >= code.size() || depth == 32)
        return false;
      int64_t operand = code[i + 1];
      if (code[i] == kPushDim) {
        if (operand < 0 || static_cast<uint64_t>(operand) >= dims.size())
          return false;
        operand = dims[operand];
      }
      ++i;
      stack[depth++] = operand;
      break;
    }
    case kAdd:
    case kMultiply: {
      if (depth < 2)
        return false;
      int64_t b = stack[--depth], &a = stack[depth - 1];
      if (code[i] == kAdd ? __builtin_add_overflow(a, b, &a)
                          : __builtin_mul_overflow(a, b, &a))
        return false;
      break;
    }
    case kFloorDivide:
    case kRemainder: {
      if (i + 1 >= code.size() || depth < 1 || code[i + 1] <= 0)
        return false;
      bool divide = code[i] == kFloorDivide;
      int64_t d = code[++i], &a = stack[depth - 1];
      int64_t q = a / d - ((a % d != 0) && (a < 0));
      a = divide ? q : a - q * d;
      break;
    }
    case kLessEqual:
    case kAnd:
    case kOr: {
      if (depth < 2)
        return false;
      int64_t b = stack[--depth], &a = stack[depth - 1];
      a = code[i] == kLessEqual ? a <= b
          : code[i] == kAnd     ? (a != 0 && b != 0)
                                : (a != 0 || b != 0);
      break;
    }
    default:
      return false;
    }
  }
  if (depth != 1 || stack[0] < 0)
    return false;
  out = stack[0];
  return true;
}

std::vector<int64_t> largestDims(const art::Manifest &mf) {
  std::vector<int64_t> dims;
  for (const art::SymbolicDim &d : mf.dims())
    dims.push_back(d.max());
  return dims;
}

namespace {
/// A field of a library call that a size program may set: its manifest
/// name and accessors (repeated fields by element: "in_size1").
template <typename Call> struct SizeField {
  const char *name;
  int64_t (Call::*get)() const;
  void (Call::*set)(int64_t);
  int64_t (Call::*getAt)(int) const = nullptr;
  void (Call::*setAt)(int, int64_t) = nullptr;
  int (Call::*count)() const = nullptr;
};

const SizeField<art::GemmCall> kGemmFields[] = {
    {"m", &art::GemmCall::m, &art::GemmCall::set_m},
    {"n", &art::GemmCall::n, &art::GemmCall::set_n},
    {"k", &art::GemmCall::k, &art::GemmCall::set_k},
    {"lda", &art::GemmCall::lda, &art::GemmCall::set_lda},
    {"ldb", &art::GemmCall::ldb, &art::GemmCall::set_ldb},
    {"ldc", &art::GemmCall::ldc, &art::GemmCall::set_ldc},
    {"batch", &art::GemmCall::batch, &art::GemmCall::set_batch},
    {"stride_a", &art::GemmCall::stride_a, &art::GemmCall::set_stride_a},
    {"stride_b", &art::GemmCall::stride_b, &art::GemmCall::set_stride_b},
    {"stride_c", &art::GemmCall::stride_c, &art::GemmCall::set_stride_c},
};

const SizeField<art::ConvCall> kConvFields[] = {
    {"batch", &art::ConvCall::batch, &art::ConvCall::set_batch},
    {"in_channels", &art::ConvCall::in_channels,
     &art::ConvCall::set_in_channels},
    {"out_channels", &art::ConvCall::out_channels,
     &art::ConvCall::set_out_channels},
    {"in_size", nullptr, nullptr, &art::ConvCall::in_size,
     &art::ConvCall::set_in_size, &art::ConvCall::in_size_size},
    {"out_size", nullptr, nullptr, &art::ConvCall::out_size,
     &art::ConvCall::set_out_size, &art::ConvCall::out_size_size},
};

/// `out` (a copy of the call) with each field its programs name set to the
/// program's value at `dims`. The stored field is the largest value, what
/// the manifest's geometry was validated with: a call's value must not
/// exceed it. False for a failing program, an unknown field or a value
/// past the largest.
template <typename Call, size_t N>
bool resolveCall(const Call &call, const SizeField<Call> (&fields)[N],
                 const std::vector<int64_t> &dims, Call &out) {
  out = call;
  for (const auto &[name, program] : call.symbolic()) {
    int64_t v;
    if (!evaluateSize(program, dims, v))
      return false;
    bool found = false;
    for (const SizeField<Call> &f : fields) {
      if (f.get && name == f.name) {
        if (v > (call.*f.get)())
          return false;
        (out.*f.set)(v);
        found = true;
        break;
      }
      size_t length = std::strlen(f.name);
      if (f.getAt && name.size() == length + 1 &&
          name.compare(0, length, f.name) == 0) {
        int index = name.back() - '0';
        if (index < 0 || index >= (call.*f.count)() ||
            v > (call.*f.getAt)(index))
          return false;
        (out.*f.setAt)(index, v);
        found = true;
        break;
      }
    }
    if (!found)
      return false;
  }
  return true;
}
} // namespace

bool resolveGemm(const art::GemmCall &g, const std::vector<int64_t> &dims,
                 art::GemmCall &out) {
  return resolveCall(g, kGemmFields, dims, out);
}

bool resolveConv(const art::ConvCall &c, const std::vector<int64_t> &dims,
                 art::ConvCall &out) {
  return resolveCall(c, kConvFields, dims, out);
}

/// An empty condition holds; a failing one (validated at load: it does
/// not) does not.
static bool holds(const art::SizeProgram &p, const std::vector<int64_t> &dims) {
  int64_t v = 1;
  return p.code().empty() || (evaluateSize(p, dims, v) && v != 0);
}

int chooseVariant(const art::Step &s, const std::vector<int64_t> &dims,
                  const std::vector<uint64_t> &pointers,
                  const std::string &forced) {
  int n = s.variants_size();
  auto valid = [&](const art::KernelVariant &v) {
    for (uint32_t k : v.aligned())
      if (k >= pointers.size() || v.alignment() == 0 ||
          pointers[k] % v.alignment() != 0)
        return false;
    return holds(v.valid_when(), dims);
  };
  if (!forced.empty())
    for (int k = 0; k < n; ++k)
      if (s.variants(k).name() == forced && valid(s.variants(k)))
        return k;
  for (int k = 0; k < n; ++k)
    if (valid(s.variants(k)) && holds(s.variants(k).preferred_when(), dims))
      return k;
  return n - 1;
}

int64_t launchGrid(const art::Step &s, const std::vector<int64_t> &dims) {
  int64_t blocks;
  if (!s.has_grid() || !evaluateSize(s.grid(), dims, blocks))
    return s.grid_x();
  return std::max<int64_t>(1, std::min<int64_t>(blocks, s.grid_x()));
}

} // namespace ingot::runtime
