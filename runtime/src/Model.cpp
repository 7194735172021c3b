//===- Model.cpp - Loading and validating artifacts -----------------------===//
#include "ArtifactFormat.h"
#include "Internal.h"
#include "TargetFeatures.h"
#ifdef INGOT_HAVE_CUDA
#include "cuda/CudaExecutor.h"
#endif

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

using namespace ingot::runtime;
namespace art = ingot::artifact;

ModelData::~ModelData() {
  if (library)
    dlclose(library);
  std::free(imageStorage);
}

ingot_dtype ingot::runtime::toPublic(ingot::artifact::DataType dtype) {
  // The manifest's enum is open (any number parses); a value outside
  // ingot_dtype's range must not be cast to it (UB, found by fuzzing).
  int value = static_cast<int>(dtype);
  if (value < INGOT_F32 || value > INGOT_BOOL)
    return INGOT_DTYPE_INVALID;
  return static_cast<ingot_dtype>(value);
}

extern "C" const char *ingot_dtype_name(ingot_dtype dtype) {
  switch (dtype) {
  case INGOT_F32:
    return "float32";
  case INGOT_F16:
    return "float16";
  case INGOT_BF16:
    return "bfloat16";
  case INGOT_F64:
    return "float64";
  case INGOT_I8:
    return "int8";
  case INGOT_I16:
    return "int16";
  case INGOT_I32:
    return "int32";
  case INGOT_I64:
    return "int64";
  case INGOT_U8:
    return "uint8";
  case INGOT_U16:
    return "uint16";
  case INGOT_U32:
    return "uint32";
  case INGOT_U64:
    return "uint64";
  case INGOT_BOOL:
    return "bool";
  default:
    return "invalid";
  }
}

extern "C" size_t ingot_dtype_size(ingot_dtype dtype) {
  switch (dtype) {
  case INGOT_F64:
  case INGOT_I64:
  case INGOT_U64:
    return 8;
  case INGOT_F32:
  case INGOT_I32:
  case INGOT_U32:
    return 4;
  case INGOT_F16:
  case INGOT_BF16:
  case INGOT_I16:
  case INGOT_U16:
    return 2;
  case INGOT_I8:
  case INGOT_U8:
  case INGOT_BOOL:
    return 1;
  default:
    return 0;
  }
}

extern "C" ingot_status_code ingot_status_get_code(const ingot_status *s) {
  return s ? s->code : INGOT_OK;
}
extern "C" const char *ingot_status_message(const ingot_status *s) {
  return s ? s->message.c_str() : "ok";
}
ingot_status *ingot::runtime::outOfMemoryStatus() noexcept {
  static ingot_status status{INGOT_INTERNAL, "out of memory"};
  return &status;
}

extern "C" void ingot_status_free(ingot_status *s) {
  if (s != outOfMemoryStatus())
    delete s;
}

