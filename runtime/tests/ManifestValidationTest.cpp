//===- ManifestValidationTest.cpp - Crafted manifests are refused ---------===//
//
// Each test edits the manifest of the sample artifact (tiny_cnn, batch 2,
// compiled at build time), writes a new image with correct checksums -- as an
// attacker or a buggy tool would -- and checks that loading fails with
// INGOT_INVALID_ARTIFACT and a message naming the broken rule, before any
// kernel runs. The unedited manifest, re-serialized the same way, must load:
// the failures are the edits', not the re-serialization's.
//
//===----------------------------------------------------------------------===//
#include "ArtifactFormat.h"
#include "LoadStatus.h"
#include "ingot/runtime.h"
#include "proto/manifest.pb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>

namespace art = ingot::artifact;

namespace {

struct Image {
  std::vector<uint8_t> bytes;
  std::vector<art::Section> sections;
  art::Manifest manifest;
};

Image readSample() {
  Image image;
  std::ifstream f(INGOT_TEST_ARTIFACT, std::ios::binary);
  image.bytes.assign(std::istreambuf_iterator<char>(f), {});
  std::string error;
  EXPECT_TRUE(art::readImage(image.bytes.data(), image.bytes.size(),
                             image.sections, error))
      << error;
  for (const art::Section &s : image.sections)
    if (s.kind == art::SectionKind::Manifest)
      EXPECT_TRUE(image.manifest.ParseFromArray(s.data, int(s.size)));
  return image;
}

/// Applies `edit` to the sample's manifest, rebuilds the image with valid
/// checksums, loads it and returns code + message.
std::pair<ingot_status_code, std::string>
loadEdited(const std::function<void(art::Manifest &)> &edit) {
  Image image = readSample();
  edit(image.manifest);
  std::string manifest = image.manifest.SerializeAsString();
  std::vector<art::Section> sections = image.sections;
  for (art::Section &s : sections)
    if (s.kind == art::SectionKind::Manifest) {
      s.data = reinterpret_cast<const uint8_t *>(manifest.data());
      s.size = manifest.size();
    }
  return loadStatus(art::writeImage(sections));
}

/// The edited manifest is refused as an invalid artifact, with `fragment` in
/// the message.
void expectRefused(const std::function<void(art::Manifest &)> &edit,
                   const std::string &fragment) {
  auto r = loadEdited(edit);
  EXPECT_EQ(r.first, INGOT_INVALID_ARTIFACT) << r.second;
  EXPECT_NE(r.second.find(fragment), std::string::npos) << r.second;
}
#define EXPECT_REFUSED(...)                                                    \
  do {                                                                         \
    SCOPED_TRACE("refusal");                                                   \
    expectRefused(__VA_ARGS__);                                                \
  } while (0)

/// Index of the first kernel step, and of a buffer of the given kind.
int firstKernelStep(const art::Manifest &m) {
  for (int i = 0; i < m.steps_size(); ++i)
    if (m.steps(i).kind() == art::Step::KERNEL)
      return i;
  return -1;
}

int firstBuffer(const art::Manifest &m, art::Buffer::Kind kind) {
  for (int i = 0; i < m.buffers_size(); ++i)
    if (m.buffers(i).kind() == kind)
      return i;
  return -1;
}

TEST(ManifestValidation, UneditedManifestLoads) {
  auto r = loadEdited([](art::Manifest &) {});
  EXPECT_EQ(r.first, INGOT_OK) << r.second;
}

TEST(ManifestValidation, ArenaSizeThatWouldWrap) {
  // 2^64 - 1 rounded up to 64 bytes wraps to a tiny arena.
  EXPECT_REFUSED([](art::Manifest &m) { m.set_arena_bytes(~uint64_t(0)); },
                 "arena of");
  EXPECT_REFUSED(
      [](art::Manifest &m) { m.set_arena_bytes((uint64_t(1) << 56) + 1); },
      "arena of");
}

TEST(ManifestValidation, BufferOutsideArenaOrWeights) {
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        art::Buffer *b = m.mutable_buffers(firstBuffer(m, art::Buffer::ARENA));
        b->set_offset(m.arena_bytes() - 4);
        b->set_size(8);
      },
      "lies outside the arena");
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        art::Buffer *b = m.mutable_buffers(firstBuffer(m, art::Buffer::WEIGHT));
        b->set_offset(~uint64_t(0) - 2); // offset + size wraps
        b->set_size(16);
      },
      "lies outside the weights");
}

