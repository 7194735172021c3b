//===- TargetFeaturesTest.cpp - CPU features and CUDA architectures -------===//
//
// An artifact records the CPU features its host code was compiled for; on a
// CPU without one the load must fail naming it (it used to die with SIGILL
// in the first kernel). No second machine is needed to test that:
// INGOT_CPU_FEATURES_DISABLE makes the runtime treat features as absent.
//
//===----------------------------------------------------------------------===//
#include "TargetFeatures.h"
#include "ArtifactFormat.h"
#include "ingot/runtime.h"
#include "proto/manifest.pb.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace art = ingot::artifact;

namespace {

TEST(TargetFeatures, MacrosToFeatureNames) {
  std::vector<std::string> found = art::cpuFeaturesFromMacros(
      "#define __SSE4_2__ 1\n#define __AVX2__ 1\n#define __AVX__ 1\n"
      "#define __AVX2_EXTRA__ 1\n");
#if defined(__x86_64__)
  EXPECT_EQ(found, (std::vector<std::string>{"sse4.2", "avx", "avx2"}));
#else
  EXPECT_TRUE(found.empty());
#endif
}

TEST(TargetFeatures, UnknownOrDisabledFeaturesAreMissing) {
  EXPECT_EQ(art::missingCpuFeatures({"no-such-feature"}),
            std::vector<std::string>{"no-such-feature"});
#if defined(__x86_64__)
  // SSE3 is on every x86-64 CPU of the last twenty years.
  EXPECT_TRUE(art::missingCpuFeatures({"sse3"}).empty());
  setenv("INGOT_CPU_FEATURES_DISABLE", "avx512f,sse3", 1);
  EXPECT_EQ(art::missingCpuFeatures({"sse3"}),
            std::vector<std::string>{"sse3"});
  unsetenv("INGOT_CPU_FEATURES_DISABLE");
#endif
}

TEST(TargetFeatures, CudaArchitectures) {
  std::vector<std::string> archs = {"sm_80", "sm_90"};
  EXPECT_EQ(art::cudaArchMismatch(archs, 8, 0), "");
  EXPECT_EQ(art::cudaArchMismatch(archs, 8, 6), ""); // sm_80 SASS runs on 8.6
  EXPECT_EQ(art::cudaArchMismatch(archs, 9, 0), "");
  EXPECT_EQ(art::cudaArchMismatch(archs, 12, 0), ""); // PTX of sm_90
  std::string old = art::cudaArchMismatch(archs, 7, 5);
  EXPECT_NE(old.find("sm_80, sm_90"), std::string::npos) << old;
  EXPECT_NE(old.find("this GPU is sm_75"), std::string::npos) << old;
  EXPECT_NE(old.find("--target cuda:sm_75"), std::string::npos) << old;
  // Only SASS for sm_90, PTX for sm_90: an sm_86 GPU cannot run it.
  EXPECT_NE(art::cudaArchMismatch({"sm_90"}, 8, 6), "");
  EXPECT_EQ(art::cudaArchMismatch({}, 7, 0), ""); // not recorded: not checked
}

TEST(TargetFeatures, LoadingOnACpuWithoutAFeatureFails) {
  std::ifstream f(INGOT_TEST_ARTIFACT, std::ios::binary);
  std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(f), {});
  std::vector<art::Section> sections;
  std::string error;
  ASSERT_TRUE(art::readImage(bytes.data(), bytes.size(), sections, error));
  art::Manifest manifest;
  for (const art::Section &s : sections)
    if (s.kind == art::SectionKind::Manifest)
      ASSERT_TRUE(manifest.ParseFromArray(s.data, int(s.size)));
#if defined(__x86_64__)
  // The sample is compiled with -march=native: it records what that enables.
  ASSERT_GT(manifest.host_cpu_features_size(), 0);
#endif
  if (manifest.host_cpu_features_size() == 0)
    GTEST_SKIP() << "no CPU features recorded on this architecture";
  std::string feature =
      manifest.host_cpu_features(manifest.host_cpu_features_size() - 1);
  setenv("INGOT_CPU_FEATURES_DISABLE", feature.c_str(), 1);
  ingot_model *model = nullptr;
  ingot_status *st = ingot_model_load(INGOT_TEST_ARTIFACT, &model);
  unsetenv("INGOT_CPU_FEATURES_DISABLE");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(ingot_status_get_code(st), INGOT_UNSUPPORTED);
  std::string message = ingot_status_message(st);
  EXPECT_NE(message.find("CPU features this machine lacks: " + feature),
            std::string::npos)
      << message;
  ingot_status_free(st);
  // Without the pretence it loads.
  st = ingot_model_load(INGOT_TEST_ARTIFACT, &model);
  EXPECT_EQ(st, nullptr) << ingot_status_message(st);
  ingot_status_free(st);
  ingot_model_release(model);
}

} // namespace
