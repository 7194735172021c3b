//===- CudaBackend.cpp - From a fused function to GPU steps and a fatbin --===//
#include "codegen/CudaBackend.h"
#include "codegen/LibraryCalls.h"
#include "codegen/ScalarEmitter.h"

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

/// The epilogue cuBLASLt and cuDNN can do after a GEMM or convolution: a
/// bias (`isBias` says which region arguments qualify; `bias` may already
/// be the library op's own), optionally "+ z" with z of the output's type
/// (a residual), as adds in either order, then optionally ReLU -- and
/// nothing else in the region.
struct LibraryEpilogue {
  Value bias, residual;
  bool relu = false;
};
static std::optional<LibraryEpilogue>
matchLibraryEpilogue(FusionOp region, Operation *lib, Value bias,
                     function_ref<bool(Value)> isBias) {
  auto outType = cast<RankedTensorType>(lib->getResult(0).getType());
  LibraryEpilogue e;
  e.bias = bias;
  SmallVector<Operation *> rest;
  for (Operation &op : region.getBlock().without_terminator())
    if (&op != lib && !isa<ConstantOp>(op))
      rest.push_back(&op);
  Value tail = lib->getResult(0);
  size_t i = 0;
  for (; i < rest.size(); ++i) {
    auto add = dyn_cast<AddOp>(rest[i]);
    if (!add || add.getType() != outType ||
        (add.getLhs() != tail && add.getRhs() != tail))
      break;
    Value other = add.getLhs() == tail ? add.getRhs() : add.getLhs();
    if (other == tail)
      return std::nullopt;
    if (!e.bias && isa<BlockArgument>(other) && isBias(other))
      e.bias = other;
    else if (!e.residual && isa<BlockArgument>(other) &&
             other.getType() == outType)
      e.residual = other;
    else
      return std::nullopt;
    tail = add.getResult();
  }
  if (i < rest.size()) {
    auto relu = dyn_cast<ReluOp>(rest[i]);
    if (!relu || relu.getInput() != tail)
      return std::nullopt;
    e.relu = true;
    ++i;
  }
  if (i != rest.size() || !e.bias)
    return std::nullopt;
  return e;
}

/// cuBLASLt's epilogue: a bias per output column (Gemm's own C with beta 1,
/// or an add) with a residual as its C matrix (beta = 1).
static std::optional<LibraryEpilogue> gemmEpilogue(FusionOp region,
                                                   Operation *lib) {
  int64_t n =
      cast<RankedTensorType>(lib->getResult(0).getType()).getShape().back();
  auto isColumnBias = [&](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    return type.getRank() > 0 && type.getShape().back() == n &&
           type.getNumElements() == n;
  };
  Value bias;
  if (auto gemm = dyn_cast<GemmOp>(lib); gemm && gemm.getC()) {
    if (gemm.getBeta().convertToDouble() != 1.0 ||
        !isa<BlockArgument>(gemm.getC()) || !isColumnBias(gemm.getC()))
      return std::nullopt;
    bias = gemm.getC();
  }
  return matchLibraryEpilogue(region, lib, bias, isColumnBias);
}

/// cuDNN's: a bias per output channel (the convolution's own bias operand,
/// [C], or an add of one shaped [.., C, 1, ..], or [.., C] channels-last).
static std::optional<LibraryEpilogue> convEpilogue(FusionOp region,
                                                   Operation *conv) {
  auto outType = cast<RankedTensorType>(conv->getResult(0).getType());
  auto channelsLast = conv->getAttrOfType<BoolAttr>("channels_last");
  int64_t channelDim =
      channelsLast && channelsLast.getValue() ? outType.getRank() - 1 : 1;
  int64_t channels = outType.getShape()[channelDim];
  auto isChannelBias = [&](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() > outType.getRank())
      return false;
    // Right-aligned against the output: 1 everywhere but the channel dim.
    int64_t shift = outType.getRank() - type.getRank();
    for (int64_t d = 0; d < outType.getRank(); ++d) {
      int64_t size = d < shift ? 1 : type.getShape()[d - shift];
      if (size != (d == channelDim ? channels : 1))
        return false;
    }
    return true;
  };
  Value bias;
  if (conv->getNumOperands() > 2) {
    bias = conv->getOperand(2);
    if (!isa<BlockArgument>(bias) ||
        cast<RankedTensorType>(bias.getType()).getNumElements() != channels)
      return std::nullopt;
  }
  return matchLibraryEpilogue(region, conv, bias, isChannelBias);
}