TEST(ManifestValidation, StepWithTooFewBuffers) {
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        auto *buffers = m.mutable_steps(firstKernelStep(m))->mutable_buffers();
        buffers->erase(buffers->begin()); // drop an input, keep the output
      },
      "buffers; the kernel takes");
}

TEST(ManifestValidation, BufferSmallerThanTheKernelAccesses) {
  // Shrink the output buffer of the first kernel (in the arena, so the
  // arena check alone passes).
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        const art::Step &s = m.steps(firstKernelStep(m));
        art::Buffer *out = m.mutable_buffers(s.buffers(s.buffers_size() - 1));
        out->set_size(out->size() / 2);
      },
      "the kernel accesses");
}

TEST(ManifestValidation, StepNamesMissingBuffer) {
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        m.mutable_steps(0)->set_buffers(0, m.buffers_size() + 7);
      },
      "uses a missing buffer");
}

TEST(ManifestValidation, InvalidDtype) {
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        m.mutable_inputs(0)->set_dtype(static_cast<art::DataType>(99));
      },
      "invalid dtype");
}

TEST(ManifestValidation, ShapesWhoseByteSizeWraps) {
  // 2^62 x 4 elements x 4 bytes = 2^66 bytes: wraps to 0 in 64 bits.
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        art::TensorInfo *in = m.mutable_inputs(0);
        in->clear_shape();
        in->add_shape(int64_t(1) << 62);
        in->add_shape(4);
      },
      "byte size over 2^56");
  EXPECT_REFUSED(
      [](art::Manifest &m) { m.mutable_outputs(0)->set_shape(0, -2); },
      "negative dimension");
}

TEST(ManifestValidation, CallerBufferOfAnotherSize) {
  // The input buffer claims more bytes than the caller's tensor has.
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        art::Buffer *b = m.mutable_buffers(firstBuffer(m, art::Buffer::INPUT));
        b->set_size(b->size() * 2);
      },
      "but input 0 has");
}

TEST(ManifestValidation, DuplicateInputName) {
  EXPECT_REFUSED([](art::Manifest &m) { *m.add_inputs() = m.inputs(0); },
                 "is listed twice");
}

TEST(ManifestValidation, CopyReadingPastItsSource) {
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        // From the (small) input to a larger arena buffer.
        int small = firstBuffer(m, art::Buffer::INPUT), large = -1;
        for (int i = 0; i < m.buffers_size(); ++i)
          if (m.buffers(i).kind() == art::Buffer::ARENA &&
              m.buffers(i).size() > m.buffers(small).size())
            large = i;
        ASSERT_GE(large, 0);
        art::Step *copy = m.add_steps();
        copy->set_kind(art::Step::COPY);
        copy->add_buffers(small);
        copy->add_buffers(large);
      },
      "reads past its source buffer");
}

TEST(ManifestValidation, StepWritingWeightsOrInputs) {
  // Weights are shared by every session; inputs belong to the caller.
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        art::Step *s = m.mutable_steps(firstKernelStep(m));
        s->set_buffers(s->buffers_size() - 1,
                       firstBuffer(m, art::Buffer::WEIGHT));
      },
      "writes to the weights");
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        art::Step *copy = m.add_steps();
        copy->set_kind(art::Step::COPY);
        copy->add_buffers(firstBuffer(m, art::Buffer::INPUT));
        copy->add_buffers(firstBuffer(m, art::Buffer::INPUT));
      },
      "writes to an input");
}

TEST(ManifestValidation, LibraryCallInCpuArtifact) {
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        m.mutable_steps(firstKernelStep(m))->set_kind(art::Step::GEMM);
      },
      "GPU library call in a CPU artifact");
}

