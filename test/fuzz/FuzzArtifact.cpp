//===- FuzzArtifact.cpp - Fuzz target: artifact loading and manifests -----===//
//
// The input is the *manifest* of an artifact. Each execution rebuilds a valid
// image (header, section table, checksums) around it with the weights and
// host code of a real artifact, compiled by ingotc at build time and named
// by --artifact=PATH (or $INGOT_FUZZ_ARTIFACT), so mutations get past the
// checksums and reach the manifest validator. A manifest the runtime accepts
// is then run: a session on zero-filled inputs. Whatever the validator
// accepts must run without a crash or sanitizer report; what it rejects must
// be rejected with a status, never a crash.
//
// Under libFuzzer, a custom mutator (below) alternates libFuzzer's byte
// mutations with structured edits of the parsed manifest (buffer offsets and
// sizes, step operands, shapes, dtypes at boundary values), which byte flips
// of a protobuf rarely produce.
//
//===----------------------------------------------------------------------===//
#include "ArtifactFormat.h"
#include "ingot/runtime.h"
#include "proto/manifest.pb.h"

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace art = ingot::artifact;

namespace {
/// The seed artifact's sections other than the manifest, kept for the run.
std::vector<std::vector<uint8_t>> baseSections;
std::vector<art::SectionKind> baseKinds;

/// Sessions are created only for models that fit here: an arena or tensor
/// of any size up to the format's limits is valid, and failing to allocate
/// it is reported, not a finding (libFuzzer counts mallocs over its limit
/// as out-of-memory findings).
constexpr size_t kMaxRunBytes = size_t(256) << 20;

void fail(const std::string &message) {
  std::fprintf(stderr, "fuzz-artifact: %s\n", message.c_str());
  std::exit(2);
}

/// The status's message ("" for success), freeing it.
std::string consume(ingot_status *st) {
  if (!st)
    return "";
  std::string message = ingot_status_message(st);
  ingot_status_free(st);
  return message;
}

/// Runs a loaded model once on zeros, if its memory fits kMaxRunBytes;
/// returns the error of a session that would not be created or run.
std::string runOnZeros(ingot_model *model) {
  if (ingot_model_arena_bytes(model) > kMaxRunBytes)
    return "too large to run";
  size_t numInputs = ingot_model_num_inputs(model);
  size_t numOutputs = ingot_model_num_outputs(model);
  std::vector<std::vector<uint8_t>> storage(numInputs);
  std::vector<ingot_tensor> inputs(numInputs);
  for (size_t i = 0; i < numInputs; ++i) {
    ingot_tensor_info info;
    if (ingot_status *st = ingot_model_input(model, i, &info))
      return consume(st);
    if (info.size_bytes > kMaxRunBytes)
      return "too large to run";
    storage[i].assign(info.size_bytes, 0);
    inputs[i] = {info.name,         info.dtype,      info.shape, info.rank,
                 storage[i].data(), info.size_bytes, 0};
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    ingot_tensor_info info;
    if (ingot_status *st = ingot_model_output(model, i, &info))
      return consume(st);
    if (info.size_bytes > kMaxRunBytes)
      return "too large to run";
  }
  // Runtime-allocated outputs: the session sizes them from the manifest.
  std::vector<ingot_tensor> outputs(numOutputs);
  ingot_session_options options;
  ingot_session_options_init(&options);
  options.num_threads = 1;
  ingot_session *session = nullptr;
  if (ingot_status *st = ingot_session_create(model, &options, &session))
    return consume(st);
  std::string error = consume(ingot_session_run(
      session, inputs.data(), numInputs, outputs.data(), numOutputs));
  ingot_session_release(session);
  return error;
}
void loadBase(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    fail("cannot read the base artifact '" + path +
         "' (pass --artifact=PATH or set INGOT_FUZZ_ARTIFACT)");
  std::vector<uint8_t> image(std::istreambuf_iterator<char>(f), {});
  std::vector<art::Section> sections;
  std::string error;
  if (!art::readImage(image.data(), image.size(), sections, error))
    fail(path + ": " + error);
  // Fuzzing around an artifact this runtime rejects (an older kernel ABI,
  // say), or with a harness that cannot run it, would test nothing past
  // that point.
  ingot_model *model = nullptr;
  error =
      consume(ingot_model_load_from_memory(image.data(), image.size(), &model));
  if (error.empty())
    error = runOnZeros(model);
  ingot_model_release(model);
  if (!error.empty())
    fail(path + " does not load and run (" + error +
         "); rebuild it with this tree's ingotc");
  for (const art::Section &s : sections) {
    if (s.kind == art::SectionKind::Manifest)
      continue;
    baseKinds.push_back(s.kind);
    baseSections.emplace_back(s.data, s.data + s.size);
  }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
  // Protobuf logs every string field that is not UTF-8; mutants have many.
  google::protobuf::SetLogHandler(nullptr);
  std::string path;
  if (const char *env = std::getenv("INGOT_FUZZ_ARTIFACT"))
    path = env;
  for (int i = 1; i < *argc; ++i)
    if (std::strncmp((*argv)[i], "--artifact=", 11) == 0)
      path = (*argv)[i] + 11;
  if (path.empty())
    fail("no base artifact (pass --artifact=PATH or set INGOT_FUZZ_ARTIFACT)");
  loadBase(path);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<art::Section> sections;
  sections.push_back({art::SectionKind::Manifest, data, size});
  for (size_t i = 0; i < baseSections.size(); ++i)
    sections.push_back(
        {baseKinds[i], baseSections[i].data(), baseSections[i].size()});
  std::vector<uint8_t> image = art::writeImage(sections);
  ingot_model *model = nullptr;
  std::string error =
      consume(ingot_model_load_from_memory(image.data(), image.size(), &model));
  std::string ran = error.empty() ? runOnZeros(model) : "";
  ingot_model_release(model);
  // INGOT_FUZZ_VERBOSE=1 says what became of each input (for triage).
  static const bool verbose = std::getenv("INGOT_FUZZ_VERBOSE");
  if (verbose)
    std::fprintf(stderr, "fuzz-artifact: %s\n",
                 !error.empty() ? ("rejected: " + error).c_str()
                 : ran.empty()  ? "loaded and ran"
                                : ("loaded; run: " + ran).c_str());
  return 0;
}

#ifdef INGOT_LIBFUZZER
namespace {
namespace pb = ingot::artifact;

/// Values where bounds checks break: zero, one, around powers of two and
/// the 32/64-bit limits, and the old value moved a little.
uint64_t interesting(std::mt19937_64 &rng, uint64_t old) {
  switch (rng() % 10) {
  case 0:
    return 0;
  case 1:
    return 1;
  case 2:
    return old + 1 + rng() % 64;
  case 3:
    return old - 1 - rng() % 64;
  case 4:
    return old * 2;
  case 5:
    return old / 2;
  case 6:
    return (uint64_t(1) << (rng() % 64)) - rng() % 2;
  case 7:
    return UINT64_MAX - rng() % 64;
  case 8:
    return UINT32_MAX + rng() % 3 - 1;
  default:
    return rng() % 4096;
  }
}

void mutateBuffer(pb::Buffer &b, std::mt19937_64 &rng) {
  switch (rng() % 4) {
  case 0:
    b.set_offset(interesting(rng, b.offset()));
    break;
  case 1:
    b.set_size(interesting(rng, b.size()));
    break;
  case 2:
    b.set_index(static_cast<uint32_t>(interesting(rng, b.index())));
    break;
  default:
    b.set_kind(static_cast<pb::Buffer::Kind>(rng() % 5));
  }
}

void mutateStep(pb::Manifest &m, pb::Step &s, std::mt19937_64 &rng) {
  switch (rng() % 5) {
  case 0: // an operand points elsewhere (maybe past the buffer table)
    if (s.buffers_size())
      s.set_buffers(rng() % s.buffers_size(),
                    static_cast<uint32_t>(rng() % (m.buffers_size() + 2)));
    break;
  case 1: // one operand more or less
    if (rng() % 2 && s.buffers_size())
      s.mutable_buffers()->RemoveLast();
    else
      s.add_buffers(static_cast<uint32_t>(rng() % (m.buffers_size() + 1)));
    break;
  case 2: // another step's kernel, with this step's operands
    s.set_kernel(m.steps(rng() % m.steps_size()).kernel());
    break;
  case 3:
    s.set_kind(static_cast<pb::Step::Kind>(rng() % 5));
    break;
  default:
    s.set_kernel(s.kernel() + "x");
  }
}

void mutateTensor(pb::TensorInfo &t, std::mt19937_64 &rng) {
  switch (rng() % 4) {
  case 0:
    if (t.shape_size()) {
      int k = rng() % t.shape_size();
      t.set_shape(k, static_cast<int64_t>(interesting(rng, t.shape(k))));
    }
    break;
  case 1:
    if (rng() % 2 && t.shape_size())
      t.mutable_shape()->RemoveLast();
    else
      t.add_shape(static_cast<int64_t>(rng() % 4));
    break;
  case 2:
    t.set_dtype(static_cast<pb::DataType>(rng() % 16));
    break;
  default:
    t.set_name(rng() % 2 ? "" : t.name() + "_");
  }
}

/// One structured edit of a parsed manifest.
void mutateManifest(pb::Manifest &m, std::mt19937_64 &rng) {
  switch (rng() % 8) {
  case 0:
    if (m.buffers_size())
      mutateBuffer(*m.mutable_buffers(rng() % m.buffers_size()), rng);
    break;
  case 1:
    if (m.steps_size())
      mutateStep(m, *m.mutable_steps(rng() % m.steps_size()), rng);
    break;
  case 2:
    m.set_arena_bytes(interesting(rng, m.arena_bytes()));
    break;
  case 3:
    if (m.inputs_size())
      mutateTensor(*m.mutable_inputs(rng() % m.inputs_size()), rng);
    break;
  case 4:
    if (m.outputs_size())
      mutateTensor(*m.mutable_outputs(rng() % m.outputs_size()), rng);
    break;
  case 5: // drop, duplicate or swap steps
    if (m.steps_size() > 1) {
      int a = rng() % m.steps_size(), b = rng() % m.steps_size();
      if (rng() % 2)
        m.mutable_steps()->SwapElements(a, b);
      else
        *m.add_steps() = m.steps(a);
    } else if (m.steps_size()) {
      m.mutable_steps()->RemoveLast();
    }
    break;
  case 6: // drop or duplicate a buffer, inputs or outputs
    if (rng() % 2 && m.buffers_size())
      m.mutable_buffers()->RemoveLast();
    else if (rng() % 2 && m.inputs_size())
      *m.add_inputs() = m.inputs(0);
    else if (m.outputs_size())
      m.mutable_outputs()->RemoveLast();
    break;
  default:
    m.set_weight_bytes(interesting(rng, m.weight_bytes()));
  }
}
} // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  std::mt19937_64 rng(seed);
  pb::Manifest m;
  if (rng() % 2 || !m.ParseFromArray(data, static_cast<int>(size)))
    return LLVMFuzzerMutate(data, size, maxSize);
  for (int edits = 1 + rng() % 3; edits > 0; --edits)
    mutateManifest(m, rng);
  std::string out = m.SerializeAsString();
  if (out.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
#endif
