//===- ingot-run.cpp - Run a compiled model on tensors from files ---------===//
#include "ArtifactInfo.h"
#include "TensorIO.h"
#include "Version.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>

using namespace ingot;

static const char *kUsage =
    "usage: ingot-run model.ingot [options]\n"
    "       ingot-run --info model.ingot\n"
    "\n"
    "Runs a compiled model once and prints its outputs and timing.\n"
    "\n"
    "options:\n"
    "  --info                print the model's inputs, outputs, target,\n"
    "                        producer, memory and steps, and exit\n"
    "  --input NAME=FILE     input tensor from .npy or ONNX TensorProto .pb\n"
    "                        (repeatable; FILE alone binds inputs in order)\n"
    "  --inputs FILE.npz     all inputs from an .npz, by name\n"
    "  --random-inputs       fill inputs without a file with seeded random "
    "data\n"
    "  --input-shape NAME:DIMS  the shape of random input NAME (1x3x320x640)\n"
    "                        where the model takes a range of shapes\n"
    "                        (default: the largest)\n"
    "  --output-dir DIR      write each output to DIR/<name>.npy (DIR is\n"
    "                        created if needed)\n"
    "  --compare REF         compare outputs with REF (.npz by output name,\n"
    "                        or .npy/.pb for a single output)\n"
    "  --rtol R --atol A     tolerances for --compare: |x - ref| <= A + "
    "R*|ref|\n"
    "                        (default 1e-4, 1e-5)\n"
    "  --threads N           worker threads (default: one per core)\n"
    "  --quiet               print only errors and the comparison verdict\n"
    "  --version             Ingot's version, artifact format and kernel ABI\n"
    "  --help                this text\n"
    "\n"
    "INGOT_PROFILE=1 prints the run's per-step times (a single run includes\n"
    "one-time costs; ingot-bench gives steady-state figures).\n";

static std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

static Tensor randomTensor(const ingot_tensor_info &info,
                           std::vector<int64_t> shape, std::mt19937 &rng) {
  Tensor t;
  t.name = info.name;
  t.dtype = info.dtype;
  t.shape = std::move(shape);
  t.data.resize(t.count() * ingot_dtype_size(info.dtype));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (size_t i = 0; i < t.count(); ++i) {
    switch (t.dtype) {
    case INGOT_F32:
      t.as<float>()[i] = uniform(rng);
      break;
    case INGOT_F64:
      t.as<double>()[i] = uniform(rng);
      break;
    case INGOT_I64:
      t.as<int64_t>()[i] = rng() % 8;
      break;
    case INGOT_I32:
      t.as<int32_t>()[i] = rng() % 8;
      break;
    case INGOT_BOOL:
      t.as<uint8_t>()[i] = rng() % 2;
      break;
    default:
      t.data[i * ingot_dtype_size(t.dtype)] = uint8_t(rng() % 8);
    }
  }
  return t;
}

