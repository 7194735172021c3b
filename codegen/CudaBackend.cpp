//===- CudaBackend.cpp - From a fused function to GPU steps and a fatbin --===//
#include "codegen/CudaBackend.h"
#include "codegen/LibraryCalls.h"

#include "dialects/ingot/OpClasses.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

LogicalResult codegen::lowerPlanForCuda(ExecutionPlan &plan,
                                        std::string &source) {
  plan.target = "cuda";
  source = cudaSourcePreamble();
  std::vector<PlanStep> steps;
  for (PlanStep &step : plan.steps) {
    if (step.kind != PlanStep::Kind::Kernel) {
      steps.push_back(step);
      continue;
    }
    FusionOp region = step.region;
    if (region.getKind() == "library") {
      Operation *lib = nullptr;
      for (Operation &op : region.getBlock())
        if (classifyOp(&op) == OpClass::Library)
          lib = &op;
      if (!elementTypeIsF32(lib))
        return region.emitError()
               << "cuda: library ops support f32 only for now";
      PlanStep call;
      call.region = region;
      auto bufferOf = [&](Value v) -> FailureOr<unsigned> {
        auto arg = dyn_cast<BlockArgument>(v);
        if (!arg)
          return region.emitError()
                 << "cuda: a library operand is not in memory";
        return step.buffers[arg.getArgNumber()];
      };
      if (isa<ConvOp, ConvTransposeOp>(lib)) {
        FailureOr<ConvCall> conv = describeConv(lib);
        if (failed(conv))
          return failure();
        call.kind = PlanStep::Kind::Conv;
        call.conv = *conv;
      }
      for (unsigned i = 0; i < 2; ++i) {
        FailureOr<unsigned> b = bufferOf(lib->getOperand(i));
        if (failed(b))
          return failure();
        call.buffers.push_back(*b);
      }
      call.buffers.push_back(step.buffers.back());
      call.kernel = step.kernel + "_library";
      if (call.kind == PlanStep::Kind::Conv) {
        steps.push_back(call);
      } else {
        FailureOr<SmallVector<GemmCall>> gemms = describeGemm(lib);
        if (failed(gemms))
          return failure();
        call.kind = PlanStep::Kind::Gemm;
        for (const GemmCall &g : *gemms) {
          call.gemm = g;
          steps.push_back(call);
        }
      }
    }
    CudaLaunch launch;
    if (failed(emitCudaKernel(region, step.kernel, source, launch)))
      return failure();
    if (launch.empty)
      continue;
    step.gridX = launch.gridX;
    step.blockX = launch.blockX;
    steps.push_back(step);
  }
  plan.steps = std::move(steps);
  return success();
}

bool codegen::elementTypeIsF32(Operation *op) {
  return cast<ShapedType>(op->getResult(0).getType()).getElementType().isF32();
}

bool codegen::compileCudaSource(const std::string &source,
                                const std::vector<std::string> &archs,
                                std::vector<char> &fatbin, std::string &error) {
  using namespace llvm;
  std::string nvcc;
  if (const char *env = std::getenv("INGOT_NVCC"); env && *env)
    nvcc = env;
  else if (ErrorOr<std::string> found = sys::findProgramByName("nvcc"))
    nvcc = *found;
  else if (sys::fs::exists("/usr/local/cuda/bin/nvcc"))
    nvcc = "/usr/local/cuda/bin/nvcc";
  if (nvcc.empty()) {
    error = "cannot find nvcc (install the CUDA toolkit or set INGOT_NVCC)";
    return false;
  }
  SmallString<128> dir;
  if (sys::fs::createUniqueDirectory("ingotc-cuda", dir)) {
    error = "cannot create a temporary folder";
    return false;
  }
  SmallString<128> src(dir), out(dir), log(dir);
  sys::path::append(src, "kernels.cu");
  sys::path::append(out, "kernels.fatbin");
  sys::path::append(log, "nvcc.log");
  {
    std::error_code ec;
    raw_fd_ostream os(src, ec);
    os << source;
  }
  std::vector<std::string> argv = {nvcc, "-fatbin", "-std=c++17", "-O3"};
  for (size_t i = 0; i < archs.size(); ++i) {
    std::string number = archs[i].substr(archs[i].find('_') + 1);
    std::string code = "sm_" + number;
    if (i + 1 == archs.size())
      code = "[sm_" + number + ",compute_" + number + "]"; // PTX for the newest
    argv.push_back("-gencode");
    argv.push_back("arch=compute_" + number + ",code=" + code);
  }
  argv.insert(argv.end(),
              {"-o", std::string(out.str()), std::string(src.str())});
  SmallVector<StringRef> args(argv.begin(), argv.end());
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  int rc = sys::ExecuteAndWait(nvcc, args, std::nullopt, redirects);
  auto cleanup = [&] {
    for (StringRef f : {src.str(), out.str(), log.str()})
      sys::fs::remove(f);
    sys::fs::remove(dir);
  };
  if (rc != 0) {
    auto text = MemoryBuffer::getFile(log);
    error = "nvcc failed" +
            (text ? ":\n" + (*text)->getBuffer().take_front(4000).str() : "");
    cleanup();
    return false;
  }
  auto bin = MemoryBuffer::getFile(out, false, false);
  if (!bin) {
    error = "cannot read the fatbin";
    cleanup();
    return false;
  }
  fatbin.assign((*bin)->getBufferStart(), (*bin)->getBufferEnd());
  cleanup();
  return true;
}
