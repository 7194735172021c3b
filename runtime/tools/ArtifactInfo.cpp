//===- ArtifactInfo.cpp - ingot-run --info --------------------------------===//
#include "ArtifactInfo.h"

#include "ArtifactFormat.h"
#include "ingot/kernel_abi.h"
#include "ingot/runtime.h"
#include "proto/manifest.pb.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <vector>

using namespace ingot;
namespace art = ingot::artifact;

static const char *dtypeName(art::DataType t) {
  int i = static_cast<int>(t);
  // ingot_dtype mirrors the manifest's DataType numbering.
  return i > 0 && i <= INGOT_BOOL
             ? ingot_dtype_name(static_cast<ingot_dtype>(i))
             : "invalid";
}

/// [1, 3, 32, 32], with the ONNX model's symbolic names where it had them:
/// [batch=1, 3, 32, 32].
/// A size program (manifest.proto) as text with the dims' names:
/// "N * 12", "(W + 3) / 4".
static std::string sizeText(const art::SizeProgram &p, const art::Manifest &m) {
  std::vector<std::string> stack;
  const auto &c = p.code();
  for (int i = 0; i < c.size(); ++i) {
    int64_t op = c[i], operand = i + 1 < c.size() ? c[i + 1] : 0;
    if (op == 0 || op == 1) {
      ++i;
      stack.push_back(op == 0 ? std::to_string(operand)
                      : operand >= 0 && operand < m.dims_size()
                          ? m.dims(static_cast<int>(operand)).name()
                          : "?");
    } else if ((op == 2 || op == 3) && stack.size() >= 2) {
      std::string b = stack.back();
      stack.pop_back();
      std::string &a = stack.back();
      if (op == 3 && a == "1")
        a = b;
      else if (op == 3 && b != "1")
        a = a + " * " + b;
      else if (op == 2)
        a = a + " + " + b;
    } else if (op == 4 && !stack.empty()) {
      ++i;
      stack.back() = "(" + stack.back() + ") / " + std::to_string(operand);
    } else {
      return "?";
    }
  }
  return stack.size() == 1 ? stack[0] : "?";
}

static std::string shapeText(const art::TensorInfo &t, const art::Manifest &m) {
  std::string s = "[";
  for (int i = 0; i < t.shape_size(); ++i) {
    s += i ? ", " : "";
    if (t.shape(i) < 0 && i < t.sizes_size()) {
      s += sizeText(t.sizes(i), m);
      continue;
    }
    if (i < t.dim_params_size() && !t.dim_params(i).empty())
      s += t.dim_params(i) + "=";
    s += std::to_string(t.shape(i));
  }
  return s + "]";
}

void tools::printArtifactInfo(const std::string &path, std::ostream &os) {
  // Like ingot_model_load: only regular files (a FIFO would block, a device
  // such as /dev/zero never ends).
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw std::runtime_error("cannot open '" + path + "'");
  if (!S_ISREG(st.st_mode))
    throw std::runtime_error("'" + path + "' is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open '" + path + "'");
  std::vector<uint8_t> image((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  std::vector<art::Section> sections;
  std::string error;
  if (!art::readImage(image.data(), image.size(), sections, error))
    throw std::runtime_error(path + ": " + error);
  uint32_t format =
      image[8] | image[9] << 8 | image[10] << 16 | uint32_t(image[11]) << 24;
  art::Manifest m;
  uint64_t codeBytes = 0;
  bool haveManifest = false;
  for (const art::Section &s : sections) {
    if (s.kind == art::SectionKind::Manifest)
      haveManifest = m.ParseFromArray(s.data, static_cast<int>(s.size));
    else if (s.kind == art::SectionKind::HostObject ||
             s.kind == art::SectionKind::CudaFatbin)
      codeBytes += s.size;
  }
  if (!haveManifest)
    throw std::runtime_error(path + ": no readable manifest");

  os << path << "\n";
  os << "  producer:        "
     << (m.producer().empty() ? "(not recorded)" : m.producer()) << "\n";
  os << "  target:          " << m.target() << "\n";
  os << "  format:          artifact format " << format << ", kernel ABI "
     << m.kernel_abi_version();
  if (m.kernel_abi_version() != INGOT_KERNEL_ABI_VERSION)
    os << " (this runtime has ABI " << INGOT_KERNEL_ABI_VERSION
       << ": it cannot run it)";
  os << "\n";
  auto joined = [](const auto &list) {
    std::string text;
    for (const std::string &item : list)
      text += (text.empty() ? "" : " ") + item;
    return text.empty() ? std::string("(none beyond the baseline)") : text;
  };
  if (m.target() == "cpu")
    os << "  cpu features:    " << joined(m.host_cpu_features()) << "\n";
  else
    os << "  cuda archs:      " << joined(m.cuda_archs()) << "\n";
  const std::string &precision = m.precision();
  if (precision == "fp16" || precision == "bf16")
    os << "  precision:       " << precision << ": "
       << (precision == "fp16" ? "FP16" : "BF16")
       << " tensors and GEMM/convolution data, FP32 accumulation\n";
  else if (m.target() == "cuda")
    os << "  precision:       FP32 GEMM/convolution "
       << (m.allow_tf32() ? "may use TF32 tensor cores (--tf32)"
                          : "in full FP32 (no TF32)")
       << "\n";
  else
    os << "  precision:       fp32\n";
  auto tensors = [&](const char *title, const auto &list) {
    os << "  " << title << " (" << list.size() << "):\n";
    for (const art::TensorInfo &t : list)
      os << "    " << t.name() << ": " << dtypeName(t.dtype()) << " "
         << shapeText(t, m) << "\n";
  };
  if (m.dims_size()) {
    os << "  dims (" << m.dims_size() << "):\n";
    for (const art::SymbolicDim &d : m.dims())
      os << "    " << d.name() << ": " << d.min() << " to " << d.max()
         << " (tuned for " << d.opt() << ")\n";
    for (const art::DimConstraint &c : m.constraints())
      os << "    requires " << c.text() << "\n";
  }
  tensors("inputs", m.inputs());
  tensors("outputs", m.outputs());

  unsigned library = 0, kernels = 0, copies = 0;
  for (const art::Step &s : m.steps()) {
    if (s.kind() == art::Step::COPY)
      ++copies;
    else if (s.kind() == art::Step::GEMM || s.kind() == art::Step::CONV ||
             (m.target() != "cuda" && s.region_kind() == "library"))
      ++library;
    else
      ++kernels;
  }
  os << "  steps:           " << m.steps_size() << " (" << library
     << " library calls, " << kernels << " generated kernels, " << copies
     << " copies)\n";
  // Kernels with versions the runtime picks per call, by their names
  // ("vector/scalar: 3").
  std::map<std::string, unsigned> versions;
  for (const art::Step &s : m.steps()) {
    std::string names;
    for (const art::KernelVariant &v : s.variants())
      names += (names.empty() ? "" : "/") + v.name();
    if (!names.empty())
      ++versions[names];
  }
  if (!versions.empty()) {
    os << "  kernel versions:";
    bool first = true;
    for (const auto &[names, count] : versions) {
      os << (first ? " " : ", ") << names << ": " << count;
      first = false;
    }
    os << " (picked per call)\n";
  }
  os << "  arena bytes:     " << m.arena_bytes();
  if (m.has_stats() && m.stats().intermediate_bytes())
    os << " (all intermediates without reuse: "
       << m.stats().intermediate_bytes() << ")";
  os << "\n";
  os << "  weight bytes:    " << m.weight_bytes() << "\n";
  os << "  code bytes:      " << codeBytes << "\n";
}