int main(int argc, char **argv) {
  std::string modelPath, outputDir, comparePath, npzInputs;
  std::vector<std::pair<std::string, std::string>> inputFiles;
  double rtol = 1e-4, atol = 1e-5;
  int threads = 0;
  bool random = false, quiet = false, info = false;
  // --input-shape: the shape of a random input where the model's dims vary.
  std::map<std::string, std::vector<int64_t>> shapes;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "ingot-run: error: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--version") {
      std::cout << tools::versionText("ingot-run");
      return 0;
    } else if (a == "--info") {
      info = true;
    } else if (a == "--input") {
      std::string v = next();
      size_t eq = v.find('=');
      inputFiles.push_back(
          eq == std::string::npos
              ? std::make_pair(std::string(), v)
              : std::make_pair(v.substr(0, eq), v.substr(eq + 1)));
    } else if (a == "--inputs")
      npzInputs = next();
    else if (a == "--random-inputs")
      random = true;
    else if (a == "--input-shape")
      tools::parseInputShape(next(), shapes);
    else if (a == "--output-dir")
      outputDir = next();
    else if (a == "--compare")
      comparePath = next();
    else if (a == "--rtol")
      rtol = std::stod(next());
    else if (a == "--atol")
      atol = std::stod(next());
    else if (a == "--threads")
      threads = std::stoi(next());
    else if (a == "--quiet")
      quiet = true;
    else if (!a.empty() && a[0] == '-') {
      std::cerr << "ingot-run: error: unknown option " << a << "\n" << kUsage;
      return 2;
    } else if (modelPath.empty())
      modelPath = a;
    else {
      std::cerr << "ingot-run: error: unexpected argument " << a << "\n";
      return 2;
    }
  }
  if (modelPath.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (info) {
    try {
      tools::printArtifactInfo(modelPath, std::cout);
      return 0;
    } catch (const std::exception &e) {
      std::cerr << "ingot-run: error: " << e.what() << "\n";
      return 1;
    }
  }
  try {
    Model model(modelPath);
    // Gather inputs in model order.
    std::vector<Tensor> inputs(model.numInputs());
    std::vector<bool> given(model.numInputs(), false);
    auto slotOf = [&](const std::string &name) -> size_t {
      std::string names;
      for (size_t k = 0; k < model.numInputs(); ++k) {
        if (name == model.input(k).name)
          return k;
        names += (k ? ", " : "") + std::string(model.input(k).name);
      }
      throw std::runtime_error("the model has no input named '" + name +
                               "' (its inputs: " + names + ")");
    };
    if (!npzInputs.empty())
      for (auto &[name, t] : tools::readNpz(npzInputs)) {
        size_t k = slotOf(name);
        inputs[k] = t;
        given[k] = true;
      }
    size_t positional = 0;
    for (auto &[name, file] : inputFiles) {
      size_t k = name.empty() ? positional++ : slotOf(name);
      if (k >= inputs.size())
        throw std::runtime_error("more input files than model inputs");
      inputs[k] = tools::readTensorFile(file);
      given[k] = true;
    }
    std::mt19937 rng(1234);
    for (size_t k = 0; k < inputs.size(); ++k) {
      ingot_tensor_info info = model.input(k);
      if (!given[k]) {
        if (!random)
          throw std::runtime_error(
              std::string("no data for input '") + info.name +
              "' (use --input, --inputs or --random-inputs)");
        inputs[k] =
            randomTensor(info, tools::chooseInputShape(model, k, shapes), rng);
      }
      inputs[k].name = info.name;
    }
    Session session(model, {threads});
    auto start = std::chrono::steady_clock::now();
    std::vector<Tensor> outputs = session.run(inputs);
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    if (!quiet) {
      for (const Tensor &t : outputs) {
        std::cout << t.name << ": " << ingot_dtype_name(t.dtype) << " "
                  << shapeText(t.shape) << " = [";
        for (size_t i = 0; i < t.count() && i < 8; ++i)
          std::cout << (i ? ", " : "") << tools::elementValue(t, i);
        std::cout << (t.count() > 8 ? ", ...]" : "]") << "\n";
      }
      // One run, the session's first: it pays one-time costs (loading the
      // library kernels, first touches of the arena and weights), so it is
      // slower than the steady state ingot-bench measures.
      std::printf("run: %.3f ms (a first run, with one-time costs; "
                  "ingot-bench measures steady-state latency)\n",
                  ms);
    }
    if (!outputDir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(outputDir, ec);
      if (ec)
        throw std::runtime_error("cannot create the output folder '" +
                                 outputDir + "': " + ec.message());
    }
    if (!outputDir.empty())
      for (const Tensor &t : outputs) {
        std::string safe = t.name;
        for (char &c : safe)
          if (c == '/' || c == ':')
            c = '_';
        tools::writeNpy(outputDir + "/" + safe + ".npy", t);
      }
    if (comparePath.empty())
      return 0;
    std::map<std::string, Tensor> refs;
    if (comparePath.size() > 4 &&
        comparePath.substr(comparePath.size() - 4) == ".npz")
      refs = tools::readNpz(comparePath);
    else if (outputs.size() == 1)
      refs[outputs[0].name] = tools::readTensorFile(comparePath);
    else
      throw std::runtime_error(
          "--compare needs an .npz for a model with several outputs");
    bool ok = true;
    for (const Tensor &t : outputs) {
      auto it = refs.find(t.name);
      if (it == refs.end() && outputs.size() == 1 && refs.size() == 1)
        it = refs.begin();
      if (it == refs.end()) {
        std::cout << "compare " << t.name << ": no reference\n";
        ok = false;
        continue;
      }
      const Tensor &r = it->second;
      if (r.shape != t.shape) {
        std::cout << "compare " << t.name << ": shape " << shapeText(t.shape)
                  << " differs from the reference " << shapeText(r.shape)
                  << "\n";
        ok = false;
        continue;
      }
      size_t bad = 0, worst = 0;
      double maxErr = 0;
      for (size_t i = 0; i < t.count(); ++i) {
        double x = tools::elementValue(t, i), y = tools::elementValue(r, i);
        double err = std::fabs(x - y);
        // Equal values (infinities included) and NaN against NaN match.
        bool nanMatch = x == y || (std::isnan(x) && std::isnan(y));
        if (!nanMatch && !(err <= atol + rtol * std::fabs(y))) {
          if (bad == 0 || err > maxErr)
            worst = i;
          ++bad;
        }
        if (!nanMatch && err > maxErr)
          maxErr = err;
      }
      std::printf("compare %s: %s, max abs error %.3g, %zu of %zu outside "
                  "rtol=%g atol=%g\n",
                  t.name.c_str(), bad ? "MISMATCH" : "ok", maxErr, bad,
                  t.count(), rtol, atol);
      if (bad)
        std::printf(
            "  first worst at flat index %zu: got %.9g, reference %.9g\n",
            worst, tools::elementValue(t, worst),
            tools::elementValue(r, worst));
      ok &= bad == 0;
    }
    return ok ? 0 : 1;
  } catch (const std::exception &e) {
    std::cerr << "ingot-run: error: " << e.what() << "\n";
    return 1;
  }
}
