//===- Session.cpp - Running a model --------------------------------------===//
#include "ArenaPlanner.h"
#include "Internal.h"
#include "Profile.h"
#include "ThreadPool.h"
#ifdef INGOT_HAVE_CUDA
#include "cuda/CudaExecutor.h"
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

using namespace ingot::runtime;

struct ingot_session {
  std::shared_ptr<const ModelData> model;
  std::unique_ptr<ThreadPool> pool;
  uint8_t *arena = nullptr;
  std::vector<std::vector<uint8_t>> ownedOutputs;
  std::vector<void *> bufferPointers;
  std::vector<void *> stepArgs;
  KernelRuntime kernelRuntime;
  IngotKernelContext context{};
  // A model compiled for a range of shapes: this run's dims, the bytes of
  // each buffer and the outputs' shapes (ingot_tensor::shape points here).
  std::vector<int64_t> dims;
  std::vector<uint64_t> bufferBytes;
  std::vector<std::vector<int64_t>> outputShapes;
  // Its arena: offsets planned for the dims of `plannedDims` (re-planned
  // when they change), in an allocation of `arenaCapacity` bytes that
  // grows only when a larger shape needs more.
  std::vector<uint64_t> arenaOffsets;
  std::vector<int64_t> plannedDims;
  uint64_t arenaNeeded = 0, arenaCapacity = 0;
  // INGOT_PROFILE: time each step; the report is made when the session ends.
  ProfileMode profile = ProfileMode::Off;
  std::vector<double> firstRunSeconds, stepSeconds;
  // What varied per profiled run (an artifact for a range of shapes: bytes
  // and library work at each run's shape; CUDA kernels with versions: the
  // versions that ran), for the first run and the later ones.
  ProfileCounts firstRunCounts, laterCounts;
  ProfileCounts &profileCounts() {
    return runs == 0 ? firstRunCounts : laterCounts;
  }
  int runs = 0;
  std::atomic<bool> running{false}; // a call is in progress
  /// Where this run's step times go, or null when not profiling.
  std::vector<double> *profileTimes() {
    if (profile == ProfileMode::Off)
      return nullptr;
    return runs == 0 ? &firstRunSeconds : &stepSeconds;
  }
#ifdef INGOT_HAVE_CUDA
  std::unique_ptr<ingot::runtime::cuda::DeviceSession,
                  void (*)(ingot::runtime::cuda::DeviceSession *)>
      device{nullptr, nullptr};
#endif
  ~ingot_session();
};

ingot_session::~ingot_session() {
  // The first run pays one-time costs (lazy loading of library kernels,
  // first touches of memory) that no later run sees: it is left out when
  // there are later runs, and reported as such when it is the only one.
  // A destructor must not throw (ingot_session_release is extern "C"): a
  // profile that cannot be written is reported and dropped.
  try {
    if (runs > 1)
      reportProfile(profile, *model, stepSeconds, runs - 1, false,
                    &laterCounts);
    else if (runs == 1)
      reportProfile(profile, *model, firstRunSeconds, 1, true, &firstRunCounts);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "ingot profile: not written: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "ingot profile: not written\n");
  }
  std::free(arena);
}

static ingot_status *createSession(ingot_model *model,
                                   const ingot_session_options &options,
                                   int threads, ingot_session **out);

extern "C" ingot_status *
ingot_session_create(ingot_model *model, const ingot_session_options *options,
                     ingot_session **out) {
  return guarded([&]() -> ingot_status * {
    if (!model || !out)
      return makeStatus(INGOT_INVALID_ARGUMENT, "null argument");
    *out = nullptr;
    ingot_session_options known;
    ingot_session_options_init(&known);
    if (options) {
      if (options->struct_size == 0)
        return makeStatus(INGOT_INVALID_ARGUMENT,
                          "ingot_session_options.struct_size is 0: fill the "
                          "options with ingot_session_options_init() first");
      if (options->struct_size > sizeof known)
        return makeStatus(INGOT_UNSUPPORTED,
                          "ingot_session_options come from a newer runtime.h "
                          "than this runtime library implements");
      // A caller built against an older header passes a shorter struct: the
      // fields it does not know keep their defaults.
      std::memcpy(&known, options, options->struct_size);
    }
    int threads = known.num_threads;
    if (threads < 0 || threads > INGOT_MAX_THREADS)
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        "num_threads is " + std::to_string(threads) +
                            "; it must be 0 (one per core) to " +
                            std::to_string(INGOT_MAX_THREADS));
    if (threads == 0)
      threads =
          static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return createSession(model, known, threads, out);
  });
}