/// dlopen()s a shared object held in memory, through an anonymous file.
static void *openLibrary(const uint8_t *data, size_t size, std::string &error) {
  int fd = memfd_create("ingot-host-kernels", MFD_CLOEXEC);
  std::string path;
  if (fd >= 0) {
    path = "/proc/self/fd/" + std::to_string(fd);
  } else {
    const char *tmp = std::getenv("TMPDIR");
    path = std::string(tmp ? tmp : "/tmp") + "/ingot-kernels-XXXXXX";
    fd = mkstemp(path.data());
    if (fd < 0) {
      error = "cannot create a file for the host code";
      return nullptr;
    }
    unlink(path.c_str()); // dlopen below still works through the fd path
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  size_t written = 0;
  while (written < size) {
    ssize_t w = write(fd, data + written, size - written);
    if (w <= 0) {
      close(fd);
      error = "cannot write the host code to a temporary file";
      return nullptr;
    }
    written += static_cast<size_t>(w);
  }
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  close(fd);
  if (!handle)
    error = std::string("cannot load the host code: ") + dlerror();
  return handle;
}

static ingot_status *invalid(const std::string &message) {
  return makeStatus(INGOT_INVALID_ARTIFACT, message);
}

static void describe(const ingot::artifact::TensorInfo &t,
                     const std::vector<int64_t> &largest,
                     std::vector<int64_t> &shape, ingot_tensor_info &info) {
  shape.assign(t.shape().begin(), t.shape().end());
  info.name = t.name().c_str();
  info.dtype = toPublic(t.dtype());
  info.rank = shape.size();
  uint64_t bytes = 0;
  // Validated: cannot fail here. Where dims vary, the largest size.
  tensorBytes(t, bytes, &largest);
  info.size_bytes = bytes;
}

static ingot_status *loadImage(std::unique_ptr<ModelData> m,
                               ingot_model **out) {
  std::vector<art::Section> sections;
  std::string error;
  if (!art::readImage(m->imageStorage, m->imageSize, sections, error))
    return invalid(error);
  const art::Section *manifest = nullptr, *weights = nullptr, *host = nullptr;
  for (const art::Section &s : sections) {
    if (s.kind == art::SectionKind::Manifest)
      manifest = &s;
    else if (s.kind == art::SectionKind::Weights)
      weights = &s;
    else if (s.kind == art::SectionKind::HostObject)
      host = &s;
  }
  if (!manifest)
    return invalid("corrupt artifact: no manifest section");
  if (!m->manifest.ParseFromArray(manifest->data,
                                  static_cast<int>(manifest->size)))
    return invalid("corrupt artifact: the manifest does not parse");
  if (m->manifest.kernel_abi_version() != INGOT_KERNEL_ABI_VERSION)
    return makeStatus(INGOT_UNSUPPORTED,
                      "artifact uses kernel ABI " +
                          std::to_string(m->manifest.kernel_abi_version()) +
                          ", this runtime implements " +
                          std::to_string(INGOT_KERNEL_ABI_VERSION) +
                          "; recompile the model");
  const std::string &target = m->manifest.target();
  if (target != "cpu" && target != "cuda")
    return makeStatus(INGOT_UNSUPPORTED,
                      "artifact target '" + target + "' is unknown");
  if (weights) {
    m->weights = weights->data;
    m->weightsSize = weights->size;
  }
  m->packedWeights = std::make_unique<WeightPanels>(m->weights, m->weightsSize);
  // Before any code is loaded: a manifest that fails here never gets to
  // open the host library or touch the GPU.
  if (ingot_status *st = validateManifest(*m))
    return st;
  if (target == "cuda") {
#ifdef INGOT_HAVE_CUDA
    const art::Section *fatbin = nullptr;
    for (const art::Section &s : sections)
      if (s.kind == art::SectionKind::CudaFatbin)
        fatbin = &s;
    if (!fatbin)
      return invalid("corrupt artifact: no CUDA code section");
    std::shared_ptr<ingot::runtime::cuda::DeviceModel> device;
    if (ingot_status *st = ingot::runtime::cuda::loadModel(
            *m, fatbin->data, fatbin->size, device))
      return st;
    m->cuda = device;
#else
    return makeStatus(INGOT_NO_DEVICE,
                      "this runtime was built without CUDA support; "
                      "it cannot run a CUDA artifact");
#endif
  }
  if (target == "cpu") {
    std::vector<std::string> required(m->manifest.host_cpu_features().begin(),
                                      m->manifest.host_cpu_features().end());
    std::vector<std::string> missing = art::missingCpuFeatures(required);
    if (!missing.empty()) {
      std::string names;
      for (const std::string &f : missing)
        names += (names.empty() ? "" : ", ") + f;
      // Checked before the host code is even opened: running it here would
      // die with SIGILL at its first such instruction.
      return makeStatus(INGOT_UNSUPPORTED,
                        "the artifact's host code needs CPU features this "
                        "machine lacks: " +
                            names +
                            " (compile it on this machine, or with ingotc "
                            "--march=x86-64-v2 or another -march that this "
                            "machine supports)");
    }
  }
  bool needsCode = false;
  for (const ingot::artifact::Step &s : m->manifest.steps())
    needsCode |= target == "cpu" && s.kind() == ingot::artifact::Step::KERNEL;
  if (needsCode) {
    if (!host)
      return invalid("corrupt artifact: no host code section");
    m->library = openLibrary(host->data, host->size, error);
    if (!m->library)
      return makeStatus(INGOT_INVALID_ARTIFACT, error);
  }
  for (const ingot::artifact::Step &s : m->manifest.steps()) {
    IngotKernelFn fn = nullptr;
    if (s.kind() == ingot::artifact::Step::KERNEL && target == "cpu") {
      fn = reinterpret_cast<IngotKernelFn>(
          dlsym(m->library, s.kernel().c_str()));
      if (!fn)
        return invalid("corrupt artifact: kernel '" + s.kernel() +
                       "' is missing");
      auto signature = static_cast<const uint64_t *>(
          dlsym(m->library, (s.kernel() + "_buffers").c_str()));
      if (ingot_status *st = checkKernelSignature(
              *m, static_cast<int>(m->stepKernels.size()), signature))
        return st;
    }
    m->stepKernels.push_back(fn);
  }
  const ingot::artifact::Manifest &mf = m->manifest;
  m->inputs.resize(mf.inputs_size());
  m->inputShapes.resize(mf.inputs_size());
  for (int i = 0; i < mf.inputs_size(); ++i)
    describe(mf.inputs(i), largestDims(mf), m->inputShapes[i], m->inputs[i]);
  m->outputs.resize(mf.outputs_size());
  m->outputShapes.resize(mf.outputs_size());
  for (int i = 0; i < mf.outputs_size(); ++i)
    describe(mf.outputs(i), largestDims(mf), m->outputShapes[i], m->outputs[i]);
  for (size_t i = 0; i < m->inputs.size(); ++i)
    m->inputs[i].shape = m->inputShapes[i].data();
  for (size_t i = 0; i < m->outputs.size(); ++i)
    m->outputs[i].shape = m->outputShapes[i].data();
  *out = new ingot_model{std::shared_ptr<const ModelData>(std::move(m))};
  return nullptr;
}

extern "C" ingot_status *
ingot_model_load_from_memory(const void *data, size_t size, ingot_model **out) {
  return guarded([&]() -> ingot_status * {
    if (!out || (!data && size))
      return makeStatus(INGOT_INVALID_ARGUMENT, "null argument");
    *out = nullptr;
    if (size > kMaxArtifactBytes)
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        "artifact of " + std::to_string(size) +
                            " bytes is larger than the runtime's limit");
    auto m = std::make_unique<ModelData>();
    // Aligned copy: weights are read in place and must be 64-byte aligned.
    m->imageStorage = static_cast<uint8_t *>(
        std::aligned_alloc(64, (size + 63) / 64 * 64 + 64));
    if (!m->imageStorage)
      return makeStatus(INGOT_INTERNAL, "out of memory loading the artifact");
    if (size)
      std::memcpy(m->imageStorage, data, size);
    m->imageSize = size;
    return loadImage(std::move(m), out);
  });
}

