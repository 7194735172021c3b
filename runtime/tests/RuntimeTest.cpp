//===- RuntimeTest.cpp - The runtime's C API on a compiled sample model ---===//
//
// INGOT_TEST_ARTIFACT is examples/models/tiny_cnn.onnx compiled by ingotc at
// build time (batch 2). References are computed by the runtime itself in a
// single-threaded session; what these tests check is the API contract
// (errors, sharing, concurrency), while numerical correctness against
// onnxruntime is covered by the end-to-end suites.
//
//===----------------------------------------------------------------------===//
#include "ingot/runtime.hpp"
#include "LoadStatus.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

namespace {

std::vector<uint8_t> readArtifact() {
  std::ifstream f(INGOT_TEST_ARTIFACT, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

ingot::Tensor randomInput(const ingot::Model &model, unsigned seed) {
  ingot_tensor_info info = model.input(0);
  ingot::Tensor t;
  t.name = info.name;
  t.dtype = info.dtype;
  t.shape.assign(info.shape, info.shape + info.rank);
  t.data.resize(info.size_bytes);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  for (size_t i = 0; i < t.count(); ++i)
    t.as<float>()[i] = u(rng);
  return t;
}

TEST(Runtime, DescribesModel) {
  ingot::Model model(INGOT_TEST_ARTIFACT);
  ASSERT_EQ(model.numInputs(), 1u);
  ASSERT_EQ(model.numOutputs(), 1u);
  ingot_tensor_info in = model.input(0), out = model.output(0);
  EXPECT_STREQ(in.name, "input");
  EXPECT_EQ(in.dtype, INGOT_F32);
  ASSERT_EQ(in.rank, 4u);
  EXPECT_EQ(in.shape[0], 2);
  EXPECT_EQ(in.shape[1], 3);
  EXPECT_EQ(in.size_bytes, 2u * 3 * 32 * 32 * 4);
  EXPECT_STREQ(out.name, "probs");
  EXPECT_EQ(out.shape[1], 10);
  EXPECT_GT(ingot_model_arena_bytes(model.get()), 0u);
}

TEST(Runtime, OutputsAreProbabilities) {
  ingot::Model model(INGOT_TEST_ARTIFACT);
  ingot::Session session(model, {1});
  std::vector<ingot::Tensor> out = session.run({randomInput(model, 1)});
  ASSERT_EQ(out.size(), 1u);
  // Softmax rows: positive and summing to one (a property of the model, not
  // of our own numbers).
  for (int row = 0; row < 2; ++row) {
    float sum = 0;
    for (int k = 0; k < 10; ++k) {
      float p = out[0].as<float>()[row * 10 + k];
      EXPECT_GT(p, 0.0f);
      sum += p;
    }
    EXPECT_NEAR(sum, 1.0f, 1e-5);
  }
}

TEST(Runtime, CallerProvidedAndRuntimeAllocatedOutputsAgree) {
  ingot::Model model(INGOT_TEST_ARTIFACT);
  ingot::Session session(model, {2});
  ingot::Tensor input = randomInput(model, 2);
  std::vector<ingot::Tensor> owned = session.run({input});
  std::vector<float> mine(20, -1.0f);
  ingot_tensor in = {"input", INGOT_F32,         input.shape.data(),
                     4,       input.data.data(), input.data.size()};
  ingot_tensor out = {nullptr, INGOT_F32,   nullptr,
                      0,       mine.data(), mine.size() * sizeof(float)};
  ingot::check(ingot_session_run(session.get(), &in, 1, &out, 1));
  EXPECT_EQ(
      0, std::memcmp(mine.data(), owned[0].data.data(), owned[0].data.size()));
  EXPECT_STREQ(out.name, "probs");
}

TEST(Runtime, RejectsTruncatedArtifact) {
  std::vector<uint8_t> bytes = readArtifact();
  bytes.resize(bytes.size() / 2);
  auto [code, message] = loadStatus(bytes);
  EXPECT_EQ(code, INGOT_INVALID_ARTIFACT);
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(Runtime, RejectsCorruptArtifact) {
  std::vector<uint8_t> bytes = readArtifact();
  bytes[bytes.size() - 100] ^= 0x5a; // inside the last section
  auto [code, message] = loadStatus(bytes);
  EXPECT_EQ(code, INGOT_INVALID_ARTIFACT);
  EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
}

TEST(Runtime, RejectsNewerFormat) {
  std::vector<uint8_t> bytes = readArtifact();
  uint32_t version = 99;
  std::memcpy(bytes.data() + 8, &version, 4);
  auto [code, message] = loadStatus(bytes);
  EXPECT_EQ(code, INGOT_INVALID_ARTIFACT);
  EXPECT_NE(message.find("newer than this runtime supports"), std::string::npos)
      << message;
}

TEST(Runtime, RejectsWhatIsNotAnArtifact) {
  std::vector<uint8_t> bytes(100, 'x');
  auto [code, message] = loadStatus(bytes);
  EXPECT_EQ(code, INGOT_INVALID_ARTIFACT);
  EXPECT_NE(message.find("not an Ingot artifact"), std::string::npos)
      << message;
  ingot_model *model = nullptr;
  ingot_status *st = ingot_model_load("/nonexistent/model.ingot", &model);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(ingot_status_get_code(st), INGOT_IO_ERROR);
  ingot_status_free(st);
}

/// Runs with one modified input tensor and returns the error message.
std::string runError(ingot::Session &session, ingot_tensor in,
                     size_t count = 1) {
  std::vector<float> out(20);
  ingot_tensor o = {nullptr, INGOT_F32, nullptr, 0, out.data(), out.size() * 4};
  ingot_status *st = ingot_session_run(session.get(), &in, count, &o, 1);
  if (!st)
    return "";
  EXPECT_EQ(ingot_status_get_code(st), INGOT_INVALID_ARGUMENT);
  std::string message = ingot_status_message(st);
  ingot_status_free(st);
  return message;
}

TEST(Runtime, RejectsWrongInputs) {
  ingot::Model model(INGOT_TEST_ARTIFACT);
  ingot::Session session(model, {1});
  ingot::Tensor input = randomInput(model, 3);
  ingot_tensor good = {"input", INGOT_F32,         input.shape.data(),
                       4,       input.data.data(), input.data.size()};
  EXPECT_EQ(runError(session, good), "");
  EXPECT_NE(runError(session, good, 0).find("expected 1 input(s), got 0"),
            std::string::npos);
  ingot_tensor t = good;
  t.name = "image";
  EXPECT_NE(
      runError(session, t).find("no model input named 'image' (inputs: input)"),
      std::string::npos);
  t = good;
  t.dtype = INGOT_F64;
  EXPECT_NE(runError(session, t).find("must be float32, got float64"),
            std::string::npos);
  int64_t shape[4] = {1, 3, 32, 32};
  t = good;
  t.shape = shape;
  EXPECT_NE(runError(session, t)
                .find("must have shape [2, 3, 32, 32], got [1, 3, 32, 32]"),
            std::string::npos);
  t = good;
  t.size_bytes -= 4;
  EXPECT_NE(runError(session, t).find("bytes of data"), std::string::npos);
  std::vector<float> small(5);
  ingot_tensor o = {nullptr, INGOT_F32,    nullptr,
                    0,       small.data(), small.size() * 4};
  ingot_status *st = ingot_session_run(session.get(), &good, 1, &o, 1);
  ASSERT_NE(st, nullptr);
  EXPECT_NE(std::string(ingot_status_message(st))
                .find("output 'probs' needs 80 bytes"),
            std::string::npos);
  ingot_status_free(st);
}

// A loaded model is shared by sessions running in their own threads: 4
// threads x 50 runs, each with its own inputs, every result checked against
// a single-threaded reference for the same inputs.
TEST(Runtime, ConcurrentSessionsShareOneModel) {
  ingot::Model model(INGOT_TEST_ARTIFACT);
  constexpr int kThreads = 4, kRuns = 50;
  std::vector<ingot::Tensor> inputs;
  std::vector<std::vector<uint8_t>> expected;
  {
    ingot::Session reference(model, {1});
    for (int i = 0; i < 8; ++i) {
      inputs.push_back(randomInput(model, 100 + i));
      expected.push_back(reference.run({inputs.back()})[0].data);
    }
  }
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ingot::Session session(model, {1});
      for (int r = 0; r < kRuns; ++r) {
        int which = (t * 7 + r) % static_cast<int>(inputs.size());
        if (session.run({inputs[which]})[0].data != expected[which])
          ++mismatches[t];
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

} // namespace