extern "C" void ingot_session_options_init(ingot_session_options *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
}

static ingot_status *createSession(ingot_model *model,
                                   const ingot_session_options &options,
                                   int threads, ingot_session **out) {
  auto s = std::make_unique<ingot_session>();
  s->model = model->data;
  // A range of shapes: the arena is allocated for the first call's shape,
  // and grown when a larger one comes.
  size_t arenaBytes = s->model->manifest.dims_size() == 0
                          ? s->model->manifest.arena_bytes()
                          : 0;
  s->arena = static_cast<uint8_t *>(
      std::aligned_alloc(64, (arenaBytes + 63) / 64 * 64 + 64));
  if (!s->arena)
    return makeStatus(INGOT_INTERNAL,
                      "out of memory for the activation arena (" +
                          std::to_string(arenaBytes) + " bytes)");
  s->arenaCapacity = arenaBytes;
  s->pool = std::make_unique<ThreadPool>(threads);
  s->context.api = hostApi();
  s->kernelRuntime.pool = s->pool.get();
  s->kernelRuntime.packedWeights = s->model->packedWeights.get();
  s->context.runtime = &s->kernelRuntime;
  s->ownedOutputs.resize(s->model->outputs.size());
  s->bufferPointers.resize(s->model->manifest.buffers_size());
#ifdef INGOT_HAVE_CUDA
  if (s->model->cuda) {
    bool graph = !options.no_cuda_graph;
    if (ingot_status *st =
            ingot::runtime::cuda::createSession(*s->model, graph, s->device))
      return st;
  }
#endif
  s->profile = profileModeFromEnvironment();
  s->firstRunSeconds.assign(s->model->manifest.steps_size(), 0.0);
  s->stepSeconds.assign(s->model->manifest.steps_size(), 0.0);
  *out = s.release();
  return nullptr;
}

extern "C" void ingot_session_release(ingot_session *session) {
  delete session;
}