LogicalResult codegen::lowerPlanForCuda(ExecutionPlan &plan,
                                        std::string &source) {
  plan.target = "cuda";
  const SymbolicShapes *shapes = plan.shapes.get();
  source = cudaSourcePreamble();
  KernelDeduplicator kernels;
  std::vector<PlanStep> steps;
  for (PlanStep &step : plan.steps) {
    if (step.kind != PlanStep::Kind::Kernel) {
      steps.push_back(step);
      continue;
    }
    FusionOp region = step.region;
    std::string gap = symbolicCodegenGap(region, shapes);
    if (!gap.empty())
      return region.emitError() << "cuda codegen: " << gap;
    if (region.getKind() == "library") {
      Operation *lib = regionLibraryOp(region);
      Type libType =
          cast<ShapedType>(lib->getResult(0).getType()).getElementType();
      auto bufferOf = [&](Value v) -> FailureOr<unsigned> {
        auto arg = dyn_cast<BlockArgument>(v);
        if (!arg)
          return region.emitError()
                 << "cuda: a library operand is not in memory";
        return step.buffers[arg.getArgNumber()];
      };
      auto integer = dyn_cast<ConvIntegerOp>(lib);
      if (integer) {
        // int8 x int8 -> int32 sums (cuBLASLt) or FP32 sums (cuDNN), scaled
        // by the next kernel (ingot-fuse gives it no epilogue on the GPU).
        if (region.getRoot() != lib)
          return region.emitError()
                 << "cuda: an integer convolution with an epilogue";
      } else {
        if (!libType.isF32() && !isReducedFloat(libType))
          return region.emitError()
                 << "cuda: library ops support f32, f16 and bf16 only";
        // The library writes the region's output buffer and the epilogue
        // rewrites it in place, so both have the library result's type.
        for (Value v : lib->getOperands())
          if (cast<ShapedType>(v.getType()).getElementType() != libType)
            return region.emitError()
                   << "cuda: a library op with operands of another element "
                      "type than its result";
        if (elementTypeOf(region.getRoot()->getResult(0)) != libType)
          return region.emitError()
                 << "cuda: a library epilogue that changes the element type";
      }
      PlanStep call;
      call.region = region;
      // An integer call is named by its operands' type (int8).
      call.libraryType = integer ? elementTypeOf(integer.getInput()) : libType;
      if (integer && integer.getFloatSums()) {
        FailureOr<ConvCall> conv = describeIntegerConv(integer, shapes);
        if (failed(conv))
          return failure();
        call.kind = PlanStep::Kind::Conv;
        call.conv = *conv;
        call.setFlops(flopsOf(*conv), shapes);
      } else if (integer) {
        FailureOr<GemmCall> gemm = describeIntegerGemm(integer, shapes);
        if (failed(gemm))
          return failure();
        call.kind = PlanStep::Kind::Gemm;
        call.gemm = *gemm;
        call.setFlops(flopsOf(*gemm), shapes);
      } else if (isa<ConvOp, ConvTransposeOp>(lib)) {
        FailureOr<ConvCall> conv = describeConv(lib, shapes);
        if (failed(conv))
          return failure();
        call.kind = PlanStep::Kind::Conv;
        call.conv = *conv;
        call.setFlops(flopsOf(*conv), shapes);
      }
      for (unsigned i = 0; i < 2; ++i) {
        FailureOr<unsigned> b = bufferOf(lib->getOperand(i));
        if (failed(b))
          return failure();
        call.buffers.push_back(*b);
      }
      call.buffers.push_back(step.buffers.back());
      call.kernel = step.kernel + "_library";
      if (integer) {
        steps.push_back(call);
        continue;
      }
      // A folded epilogue's bias, then residual, follow the output.
      auto appendEpilogueBuffers = [&](const LibraryEpilogue &e) {
        for (Value v : {e.bias, e.residual}) {
          if (!v)
            continue;
          FailureOr<unsigned> b = bufferOf(v);
          if (failed(b))
            return failure();
          call.buffers.push_back(*b);
        }
        return success();
      };
      if (call.kind == PlanStep::Kind::Conv) {
        // Bias, residual and ReLU through cuDNN: no kernel follows.
        std::optional<LibraryEpilogue> folded;
        if (!call.conv.transposed)
          folded = convEpilogue(region, lib);
        if (folded) {
          if (failed(appendEpilogueBuffers(*folded)))
            return failure();
          call.conv.bias = true;
          call.conv.residual = bool(folded->residual);
          call.conv.relu = folded->relu;
        }
        steps.push_back(call);
        if (folded)
          continue;
      } else {
        FailureOr<SmallVector<GemmCall>> gemms = describeGemm(lib, shapes);
        if (failed(gemms))
          return failure();
        call.kind = PlanStep::Kind::Gemm;
        // A bias per output column (+ residual, + ReLU) and nothing else:
        // cuBLASLt's epilogue does it, and no kernel follows.
        std::optional<LibraryEpilogue> folded;
        if (gemms->size() == 1)
          folded = gemmEpilogue(region, lib);
        if (folded) {
          if (failed(appendEpilogueBuffers(*folded)))
            return failure();
          (*gemms)[0].epilogue = folded->relu ? GemmCall::Epilogue::ReluBias
                                              : GemmCall::Epilogue::Bias;
          (*gemms)[0].residual = bool(folded->residual);
        }
        for (const GemmCall &g : *gemms) {
          call.gemm = g;
          call.setFlops(flopsOf(g), shapes);
          steps.push_back(call);
        }
        if (folded)
          continue;
      }
    }
    // The kernel is the region's epilogue (where it is a library region):
    // the call's work is the library step's.
    step.flops = 0;
    step.flopsExpr.reset();
    CudaLaunch launch;
    std::string text;
    if (failed(emitCudaKernel(region, step.kernel, text, launch, shapes)))
      return failure();
    if (launch.empty)
      continue;
    step.gridX = launch.gridX;
    step.grid = launch.grid;
    step.variants = launch.variants;
    step.blockX = launch.blockX;
    text += kernelBufferSignature(plan, step, "__device__");
    step.kernel = kernels.add(step.kernel, text, source);
    steps.push_back(step);
  }
  plan.steps = std::move(steps);
  plan.distinctKernels = kernels.distinct();
  plan.kernels = plan.libraryCalls = plan.qdqKernels = 0;
  for (const PlanStep &step : plan.steps) {
    plan.qdqKernels +=
        step.kind == PlanStep::Kind::Kernel && regionQuantizes(step.region);
    plan.kernels += step.kind == PlanStep::Kind::Kernel;
    plan.libraryCalls +=
        step.kind == PlanStep::Kind::Gemm || step.kind == PlanStep::Kind::Conv;
  }
  return success();
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
