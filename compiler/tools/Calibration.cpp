//===- Calibration.cpp - Activation ranges for post-training quantization -===//
#include "compiler/tools/Calibration.h"

#include "codegen/ArtifactWriter.h"
#include "codegen/HostBackend.h"
#include "codegen/HostToolchain.h"
#include "passes/Passes.h"

#include "TensorIO.h"
#include "ingot/runtime.hpp"

#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>

using namespace mlir;
using namespace ::ingot::calibration;
using llvm::errs;

namespace {
constexpr int kBins = 2048;

/// What is recorded of one activation over all samples: its extremes in a
/// first pass, then (percentile, entropy) a histogram in a second.
struct Observed {
  std::vector<std::string> nodes; // the ops that read it
  double lo = INFINITY, hi = -INFINITY;
  std::vector<double>
      histogram; // kBins over [lo, hi], or of |x| over [0, amax]
  double amax() const { return std::max(std::fabs(lo), std::fabs(hi)); }
};

/// The inputs of one run: `batch` samples from each stacked array.
using Feed = std::vector<::ingot::Tensor>;

/// Splits the calibration arrays into feeds of the model's input shapes.
bool makeFeeds(const ::ingot::Model &model, const std::string &path,
               std::vector<Feed> &feeds, std::string &error) {
  std::vector<std::string> files;
  if (llvm::sys::fs::is_directory(path)) {
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
         it.increment(ec))
      if (llvm::sys::path::extension(it->path()) == ".npz")
        files.push_back(it->path());
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      error = "no .npz file in the calibration folder '" + path + "'";
      return false;
    }
  } else {
    files.push_back(path);
  }
  for (const std::string &file : files) {
    std::map<std::string, ::ingot::Tensor> arrays;
    try {
      arrays = ::ingot::tools::readNpz(file);
    } catch (const std::exception &e) {
      error = e.what();
      return false;
    }
    int64_t runs = -1;
    std::vector<std::pair<const ::ingot::Tensor *, ingot_tensor_info>> inputs;
    for (size_t i = 0; i < model.numInputs(); ++i) {
      ingot_tensor_info info = model.input(i);
      auto it = arrays.find(info.name);
      if (it == arrays.end()) {
        error = "calibration data '" + file + "' has no array named '" +
                info.name + "' (the model's input)";
        return false;
      }
      const ::ingot::Tensor &t = it->second;
      std::vector<int64_t> want(info.shape, info.shape + info.rank);
      // Either one run's input exactly, or samples stacked along dim 0.
      bool stacked =
          info.rank > 0 && t.shape.size() == info.rank &&
          std::equal(want.begin() + 1, want.end(), t.shape.begin() + 1) &&
          want[0] > 0 && t.shape[0] % want[0] == 0;
      if (t.dtype != info.dtype || (t.shape != want && !stacked)) {
        std::string shape;
        for (int64_t d : want)
          shape += (shape.empty() ? "" : "x") + std::to_string(d);
        error = "calibration array '" + t.name + "' in '" + file +
                "' must have the input's dtype and shape " + shape +
                " (or N times its first dimension: samples stacked)";
        return false;
      }
      int64_t n = t.shape == want ? 1 : t.shape[0] / want[0];
      if (runs >= 0 && n != runs) {
        error = "calibration arrays in '" + file +
                "' stack different numbers of samples";
        return false;
      }
      runs = n;
      inputs.push_back({&t, info});
    }
    for (int64_t r = 0; r < runs; ++r) {
      Feed feed;
      for (auto &[t, info] : inputs) {
        ::ingot::Tensor slice;
        slice.name = info.name;
        slice.dtype = info.dtype;
        slice.shape.assign(info.shape, info.shape + info.rank);
        size_t bytes = info.size_bytes;
        slice.data.assign(t->data.begin() + r * bytes,
                          t->data.begin() + (r + 1) * bytes);
        feed.push_back(std::move(slice));
      }
      feeds.push_back(std::move(feed));
    }
  }
  return true;
}

/// The module with every quantizable op's activation input as an extra
/// output, named "calibration:N"; `observed` gets one entry per output.
OwningOpRef<ModuleOp> instrument(ModuleOp module,
                                 std::vector<Observed> &observed) {
  OwningOpRef<ModuleOp> clone = module.clone();
  auto func = *clone->getOps<func::FuncOp>().begin();
  llvm::MapVector<Value, std::vector<std::string>> activations;
  func.walk([&](Operation *op) {
    std::string name = mlir::ingot::quantizableNodeName(op);
    if (!name.empty())
      activations[op->getOperand(0)].push_back(name);
  });
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  unsigned first = ret.getNumOperands();
  SmallVector<Value> results(ret.getOperands());
  for (auto &[value, nodes] : activations) {
    results.push_back(value);
    observed.push_back({nodes});
  }
  ret->setOperands(results);
  mlir::ingot::updateFunctionResultTypes(func);
  Builder b(func.getContext());
  for (unsigned i = first; i < results.size(); ++i)
    func.setResultAttr(
        i, "ingot.name",
        b.getStringAttr("calibration:" + std::to_string(i - first)));
  return clone;
}

