//===- ExecutionPlan.h - Steps and buffers of a compiled function ---------===//
#ifndef INGOT_CODEGEN_EXECUTIONPLAN_H
#define INGOT_CODEGEN_EXECUTIONPLAN_H

#include "dialects/ingot/IngotOps.h"
#include "dialects/ingot/SymbolicShapes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace mlir::ingot::codegen {

struct PlanBuffer {
  enum class Kind { Arena, Weight, Input, Output };
  Kind kind;
  uint64_t offset = 0; // arena or weights offset
  uint64_t size = 0;   // bytes (the most, where sizes vary)
  // Where the size depends on symbolic dims: its bytes as an expression of
  // them (the runtime evaluates it per call; `size` is its largest value,
  // which the arena is planned for).
  std::optional<DimExpr> bytes;
  uint32_t index = 0;             // input/output number
  int defStep = -1, lastUse = -1; // liveness, for arena buffers
};

/// A GEMM or convolution done by a GPU library (cuBLASLt, cuDNN).
struct GemmCall {
  bool transA = false, transB = false;
  int64_t m = 0, n = 0, k = 0, lda = 0, ldb = 0, ldc = 0;
  float alpha = 1.0f;
  int64_t batch = 1, strideA = 0, strideB = 0, strideC = 0;
  int64_t offsetA = 0, offsetB = 0, offsetC = 0; // elements
  enum class Epilogue { None, Bias, ReluBias } epilogue = Epilogue::None;
  bool residual = false; // + z (buffers[4], the output's shape), beta = 1
  // Fields whose value varies with the symbolic dims, by manifest field
  // name ("m", "stride_a"): the int64 field holds the largest value.
  std::map<std::string, DimExpr> symbolic;
};
struct ConvCall {
  bool transposed = false;
  bool channelsLast = false; // NHWC activations, OHWI weights
  bool bias = false, residual = false, relu = false; // cuDNN epilogue
  int64_t batch = 0, inChannels = 0, outChannels = 0, group = 1;
  std::vector<int64_t> inSize, outSize, kernel, stride, dilation, padBegin,
      padEnd;
  // Fields whose value varies with the symbolic dims ("batch",
  // "in_size0", "out_size1", ...): the field holds the largest value.
  std::map<std::string, DimExpr> symbolic;
};

/// A version of a GPU kernel that carries several (speculation; manifest
/// KernelVariant): the runtime runs the first that is valid (its condition
/// holds and the `aligned` parameters' pointers are `alignment`-aligned)
/// and preferred, passing its index to the kernel.
struct KernelVariant {
  std::string name;
  SizeCondition validWhen, preferredWhen;
  std::vector<unsigned> aligned; // parameter positions (inputs, then output)
  int64_t alignment = 0;
};

struct PlanStep {
  enum class Kind { Kernel, Copy, Gemm, Conv };
  Kind kind = Kind::Kernel;
  std::string kernel;                  // symbol, for kernels
  std::vector<unsigned> buffers;       // inputs then output (copy: from, to)
  FusionOp region;                     // for kernels
  int64_t gridX = 0, blockX = 0;       // GPU kernels
  std::optional<DimExpr> grid;         // where the grid varies (CudaLaunch)
  std::vector<KernelVariant> variants; // GPU kernels with versions
  GemmCall gemm;                       // Kind::Gemm
  ConvCall conv;                       // Kind::Conv
  Type libraryType;                    // Gemm/Conv: element type of the buffers
  uint64_t flops = 0; // GEMM/convolution work (2 per multiply-add), or 0
  // Where the work varies with the symbolic dims: its expression (`flops`
  // is then 0).
  std::optional<DimExpr> flopsExpr;
  /// `work` over the ranges of `shapes` (null: static). A program that
  /// would overflow at the largest dims is left out (the profile then
  /// shows no GFLOP/s) rather than make the artifact fail to load.
  void setFlops(const DimExpr &work, const SymbolicShapes *shapes) {
    flops = 0;
    flopsExpr.reset();
    if (std::optional<int64_t> c = work.constant())
      flops = uint64_t(*c);
    else if (shapes &&
             bounds(work, shapes->ranges).second != DimExpr::kOverflow)
      flopsExpr = work;
  }
};

struct PlanTensor {
  std::string name;
  Type elementType;
  std::vector<int64_t> shape;
  std::vector<std::string> dimParams;
  // In a function compiled for a range of shapes: every dim's size (shape
  // then holds -1 where it varies). Empty otherwise.
  std::vector<DimExpr> sizes;
};

