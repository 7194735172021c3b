//===- StandaloneMain.cpp - Replays fuzz inputs without libFuzzer ---------===//
//
// The main build (any compiler, no libFuzzer) links each fuzz target with
// this driver, so ctest replays the checked-in regression inputs on every
// test run: `ingot-fuzz-X-replay FILE_OR_DIR...` runs the target on each
// file and exits non-zero only by crashing, as under libFuzzer.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc,
                                                          char ***argv);

namespace fs = std::filesystem;

static void replay(const fs::path &file) {
  std::ifstream f(file, std::ios::binary);
  std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(f), {});
  std::printf("replaying %s (%zu bytes)\n", file.c_str(), bytes.size());
  std::fflush(stdout);
  // A heap copy of exactly `size` bytes, as libFuzzer passes them, so a read
  // past the end is caught by the sanitizers where present.
  std::unique_ptr<uint8_t[]> exact(new uint8_t[bytes.size()]);
  if (!bytes.empty())
    std::memcpy(exact.get(), bytes.data(), bytes.size());
  LLVMFuzzerTestOneInput(exact.get(), bytes.size());
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("-", 0) == 0)
      continue; // options for the target (see LLVMFuzzerInitialize)
    std::vector<fs::path> files;
    if (fs::is_directory(arg)) {
      for (const auto &entry : fs::recursive_directory_iterator(arg))
        if (entry.is_regular_file())
          files.push_back(entry.path());
      std::sort(files.begin(), files.end());
    } else if (fs::exists(arg)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "no such file or folder: %s\n", arg.c_str());
      return 2;
    }
    for (const fs::path &file : files)
      replay(file);
    count += files.size();
  }
  std::printf("%zu inputs replayed without a finding\n", count);
  return 0;
}
