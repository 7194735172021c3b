//===- SymbolicDims.cpp - Binding the dims of a range-of-shapes artifact --===//
//
// An artifact compiled for a range of shapes (ingotc --dim N=1:32) names
// its symbolic dims in the manifest and gives every size that depends on
// them as a postfix program (manifest.proto, SizeProgram). Each call binds
// the dims from the input shapes, checks them against their ranges and the
// graph's constraints, and evaluates the sizes: the runtime never needs the
// compiler's expressions, only these programs.
//
//===----------------------------------------------------------------------===//
#include "Internal.h"

namespace art = ingot::artifact;

namespace ingot::runtime {

namespace {

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// The name a user declared: "H" for the symbol "H/32".
std::string declaredName(const std::string &symbol) {
  return symbol.substr(0, symbol.find('/'));
}

} // namespace

ingot_status *validateSymbolicDims(const art::Manifest &mf) {
  auto invalid = [](const std::string &message) {
    return makeStatus(INGOT_INVALID_ARTIFACT, "manifest: " + message);
  };
  std::vector<int64_t> least, most = largestDims(mf);
  for (const art::SymbolicDim &d : mf.dims()) {
    if (d.min() < 1 || d.min() > d.max() || d.max() > INT32_MAX)
      return invalid("dim '" + d.name() + "' has the range " +
                     std::to_string(d.min()) + ":" + std::to_string(d.max()));
    least.push_back(d.min());
  }
  auto check = [&](const art::SizeProgram &p,
                   const std::string &what) -> ingot_status * {
    int64_t v;
    if (!evaluateSize(p, least, v) || !evaluateSize(p, most, v))
      return invalid(what + " has a malformed size program");
    return nullptr;
  };
  // A kernel's versions: a kernel step's, each condition runs at both
  // ends of the ranges, the aligned pointers are the step's, and the last
  // version runs wherever the others do not.
  auto variants = [&](const art::Step &s,
                      const std::string &label) -> ingot_status * {
    int n = s.variants_size();
    if (n && (s.kind() != art::Step::KERNEL || n > 8))
      return invalid(label + " has " + std::to_string(n) + " kernel versions");
    for (int k = 0; k < n; ++k) {
      const art::KernelVariant &v = s.variants(k);
      std::string what = label + "'s version '" + v.name() + "'";
      if (v.name().empty())
        return invalid(label + " has a version without a name");
      if (ingot_status *st = v.valid_when().code().empty()
                                 ? nullptr
                                 : check(v.valid_when(), what))
        return st;
      if (ingot_status *st = v.preferred_when().code().empty()
                                 ? nullptr
                                 : check(v.preferred_when(), what))
        return st;
      uint32_t a = v.alignment();
      if (v.aligned_size() && (a == 0 || a > 256 || (a & (a - 1)) != 0))
        return invalid(what + " has the alignment " + std::to_string(a));
      for (uint32_t p : v.aligned())
        if (p >= static_cast<uint32_t>(s.buffers_size()))
          return invalid(what + " aligns a missing buffer");
      if (k == n - 1 && (v.valid_when().code_size() || v.aligned_size() ||
                         v.preferred_when().code_size()))
        return invalid(label + "'s last version has conditions");
    }
    return nullptr;
  };
  for (const auto *list : {&mf.inputs(), &mf.outputs()})
    for (const art::TensorInfo &t : *list) {
      if (mf.dims_size() == 0 ? t.sizes_size() != 0
                              : t.sizes_size() != t.shape_size())
        return invalid("tensor '" + t.name() + "' has " +
                       std::to_string(t.sizes_size()) + " size programs for " +
                       std::to_string(t.shape_size()) + " dims");
      for (const art::SizeProgram &p : t.sizes())
        if (ingot_status *st = check(p, "tensor '" + t.name() + "'"))
          return st;
    }
  for (const art::TensorInfo &t : mf.inputs())
    for (int d = 0; d < t.sizes_size(); ++d) {
      int symbol;
      int64_t factor;
      if (t.shape(d) < 0 &&
          (!scaledDim(t.sizes(d), symbol, factor) || symbol >= mf.dims_size()))
        return invalid("input '" + t.name() + "' dim " + std::to_string(d) +
                       " varies but does not name a dim");
    }
  for (int i = 0; i < mf.buffers_size(); ++i) {
    const art::Buffer &b = mf.buffers(i);
    // The runtime re-plans the arena from the live spans: a reversed one
    // would let the buffer share memory with any other.
    if (mf.dims_size() && b.kind() == art::Buffer::ARENA &&
        (b.first_use() < 0 || b.first_use() > b.last_use()))
      return invalid("buffer " + std::to_string(i) + " has the live span " +
                     std::to_string(b.first_use()) + ":" +
                     std::to_string(b.last_use()));
    if (!b.has_bytes())
      continue;
    std::string label = "buffer " + std::to_string(i);
    if (mf.dims_size() == 0)
      return invalid(label + " has a size program, but the model no dims");
    if (ingot_status *st = check(b.bytes(), label))
      return st;
    int64_t bytes;
    if (!evaluateSize(b.bytes(), most, bytes) ||
        static_cast<uint64_t>(bytes) > b.size())
      return invalid(label + " is larger at the largest dims than planned");
  }
  // Library calls and launches whose sizes vary: every program runs, at
  // both ends of the ranges, and names a field there is.
  for (int i = 0; i < mf.steps_size(); ++i) {
    const art::Step &s = mf.steps(i);
    std::string label = "step " + std::to_string(i);
    if (s.has_grid())
      if (ingot_status *st = check(s.grid(), label + "'s grid"))
        return st;
    if (s.has_flops_program())
      if (ingot_status *st = check(s.flops_program(), label + "'s work"))
        return st;
    art::GemmCall g;
    art::ConvCall c;
    for (const std::vector<int64_t> *at : {&least, &most})
      if ((s.has_gemm() && !resolveGemm(s.gemm(), *at, g)) ||
          (s.has_conv() && !resolveConv(s.conv(), *at, c)))
        return invalid(label + " has a malformed library size program");
    if ((s.has_grid() || !s.gemm().symbolic().empty() ||
         !s.conv().symbolic().empty() || s.variants_size() ||
         s.has_flops_program()) &&
        mf.dims_size() == 0)
      return invalid(label + " has size programs, but the model no dims");
    if (ingot_status *st = variants(s, label))
      return st;
  }
  for (const art::DimConstraint &c : mf.constraints()) {
    if (ingot_status *st = check(c.value(), "constraint '" + c.text() + "'"))
      return st;
    if (c.modulus() < 0)
      return invalid("constraint '" + c.text() + "' has a negative modulus");
    if (c.modulus() == 0)
      if (ingot_status *st = check(c.equals(), "constraint '" + c.text() + "'"))
        return st;
  }
  return nullptr;
}

ingot_status *bindSymbolicDims(const ModelData &m,
                               const std::vector<const ingot_tensor *> &inputs,
                               std::vector<int64_t> &dims) {
  const art::Manifest &mf = m.manifest;
  dims.assign(mf.dims_size(), -1);
  // Which input dim bound each symbol first, and to what, for messages.
  std::vector<std::string> boundBy(mf.dims_size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const art::TensorInfo &info = mf.inputs(static_cast<int>(i));
    for (int d = 0; d < info.shape_size(); ++d) {
      int symbol;
      int64_t factor;
      if (info.shape(d) >= 0 || !scaledDim(info.sizes(d), symbol, factor))
        continue;
      int64_t v = inputs[i]->shape[d];
      const art::SymbolicDim &dim = mf.dims(symbol);
      std::string where = "input '" + info.name() + "' dimension " +
                          std::to_string(d) + " (" + declaredName(dim.name()) +
                          ")";
      if (v < dim.min() * factor || v > dim.max() * factor)
        return makeStatus(INGOT_INVALID_ARGUMENT,
                          where + " is " + std::to_string(v) +
                              ", outside the range " +
                              std::to_string(dim.min() * factor) + ":" +
                              std::to_string(dim.max() * factor) +
                              " the model was compiled for");
      if (v % factor != 0)
        return makeStatus(INGOT_INVALID_ARGUMENT,
                          where + " is " + std::to_string(v) +
                              ", but the model was compiled for multiples of " +
                              std::to_string(factor));
      if (dims[symbol] < 0) {
        dims[symbol] = v / factor;
        boundBy[symbol] = where + " is " + std::to_string(v);
      }
    }
  }
  // Dims no input names (merged into another by a broadcast) are unused.
  for (int k = 0; k < mf.dims_size(); ++k)
    if (dims[k] < 0)
      dims[k] = mf.dims(k).min();
  // Every input's shape against what the bound dims make of it: static
  // sizes, and dims the graph makes equal.
  for (size_t i = 0; i < inputs.size(); ++i) {
    const art::TensorInfo &info = mf.inputs(static_cast<int>(i));
    std::vector<int64_t> expected,
        got(inputs[i]->shape, inputs[i]->shape + info.shape_size());
    for (const art::SizeProgram &p : info.sizes()) {
      int64_t v = 0;
      evaluateSize(p, dims, v); // validated at load; dims within range
      expected.push_back(v);
    }
    if (expected != got) {
      std::string bound;
      for (int k = 0; k < mf.dims_size(); ++k)
        if (!boundBy[k].empty())
          bound += (bound.empty() ? "" : "; ") + boundBy[k];
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        "input '" + info.name() + "' must have shape " +
                            shapeText(expected) + " here (" + bound +
                            "), got " + shapeText(got));
    }
  }
  for (const art::DimConstraint &c : mf.constraints()) {
    int64_t value = 0, equals = 0;
    evaluateSize(c.value(), dims, value);
    bool ok = c.modulus() > 0
                  ? value % c.modulus() == 0
                  : evaluateSize(c.equals(), dims, equals) && value == equals;
    if (!ok)
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        "the input shapes break the model's constraint " +
                            c.text());
  }
  return nullptr;
}

} // namespace ingot::runtime