struct ExecutionPlan {
  std::string target = "cpu";
  bool allowTF32 = false; // CUDA: TF32 tensor cores for FP32 GEMM/convolution
  std::string precision = "fp32"; // ingotc --precision, for the manifest
  std::vector<PlanBuffer> buffers;
  std::vector<PlanStep> steps;
  std::vector<PlanTensor> inputs, outputs;
  // The symbolic dims, their ranges and constraints, and every value's
  // sizes, for a function compiled for a range of shapes; null otherwise.
  std::shared_ptr<const SymbolicShapes> shapes;
  std::vector<char> weights; // packed, 64-byte aligned entries
  uint64_t arenaBytes = 0;
  uint64_t intermediateBytes = 0; // all arena buffers, without reuse
  uint64_t bytesAccessed = 0;
  // Steps by what runs them. CPU: library regions (Eigen GEMM/convolution
  // and their epilogue) and the other regions' generated kernels. CUDA,
  // after lowerPlanForCuda: cuBLASLt/cuDNN calls and launched kernels
  // (including the epilogue kernels of library calls that could not fold
  // them). --stats, --info and INGOT_PROFILE count the same way.
  unsigned kernels = 0, libraryCalls = 0;
  // Kernels compiled: steps whose generated code is the same (a
  // transformer's layers) share one (KernelDeduplicator).
  unsigned distinctKernels = 0;
  // Kernels that only move data between layouts: their region is
  // transposes (and views), nothing computed (--stats "transposes").
  unsigned transposes = 0;
  // Kernels (not library epilogues) that quantize or dequantize
  // (--stats "qdq kernels").
  unsigned qdqKernels = 0;
  // Library calls that compute in 8-bit integers with int32 sums
  // (ingot.conv_integer; --stats "int8 library calls").
  unsigned integerLibraryCalls = 0;
  // Quantized convolutions and matmuls left in float by ingot-quantize
  // (its `ingot.float_reason`): ONNX node name and why.
  std::vector<std::pair<std::string, std::string>> floatLayers;
  // ingot.lookup ops in the kernels: requantizing chains tabulated at
  // compile time (ingot-lookup-tables).
  unsigned lookupTables = 0;
  // Recorded in the manifest, checked when the artifact is loaded.
  std::vector<std::string> hostCpuFeatures; // what -march enabled
  std::vector<std::string> cudaArchs;       // sm_XX with SASS in the fatbin
};

/// Builds the plan for a function whose body is fusion regions, constants and
/// a return (after --ingot-fuse). Reports unsupported input as diagnostics.
FailureOr<ExecutionPlan> buildExecutionPlan(func::FuncOp func);

/// The definition of `<kernel>_buffers` = {buffer count, bytes of buffer 0,
/// 1, ...}: the buffers a generated kernel was made for, exported beside it
/// (`qualifiers`: visibility on the host, __device__ for CUDA). The runtime
/// checks the manifest's step against it before anything runs, so an edited
/// manifest cannot hand a kernel fewer or smaller buffers than it touches.
std::string kernelBufferSignature(const ExecutionPlan &plan,
                                  const PlanStep &step,
                                  const std::string &qualifiers);

/// Steps whose generated code is the same but for its symbol (the layers of
/// a transformer) share one compiled kernel, so nvcc and the host compiler
/// see each distinct kernel once.
class KernelDeduplicator {
public:
  /// `text`: one step's kernel source (with its buffer signature), written
  /// for `symbol`. Returns the symbol of an identical kernel added before,
  /// or appends `text` to `source` and returns `symbol`.
  std::string add(const std::string &symbol, const std::string &text,
                  std::string &source);
  unsigned distinct() const { return bySource.size(); }

private:
  std::unordered_map<std::string, std::string> bySource;
};

/// The region quantizes or dequantizes. On the CPU a library region's
/// epilogue runs inside its call, so only other regions count as "qdq
/// kernels": what folding Q/DQ into integer library ops removes. On CUDA,
/// an epilogue the library cannot fold is a kernel of its own and counts.
bool regionQuantizes(FusionOp region);

/// For a model with repeated attention layers: the launches (generated
/// kernels and library calls) from each attention kernel to the next, one
/// entry per layer but the last; empty with fewer than two attention
/// kernels. --stats prints it as launches per layer.
std::vector<unsigned> launchesBetweenAttention(const ExecutionPlan &plan);

/// Assigns arena offsets with liveness-based reuse (greedy, largest first,
/// lowest free offset); returns the arena size.
uint64_t planArena(std::vector<PlanBuffer> &buffers);

} // namespace mlir::ingot::codegen

#endif
