//===- HostToolchain.cpp - Compiling generated C++ into a shared object ---===//
#include "codegen/HostToolchain.h"
#include "TargetFeatures.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace llvm;

/// The C++ compiler's path: options.compiler, $INGOT_CXX or `c++`.
static ErrorOr<std::string>
findCompiler(const mlir::ingot::codegen::HostToolchainOptions &options,
             std::string &error) {
  std::string compiler = options.compiler;
  if (compiler.empty()) {
    const char *env = std::getenv("INGOT_CXX");
    compiler = env && *env ? env : "c++";
  }
  ErrorOr<std::string> program = sys::findProgramByName(compiler);
  if (!program)
    error = "cannot find the C++ compiler '" + compiler +
            "' (set INGOT_CXX or install g++)";
  return program;
}

bool mlir::ingot::codegen::hostCpuFeatures(const HostToolchainOptions &options,
                                           std::vector<std::string> &features,
                                           std::string &error) {
  ErrorOr<std::string> program = findCompiler(options, error);
  if (!program)
    return false;
  SmallString<128> macros;
  if (sys::fs::createTemporaryFile("ingotc-macros", "txt", macros)) {
    error = "cannot create a temporary file";
    return false;
  }
  std::string march = "-march=" + options.march;
  SmallVector<StringRef> args = {*program, march, "-dM", "-E",
                                 "-x",     "c++", "-"};
  std::optional<StringRef> redirects[] = {StringRef("/dev/null"),
                                          StringRef(macros), StringRef(macros)};
  std::string execError;
  int rc = sys::ExecuteAndWait(*program, args, std::nullopt, redirects, 0, 0,
                               &execError);
  auto text = MemoryBuffer::getFile(macros);
  sys::fs::remove(macros);
  if (rc != 0 || !text) {
    error = "the C++ compiler rejected -march=" + options.march +
            (text ? ":\n" + (*text)->getBuffer().take_front(2000).str() : "");
    return false;
  }
  features =
      ::ingot::artifact::cpuFeaturesFromMacros((*text)->getBuffer().str());
  return true;
}

bool mlir::ingot::codegen::compileHostSource(
    const std::string &source, const HostToolchainOptions &options,
    std::vector<char> &sharedObject, std::string &error) {
  ErrorOr<std::string> program = findCompiler(options, error);
  if (!program)
    return false;
  SmallString<128> dir;
  if (sys::fs::createUniqueDirectory("ingotc", dir)) {
    error = "cannot create a temporary folder";
    return false;
  }
  SmallString<128> src(dir), lib(dir), log(dir);
  sys::path::append(src, "kernels.cpp");
  sys::path::append(lib, "kernels.so");
  sys::path::append(log, "compiler.log");
  auto cleanup = [&] {
    sys::fs::remove(src);
    sys::fs::remove(lib);
    sys::fs::remove(log);
    sys::fs::remove(dir);
  };
  {
    std::error_code ec;
    raw_fd_ostream os(src, ec);
    if (ec) {
      error = "cannot write " + src.str().str();
      cleanup();
      return false;
    }
    os << source;
  }
  if (!options.keepSourceAs.empty())
    sys::fs::copy_file(src, options.keepSourceAs);
  std::string march = "-march=" + options.march;
  SmallVector<StringRef> args = {*program,
                                 "-std=c++17",
                                 "-O3",
                                 march,
                                 "-fPIC",
                                 "-shared",
                                 "-fno-math-errno",
                                 "-fvisibility=hidden",
                                 "-w",
                                 "-o",
                                 lib,
                                 src};
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  std::string execError;
  int rc = sys::ExecuteAndWait(*program, args, std::nullopt, redirects, 0, 0,
                               &execError);
  if (rc != 0) {
    auto text = MemoryBuffer::getFile(log);
    error = "the C++ compiler failed (" +
            (execError.empty() ? "exit " + std::to_string(rc) : execError) +
            ")" +
            (text ? ":\n" + (*text)->getBuffer().take_front(4000).str() : "");
    cleanup();
    return false;
  }
  auto so = MemoryBuffer::getFile(lib, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!so) {
    error = "cannot read the compiled kernels";
    cleanup();
    return false;
  }
  sharedObject.assign((*so)->getBufferStart(), (*so)->getBufferEnd());
  cleanup();
  return true;
}
