//===- HostToolchain.cpp - Compiling generated C++ into a shared object ---===//
#include "codegen/HostToolchain.h"
#include "TargetFeatures.h"
#include "codegen/HostEmitter.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

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

/// The folder for the precompiled preamble: $INGOT_CACHE_DIR, else
/// $XDG_CACHE_HOME/ingot, else ~/.cache/ingot; "" when none can be made.
static std::string cacheFolder() {
  SmallString<128> dir;
  if (const char *env = std::getenv("INGOT_CACHE_DIR"); env && *env) {
    dir = env;
  } else if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    dir = xdg;
    sys::path::append(dir, "ingot");
  } else if (sys::path::home_directory(dir)) {
    sys::path::append(dir, ".cache", "ingot");
  } else {
    return "";
  }
  if (sys::fs::create_directories(dir))
    return "";
  return std::string(dir.str());
}

/// Writes `text` to `path` through a unique temporary and a rename, so that
/// concurrent compilers never see half a file.
static bool writeAtomically(const std::string &path, StringRef text) {
  SmallString<128> tmp;
  int fd;
  if (sys::fs::createUniqueFile(path + ".%%%%%%.tmp", fd, tmp))
    return false;
  {
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << text;
    if (os.has_error()) {
      os.clear_error();
      sys::fs::remove(tmp);
      return false;
    }
  }
  if (sys::fs::rename(tmp, path)) {
    sys::fs::remove(tmp);
    return false;
  }
  return true;
}

/// The preamble every generated source starts with (the kernel ABI and the
/// prelude) is most of a small model's compile time: it is kept as a header
/// with a precompiled form (.gch) in the cache folder, named by a hash of
/// the compiler, its flags and the text, built on first use. The source then
/// includes the header instead of repeating it. GCC reads the .gch only
/// when it matches its version and flags and parses the header text
/// otherwise, so a stale or foreign cache changes the compile time, never
/// the result. Returns the header's path, or "" (then the source is
/// compiled whole): INGOT_HOST_PCH=0, no cache folder, or a failed build.
static std::string precompiledPreamble(StringRef program,
                                       ArrayRef<StringRef> flags,
                                       const std::string &preamble) {
  if (const char *env = std::getenv("INGOT_HOST_PCH");
      env && StringRef(env) == "0")
    return "";
  std::string dir = cacheFolder();
  if (dir.empty())
    return "";
  std::string key = program.str();
  for (StringRef f : flags)
    key += "\n" + f.str();
  key += "\n" + preamble;
  SmallString<128> header(dir);
  sys::path::append(header,
                    "host-preamble-" +
                        utohexstr(xxh3_64bits(key), /*LowerCase=*/true) + ".h");
  std::string gch = std::string(header.str()) + ".gch";
  if (sys::fs::exists(gch) && sys::fs::exists(header))
    return std::string(header.str());
  if (!sys::fs::exists(header) &&
      !writeAtomically(std::string(header.str()), preamble))
    return "";
  SmallString<128> tmp;
  int fd;
  if (sys::fs::createUniqueFile(gch + ".%%%%%%.tmp", fd, tmp))
    return "";
  sys::Process::SafelyCloseFileDescriptor(fd);
  SmallVector<StringRef> args = {program};
  args.append(flags.begin(), flags.end());
  args.append({"-x", "c++-header", header.str(), "-o", tmp.str()});
  std::optional<StringRef> quiet[] = {StringRef(""), StringRef(""),
                                      StringRef("")};
  if (sys::ExecuteAndWait(program, args, std::nullopt, quiet) != 0 ||
      sys::fs::rename(tmp, gch)) {
    sys::fs::remove(tmp);
    return "";
  }
  return std::string(header.str());
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
  std::string march = "-march=" + options.march;
  // -fno-trapping-math: kernels never read floating-point exception flags,
  // and without it GCC keeps int -> float conversions (which may raise
  // "inexact") under their branches, so loops that requantize (float ->
  // int8 -> float, every op of a QDQ model) do not vectorize: 5x slower on
  // ppocr_v4_det's QDQ model. No value changes: that takes -ffast-math's
  // other flags, which stay off.
  SmallVector<StringRef> flags = {"-std=c++17",
                                  "-O3",
                                  march,
                                  "-fPIC",
                                  "-fno-math-errno",
                                  "-fno-trapping-math",
                                  "-fvisibility=hidden",
                                  "-w"};
  std::string preamble = hostSourcePreamble(), header;
  if (StringRef(source).starts_with(preamble))
    header = precompiledPreamble(*program, flags, preamble);
  {
    std::error_code ec;
    raw_fd_ostream os(src, ec);
    if (ec) {
      error = "cannot write " + src.str().str();
      cleanup();
      return false;
    }
    if (header.empty())
      os << source;
    else
      os << "#include \"" << header << "\"\n"
         << StringRef(source).drop_front(preamble.size());
  }
  if (!options.keepSourceAs.empty()) {
    // The whole source, as readable as --emit=host prints it.
    std::error_code ec;
    raw_fd_ostream keep(options.keepSourceAs, ec);
    if (!ec)
      keep << source;
  }
  SmallVector<StringRef> args = {*program};
  args.append(flags.begin(), flags.end());
  args.append({"-shared", "-o", lib, src});
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
