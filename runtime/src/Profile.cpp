//===- Profile.cpp - INGOT_PROFILE reports --------------------------------===//
//
// A session with INGOT_PROFILE set times each step; when it ends it prints a
// table (library calls and generated kernels apart, slowest first) or writes
// a JSON document. Steps are named as everywhere else: the region id that
// `ingotc --emit=fused` prints (r12), the region kind, and the ONNX node the
// region is anchored on (the GEMM/convolution of a library region, the
// reduction of a reduction region, the last op of a loop region).
//
//===----------------------------------------------------------------------===//
#include "Profile.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace ingot::runtime;
namespace art = ingot::artifact;

ProfileMode ingot::runtime::profileModeFromEnvironment() {
  const char *setting = std::getenv("INGOT_PROFILE");
  if (!setting || !*setting || std::strcmp(setting, "0") == 0)
    return ProfileMode::Off;
  if (std::strcmp(setting, "all") == 0)
    return ProfileMode::All;
  if (std::strcmp(setting, "json") == 0)
    return ProfileMode::Json;
  return ProfileMode::Table;
}

/// The node name without MLIR's location wrapper:
/// loc("/layer1/Relu"("model.onnx":0:0)) -> /layer1/Relu.
static std::string nodeName(const std::string &name) {
  const std::string prefix = "loc(\"";
  if (name.compare(0, prefix.size(), prefix) != 0)
    return name;
  size_t end = name.find('"', prefix.size());
  return end == std::string::npos
             ? name
             : name.substr(prefix.size(), end - prefix.size());
}

/// The region id from the step's symbol, for artifacts without the step's
/// `region`: ingot_r12 and (CUDA library calls) ingot_r12_library -> r12.
static std::string regionId(const std::string &kernel) {
  std::string id = kernel;
  if (id.compare(0, 6, "ingot_") == 0)
    id.erase(0, 6);
  size_t suffix = id.find("_library");
  if (suffix != std::string::npos)
    id.erase(suffix);
  return id;
}

namespace {
enum class StepClass { Library, Kernel, Copy };

/// What one step was and what it cost.
struct StepReport {
  int index;
  StepClass cls;
  std::string id, kind, node;
  double seconds; // summed over the runs
  uint64_t bytes; // every buffer the step names, once
  uint64_t flops; // library steps: GEMM/convolution work, else 0
  // Kernels with versions: each version that ran and in how many runs.
  std::vector<std::pair<std::string, int>> versions;
  /// The kind with the versions that ran: "loop[vector]",
  /// "reduction[warp-per-row:3,block-per-row:2]".
  std::string kindWithVersions() const {
    if (versions.empty())
      return kind;
    std::string text = kind + "[";
    for (size_t k = 0; k < versions.size(); ++k)
      text +=
          (k ? "," : "") + versions[k].first +
          (versions.size() > 1 ? ":" + std::to_string(versions[k].second) : "");
    return text + "]";
  }
};
} // namespace

