//===- SizeProgramsTest.cpp - Size programs and kernel versions -----------===//
//
// The postfix programs of an artifact for a range of shapes, as the runtime
// and the CUDA emulation evaluate them: the condition codes (remainder,
// less-or-equal, and, or) and the choice of a kernel's version per call
// (manifest.proto, KernelVariant).
//
//===----------------------------------------------------------------------===//
#include "SizePrograms.h"

#include <gtest/gtest.h>

namespace art = ingot::artifact;
using ingot::runtime::chooseVariant;
using ingot::runtime::evaluateSize;

namespace {

art::SizeProgram program(std::initializer_list<int64_t> code) {
  art::SizeProgram p;
  for (int64_t c : code)
    p.add_code(c);
  return p;
}

int64_t evaluated(std::initializer_list<int64_t> code,
                  const std::vector<int64_t> &dims) {
  int64_t v = -1;
  EXPECT_TRUE(evaluateSize(program(code), dims, v));
  return v;
}

// Codes: 0 K push constant, 1 D push dim, 2 add, 3 multiply, 4 K floor
// divide, 5 K remainder, 6 less-or-equal, 7 and, 8 or.
TEST(SizePrograms, ConditionCodes) {
  // 3 * N % 4, at N = 1..5.
  std::vector<int64_t> expected = {3, 2, 1, 0, 3};
  for (int64_t n = 1; n <= 5; ++n)
    EXPECT_EQ(evaluated({0, 3, 1, 0, 3, 5, 4}, {n}), expected[n - 1]) << n;
  // Remainder is the floor division's: (N - 5) % 4 at N = 2 is 1.
  EXPECT_EQ(evaluated({1, 0, 0, -5, 2, 5, 4}, {2}), 1);
  // N <= 256 at 256 and 257.
  EXPECT_EQ(evaluated({1, 0, 0, 256, 6}, {256}), 1);
  EXPECT_EQ(evaluated({1, 0, 0, 256, 6}, {257}), 0);
  // and / or of 0/1 values.
  EXPECT_EQ(evaluated({0, 1, 0, 0, 7}, {}), 0);
  EXPECT_EQ(evaluated({0, 1, 0, 1, 7}, {}), 1);
  EXPECT_EQ(evaluated({0, 0, 0, 0, 8}, {}), 0);
  EXPECT_EQ(evaluated({0, 0, 0, 1, 8}, {}), 1);
  // Malformed: remainder by 0, a comparison of one value.
  int64_t v;
  EXPECT_FALSE(evaluateSize(program({0, 3, 5, 0}), {}, v));
  EXPECT_FALSE(evaluateSize(program({0, 3, 6}), {}, v));
}

/// A loop kernel's two versions, as the compiler writes them: vector when
/// N * 3 is a multiple of 4 and buffers 0 and 1 are 16-byte aligned.
art::Step vectorOrScalar() {
  art::Step s;
  s.set_kind(art::Step::KERNEL);
  art::KernelVariant *vector = s.add_variants();
  vector->set_name("vector");
  *vector->mutable_valid_when() = program({0, 3, 1, 0, 3, 5, 4, 0, 0, 6});
  vector->add_aligned(0);
  vector->add_aligned(1);
  vector->set_alignment(16);
  s.add_variants()->set_name("scalar");
  return s;
}

/// A reduction's: warp per row preferred where rows (dim 1) >= 256 and
/// the row (dim 0) <= 256.
art::Step warpOrBlock() {
  art::Step s;
  s.set_kind(art::Step::KERNEL);
  art::KernelVariant *warp = s.add_variants();
  warp->set_name("warp-per-row");
  *warp->mutable_preferred_when() =
      program({1, 0, 0, 256, 6, 0, 256, 1, 1, 6, 7});
  s.add_variants()->set_name("block-per-row");
  return s;
}

TEST(SizePrograms, KernelVersionPerCall) {
  art::Step loop = vectorOrScalar();
  std::vector<uint64_t> aligned = {4096, 8192}, offset = {4096, 8196};
  EXPECT_EQ(chooseVariant(loop, {4}, aligned), 0); // 12 elements
  EXPECT_EQ(chooseVariant(loop, {5}, aligned), 1); // 15
  EXPECT_EQ(chooseVariant(loop, {4}, offset), 1);  // a misaligned pointer
  EXPECT_EQ(chooseVariant(loop, {4}, {4096}), 1);  // a missing pointer
  // Forcing takes a version only where it is valid.
  EXPECT_EQ(chooseVariant(loop, {4}, aligned, "scalar"), 1);
  EXPECT_EQ(chooseVariant(loop, {5}, aligned, "vector"), 1);
  EXPECT_EQ(chooseVariant(loop, {4}, aligned, "no-such"), 0);

  art::Step rows = warpOrBlock();
  EXPECT_EQ(chooseVariant(rows, {64, 300}, {}), 0);
  EXPECT_EQ(chooseVariant(rows, {64, 255}, {}), 1);
  EXPECT_EQ(chooseVariant(rows, {512, 300}, {}), 1);
  // A preference is not a requirement: either may be forced.
  EXPECT_EQ(chooseVariant(rows, {64, 300}, {}, "block-per-row"), 1);
  EXPECT_EQ(chooseVariant(rows, {64, 8}, {}, "warp-per-row"), 0);
  // A step without versions.
  EXPECT_EQ(chooseVariant(art::Step(), {1}, {}), -1);
}

} // namespace
