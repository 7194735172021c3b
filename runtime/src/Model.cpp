//===- Model.cpp - Loading and validating artifacts -----------------------===//
#include "ArtifactFormat.h"
#include "Internal.h"
#ifdef INGOT_HAVE_CUDA
#include "cuda/CudaExecutor.h"
#endif

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

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
  return static_cast<ingot_dtype>(static_cast<int>(dtype));
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
extern "C" void ingot_status_free(ingot_status *s) { delete s; }

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

/// Checks that every buffer and step of the manifest is within bounds, so a
/// corrupt-but-checksummed manifest cannot make a run read out of bounds.
static ingot_status *checkManifest(const ModelData &m) {
  const ingot::artifact::Manifest &mf = m.manifest;
  for (int i = 0; i < mf.buffers_size(); ++i) {
    const ingot::artifact::Buffer &b = mf.buffers(i);
    switch (b.kind()) {
    case ingot::artifact::Buffer::ARENA:
      if (b.offset() > mf.arena_bytes() ||
          b.size() > mf.arena_bytes() - b.offset())
        return invalid("manifest: buffer " + std::to_string(i) +
                       " lies outside the arena");
      break;
    case ingot::artifact::Buffer::WEIGHT:
      if (b.offset() > m.weightsSize || b.size() > m.weightsSize - b.offset())
        return invalid("manifest: buffer " + std::to_string(i) +
                       " lies outside the weights");
      break;
    case ingot::artifact::Buffer::INPUT:
      if (b.index() >= static_cast<uint32_t>(mf.inputs_size()))
        return invalid("manifest: buffer " + std::to_string(i) +
                       " names a missing input");
      break;
    case ingot::artifact::Buffer::OUTPUT:
      if (b.index() >= static_cast<uint32_t>(mf.outputs_size()))
        return invalid("manifest: buffer " + std::to_string(i) +
                       " names a missing output");
      break;
    default:
      return invalid("manifest: buffer " + std::to_string(i) +
                     " has an unknown kind");
    }
  }
  for (int i = 0; i < mf.steps_size(); ++i) {
    const ingot::artifact::Step &s = mf.steps(i);
    for (uint32_t b : s.buffers())
      if (b >= static_cast<uint32_t>(mf.buffers_size()))
        return invalid("manifest: step " + std::to_string(i) +
                       " uses a missing buffer");
    if (s.kind() == ingot::artifact::Step::COPY && s.buffers_size() != 2)
      return invalid("manifest: copy step " + std::to_string(i) +
                     " needs two buffers");
  }
  return nullptr;
}

static void describe(const ingot::artifact::TensorInfo &t,
                     std::vector<int64_t> &shape, ingot_tensor_info &info) {
  shape.assign(t.shape().begin(), t.shape().end());
  info.name = t.name().c_str();
  info.dtype = toPublic(t.dtype());
  info.rank = shape.size();
  size_t count = 1;
  for (int64_t d : shape)
    count *= static_cast<size_t>(d);
  info.size_bytes = count * ingot_dtype_size(info.dtype);
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
  if (ingot_status *st = checkManifest(*m))
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
    }
    m->stepKernels.push_back(fn);
  }
  const ingot::artifact::Manifest &mf = m->manifest;
  m->inputs.resize(mf.inputs_size());
  m->inputShapes.resize(mf.inputs_size());
  for (int i = 0; i < mf.inputs_size(); ++i)
    describe(mf.inputs(i), m->inputShapes[i], m->inputs[i]);
  m->outputs.resize(mf.outputs_size());
  m->outputShapes.resize(mf.outputs_size());
  for (int i = 0; i < mf.outputs_size(); ++i)
    describe(mf.outputs(i), m->outputShapes[i], m->outputs[i]);
  for (size_t i = 0; i < m->inputs.size(); ++i)
    m->inputs[i].shape = m->inputShapes[i].data();
  for (size_t i = 0; i < m->outputs.size(); ++i)
    m->outputs[i].shape = m->outputShapes[i].data();
  *out = new ingot_model{std::shared_ptr<const ModelData>(std::move(m))};
  return nullptr;
}

extern "C" ingot_status *
ingot_model_load_from_memory(const void *data, size_t size, ingot_model **out) {
  if (!out || (!data && size))
    return makeStatus(INGOT_INVALID_ARGUMENT, "null argument");
  *out = nullptr;
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
}

extern "C" ingot_status *ingot_model_load(const char *path, ingot_model **out) {
  if (!path || !out)
    return makeStatus(INGOT_INVALID_ARGUMENT, "null argument");
  *out = nullptr;
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file)
    return makeStatus(INGOT_IO_ERROR,
                      std::string("cannot open '") + path + "'");
  std::streamsize size = file.tellg();
  file.seekg(0);
  auto m = std::make_unique<ModelData>();
  m->imageStorage = static_cast<uint8_t *>(
      std::aligned_alloc(64, (size_t(size) + 63) / 64 * 64 + 64));
  if (!m->imageStorage)
    return makeStatus(INGOT_INTERNAL, "out of memory loading the artifact");
  if (size > 0 && !file.read(reinterpret_cast<char *>(m->imageStorage), size))
    return makeStatus(INGOT_IO_ERROR,
                      std::string("cannot read '") + path + "'");
  m->imageSize = static_cast<size_t>(size);
  ingot_status *st = loadImage(std::move(m), out);
  if (st)
    st->message = std::string(path) + ": " + st->message;
  return st;
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
  if (!model || !info || index >= model->data->inputs.size())
    return makeStatus(INGOT_INVALID_ARGUMENT, "input index out of range");
  *info = model->data->inputs[index];
  return nullptr;
}
extern "C" ingot_status *ingot_model_output(const ingot_model *model,
                                            size_t index,
                                            ingot_tensor_info *info) {
  if (!model || !info || index >= model->data->outputs.size())
    return makeStatus(INGOT_INVALID_ARGUMENT, "output index out of range");
  *info = model->data->outputs[index];
  return nullptr;
}