static std::string shapeText(const int64_t *shape, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Matches caller tensors to model inputs: by name when every tensor has one,
/// else by position. Checks dtype, shape and size.
static ingot_status *bindInputs(const ModelData &m, const ingot_tensor *inputs,
                                size_t count, std::vector<const void *> &bound,
                                std::vector<const ingot_tensor *> &tensors) {
  // Where dims vary, the shapes and sizes are checked once they are bound.
  bool symbolic = m.manifest.dims_size() > 0;
  size_t expected = m.inputs.size();
  if (count != expected)
    return makeStatus(INGOT_INVALID_ARGUMENT,
                      "expected " + std::to_string(expected) +
                          " input(s), got " + std::to_string(count));
  bound.assign(expected, nullptr);
  tensors.assign(expected, nullptr);
  bool byName = count > 0;
  for (size_t i = 0; i < count; ++i)
    byName &= inputs[i].name != nullptr;
  for (size_t i = 0; i < count; ++i) {
    const ingot_tensor &t = inputs[i];
    size_t slot = i;
    if (byName) {
      slot = expected;
      for (size_t j = 0; j < expected; ++j)
        if (std::strcmp(m.inputs[j].name, t.name) == 0)
          slot = j;
      if (slot == expected) {
        std::string names;
        for (const ingot_tensor_info &info : m.inputs)
          names += (names.empty() ? "" : ", ") + std::string(info.name);
        return makeStatus(INGOT_INVALID_ARGUMENT,
                          std::string("no model input named '") + t.name +
                              "' (inputs: " + names + ")");
      }
      if (bound[slot])
        return makeStatus(INGOT_INVALID_ARGUMENT,
                          std::string("input '") + t.name + "' is given twice");
    }
    const ingot_tensor_info &info = m.inputs[slot];
    if (t.dtype != info.dtype)
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        std::string("input '") + info.name + "' must be " +
                            ingot_dtype_name(info.dtype) + ", got " +
                            ingot_dtype_name(t.dtype));
    // Another rank is reported without reading the caller's shape: its
    // array may be shorter than the rank claims.
    if (t.rank != info.rank || (t.rank && !t.shape))
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        std::string("input '") + info.name + "' must have " +
                            "rank " + std::to_string(info.rank) + " (shape " +
                            shapeText(info.shape, info.rank) + "), got " +
                            (t.shape || !t.rank
                                 ? "rank " + std::to_string(t.rank)
                                 : std::string("no shape")));
    tensors[slot] = &t;
    if (symbolic) {
      bound[slot] = t.data;
      continue;
    }
    if (t.rank &&
        std::memcmp(t.shape, info.shape, t.rank * sizeof(int64_t)) != 0)
      return makeStatus(
          INGOT_INVALID_ARGUMENT,
          std::string("input '") + info.name + "' must have shape " +
              shapeText(info.shape, info.rank) + ", got " +
              (t.shape || !t.rank ? shapeText(t.shape, t.rank) : "none") +
              " (the model was compiled for that shape)");
    if ((!t.data && info.size_bytes) || t.size_bytes != info.size_bytes)
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        std::string("input '") + info.name + "' needs " +
                            std::to_string(info.size_bytes) +
                            " bytes of data, got " +
                            std::to_string(t.data ? t.size_bytes : 0));
    bound[slot] = t.data;
  }
  return nullptr;
}

static ingot_status *runSession(ingot_session *s, const ingot_tensor *inputs,
                                size_t numInputs, ingot_tensor *outputs,
                                size_t numOutputs);

extern "C" ingot_status *
ingot_session_run(ingot_session *s, const ingot_tensor *inputs,
                  size_t numInputs, ingot_tensor *outputs, size_t numOutputs) {
  return guarded([&]() -> ingot_status * {
    if (!s || (numInputs && !inputs) || (numOutputs && !outputs))
      return makeStatus(INGOT_INVALID_ARGUMENT, "null argument");
    // A session's arena, output buffers and profile are not shared between
    // calls: a second call while one runs would corrupt them, so it is
    // refused (the atomic exchange sees every overlap, not just most).
    if (s->running.exchange(true, std::memory_order_acquire))
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        "the session is already running a call in another "
                        "thread; use one session per thread");
    struct Done {
      std::atomic<bool> &running;
      ~Done() { running.store(false, std::memory_order_release); }
    } done{s->running};
    return runSession(s, inputs, numInputs, outputs, numOutputs);
  });
}

