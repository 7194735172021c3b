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

/// What cuBLASLt can do after a GEMM: "+ bias" with one value per output
/// column (Gemm's own C, or an add of a region argument), optionally "+ z"
/// with z of the output's shape (a residual, as cuBLASLt's C with beta = 1),
/// in either order, then optionally ReLU.
struct GemmEpilogue {
  Value bias, residual;
  bool relu = false;
};
static std::optional<GemmEpilogue> libraryBiasEpilogue(FusionOp region,
                                                       Operation *lib) {
  auto outType = cast<RankedTensorType>(lib->getResult(0).getType());
  int64_t n = outType.getShape().back();
  auto isColumnBias = [&](Value v) {
    if (!isa<BlockArgument>(v))
      return false;
    ArrayRef<int64_t> shape = cast<RankedTensorType>(v.getType()).getShape();
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    return !shape.empty() && shape.back() == n && count == n;
  };
  GemmEpilogue e;
  if (auto gemm = dyn_cast<GemmOp>(lib); gemm && gemm.getC()) {
    if (gemm.getBeta().convertToDouble() != 1.0 || !isColumnBias(gemm.getC()))
      return std::nullopt;
    e.bias = gemm.getC();
  }
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
    if (!e.bias && isColumnBias(other))
      e.bias = other;
    else if (!e.residual && isa<BlockArgument>(other) &&
             other.getType() == outType)
      e.residual = other;
    else
      return std::nullopt;
    tail = add.getResult();
  }
  if (i < rest.size()) {
    auto r = dyn_cast<ReluOp>(rest[i]);
    if (!r || r.getInput() != tail)
      return std::nullopt;
    e.relu = true;
    ++i;
  }
  if (i != rest.size() || !e.bias)
    return std::nullopt;
  return e;
}

/// A convolution region whose epilogue cuDNN can do: a bias with one value
/// per output channel (the convolution's own bias operand or an add),
/// optionally "+ z" with z of the output's shape (the residual), in either
/// order, then optionally ReLU. Returns the bias and z
/// (null if none) and whether ReLU follows.
struct ConvEpilogue {
  Value bias, residual;
  bool relu = false;
};
static std::optional<ConvEpilogue> libraryConvEpilogue(FusionOp region,
                                                       Operation *conv) {
  auto outType = cast<RankedTensorType>(conv->getResult(0).getType());
  ArrayRef<int64_t> out = outType.getShape();
  auto isChannelBias = [&](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!isa<BlockArgument>(v) || !type || type.getRank() > outType.getRank())
      return false;
    // Right-aligned against the output: 1 everywhere but the channel dim.
    int64_t shift = outType.getRank() - type.getRank();
    for (int64_t d = 0; d < outType.getRank(); ++d) {
      int64_t size = d < shift ? 1 : type.getShape()[d - shift];
      if (size != (d == 1 ? out[1] : 1))
        return false;
    }
    return true;
  };
  SmallVector<Operation *> rest;
  for (Operation &op : region.getBlock().without_terminator())
    if (&op != conv && !isa<ConstantOp>(op))
      rest.push_back(&op);
  ConvEpilogue e;
  // The convolution's own bias operand, [C], counts as the channel bias.
  if (conv->getNumOperands() > 2) {
    Value b = conv->getOperand(2);
    auto type = dyn_cast<RankedTensorType>(b.getType());
    if (!isa<BlockArgument>(b) || !type || type.getNumElements() != out[1])
      return std::nullopt;
    e.bias = b;
  }
  Value tail = conv->getResult(0);
  size_t i = 0;
  for (; i < rest.size(); ++i) {
    auto add = dyn_cast<AddOp>(rest[i]);
    if (!add || add.getType() != outType ||
        (add.getLhs() != tail && add.getRhs() != tail))
      break;
    Value other = add.getLhs() == tail ? add.getRhs() : add.getLhs();
    if (other == tail)
      return std::nullopt;
    if (!e.bias && isChannelBias(other))
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
        // Bias, residual and ReLU through cuDNN: no kernel follows.
        std::optional<ConvEpilogue> folded;
        if (!call.conv.transposed)
          folded = libraryConvEpilogue(region, lib);
        if (folded) {
          for (Value v : {folded->bias, folded->residual}) {
            if (!v)
              continue;
            FailureOr<unsigned> b = bufferOf(v);
            if (failed(b))
              return failure();
            call.buffers.push_back(*b);
          }
          call.conv.bias = true;
          call.conv.residual = bool(folded->residual);
          call.conv.relu = folded->relu;
        }
        steps.push_back(call);
        if (folded)
          continue;
      } else {
        FailureOr<SmallVector<GemmCall>> gemms = describeGemm(lib);
        if (failed(gemms))
          return failure();
        call.kind = PlanStep::Kind::Gemm;
        // A bias per output column (+ residual, + ReLU) and nothing else:
        // cuBLASLt's epilogue does it, and no kernel follows.
        std::optional<GemmEpilogue> folded;
        if (gemms->size() == 1)
          folded = libraryBiasEpilogue(region, lib);
        if (folded) {
          for (Value v : {folded->bias, folded->residual}) {
            if (!v)
              continue;
            FailureOr<unsigned> b = bufferOf(v);
            if (failed(b))
              return failure();
            call.buffers.push_back(*b);
          }
          (*gemms)[0].epilogue = folded->relu ? GemmCall::Epilogue::ReluBias
                                              : GemmCall::Epilogue::Bias;
          (*gemms)[0].residual = bool(folded->residual);
        }
        for (const GemmCall &g : *gemms) {
          call.gemm = g;
          steps.push_back(call);
        }
        if (folded)
          continue;
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