/// Compiles the instrumented module for the CPU into `artifactPath`.
bool compile(ModuleOp module, const Options &options,
             const std::string &artifactPath, std::string &error) {
  PassManager pm(module.getContext());
  mlir::ingot::codegen::LoweringOptions lowering; // FP32, the CPU
  lowering.fuseAttention = options.fuseAttention;
  mlir::ingot::codegen::buildHostLoweringPipeline(pm, lowering);
  if (failed(pm.run(module))) {
    error = "the instrumented model does not compile";
    return false;
  }
  auto func = *module.getOps<func::FuncOp>().begin();
  mlir::ingot::codegen::ExecutionPlan plan;
  std::string source;
  if (failed(mlir::ingot::codegen::generateHost(func, plan, source))) {
    error = "the instrumented model does not compile";
    return false;
  }
  mlir::ingot::codegen::HostToolchainOptions toolchain;
  toolchain.march = options.march;
  std::vector<char> object;
  if (!mlir::ingot::codegen::hostCpuFeatures(toolchain, plan.hostCpuFeatures,
                                             error) ||
      !mlir::ingot::codegen::compileHostSource(source, toolchain, object,
                                               error))
    return false;
  std::vector<uint8_t> image =
      mlir::ingot::codegen::buildArtifact(plan, object, "ingotc calibration");
  std::ofstream out(artifactPath, std::ios::binary);
  out.write(reinterpret_cast<const char *>(image.data()), image.size());
  if (!out) {
    error = "cannot write '" + artifactPath + "'";
    return false;
  }
  return true;
}

/// Runs every feed and hands each calibration output's values to `visit`.
bool runAll(::ingot::Session &session, const std::vector<Feed> &feeds,
            unsigned first, size_t count,
            const std::function<void(size_t, const float *, size_t)> &visit,
            std::string &error) {
  try {
    for (const Feed &feed : feeds) {
      std::vector<::ingot::Tensor> out = session.run(feed);
      for (size_t j = 0; j < count; ++j)
        visit(j, out[first + j].as<float>(), out[first + j].count());
    }
  } catch (const std::exception &e) {
    error = std::string("calibration run failed: ") + e.what();
    return false;
  }
  return true;
}

/// The range holding all but (1 - fraction) / 2 of the values on each side.
std::pair<double, double> percentileRange(const Observed &o, double fraction) {
  double total = 0;
  for (double c : o.histogram)
    total += c;
  double width = (o.hi - o.lo) / kBins, tail = total * (1 - fraction) / 2;
  int lower = 0, upper = kBins - 1;
  for (double seen = 0; lower < kBins - 1 && seen + o.histogram[lower] <= tail;
       ++lower)
    seen += o.histogram[lower];
  for (double seen = 0; upper > 0 && seen + o.histogram[upper] <= tail; --upper)
    seen += o.histogram[upper];
  return {o.lo + lower * width, o.lo + (upper + 1) * width};
}

/// TensorRT's entropy calibration on the histogram of |x|: the clipping
/// threshold whose `levels`-level quantization of the clipped distribution
/// is closest (KL divergence) to it.
double entropyThreshold(const Observed &o, int levels) {
  const std::vector<double> &h = o.histogram;
  double width = o.amax() / kBins, bestKl = INFINITY;
  int best = kBins;
  for (int i = levels; i <= kBins; ++i) {
    // P: the first i bins, the clipped tail folded into the last.
    std::vector<double> p(h.begin(), h.begin() + i);
    for (int k = i; k < kBins; ++k)
      p[i - 1] += h[k];
    // Q: the first i bins merged into `levels` levels, each spread back
    // evenly over its non-empty bins.
    std::vector<double> q(i, 0.0);
    for (int level = 0; level < levels; ++level) {
      int begin = level * i / levels, end = (level + 1) * i / levels;
      double sum = 0;
      int nonEmpty = 0;
      for (int k = begin; k < end; ++k) {
        sum += h[k];
        nonEmpty += h[k] > 0;
      }
      for (int k = begin; k < end; ++k)
        if (h[k] > 0)
          q[k] = sum / nonEmpty;
    }
    double pSum = 0, qSum = 0, kl = 0;
    for (int k = 0; k < i; ++k) {
      pSum += p[k];
      qSum += q[k];
    }
    for (int k = 0; k < i; ++k)
      if (p[k] > 0)
        kl += q[k] > 0 ? p[k] / pSum * std::log((p[k] / pSum) / (q[k] / qSum))
                       : p[k] / pSum * 30.0; // a level with no mass: large
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return (best + 0.5) * width;
}
} // namespace