TEST(ManifestValidation, UnknownKinds) {
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        m.mutable_steps(0)->set_kind(static_cast<art::Step::Kind>(42));
      },
      "has an unknown kind");
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        m.mutable_buffers(0)->set_kind(static_cast<art::Buffer::Kind>(9));
      },
      "has an unknown kind");
}

/// A CUDA manifest with one GEMM step reading the sample's weights: the
/// library-call checks run before the runtime looks for a GPU.
void makeCudaGemm(art::Manifest &m, int64_t k) {
  m.set_target("cuda");
  m.clear_steps();
  int w = firstBuffer(m, art::Buffer::WEIGHT);
  art::Step *s = m.add_steps();
  s->set_kind(art::Step::GEMM);
  s->add_buffers(w);
  s->add_buffers(w);
  s->add_buffers(firstBuffer(m, art::Buffer::ARENA)); // C is written
  art::GemmCall *g = s->mutable_gemm();
  g->set_m(1);
  g->set_n(1);
  g->set_k(k);
  g->set_lda(k);
  g->set_ldb(1);
  g->set_ldc(1);
  g->set_batch(1);
}

TEST(ManifestValidation, GemmGeometry) {
  // A (1 x k) larger than the buffer it reads.
  EXPECT_REFUSED([](art::Manifest &m) { makeCudaGemm(m, int64_t(1) << 40); },
                 "buffer is too small for the GEMM");
  // Leading dimension below the row length.
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        makeCudaGemm(m, 2);
        m.mutable_steps(0)->mutable_gemm()->set_lda(1);
      },
      "GEMM geometry is invalid");
  // A bias epilogue needs a fourth buffer.
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        makeCudaGemm(m, 1);
        m.mutable_steps(0)->mutable_gemm()->set_epilogue(art::GemmCall::BIAS);
      },
      "does not match its epilogue");
}

/// An int8 GEMM in the form cuBLASLt runs: row-major A (1 x k) times B
/// (n = 4 rows of k) transposed, int32 C (1 x 4).
void makeIntegerGemm(art::Manifest &m, int64_t k) {
  makeCudaGemm(m, k);
  art::Step *s = m.mutable_steps(0);
  s->set_library_dtype(art::DT_I8);
  art::GemmCall *g = s->mutable_gemm();
  g->set_trans_b(true);
  g->set_n(4);
  g->set_ldb(k);
  g->set_ldc(4);
  g->set_alpha(1);
}

/// The edited sample passed validation: what stops it is a check made
/// after, a CUDA manifest needs CUDA code (or, in a runtime built without
/// CUDA, CUDA support).
void expectValidManifest(const std::pair<ingot_status_code, std::string> &r) {
  EXPECT_TRUE(r.second.find("no CUDA code section") != std::string::npos ||
              r.second.find("built without CUDA support") != std::string::npos)
      << r.second;
}

TEST(ManifestValidation, IntegerGemm) {
  uint64_t weightBytes = 0;
  loadEdited([&](art::Manifest &m) {
    weightBytes = m.buffers(firstBuffer(m, art::Buffer::WEIGHT)).size();
  });
  // A and B are bytes: B's 4 x k bytes fill the weight buffer (k a
  // multiple of 4) as int8, where as FP32 they are 4 times too large.
  int64_t k = int64_t(weightBytes / 16 * 4);
  ASSERT_GE(k, 4);
  expectValidManifest(
      loadEdited([&](art::Manifest &m) { makeIntegerGemm(m, k); }));
  EXPECT_REFUSED(
      [&](art::Manifest &m) {
        makeIntegerGemm(m, k);
        m.mutable_steps(0)->set_library_dtype(art::DT_F32);
      },
      "buffer is too small for the GEMM");
  // Forms cuBLASLt's int8 GEMMs do not run.
  const char *form = "an int8 GEMM not in the form cuBLASLt runs";
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        makeIntegerGemm(m, 4);
        m.mutable_steps(0)->mutable_gemm()->set_trans_b(false);
        m.mutable_steps(0)->mutable_gemm()->set_ldb(1);
      },
      form);
  EXPECT_REFUSED([](art::Manifest &m) { makeIntegerGemm(m, 6); }, form);
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        makeIntegerGemm(m, 4);
        m.mutable_steps(0)->mutable_gemm()->set_n(2);
      },
      form);
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        makeIntegerGemm(m, 4);
        m.mutable_steps(0)->mutable_gemm()->set_alpha(0.5f);
      },
      form);
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        makeIntegerGemm(m, 4);
        m.mutable_steps(0)->mutable_gemm()->set_offset_a(2);
      },
      form);
}

