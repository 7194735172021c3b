//===- GpuTest.cpp - The CUDA executor against the CPU, on one model ------===//
//
//   ingot-gpu-test model_cpu.ingot model_cuda.ingot
//
// Runs the same model compiled for the CPU and for CUDA on the same seeded
// inputs and compares every output (rtol 1e-4, atol 1e-5; the CPU artifact
// is itself checked against onnxruntime by the end-to-end suites). Three GPU
// runs: the first executes the steps, the second captures a CUDA graph, the
// third replays it; a fourth session runs without the graph. With --shapes
// (artifacts compiled for a range of shapes) the same sessions run each
// round of shapes in turn. Exits 77 (ctest: skipped) when there is no
// usable GPU, saying why.
//
//===----------------------------------------------------------------------===//
#include "ingot/runtime.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>

/// Seeded inputs for `model` at `shapes` (NAME -> dims; the model's own
/// shape for the others).
static std::vector<ingot::Tensor>
makeInputs(const ingot::Model &model,
           const std::map<std::string, std::vector<int64_t>> &shapes,
           std::mt19937 &rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<ingot::Tensor> inputs;
  for (size_t k = 0; k < model.numInputs(); ++k) {
    ingot_tensor_info info = model.input(k);
    ingot::Tensor t;
    t.name = info.name;
    t.dtype = info.dtype;
    auto it = shapes.find(info.name);
    if (it != shapes.end())
      t.shape = it->second;
    else
      t.shape.assign(info.shape, info.shape + info.rank);
    t.data.resize(t.count() * ingot_dtype_size(info.dtype));
    for (size_t i = 0; i < t.count(); ++i)
      t.as<float>()[i] = u(rng);
    inputs.push_back(t);
  }
  return inputs;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s model_cpu.ingot model_cuda.ingot "
                 "[--shapes NAME:DIMS[,NAME:DIMS...] ...]\n"
                 "  (--shapes: the input shapes of one round, for artifacts "
                 "compiled for a range of shapes; each round runs in the same "
                 "sessions)\n",
                 argv[0]);
    return 2;
  }
  // Rounds of input shapes; one round of the models' own shapes by default.
  std::vector<std::map<std::string, std::vector<int64_t>>> rounds;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a != "--shapes" || i + 1 >= argc) {
      std::fprintf(stderr, "unknown or incomplete option %s\n", a.c_str());
      return 2;
    }
    std::map<std::string, std::vector<int64_t>> round;
    std::string list = argv[++i];
    for (size_t at = 0; at <= list.size();) {
      size_t end = list.find(',', at);
      std::string item =
          list.substr(at, end == std::string::npos ? end : end - at);
      size_t colon = item.rfind(':');
      std::vector<int64_t> dims;
      for (size_t p = colon + 1;
           colon != std::string::npos && p <= item.size();) {
        size_t x = item.find('x', p);
        dims.push_back(
            std::stoll(item.substr(p, x == std::string::npos ? x : x - p)));
        if (x == std::string::npos)
          break;
        p = x + 1;
      }
      round[item.substr(0, colon)] = dims;
      if (end == std::string::npos)
        break;
      at = end + 1;
    }
    rounds.push_back(round);
  }
  if (rounds.empty())
    rounds.emplace_back();
  ingot_model *raw = nullptr;
  ingot_status *st = ingot_model_load(argv[2], &raw);
  if (st) {
    bool noDevice = ingot_status_get_code(st) == INGOT_NO_DEVICE;
    std::printf("%s: %s\n", noDevice ? "SKIPPED (no GPU)" : "FAIL",
                ingot_status_message(st));
    ingot_status_free(st);
    return noDevice ? 77 : 1;
  }
  ingot_model_release(raw);
  try {
    ingot::Model cpu(argv[1]), gpu(argv[2]);
    std::mt19937 rng(11);
    ingot::Session cpuSession(cpu, {1, 0});
    ingot::Session session(gpu, {1, 0});
    ingot::Session plain(gpu, {1, 1});
    int failures = 0;
    for (size_t r = 0; r < rounds.size(); ++r) {
      std::vector<ingot::Tensor> inputs = makeInputs(cpu, rounds[r], rng);
      std::vector<ingot::Tensor> expected = cpuSession.run(inputs);
      std::string shape;
      for (const ingot::Tensor &t : inputs) {
        shape += (shape.empty() ? "" : ", ") + t.name + " ";
        for (size_t d = 0; d < t.shape.size(); ++d)
          shape += (d ? "x" : "") + std::to_string(t.shape[d]);
      }
      if (rounds.size() > 1)
        std::printf("round %zu: %s\n", r + 1, shape.c_str());
      auto compare = [&](const std::vector<ingot::Tensor> &got,
                         const char *what) {
        for (size_t o = 0; o < got.size(); ++o) {
          size_t bad = 0;
          double worst = 0;
          bool sameShape = got[o].shape == expected[o].shape;
          for (size_t i = 0; sameShape && i < got[o].count(); ++i) {
            double x = got[o].as<float>()[i], y = expected[o].as<float>()[i];
            double err = std::fabs(x - y);
            worst = std::max(worst, err);
            if (!(err <= 1e-5 + 1e-4 * std::fabs(y)))
              ++bad;
          }
          std::printf("%s %s: %s, max abs error %.3g (%zu of %zu outside)\n",
                      what, got[o].name.c_str(),
                      !sameShape ? "SHAPE MISMATCH"
                      : bad      ? "MISMATCH"
                                 : "ok",
                      worst, bad, got[o].count());
          failures += bad != 0 || !sameShape;
        }
      };
      // Artifacts for a range of shapes run without a graph (the runs say
      // so in their names only for static ones).
      compare(session.run(inputs), "run 1 (steps)");
      compare(session.run(inputs), "run 2 (graph capture)");
      compare(session.run(inputs), "run 3 (graph replay)");
      compare(plain.run(inputs), "no graph");
    }
    return failures ? 1 : 0;
  } catch (const std::exception &e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
}