/// The whole file in 64-byte aligned memory (weights are read in place).
static ingot_status *readArtifactFile(const char *path, ModelData &m) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return makeStatus(INGOT_IO_ERROR, std::string("cannot open '") + path +
                                          "': " + std::strerror(errno));
  struct stat st;
  // Only regular files: a FIFO would block, /dev/zero never ends.
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return makeStatus(INGOT_IO_ERROR,
                      std::string("'") + path + "' is not a regular file");
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size > kMaxArtifactBytes) {
    close(fd);
    return makeStatus(INGOT_INVALID_ARTIFACT,
                      std::string("'") + path + "' has " +
                          std::to_string(size) +
                          " bytes, more than the runtime's limit");
  }
  m.imageStorage = static_cast<uint8_t *>(
      std::aligned_alloc(64, (size + 63) / 64 * 64 + 64));
  if (!m.imageStorage) {
    close(fd);
    return makeStatus(INGOT_INTERNAL, "out of memory loading the artifact (" +
                                          std::to_string(size) + " bytes)");
  }
  size_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, m.imageStorage + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  if (done != size)
    return makeStatus(INGOT_IO_ERROR, std::string("cannot read '") + path +
                                          "' (the file changed size while "
                                          "being read)");
  m.imageSize = size;
  return nullptr;
}

