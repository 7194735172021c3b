//===- GpuTest.cpp - The CUDA executor against the CPU, on one model ------===//
//
//   ingot-gpu-test model_cpu.ingot model_cuda.ingot
//
// Runs the same model compiled for the CPU and for CUDA on the same seeded
// inputs and compares every output (rtol 1e-4, atol 1e-5; the CPU artifact
// is itself checked against onnxruntime by the end-to-end suites). Three GPU
// runs: the first executes the steps, the second captures a CUDA graph, the
// third replays it; a fourth session runs without the graph. Exits 77 (ctest:
// skipped) when there is no usable GPU, saying why.
//
//===----------------------------------------------------------------------===//
#include "ingot/runtime.hpp"

#include <cmath>
#include <cstdio>
#include <random>

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s model_cpu.ingot model_cuda.ingot\n",
                 argv[0]);
    return 2;
  }
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
    std::vector<ingot::Tensor> inputs;
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(-1, 1);
    for (size_t k = 0; k < cpu.numInputs(); ++k) {
      ingot_tensor_info info = cpu.input(k);
      ingot::Tensor t;
      t.name = info.name;
      t.dtype = info.dtype;
      t.shape.assign(info.shape, info.shape + info.rank);
      t.data.resize(info.size_bytes);
      for (size_t i = 0; i < t.count(); ++i)
        t.as<float>()[i] = u(rng);
      inputs.push_back(t);
    }
    std::vector<ingot::Tensor> expected =
        ingot::Session(cpu, {1, 0}).run(inputs);
    int failures = 0;
    auto compare = [&](const std::vector<ingot::Tensor> &got,
                       const char *what) {
      for (size_t o = 0; o < got.size(); ++o) {
        size_t bad = 0;
        double worst = 0;
        for (size_t i = 0; i < got[o].count(); ++i) {
          double x = got[o].as<float>()[i], y = expected[o].as<float>()[i];
          double err = std::fabs(x - y);
          worst = std::max(worst, err);
          if (!(err <= 1e-5 + 1e-4 * std::fabs(y)))
            ++bad;
        }
        std::printf("%s %s: %s, max abs error %.3g (%zu of %zu outside)\n",
                    what, got[o].name.c_str(), bad ? "MISMATCH" : "ok", worst,
                    bad, got[o].count());
        failures += bad != 0;
      }
    };
    ingot::Session session(gpu, {1, 0});
    compare(session.run(inputs), "run 1 (steps)");
    compare(session.run(inputs), "run 2 (graph capture)");
    compare(session.run(inputs), "run 3 (graph replay)");
    ingot::Session plain(gpu, {1, 1});
    compare(plain.run(inputs), "no graph");
    return failures ? 1 : 0;
  } catch (const std::exception &e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
}
