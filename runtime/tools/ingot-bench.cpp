//===- ingot-bench.cpp - Latency and throughput of a compiled model -------===//
#include "TensorIO.h"
#include "Version.h"
#include "ingot/runtime.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

using namespace ingot;

static const char *kUsage =
    "usage: ingot-bench model.ingot [--threads N] [--warmup W] [--iterations "
    "I]\n"
    "                   [--input-shape NAME:DIMS ...]\n"
    "\n"
    "Runs the model on seeded random inputs: W untimed runs, then I timed\n"
    "runs; prints latency min/p50/p90/p99 and throughput.\n"
    "  --threads N      worker threads (default: one per core)\n"
    "  --warmup W       untimed runs first (default 5)\n"
    "  --iterations I   timed runs (default 50)\n"
    "  --no-cuda-graph  CUDA artifacts: launch each step every run instead of\n"
    "                   replaying a captured CUDA graph\n"
    "  --input-shape NAME:DIMS  the shape of input NAME (1x3x320x640) where\n"
    "                   the model takes a range of shapes (default: the\n"
    "                   largest)\n"
    "  --version        Ingot's version, artifact format and kernel ABI\n"
    "\n"
    "INGOT_PROFILE=1|all|json: per-step times of the timed runs (see "
    "README).\n";

int main(int argc, char **argv) {
  std::string path;
  int threads = 0, warmup = 5, iterations = 50, noGraph = 0;
  std::map<std::string, std::vector<int64_t>> shapes; // --input-shape
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() {
      if (i + 1 >= argc) {
        std::cerr << "ingot-bench: error: " << a << " needs a value\n";
        std::exit(2);
      }
      return std::stoi(argv[++i]);
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--version") {
      std::cout << tools::versionText("ingot-bench");
      return 0;
    } else if (a == "--threads")
      threads = next();
    else if (a == "--warmup")
      warmup = next();
    else if (a == "--iterations")
      iterations = next();
    else if (a == "--no-cuda-graph")
      noGraph = 1;
    else if (a == "--input-shape") {
      if (i + 1 >= argc) {
        std::cerr << "ingot-bench: error: --input-shape needs a value\n";
        return 2;
      }
      try {
        tools::parseInputShape(argv[++i], shapes);
      } catch (const std::exception &e) {
        std::cerr << "ingot-bench: error: " << e.what() << "\n";
        return 2;
      }
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "ingot-bench: error: unknown option " << a << "\n" << kUsage;
      return 2;
    } else
      path = a;
  }
  if (path.empty() || iterations < 1 || warmup < 0) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    Model model(path);
    Session session(model, {threads, noGraph});
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(-1, 1);
    std::vector<Tensor> inputs;
    for (size_t k = 0; k < model.numInputs(); ++k) {
      ingot_tensor_info info = model.input(k);
      Tensor t;
      t.name = info.name;
      t.dtype = info.dtype;
      t.shape = tools::chooseInputShape(model, k, shapes);
      t.data.resize(t.count() * ingot_dtype_size(info.dtype));
      if (t.dtype == INGOT_F32)
        for (size_t i = 0; i < t.count(); ++i)
          t.as<float>()[i] = uniform(rng);
      inputs.push_back(std::move(t));
    }
    for (int i = 0; i < warmup; ++i)
      session.run(inputs);
    std::vector<double> ms;
    auto begin = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      session.run(inputs);
      ms.push_back(std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - t0)
                       .count());
    }
    double total =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
            .count();
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) {
      return ms[std::min(ms.size() - 1, size_t(p * (ms.size() - 1) + 0.5))];
    };
    // The count the session uses: 0 asks for one thread per core, as
    // ingot_session_create resolves it.
    int used = threads > 0 ? threads
                           : static_cast<int>(std::max(
                                 1u, std::thread::hardware_concurrency()));
    std::printf("%s: %d runs, threads=%d%s\n", path.c_str(), iterations, used,
                threads > 0 ? "" : " (one per core)");
    std::printf("latency ms: min %.3f  p50 %.3f  p90 %.3f  p99 %.3f\n",
                ms.front(), pct(0.5), pct(0.9), pct(0.99));
    std::printf("throughput: %.1f runs/s\n", iterations / total);
    return 0;
  } catch (const std::exception &e) {
    std::cerr << "ingot-bench: error: " << e.what() << "\n";
    return 1;
  }
}