TEST(ManifestValidation, IntegerConv) {
  // cuDNN's int8 convolution: 1 x 1 x 1 x 4 int8 input (4 bytes) and
  // 4 x 1 x 1 x 4 weights (16 bytes), 4 FP32 outputs, channels-last.
  auto integerConv = [](art::Manifest &m) {
    m.set_target("cuda");
    m.clear_steps();
    int w = firstBuffer(m, art::Buffer::WEIGHT);
    art::Step *s = m.add_steps();
    s->set_kind(art::Step::CONV);
    s->set_library_dtype(art::DT_I8);
    s->add_buffers(w);
    s->add_buffers(w);
    s->add_buffers(firstBuffer(m, art::Buffer::ARENA));
    art::ConvCall *c = s->mutable_conv();
    c->set_batch(1);
    c->set_in_channels(4);
    c->set_out_channels(4);
    c->set_group(1);
    c->set_channels_last(true);
    for (int d = 0; d < 2; ++d) {
      c->add_in_size(1);
      c->add_out_size(1);
      c->add_kernel(1);
      c->add_stride(1);
      c->add_dilation(1);
      c->add_pad_begin(0);
      c->add_pad_end(0);
    }
  };
  uint64_t weightBytes = 0;
  loadEdited([&](art::Manifest &m) {
    weightBytes = m.buffers(firstBuffer(m, art::Buffer::WEIGHT)).size();
  });
  ASSERT_GE(weightBytes, 16u);
  expectValidManifest(loadEdited(integerConv));
  // Each edit of the valid call is refused.
  auto refused = [&](const std::function<void(art::ConvCall &)> &edit) {
    EXPECT_REFUSED(
        [&](art::Manifest &m) {
          integerConv(m);
          edit(*m.mutable_steps(0)->mutable_conv());
        },
        "an int8 convolution not in the form cuDNN runs");
  };
  refused([](art::ConvCall &c) { c.set_channels_last(false); });
  refused([](art::ConvCall &c) { c.set_pad_end(0, 1); });
  refused([](art::ConvCall &c) { c.set_relu(true); });
  refused([](art::ConvCall &c) { c.set_in_channels(6); });
  // 3-d: cuDNN's int8 convolutions are 1-d or 2-d.
  refused([](art::ConvCall &c) {
    for (auto *field :
         {c.mutable_in_size(), c.mutable_out_size(), c.mutable_kernel(),
          c.mutable_stride(), c.mutable_dilation()})
      field->Add(1);
    c.add_pad_begin(0);
    c.add_pad_end(0);
  });
}

TEST(ManifestValidation, LibraryDataType) {
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        makeCudaGemm(m, 1);
        m.mutable_steps(0)->set_library_dtype(art::DT_U8);
      },
      "library call on an unsupported data type");
  // Buffer sizes follow the step's element type: A = 1 x k reads k elements
  // of the weight buffer, which holds `bytes` bytes. k = bytes / 2 fits at
  // FP16 (2 bytes each) but not at F32 (4 bytes each, also the meaning of
  // an unset field).
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        uint64_t bytes = m.buffers(firstBuffer(m, art::Buffer::WEIGHT)).size();
        makeCudaGemm(m, int64_t(bytes / 2));
      },
      "buffer is too small for the GEMM");
  auto fp16 = loadEdited([](art::Manifest &m) {
    uint64_t bytes = m.buffers(firstBuffer(m, art::Buffer::WEIGHT)).size();
    makeCudaGemm(m, int64_t(bytes / 2));
    m.mutable_steps(0)->set_library_dtype(art::DT_F16);
  });
  expectValidManifest(fp16);
}

