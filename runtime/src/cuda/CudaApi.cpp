//===- CudaApi.cpp - CUDA driver, cuBLASLt and cuDNN, loaded at run time --===//
#include "CudaApi.h"

#include <dlfcn.h>

#include <mutex>

namespace ingot::runtime::cuda {

static void *openFirst(std::initializer_list<const char *> names) {
  for (const char *name : names)
    if (void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL))
      return h;
  return nullptr;
}

const Api *api(std::string &error) {
  static Api loaded;
  static std::string loadError;
  static std::once_flag once;
  std::call_once(once, [] {
    void *cu = openFirst({"libcuda.so.1", "libcuda.so"});
    if (!cu) {
      loadError = "no CUDA driver (libcuda.so.1 not found): no usable GPU on "
                  "this machine";
      return;
    }
    void *lt =
        openFirst({"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"});
    void *dnn = openFirst({"libcudnn.so.9", "libcudnn.so"});
#define INGOT_LOAD(lib, libname)                                               \
  [&](auto &fn, const char *symbol) {                                          \
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(              \
        lib ? dlsym(lib, symbol) : nullptr);                                   \
    if (!fn && loadError.empty())                                              \
      loadError = std::string(lib ? "missing symbol " : "cannot load ") +      \
                  (lib ? symbol : libname);                                    \
  }
    auto loadCu = INGOT_LOAD(cu, "libcuda.so.1");
    auto loadLt = INGOT_LOAD(lt, "libcublasLt.so (cuBLASLt)");
    auto loadDnn = INGOT_LOAD(dnn, "libcudnn.so.9 (cuDNN)");
#undef INGOT_LOAD
#define INGOT_CU(name, symbol) loadCu(loaded.name, symbol);
#define INGOT_LT(name, symbol) loadLt(loaded.name, symbol);
#define INGOT_DNN(name, symbol) loadDnn(loaded.name, symbol);
    INGOT_CU_FUNCTIONS(INGOT_CU)
    INGOT_LT_FUNCTIONS(INGOT_LT)
    INGOT_DNN_FUNCTIONS(INGOT_DNN)
#undef INGOT_CU
#undef INGOT_LT
#undef INGOT_DNN
    if (!loadError.empty())
      return;
    int count = 0;
    if (loaded.cuInit(0) != CUDA_SUCCESS ||
        loaded.cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0)
      loadError =
          "no CUDA device (the driver is installed but reports no usable GPU)";
  });
  error = loadError;
  return loadError.empty() ? &loaded : nullptr;
}

} // namespace ingot::runtime::cuda