/// Library calls are GEMM/convolution steps: the GPU libraries' calls on
/// CUDA, the library regions (Eigen plus their epilogue) on the CPU.
static std::vector<StepReport> describeSteps(const ModelData &model,
                                             const std::vector<double> &t,
                                             int runs,
                                             const ProfileCounts *counts) {
  const auto &steps = model.manifest.steps();
  const auto &buffers = model.manifest.buffers();
  bool cpu = model.manifest.target() != "cuda";
  std::vector<StepReport> out;
  for (int i = 0; i < steps.size(); ++i) {
    const art::Step &s = steps.Get(i);
    StepReport r{i,
                 StepClass::Kernel,
                 s.region().empty() ? regionId(s.kernel()) : s.region(),
                 s.region_kind(),
                 nodeName(s.name()),
                 i < int(t.size()) ? t[i] : 0.0,
                 0,
                 s.flops()};
    if (s.kind() == art::Step::COPY) {
      r.cls = StepClass::Copy;
      r.id = "copy";
    } else if (s.kind() == art::Step::GEMM || s.kind() == art::Step::CONV) {
      r.cls = StepClass::Library;
      r.kind = s.kind() == art::Step::GEMM ? "library:gemm" : "library:conv";
    } else if (cpu && s.region_kind() == "library") {
      r.cls = StepClass::Library;
    }
    if (counts && i < int(counts->versions.size()))
      for (size_t k = 0; k < counts->versions[i].size(); ++k)
        if (counts->versions[i][k] > 0 && int(k) < s.variants_size())
          r.versions.emplace_back(s.variants(int(k)).name(),
                                  counts->versions[i][k]);
    if (counts && s.has_flops_program() && i < int(counts->flops.size()))
      r.flops = static_cast<uint64_t>(counts->flops[i] / runs); // per run
    if (counts && i < int(counts->bytes.size()))
      r.bytes = static_cast<uint64_t>(counts->bytes[i] / runs); // per run
    else
      for (uint32_t b : s.buffers())
        r.bytes += buffers.Get(b).size();
    out.push_back(std::move(r));
  }
  return out;
}

static void printTable(const std::vector<StepReport> &steps, int runs,
                       bool firstRun, size_t limit) {
  double total = 0;
  size_t timed = 0;
  for (const StepReport &s : steps)
    if (s.cls != StepClass::Copy) {
      total += s.seconds;
      ++timed;
    }
  if (firstRun)
    std::fprintf(stderr,
                 "ingot profile: 1 run, %.3f ms in %zu steps -- the first run "
                 "of the session, so it includes one-time costs (loading "
                 "library code, first touches of memory); time more runs, "
                 "e.g. with ingot-bench, for steady-state figures\n",
                 total * 1e3, timed);
  else
    std::fprintf(stderr,
                 "ingot profile: %d runs after the first, %.3f ms per run in "
                 "%zu steps\n",
                 runs, total * 1e3 / runs, timed);
  for (StepClass cls : {StepClass::Library, StepClass::Kernel}) {
    std::vector<const StepReport *> order;
    double part = 0;
    for (const StepReport &s : steps)
      if (s.cls == cls) {
        order.push_back(&s);
        part += s.seconds;
      }
    std::stable_sort(order.begin(), order.end(),
                     [](const StepReport *a, const StepReport *b) {
                       return a->seconds > b->seconds;
                     });
    std::fprintf(
        stderr, "%s: %zu steps, %.3f ms per run (%.1f%%)\n",
        cls == StepClass::Library ? "library calls" : "generated kernels",
        order.size(), part * 1e3 / runs, total > 0 ? 100 * part / total : 0.0);
    if (order.empty())
      continue;
    // Library calls also show GFLOP/s: a GEMM or convolution far below the
    // machine's peak is the step to look at.
    bool library = cls == StepClass::Library;
    std::fprintf(stderr, "  %10s %6s %12s %8s%s  %s\n", "ms/run", "share",
                 "bytes", "GB/s", library ? "   GFLOP/s" : "",
                 "region kind node");
    for (size_t k = 0; k < order.size() && k < limit; ++k) {
      const StepReport &s = *order[k];
      double seconds = s.seconds / runs;
      // A library step whose work varies with the shape has no figure.
      char gflops[16] = "";
      if (library && s.flops)
        std::snprintf(gflops, sizeof gflops, " %9.1f",
                      seconds > 0 ? s.flops / seconds * 1e-9 : 0.0);
      else if (library)
        std::snprintf(gflops, sizeof gflops, " %9s", "-");
      std::fprintf(stderr, "  %10.4f %5.1f%% %12llu %8.1f%s  %s %s %s\n",
                   seconds * 1e3, total > 0 ? 100 * s.seconds / total : 0.0,
                   static_cast<unsigned long long>(s.bytes),
                   seconds > 0 ? s.bytes / seconds * 1e-9 : 0.0, gflops,
                   s.id.c_str(), s.kindWithVersions().c_str(), s.node.c_str());
    }
  }
}