extern "C" ingot_status *ingot_model_load(const char *path, ingot_model **out) {
  return guarded([&]() -> ingot_status * {
    if (!path || !out)
      return makeStatus(INGOT_INVALID_ARGUMENT, "null argument");
    *out = nullptr;
    auto m = std::make_unique<ModelData>();
    if (ingot_status *st = readArtifactFile(path, *m))
      return st;
    ingot_status *st = loadImage(std::move(m), out);
    if (st && st != outOfMemoryStatus())
      st->message = std::string(path) + ": " + st->message;
    return st;
  });
}

extern "C" void ingot_model_release(ingot_model *model) { delete model; }

extern "C" size_t ingot_model_num_inputs(const ingot_model *model) {
  return model ? model->data->inputs.size() : 0;
}
extern "C" size_t ingot_model_num_outputs(const ingot_model *model) {
  return model ? model->data->outputs.size() : 0;
}
extern "C" size_t ingot_model_arena_bytes(const ingot_model *model) {
  return model ? model->data->manifest.arena_bytes() : 0;
}

extern "C" ingot_status *ingot_model_input(const ingot_model *model,
                                           size_t index,
                                           ingot_tensor_info *info) {
  return guarded([&]() -> ingot_status * {
    if (!model || !info || index >= model->data->inputs.size())
      return makeStatus(INGOT_INVALID_ARGUMENT, "input index out of range");
    *info = model->data->inputs[index];
    return nullptr;
  });
}
extern "C" ingot_status *ingot_model_input_dim_range(const ingot_model *model,
                                                     size_t index, size_t dim,
                                                     int64_t *min, int64_t *max,
                                                     int64_t *multiple) {
  return guarded([&]() -> ingot_status * {
    if (!model || !min || !max || !multiple ||
        index >= model->data->inputs.size())
      return makeStatus(INGOT_INVALID_ARGUMENT, "input index out of range");
    const ingot::artifact::Manifest &mf = model->data->manifest;
    const ingot::artifact::TensorInfo &t = mf.inputs(static_cast<int>(index));
    if (dim >= static_cast<size_t>(t.shape_size()))
      return makeStatus(INGOT_INVALID_ARGUMENT,
                        "input '" + t.name() + "' has " +
                            std::to_string(t.shape_size()) + " dimensions");
    int d = static_cast<int>(dim);
    *min = *max = t.shape(d);
    *multiple = 1;
    // A varying dim is K * symbol (validated when the model loaded).
    if (t.shape(d) < 0) {
      std::vector<int64_t> least, most = largestDims(mf);
      for (const ingot::artifact::SymbolicDim &s : mf.dims())
        least.push_back(s.min());
      evaluateSize(t.sizes(d), least, *min);
      evaluateSize(t.sizes(d), most, *max);
      *multiple = t.sizes(d).code(1);
    }
    return nullptr;
  });
}

extern "C" ingot_status *ingot_model_output(const ingot_model *model,
                                            size_t index,
                                            ingot_tensor_info *info) {
  return guarded([&]() -> ingot_status * {
    if (!model || !info || index >= model->data->outputs.size())
      return makeStatus(INGOT_INVALID_ARGUMENT, "output index out of range");
    *info = model->data->outputs[index];
    return nullptr;
  });
}