TEST(ManifestValidation, ConvGeometry) {
  auto conv = [](art::Manifest &m, int64_t channels) {
    m.set_target("cuda");
    m.clear_steps();
    int w = firstBuffer(m, art::Buffer::WEIGHT);
    art::Step *s = m.add_steps();
    s->set_kind(art::Step::CONV);
    s->add_buffers(w);
    s->add_buffers(w);
    s->add_buffers(firstBuffer(m, art::Buffer::ARENA)); // Y is written
    art::ConvCall *c = s->mutable_conv();
    c->set_batch(1);
    c->set_in_channels(channels);
    c->set_out_channels(channels);
    c->set_group(1);
    for (auto *field :
         {c->mutable_in_size(), c->mutable_out_size(), c->mutable_kernel(),
          c->mutable_stride(), c->mutable_dilation()})
      field->Add(1);
    c->add_pad_begin(0);
    c->add_pad_end(0);
  };
  EXPECT_REFUSED([&](art::Manifest &m) { conv(m, int64_t(1) << 20); },
                 "buffer is too small for the convolution");
  EXPECT_REFUSED(
      [&](art::Manifest &m) {
        conv(m, 4);
        m.mutable_steps(0)->mutable_conv()->set_group(3); // 4 % 3 != 0
      },
      "convolution geometry is invalid");
  // No executor has a channels-last transposed convolution; either alone
  // passes validation (the load then stops at the GPU).
  for (bool channelsLast : {false, true}) {
    auto one = loadEdited([&](art::Manifest &m) {
      conv(m, 4);
      m.mutable_steps(0)->mutable_conv()->set_transposed(!channelsLast);
      m.mutable_steps(0)->mutable_conv()->set_channels_last(channelsLast);
    });
    EXPECT_EQ(one.second.find("convolution geometry is invalid"),
              std::string::npos)
        << one.second;
  }
  EXPECT_REFUSED(
      [&](art::Manifest &m) {
        conv(m, 4);
        m.mutable_steps(0)->mutable_conv()->set_transposed(true);
        m.mutable_steps(0)->mutable_conv()->set_channels_last(true);
      },
      "convolution geometry is invalid");
}

TEST(ManifestValidation, CudaLaunchConfiguration) {
  EXPECT_REFUSED(
      [](art::Manifest &m) {
        m.set_target("cuda");
        art::Step *s = m.mutable_steps(firstKernelStep(m));
        s->set_grid_x(1);
        s->set_block_x(4096);
      },
      "invalid launch configuration");
}

} // namespace

// Artifacts compiled for a range of shapes: the dims' ranges, the size
// programs (manifest.proto, SizeProgram) and the buffers they size are
// checked when the model loads, so a crafted program never runs.
/// Declares a symbolic dim N = min:max; every input and output then needs
/// one size program per dim (here the constant sizes they have).
static void withDim(art::Manifest &m, int64_t min, int64_t max) {
  art::SymbolicDim *d = m.add_dims();
  d->set_name("N");
  d->set_min(min);
  d->set_max(max);
  d->set_opt(max);
  for (auto *list : {m.mutable_inputs(), m.mutable_outputs()})
    for (art::TensorInfo &t : *list)
      for (int64_t size : t.shape()) {
        art::SizeProgram *p = t.add_sizes();
        p->add_code(0);
        p->add_code(size);
      }
}