static std::string jsonString(const std::string &text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

/// One JSON document; times in milliseconds per run.
static std::string toJson(const ModelData &model,
                          const std::vector<StepReport> &steps, int runs,
                          bool firstRun, uint64_t packedBytes) {
  double total = 0;
  for (const StepReport &s : steps)
    total += s.seconds;
  char number[64];
  auto ms = [&](double seconds) {
    std::snprintf(number, sizeof number, "%.6f", seconds * 1e3 / runs);
    return std::string(number);
  };
  std::string j =
      "{\n  \"target\": " + jsonString(model.manifest.target()) +
      ",\n  \"producer\": " + jsonString(model.manifest.producer()) +
      ",\n  \"runs\": " + std::to_string(runs) +
      ",\n  \"first_run\": " + (firstRun ? "true" : "false") +
      ",\n  \"ms_per_run\": " + ms(total) +
      ",\n  \"packed_weight_bytes\": " + std::to_string(packedBytes) +
      ",\n  \"steps\": [";
  bool first = true;
  for (const StepReport &s : steps) {
    if (s.cls == StepClass::Copy)
      continue;
    j += first ? "\n" : ",\n";
    first = false;
    j += "    {\"index\": " + std::to_string(s.index) +
         ", \"region\": " + jsonString(s.id) + ", \"class\": " +
         (s.cls == StepClass::Library ? "\"library\"" : "\"kernel\"") +
         ", \"kind\": " + jsonString(s.kind) +
         ", \"node\": " + jsonString(s.node) +
         ", \"ms_per_run\": " + ms(s.seconds) +
         ", \"bytes\": " + std::to_string(s.bytes) +
         ", \"flops\": " + std::to_string(s.flops);
    if (!s.versions.empty()) {
      j += ", \"versions\": {";
      for (size_t k = 0; k < s.versions.size(); ++k)
        j += (k ? ", " : "") + jsonString(s.versions[k].first) + ": " +
             std::to_string(s.versions[k].second);
      j += "}";
    }
    j += "}";
  }
  return j + "\n  ]\n}\n";
}

void ingot::runtime::reportProfile(ProfileMode mode, const ModelData &model,
                                   const std::vector<double> &stepSeconds,
                                   int runs, bool firstRun,
                                   const ProfileCounts *counts) {
  if (mode == ProfileMode::Off || runs < 1)
    return;
  std::vector<StepReport> steps =
      describeSteps(model, stepSeconds, runs, counts);
  uint64_t packed =
      model.packedWeights ? model.packedWeights->packedBytes() : 0;
  if (mode != ProfileMode::Json) {
    printTable(steps, runs, firstRun,
               mode == ProfileMode::All ? steps.size() : 12);
    // Memory the model holds beyond its artifact (PackedGemm.h).
    if (packed)
      std::fprintf(stderr,
                   "packed weights: %llu bytes (weights multiplied by few "
                   "rows, copied once for the host GEMM)\n",
                   static_cast<unsigned long long>(packed));
    return;
  }
  // The file is rewritten by every session that ends: one process, one
  // profiled session is the case this serves (ingot-run, ingot-bench).
  const char *path = std::getenv("INGOT_PROFILE_FILE");
  std::string target = path && *path ? path : "ingot-profile.json";
  std::string text = toJson(model, steps, runs, firstRun, packed);
  if (target == "-") {
    std::fputs(text.c_str(), stderr);
    return;
  }
  FILE *f = std::fopen(target.c_str(), "w");
  bool ok = f && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f)
    ok &= std::fclose(f) == 0;
  std::fprintf(stderr,
               ok ? "ingot profile: wrote %s\n"
                  : "ingot profile: cannot write %s\n",
               target.c_str());
}
