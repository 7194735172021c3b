//===- TargetFeatures.cpp - CPU features and CUDA architectures ----------===//
#include "TargetFeatures.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace ingot::artifact {
namespace {

struct Feature {
  const char *name;  // as __builtin_cpu_supports spells it
  const char *macro; // predefined when -march enables it
  bool (*present)();
};

#if defined(__x86_64__) || defined(__i386__)
// __builtin_cpu_supports takes only string literals, hence one lambda each.
#define INGOT_FEATURE(name, macro)                                             \
  {                                                                            \
    name, macro, [] { return __builtin_cpu_supports(name) != 0; }              \
  }
const Feature kFeatures[] = {
    INGOT_FEATURE("sse3", "__SSE3__"),
    INGOT_FEATURE("ssse3", "__SSSE3__"),
    INGOT_FEATURE("sse4.1", "__SSE4_1__"),
    INGOT_FEATURE("sse4.2", "__SSE4_2__"),
    INGOT_FEATURE("popcnt", "__POPCNT__"),
    INGOT_FEATURE("avx", "__AVX__"),
    INGOT_FEATURE("avx2", "__AVX2__"),
    INGOT_FEATURE("fma", "__FMA__"),
    INGOT_FEATURE("f16c", "__F16C__"),
    INGOT_FEATURE("bmi", "__BMI__"),
    INGOT_FEATURE("bmi2", "__BMI2__"),
    INGOT_FEATURE("lzcnt", "__LZCNT__"),
    INGOT_FEATURE("movbe", "__MOVBE__"),
    INGOT_FEATURE("sse4a", "__SSE4A__"), // AMD
    INGOT_FEATURE("fma4", "__FMA4__"),   // AMD
    INGOT_FEATURE("xop", "__XOP__"),     // AMD
    INGOT_FEATURE("avx512f", "__AVX512F__"),
    INGOT_FEATURE("avx512vl", "__AVX512VL__"),
    INGOT_FEATURE("avx512bw", "__AVX512BW__"),
    INGOT_FEATURE("avx512dq", "__AVX512DQ__"),
    INGOT_FEATURE("avx512cd", "__AVX512CD__"),
    INGOT_FEATURE("avx512vnni", "__AVX512VNNI__"),
    INGOT_FEATURE("avx512bf16", "__AVX512BF16__"),
    INGOT_FEATURE("avx512fp16", "__AVX512FP16__"),
    INGOT_FEATURE("avx512vbmi", "__AVX512VBMI__"),
    INGOT_FEATURE("avx512vbmi2", "__AVX512VBMI2__"),
    INGOT_FEATURE("avx512ifma", "__AVX512IFMA__"),
    INGOT_FEATURE("avx512bitalg", "__AVX512BITALG__"),
    INGOT_FEATURE("avx512vpopcntdq", "__AVX512VPOPCNTDQ__"),
    INGOT_FEATURE("avxvnni", "__AVXVNNI__"),
    INGOT_FEATURE("gfni", "__GFNI__"),
    INGOT_FEATURE("vaes", "__VAES__"),
    INGOT_FEATURE("vpclmulqdq", "__VPCLMULQDQ__"),
};
#undef INGOT_FEATURE
#else
// Other architectures: nothing recorded, nothing checked (yet).
const Feature kFeatures[] = {{"", "", nullptr}};
#endif

bool disabledByEnvironment(const std::string &name) {
  const char *list = std::getenv("INGOT_CPU_FEATURES_DISABLE");
  if (!list)
    return false;
  std::stringstream items(list);
  std::string item;
  while (std::getline(items, item, ','))
    if (item == name)
      return true;
  return false;
}

} // namespace

std::vector<std::string> cpuFeaturesFromMacros(const std::string &macros) {
  std::vector<std::string> found;
  for (const Feature &f : kFeatures) {
    if (!f.present)
      continue;
    // Lines look like "#define __AVX2__ 1".
    std::string needle = std::string("#define ") + f.macro + " ";
    if (macros.find(needle) != std::string::npos)
      found.push_back(f.name);
  }
  return found;
}

std::vector<std::string>
missingCpuFeatures(const std::vector<std::string> &required) {
  std::vector<std::string> missing;
  for (const std::string &name : required) {
    bool present = false;
    for (const Feature &f : kFeatures)
      if (f.present && name == f.name)
        present = f.present();
    if (!present || disabledByEnvironment(name))
      missing.push_back(name);
  }
  return missing;
}

std::string cudaArchMismatch(const std::vector<std::string> &archs, int major,
                             int minor) {
  if (archs.empty()) // artifacts from before the architectures were recorded
    return "";
  int device = major * 10 + minor, newest = 0;
  std::string list;
  for (const std::string &a : archs) {
    int sm = std::atoi(a.c_str() + (a.compare(0, 3, "sm_") == 0 ? 3 : 0));
    newest = std::max(newest, sm);
    if (sm / 10 == major && sm <= device)
      return ""; // SASS for this GPU's family
    list += (list.empty() ? "" : ", ") + a;
  }
  if (device >= newest)
    return ""; // PTX of the newest architecture, compiled at load
  return "the artifact has CUDA code for " + list + " (PTX for sm_" +
         std::to_string(newest) + "); this GPU is sm_" +
         std::to_string(device) + ": recompile with ingotc --target cuda:sm_" +
         std::to_string(device);
}

} // namespace ingot::artifact