bool ::ingot::calibration::calibrate(ModuleOp module, const Options &options,
                                     Ranges &ranges, std::string &error) {
  if (options.method != "minmax" && options.method != "percentile" &&
      options.method != "entropy") {
    error = "unknown --calibration '" + options.method +
            "' (supported: minmax, percentile, entropy)";
    return false;
  }
  std::vector<Observed> observed;
  OwningOpRef<ModuleOp> instrumented = instrument(module, observed);
  if (observed.empty()) {
    error = "the model has no convolution, GEMM or matmul with constant FP32 "
            "weights to quantize (a model quantized already compiles "
            "without --quantize)";
    return false;
  }
  // Ranges are keyed by node name: two ops of one name would share one.
  std::map<std::string, int> uses;
  for (const Observed &o : observed)
    for (const std::string &node : o.nodes)
      if (++uses[node] == 2) {
        error = "two quantizable ops share the node name '" + node +
                "': the calibration table cannot tell them apart (give the "
                "nodes unique names)";
        return false;
      }
  auto func = *instrumented->getOps<func::FuncOp>().begin();
  unsigned first = func.getNumResults() - observed.size();

  llvm::SmallString<128> artifact;
  if (llvm::sys::fs::createTemporaryFile("ingotc-calibration", "ingot",
                                         artifact)) {
    error = "cannot create a temporary file";
    return false;
  }
  struct Remove {
    std::string path;
    ~Remove() { llvm::sys::fs::remove(path); }
  } remove{std::string(artifact.str())};
  if (!compile(*instrumented, options, std::string(artifact.str()), error))
    return false;

  try {
    ::ingot::Model model{std::string(artifact.str())};
    std::vector<Feed> feeds;
    if (!makeFeeds(model, options.data, feeds, error))
      return false;
    ::ingot::Session session(model);
    errs() << "ingotc: calibrating " << observed.size() << " activations on "
           << feeds.size() << " runs (" << options.method << ")\n";
    auto extremes = [&](size_t j, const float *v, size_t n) {
      for (size_t k = 0; k < n; ++k)
        if (v[k] == v[k]) {
          observed[j].lo = std::min(observed[j].lo, double(v[k]));
          observed[j].hi = std::max(observed[j].hi, double(v[k]));
        }
    };
    if (!runAll(session, feeds, first, observed.size(), extremes, error))
      return false;
    if (options.method != "minmax") {
      bool absolute = options.method == "entropy";
      for (Observed &o : observed)
        o.histogram.assign(kBins, 0.0);
      auto count = [&](size_t j, const float *v, size_t n) {
        Observed &o = observed[j];
        double base = absolute ? 0.0 : o.lo;
        double span = (absolute ? o.amax() : o.hi - o.lo);
        if (!(span > 0))
          return;
        for (size_t k = 0; k < n; ++k) {
          if (v[k] != v[k])
            continue;
          double x = absolute ? std::fabs(v[k]) : v[k];
          int bin = static_cast<int>((x - base) / span * kBins);
          o.histogram[std::min(std::max(bin, 0), kBins - 1)] += 1;
        }
      };
      if (!runAll(session, feeds, first, observed.size(), count, error))
        return false;
    }
  } catch (const std::exception &e) {
    error = std::string("calibration: ") + e.what();
    return false;
  }

  for (Observed &o : observed) {
    if (!std::isfinite(o.lo)) // no finite value seen
      o.lo = o.hi = 0;
    std::pair<double, double> range = {o.lo, o.hi};
    bool spread = o.hi > o.lo;
    if (options.method == "percentile" && spread)
      range = percentileRange(o, 0.9999);
    if (options.method == "entropy" && spread) {
      // uint8 activations: 255 levels for one-sided data, ~128 a side.
      double t = entropyThreshold(o, o.lo >= 0 ? 255 : 128);
      range = {std::max(o.lo, -t), std::min(o.hi, t)};
    }
    for (const std::string &node : o.nodes)
      ranges[node] = range;
  }
  return true;
}

bool ::ingot::calibration::writeTable(const std::string &path,
                                      const Ranges &ranges,
                                      const std::string &method,
                                      std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    error =
        "cannot write the calibration table '" + path + "': " + ec.message();
    return false;
  }
  os << "# Ingot calibration table (ingotc --calibration-table): one line per\n"
     << "# quantized op, NODE MIN MAX, the FP32 range of its activation input\n"
     << "# (" << method << ").\n";
  for (const auto &[node, range] : ranges)
    os << node << " " << llvm::format("%.9g", range.first) << " "
       << llvm::format("%.9g", range.second) << "\n";
  return true;
}