static ingot_status *runSession(ingot_session *s, const ingot_tensor *inputs,
                                size_t numInputs, ingot_tensor *outputs,
                                size_t numOutputs) {
  const ModelData &m = *s->model;
  std::vector<const void *> in;
  std::vector<const ingot_tensor *> inTensors;
  if (ingot_status *st = bindInputs(m, inputs, numInputs, in, inTensors))
    return st;
  const auto &buffers = m.manifest.buffers();
  bool symbolic = m.manifest.dims_size() > 0;
  std::vector<uint64_t> outputBytes;
  if (symbolic) {
    if (ingot_status *st = bindSymbolicDims(m, inTensors, s->dims))
      return st;
    s->context.dims = s->dims.data();
    for (size_t i = 0; i < in.size(); ++i) {
      uint64_t bytes = 0;
      tensorBytes(m.manifest.inputs(i), bytes, &s->dims);
      const ingot_tensor &t = *inTensors[i];
      if ((!t.data && bytes) || t.size_bytes != bytes)
        return makeStatus(INGOT_INVALID_ARGUMENT,
                          std::string("input '") + m.inputs[i].name +
                              "' needs " + std::to_string(bytes) +
                              " bytes of data for its shape, got " +
                              std::to_string(t.data ? t.size_bytes : 0));
    }
    s->bufferBytes.resize(buffers.size());
    for (int i = 0; i < buffers.size(); ++i) {
      const ingot::artifact::Buffer &b = buffers.Get(i);
      int64_t bytes = static_cast<int64_t>(b.size());
      // Sizes were validated (kernel signatures, library geometry) at
      // their largest: one past it is refused, never written.
      if (b.has_bytes() && (!evaluateSize(b.bytes(), s->dims, bytes) ||
                            static_cast<uint64_t>(bytes) > b.size()))
        return makeStatus(INGOT_INTERNAL,
                          "buffer " + std::to_string(i) +
                              " would exceed its planned size at these "
                              "input shapes");
      s->bufferBytes[i] = static_cast<uint64_t>(bytes);
    }
    if (s->plannedDims != s->dims) {
      // The arena offsets of this shape: the compiler's planner on this
      // call's sizes (ArenaPlanner.h), over the buffers' live spans.
      std::vector<ArenaBuffer> arena;
      std::vector<int> ids;
      for (int i = 0; i < buffers.size(); ++i)
        if (buffers.Get(i).kind() == ingot::artifact::Buffer::ARENA) {
          arena.push_back({s->bufferBytes[i], buffers.Get(i).first_use(),
                           buffers.Get(i).last_use()});
          ids.push_back(i);
        }
      s->arenaNeeded = planArena(arena);
      s->arenaOffsets.assign(buffers.size(), 0);
      for (size_t k = 0; k < ids.size(); ++k)
        s->arenaOffsets[ids[k]] = arena[k].offset;
      s->plannedDims = s->dims;
    }
    if (s->profile != ProfileMode::Off) {
      ProfileCounts &counts = s->profileCounts();
      const auto &steps = m.manifest.steps();
      counts.bytes.resize(steps.size());
      counts.flops.resize(steps.size());
      for (int i = 0; i < steps.size(); ++i) {
        const ingot::artifact::Step &step = steps.Get(i);
        for (uint32_t b : step.buffers())
          counts.bytes[i] += static_cast<double>(s->bufferBytes[b]);
        int64_t flops = 0;
        if (step.has_flops_program())
          evaluateSize(step.flops_program(), s->dims, flops); // validated
        counts.flops[i] += static_cast<double>(flops);
      }
    }
    s->outputShapes.resize(m.outputs.size());
    for (size_t i = 0; i < m.outputs.size(); ++i) {
      const ingot::artifact::TensorInfo &info = m.manifest.outputs(i);
      s->outputShapes[i].clear();
      for (const ingot::artifact::SizeProgram &p : info.sizes()) {
        int64_t v = 0;
        evaluateSize(p, s->dims, v); // validated: the dims are in range
        s->outputShapes[i].push_back(v);
      }
      uint64_t bytes = 0;
      tensorBytes(info, bytes, &s->dims);
      outputBytes.push_back(bytes);
    }
  }
  if (numOutputs != m.outputs.size())
    return makeStatus(INGOT_INVALID_ARGUMENT,
                      "expected " + std::to_string(m.outputs.size()) +
                          " output(s), got " + std::to_string(numOutputs));
  std::vector<void *> out(numOutputs);
  for (size_t i = 0; i < numOutputs; ++i) {
    const ingot_tensor_info &info = m.outputs[i];
    ingot_tensor &t = outputs[i];
    size_t bytes = symbolic ? outputBytes[i] : info.size_bytes;
    if (t.data && t.size_bytes < bytes)
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        std::string("output '") + info.name + "' needs " +
                            std::to_string(bytes) + " bytes, the buffer has " +
                            std::to_string(t.size_bytes));
    if (!t.data) {
      s->ownedOutputs[i].resize(bytes);
      t.data = s->ownedOutputs[i].data();
    }
    t.name = info.name;
    t.dtype = info.dtype;
    t.shape = symbolic ? s->outputShapes[i].data() : info.shape;
    t.rank = info.rank;
    t.size_bytes = bytes;
    out[i] = t.data;
  }