TEST(ManifestValidation, SymbolicDimsAndSizePrograms) {
  EXPECT_REFUSED([&](art::Manifest &m) { withDim(m, 0, 4); },
                 "dim 'N' has the range 0:4");
  EXPECT_REFUSED(
      [&](art::Manifest &m) {
        withDim(m, 1, 4);
        m.mutable_inputs(0)->mutable_sizes()->RemoveLast();
      },
      "size programs for");
  // Programs that underflow the stack, read a dim that is not there,
  // divide by zero or leave two values.
  for (std::vector<int64_t> code : {std::vector<int64_t>{2},
                                    {1, 1},
                                    {0, 8, 4, 0},
                                    {0, 1, 0, 2},
                                    {0, INT64_MAX, 0, 2, 3},
                                    {7, 1}}) {
    SCOPED_TRACE(::testing::PrintToString(code));
    EXPECT_REFUSED(
        [&](art::Manifest &m) {
          withDim(m, 1, 4);
          art::SizeProgram *p = m.mutable_buffers(0)->mutable_bytes();
          for (int64_t c : code)
            p->add_code(c);
        },
        "buffer 0 has a malformed size program");
  }
  // A buffer whose bytes at the largest dims exceed its planned size.
  EXPECT_REFUSED(
      [&](art::Manifest &m) {
        withDim(m, 1, 4);
        art::SizeProgram *p = m.mutable_buffers(0)->mutable_bytes();
        for (int64_t c : {int64_t(0), int64_t(m.buffers(0).size()), int64_t(1),
                          int64_t(0), int64_t(3)})
          p->add_code(c);
      },
      "buffer 0 is larger at the largest dims than planned");
  // A varying input dim must be K * a dim (that is how calls bind it).
  EXPECT_REFUSED(
      [&](art::Manifest &m) {
        withDim(m, 1, 4);
        m.mutable_inputs(0)->set_shape(0, -1);
      },
      "input '" + readSample().manifest.inputs(0).name() +
          "' dim 0 varies but does not name a dim");
  EXPECT_REFUSED(
      [&](art::Manifest &m) {
        art::SizeProgram *p = m.mutable_buffers(0)->mutable_bytes();
        p->add_code(0);
        p->add_code(4);
      },
      "buffer 0 has a size program, but the model no dims");
  // The arena is re-planned per shape from the buffers' live spans: a
  // reversed span would let a buffer share memory with any other.
  EXPECT_REFUSED(
      [&](art::Manifest &m) {
        withDim(m, 1, 4);
        for (art::Buffer &b : *m.mutable_buffers())
          if (b.kind() == art::Buffer::ARENA) {
            b.set_first_use(3);
            b.set_last_use(1);
            break;
          }
      },
      "has the live span 3:1");
}

TEST(ManifestValidation, KernelVersions) {
  // One dim N = 1:4, and on the first kernel step two versions: vector
  // when N % 4 == 0 with buffer 0 16-byte aligned, else scalar.
  auto withVersions = [](art::Manifest &m, bool dims) {
    if (dims)
      withDim(m, 1, 4);
    art::Step *s = m.mutable_steps(firstKernelStep(m));
    art::KernelVariant *v = s->add_variants();
    v->set_name("vector");
    for (int64_t c : {1, 0, 5, 4, 0, 0, 6})
      v->mutable_valid_when()->add_code(c);
    v->add_aligned(0);
    v->set_alignment(16);
    s->add_variants()->set_name("scalar");
    return s;
  };
  auto result = loadEdited([&](art::Manifest &m) { withVersions(m, true); });
  EXPECT_EQ(result.first, INGOT_OK) << result.second;
  EXPECT_REFUSED([&](art::Manifest &m) { withVersions(m, false); },
                 "has size programs, but the model no dims");
  auto refused = [&](const std::function<void(art::Step &)> &edit,
                     const std::string &fragment) {
    EXPECT_REFUSED([&](art::Manifest &m) { edit(*withVersions(m, true)); },
                   fragment);
  };
  refused([](art::Step &s) { s.mutable_variants(0)->set_name(""); },
          "a version without a name");
  refused([](art::Step &s) { s.mutable_variants(0)->set_alignment(12); },
          "version 'vector' has the alignment 12");
  refused([](art::Step &s) { s.mutable_variants(0)->add_aligned(99); },
          "version 'vector' aligns a missing buffer");
  refused(
      [](art::Step &s) {
        s.mutable_variants(0)->mutable_preferred_when()->add_code(7);
      },
      "version 'vector' has a malformed size program");
  refused(
      [](art::Step &s) {
        s.mutable_variants(1)->mutable_valid_when()->add_code(0);
        s.mutable_variants(1)->mutable_valid_when()->add_code(1);
      },
      "last version has conditions");
  refused(
      [](art::Step &s) {
        for (int k = 0; k < 8; ++k)
          s.add_variants()->set_name("more");
      },
      "has 10 kernel versions");
}
