//===- SizePrograms.cpp - Sizes of an artifact for a range of shapes ------===//
#include "SizePrograms.h"

#include <algorithm>
#include <climits>

namespace art = ingot::artifact;

namespace ingot::runtime {

namespace {
enum Code : int64_t {
  kPushConstant = 0,
  kPushDim = 1,
  kAdd = 2,
  kMultiply = 3,
  kFloorDivide = 4,
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
    case kFloorDivide: {
      if (i + 1 >= code.size() || depth < 1 || code[i + 1] <= 0)
        return false;
      int64_t d = code[++i], &a = stack[depth - 1];
      a = a / d - ((a % d != 0) && (a < 0));
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

bool resolveGemm(const art::GemmCall &g, const std::vector<int64_t> &dims,
                 art::GemmCall &out) {
  out = g;
  for (const auto &[field, program] : g.symbolic()) {
    int64_t v;
    // The stored field is the largest value, what the manifest's geometry
    // was validated with: a call's value must not exceed it.
    if (!evaluateSize(program, dims, v))
      return false;
    int64_t most = field == "m"          ? g.m()
                   : field == "n"        ? g.n()
                   : field == "k"        ? g.k()
                   : field == "lda"      ? g.lda()
                   : field == "ldb"      ? g.ldb()
                   : field == "ldc"      ? g.ldc()
                   : field == "batch"    ? g.batch()
                   : field == "stride_a" ? g.stride_a()
                   : field == "stride_b" ? g.stride_b()
                   : field == "stride_c" ? g.stride_c()
                                         : -1;
    if (v > most)
      return false;
    if (field == "m")
      out.set_m(v);
    else if (field == "n")
      out.set_n(v);
    else if (field == "k")
      out.set_k(v);
    else if (field == "lda")
      out.set_lda(v);
    else if (field == "ldb")
      out.set_ldb(v);
    else if (field == "ldc")
      out.set_ldc(v);
    else if (field == "batch")
      out.set_batch(v);
    else if (field == "stride_a")
      out.set_stride_a(v);
    else if (field == "stride_b")
      out.set_stride_b(v);
    else if (field == "stride_c")
      out.set_stride_c(v);
    else
      return false;
  }
  return true;
}

bool resolveConv(const art::ConvCall &c, const std::vector<int64_t> &dims,
                 art::ConvCall &out) {
  out = c;
  for (const auto &[field, program] : c.symbolic()) {
    int64_t v;
    if (!evaluateSize(program, dims, v))
      return false;
    // At most the stored (largest, validated) value, as for GEMMs.
    int k = field.empty() ? 0 : field.back() - '0';
    int64_t most = field == "batch"          ? c.batch()
                   : field == "in_channels"  ? c.in_channels()
                   : field == "out_channels" ? c.out_channels()
                   : field.compare(0, 7, "in_size") == 0 && k >= 0 &&
                           k < c.in_size_size()
                       ? c.in_size(k)
                   : field.compare(0, 8, "out_size") == 0 && k >= 0 &&
                           k < c.out_size_size()
                       ? c.out_size(k)
                       : -1;
    if (v > most)
      return false;
    if (field == "batch")
      out.set_batch(v);
    else if (field == "in_channels")
      out.set_in_channels(v);
    else if (field == "out_channels")
      out.set_out_channels(v);
    else if (field.size() == 8 && field.compare(0, 7, "in_size") == 0 &&
             field[7] - '0' < out.in_size_size() && field[7] >= '0')
      out.set_in_size(field[7] - '0', v);
    else if (field.size() == 9 && field.compare(0, 8, "out_size") == 0 &&
             field[8] - '0' < out.out_size_size() && field[8] >= '0')
      out.set_out_size(field[8] - '0', v);
    else
      return false;
  }
  return true;
}

int64_t launchGrid(const art::Step &s, const std::vector<int64_t> &dims) {
  int64_t blocks;
  if (!s.has_grid() || !evaluateSize(s.grid(), dims, blocks))
    return s.grid_x();
  return std::max<int64_t>(1, std::min<int64_t>(blocks, s.grid_x()));
}

} // namespace ingot::runtime