#ifdef INGOT_HAVE_CUDA
  if (s->device) {
    std::vector<bool> inDevice(numInputs, false), outDevice(numOutputs, false);
    for (size_t i = 0; i < numInputs; ++i)
      for (size_t k = 0; k < m.inputs.size(); ++k)
        if (in[k] == inputs[i].data)
          inDevice[k] = inputs[i].on_device != 0;
    for (size_t i = 0; i < numOutputs; ++i)
      outDevice[i] = outputs[i].on_device != 0;
    ingot_status *st = ingot::runtime::cuda::run(
        m, *s->device, in, inDevice, out, outDevice, s->profileTimes(),
        symbolic ? &s->dims : nullptr, symbolic ? &s->arenaOffsets : nullptr,
        s->arenaNeeded);
    if (st)
      return st;
    if (s->profile != ProfileMode::Off) {
      const std::vector<int> &ran =
          ingot::runtime::cuda::stepVariants(*s->device);
      auto &counts = s->profileCounts().versions;
      counts.resize(ran.size());
      for (size_t i = 0; i < ran.size(); ++i)
        if (ran[i] >= 0) {
          counts[i].resize(std::max<size_t>(counts[i].size(), ran[i] + 1));
          ++counts[i][ran[i]];
        }
    }
    ++s->runs;
    return nullptr;
  }
#endif
  for (size_t i = 0; i < numInputs; ++i)
    if (inputs[i].on_device)
      return makeStatus(
          INGOT_INVALID_ARGUMENT,
          "input " + std::to_string(i) +
              " is a device pointer, but the model runs on the CPU");
  if (symbolic && s->arenaNeeded > s->arenaCapacity) {
    auto *grown = static_cast<uint8_t *>(
        std::aligned_alloc(64, (s->arenaNeeded + 63) / 64 * 64 + 64));
    if (!grown)
      return makeStatus(INGOT_INTERNAL,
                        "out of memory for the activation arena (" +
                            std::to_string(s->arenaNeeded) + " bytes)");
    std::free(s->arena);
    s->arena = grown;
    s->arenaCapacity = s->arenaNeeded;
  }
  for (int i = 0; i < buffers.size(); ++i) {
    const ingot::artifact::Buffer &b = buffers.Get(i);
    switch (b.kind()) {
    case ingot::artifact::Buffer::ARENA:
      s->bufferPointers[i] =
          s->arena + (symbolic ? s->arenaOffsets[i] : b.offset());
      break;
    case ingot::artifact::Buffer::WEIGHT:
      s->bufferPointers[i] = const_cast<uint8_t *>(m.weights + b.offset());
      break;
    case ingot::artifact::Buffer::INPUT:
      s->bufferPointers[i] = const_cast<void *>(in[b.index()]);
      break;
    case ingot::artifact::Buffer::OUTPUT:
      s->bufferPointers[i] = out[b.index()];
      break;
    default:
      return makeStatus(INGOT_INTERNAL, "unknown buffer kind");
    }
  }
  const auto &steps = m.manifest.steps();
  std::vector<double> *times = s->profileTimes();
  for (int i = 0; i < steps.size(); ++i) {
    const ingot::artifact::Step &step = steps.Get(i);
    s->stepArgs.clear();
    for (uint32_t b : step.buffers())
      s->stepArgs.push_back(s->bufferPointers[b]);
    if (step.kind() == ingot::artifact::Step::COPY) {
      size_t bytes = symbolic ? s->bufferBytes[step.buffers(1)]
                              : buffers.Get(step.buffers(1)).size();
      std::memmove(s->stepArgs[1], s->stepArgs[0], bytes);
      continue;
    }
    if (times) {
      auto t0 = std::chrono::steady_clock::now();
      m.stepKernels[i](s->stepArgs.data(), &s->context);
      (*times)[i] +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
    } else {
      m.stepKernels[i](s->stepArgs.data(), &s->context);
    }
  }
  ++s->runs;
  return nullptr;
}
