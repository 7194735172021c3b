//===- CApiBoundaryTest.cpp - What callers can get wrong ------------------===//
//
// Regression tests for the C API boundary: option structs, thread limits,
// tensors whose rank exceeds their shape array, one session used from two
// threads, and files that are not artifacts at all (FIFOs, devices,
// folders). Each case used to abort, hang or read out of bounds.
//
//===----------------------------------------------------------------------===//
#include "LoadStatus.h"
#include "ingot/runtime.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

struct Result {
  ingot_status_code code = INGOT_OK;
  std::string message;
};

Result take(ingot_status *st) {
  auto [code, message] = takeStatus(st);
  return {code, message};
}

Result createWith(const ingot_session_options &options) {
  ingot::Model model(INGOT_TEST_ARTIFACT);
  ingot_session *session = nullptr;
  Result r = take(ingot_session_create(model.get(), &options, &session));
  ingot_session_release(session);
  return r;
}

TEST(CApiBoundary, ThreadCountOverTheLimit) {
  // Used to throw std::system_error through extern "C" (abort).
  ingot_session_options options;
  ingot_session_options_init(&options);
  options.num_threads = INT_MAX;
  Result r = createWith(options);
  EXPECT_EQ(r.code, INGOT_INVALID_ARGUMENT);
  EXPECT_NE(r.message.find("num_threads"), std::string::npos) << r.message;
  options.num_threads = -1;
  EXPECT_EQ(createWith(options).code, INGOT_INVALID_ARGUMENT);
}

TEST(CApiBoundary, OptionsNeedInit) {
  ingot_session_options options{}; // struct_size 0: not initialised
  options.num_threads = 1;
  Result r = createWith(options);
  EXPECT_EQ(r.code, INGOT_INVALID_ARGUMENT);
  EXPECT_NE(r.message.find("ingot_session_options_init"), std::string::npos)
      << r.message;
}

TEST(CApiBoundary, OptionsFromNewerAndOlderHeaders) {
  // A struct larger than this runtime knows: refused, not half-read.
  struct Newer {
    ingot_session_options known;
    int futureField;
  } newer{};
  ingot_session_options_init(&newer.known);
  newer.known.struct_size = sizeof newer;
  EXPECT_EQ(createWith(newer.known).code, INGOT_UNSUPPORTED);
  // A shorter one (an older header without no_cuda_graph): the missing
  // field keeps its default.
  ingot_session_options older;
  ingot_session_options_init(&older);
  older.num_threads = 1;
  older.no_cuda_graph = 12345; // beyond struct_size: must not be read
  older.struct_size = offsetof(ingot_session_options, no_cuda_graph);
  Result r = createWith(older);
  EXPECT_EQ(r.code, INGOT_OK) << r.message;
}

TEST(CApiBoundary, RankLargerThanShapeArray) {
  // The error message used to print `rank` entries of a 4-entry array.
  ingot::Model model(INGOT_TEST_ARTIFACT);
  ingot::Session session(model, {1});
  ingot_tensor_info info = model.input(0);
  std::vector<uint8_t> data(info.size_bytes);
  int64_t shape[4] = {2, 3, 32, 32};
  ingot_tensor in = {info.name,       INGOT_F32,   shape,
                     size_t(1) << 20, data.data(), data.size()};
  ingot_tensor out = {};
  Result r = take(ingot_session_run(session.get(), &in, 1, &out, 1));
  EXPECT_EQ(r.code, INGOT_INVALID_ARGUMENT);
  EXPECT_NE(r.message.find("got rank 1048576"), std::string::npos) << r.message;
}

TEST(CApiBoundary, OneSessionFromTwoThreads) {
  // Two threads sharing a session used to crash every model. Now a call
  // that overlaps another is refused, and every call that runs computes the
  // same result as a session of its own.
  ingot::Model model(INGOT_TEST_ARTIFACT);
  ingot_tensor_info info = model.input(0), outInfo = model.output(0);
  std::vector<float> input(info.size_bytes / 4);
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = float(i % 17) / 17.0f - 0.5f;
  ingot_tensor in = {info.name, info.dtype,   info.shape,
                     info.rank, input.data(), info.size_bytes};
  std::vector<float> reference(outInfo.size_bytes / 4);
  {
    ingot::Session own(model, {1});
    ingot_tensor out = {nullptr, outInfo.dtype,    nullptr,
                        0,       reference.data(), outInfo.size_bytes};
    ASSERT_EQ(take(ingot_session_run(own.get(), &in, 1, &out, 1)).code,
              INGOT_OK);
  }
  ingot::Session shared(model, {1});
  std::atomic<int> ran{0}, refused{0}, wrong{0}, otherErrors{0};
  auto worker = [&] {
    std::vector<float> result(reference.size());
    for (int k = 0; k < 300; ++k) {
      ingot_tensor out = {nullptr, outInfo.dtype, nullptr,
                          0,       result.data(), outInfo.size_bytes};
      Result r = take(ingot_session_run(shared.get(), &in, 1, &out, 1));
      if (r.code == INGOT_OK) {
        ++ran;
        wrong += result != reference;
      } else if (r.message.find("already running") != std::string::npos) {
        ++refused;
      } else {
        ++otherErrors;
      }
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(otherErrors.load(), 0);
  EXPECT_EQ(ran + refused, 600);
  EXPECT_GT(ran.load(), 0);
  std::printf("shared session: %d runs, %d refused as concurrent\n", ran.load(),
              refused.load());
}

Result loadFile(const std::string &path) {
  ingot_model *model = nullptr;
  Result r = take(ingot_model_load(path.c_str(), &model));
  ingot_model_release(model);
  return r;
}

TEST(CApiBoundary, SpecialFilesAreNotRead) {
  // /dev/zero used to be read without end, a FIFO to block forever.
  Result zero = loadFile("/dev/zero");
  EXPECT_EQ(zero.code, INGOT_IO_ERROR);
  EXPECT_NE(zero.message.find("not a regular file"), std::string::npos)
      << zero.message;
  char dir[] = "/tmp/ingot-capi-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  Result folder = loadFile(dir);
  EXPECT_EQ(folder.code, INGOT_IO_ERROR) << folder.message;
  std::string fifo = std::string(dir) + "/pipe.ingot";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Result pipe = loadFile(fifo);
  EXPECT_EQ(pipe.code, INGOT_IO_ERROR);
  EXPECT_NE(pipe.message.find("not a regular file"), std::string::npos)
      << pipe.message;
  unlink(fifo.c_str());
  rmdir(dir);
}

} // namespace
