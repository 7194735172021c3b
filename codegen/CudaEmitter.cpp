//===- CudaEmitter.cpp - CUDA C++ for the GPU backend ---------------------===//
//
// The GPU skeletons around the shared ScalarEmitter:
//   loop regions      - a grid-stride loop, one output element per thread;
//   reduction regions - one block per row, the row strided over the block's
//                       threads and combined with warp shuffles and shared
//                       memory (reduce_*, softmax, log_softmax, layer_norm,
//                       global pooling);
//   library regions   - the epilogue over the library result, in place (the
//                       GEMM/convolution itself is a cuBLASLt/cuDNN call the
//                       runtime makes).
//
//===----------------------------------------------------------------------===//
#include "codegen/CudaEmitter.h"
#include "codegen/ScalarEmitter.h"

#include "dialects/ingot/OpClasses.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

namespace {
// clang-format off
const char *kCudaPrelude =
#include "codegen/CudaPrelude.inc"
    ;
// clang-format on

// Block-wide sum/max/min/product: warp shuffles, then one value per warp
// through shared memory, combined by the first warp. Its lanes past the
// number of warps hold no value, so a lane only combines with a partner that
// holds one (lane + offset < warps): padding them with some value instead
// would count it again in a sum or product.
const char *kBlockReduce = R"CUDA(
namespace {
#ifdef INGOT_CUDA_EMULATION
// One thread per block when the tests run the kernels on the host.
#define IG_WARP_SIZE 1
template <class T, class F>
__device__ __forceinline__ T ig_block_reduce(T v, F, T *) { return v; }
template <class T, class F>
__device__ __forceinline__ T ig_warp_reduce(T v, F) { return v; }
#else
#define IG_WARP_SIZE 32
// Butterfly over the warp: every lane ends with the whole warp's value.
template <class T, class F>
__device__ __forceinline__ T ig_warp_reduce(T v, F combine) {
  for (int o = 16; o > 0; o >>= 1)
    v = combine(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
template <class T, class F>
__device__ __forceinline__ T ig_block_reduce(T v, F combine, T *shared) {
  for (int o = 16; o > 0; o >>= 1)
    v = combine(v, __shfl_down_sync(0xffffffffu, v, o));
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0)
    shared[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const int warps = int(blockDim.x >> 5);
    v = lane < warps ? shared[lane] : shared[0];
    for (int o = 16; o > 0; o >>= 1) {
      T other = __shfl_down_sync(0xffffffffu, v, o);
      if (lane + o < warps)
        v = combine(v, other);
    }
    if (lane == 0)
      shared[0] = v;
  }
  __syncthreads();
  return shared[0];
}
#endif
struct IgSum { template <class T> __device__ T operator()(T a, T b) const { return a + b; } };
struct IgMax { template <class T> __device__ T operator()(T a, T b) const { return a < b ? b : a; } };
struct IgMin { template <class T> __device__ T operator()(T a, T b) const { return b < a ? b : a; } };
struct IgProd { template <class T> __device__ T operator()(T a, T b) const { return a * b; } };
} // namespace
)CUDA";

constexpr int64_t kMaxGridX = 65535 * 8;

class CudaKernelWriter {
public:
  CudaKernelWriter(FusionOp region, std::string symbol,
                   const SymbolicShapes *shapes)
      : region(region), symbol(std::move(symbol)),
        e(region, [](unsigned k) { return "in" + str(k); }) {
    e.constantQualifier = "__device__ static const";
    e.shapes = shapes;
    e.dims = "dims.v";
  }
  LogicalResult write(std::string &out, CudaLaunch &launch);

private:
  LogicalResult fail(const Twine &message) {
    return region.emitError() << "cuda codegen: " << message;
  }
  LogicalResult loopBody(Value result, CudaLaunch &launch, bool vectorize);
  std::string vectorLoop(Value result, const DimExpr &n, CudaLaunch &launch);
  LogicalResult reductionBody(Operation *root, CudaLaunch &launch);
  LogicalResult reductionVariant(Operation *root, CudaLaunch &launch);
  // The reduction's mode: forced (speculation's second variant) or chosen,
  // and its row length and rows.
  std::optional<bool> forcedWarp;
  bool chosenWarp = false;
  DimExpr lengthSize, rowsSize;
  LogicalResult attentionBody(AttentionOp op, CudaLaunch &launch);
  LogicalResult stitchBody(Operation *root, CudaLaunch &launch);
  /// Sets the launch's grid to `blocks` (capped; the kernels stride over
  /// the rest), as a size of the symbolic dims where it varies.
  void setGrid(CudaLaunch &launch, const DimExpr &blocks) {
    launch.gridX =
        std::max<int64_t>(1, std::min<int64_t>(e.largest(blocks), kMaxGridX));
    if (!blocks.isConstant())
      launch.grid = blocks;
  }
  DimExpr product(ArrayRef<DimExpr> sizes) {
    DimExpr p(1);
    for (const DimExpr &d : sizes)
      p = p * d;
    return p;
  }

  FusionOp region;
  std::string symbol;
  ScalarEmitter e;
  std::string body;
};

/// The vector of four elements of `t` one load moves (16 bytes for 4-byte
/// types, 8 for the half-precision ones, whose lanes are `v[k]`), if it has
/// one we use.
static std::string vectorTypeOf(Type t) {
  if (t.isF32())
    return "float4";
  if (t.isInteger(32))
    return "int4";
  if (t.isF16())
    return "ig_half4";
  if (t.isBF16())
    return "ig_bfloat164";
  return "";
}

/// The vector path of a loop kernel: each thread takes four consecutive
/// output elements, loads every input of the output's shape as one vector
/// (128-bit loads of 4-byte elements, 64-bit of 2-byte ones), computes the
/// four elements and stores them as one vector. It runs when all those
/// pointers are aligned to their vector (device pointers from a caller may
/// not be); the scalar loop handles the rest.
/// Where the size varies the two are versions of the kernel (speculation):
/// the runtime takes the vector one when this call's size is a multiple of
/// 4 and the pointers are aligned, and says which ran (INGOT_PROFILE).
std::string CudaKernelWriter::vectorLoop(Value result, const DimExpr &n,
                                         CudaLaunch &launch) {
  Sizes shape = e.sizes(result);
  Type outType = elementTypeOf(result);
  std::string outVec = vectorTypeOf(outType);
  std::optional<int64_t> known = n.constant();
  if (outVec.empty() || (known && (*known % 4 != 0 || *known < 4)))
    return "";
  const std::string &it = e.indexType;
  std::string loads, aligned = "reinterpret_cast<unsigned long long>(out)";
  int64_t alignment = 4 * elementStorageBytes(outType);
  unsigned outParam = region.getBlock().getNumArguments();
  KernelVariant vector{"vector", {}, {}, {outParam}, 0};
  e.identityVectors.clear();
  for (BlockArgument arg : region.getBlock().getArguments()) {
    std::string vec = vectorTypeOf(elementTypeOf(arg));
    if (vec.empty() || e.sizes(arg) != shape)
      continue;
    alignment = std::max<int64_t>(alignment,
                                  4 * elementStorageBytes(elementTypeOf(arg)));
    std::string in = "in" + str(arg.getArgNumber());
    std::string name = in + "_q";
    loads += "      const " + vec + " " + name + " = reinterpret_cast<const " +
             vec + " *>(" + in + ")[q];\n";
    aligned += " | reinterpret_cast<unsigned long long>(" + in + ")";
    vector.aligned.push_back(arg.getArgNumber());
    e.identityVectors[arg.getArgNumber()] = name;
  }
  std::string check = "((" + aligned + ") & " + str(alignment - 1) + ") == 0";
  if (!known) {
    // (No size check where every term is a multiple of 4: 4 * N * W.)
    if (n.coefficientGcd() % 4 != 0)
      vector.validWhen.clauses = {{{n, SizeCondition::Atom::MultipleOf, 4}}};
    vector.alignment = alignment;
    launch.variants = {vector, KernelVariant{"scalar"}};
    check = "dims.variant == 0";
  }
  e.setIndent("      ");
  for (int k = 0; k < 4; ++k) {
    e.open("");
    e.line("const " + it + " flat = q * 4 + " + str(k) + ";");
    Index idx = emitCoordinates(e, shape, "flat");
    e.setFlatIdentity(shape, idx, "flat");
    e.identityLane = k;
    std::string v = e.value(result, idx);
    e.line("out_q" + vectorLane(outType, k) + " = " + storeAs(outType, v) +
           ";");
    e.close();
  }
  std::string text = "  if (" + check + ") {\n    for (" + it + " q = " + it +
                     "(blockIdx.x) * blockDim.x + threadIdx.x; q < " +
                     (known ? str(*known / 4) : e.extent(n) + " / 4") +
                     "; q += " + it + "(blockDim.x) * gridDim.x) {\n" + loads +
                     "      " + outVec + " out_q;\n" + e.body() +
                     "      reinterpret_cast<" + outVec +
                     " *>(out)[q] = out_q;\n    }\n    return;\n  }\n";
  e.body().clear();
  e.identityVectors.clear();
  return text;
}

LogicalResult CudaKernelWriter::loopBody(Value result, CudaLaunch &launch,
                                         bool vectorize) {
  Sizes shape = e.sizes(result);
  DimExpr nSize = product(shape);
  Type t = elementTypeOf(result);
  std::optional<int64_t> n = nSize.constant();
  std::string vector = vectorize ? vectorLoop(result, nSize, launch) : "";
  if (!e.error.empty())
    return fail(e.error);
  e.setIndent("    ");
  Index idx = emitCoordinates(e, shape, "flat");
  e.setFlatIdentity(shape, idx, "flat");
  std::string v = e.value(result, idx);
  if (!e.error.empty())
    return fail(e.error);
  const std::string &it = e.indexType;
  body = vector + "  for (" + it + " flat = " + it +
         "(blockIdx.x) * blockDim.x + "
         "threadIdx.x; flat < " +
         e.extent(nSize) + "; flat += " + it + "(blockDim.x) * gridDim.x) {\n" +
         e.body() + "    out[flat] = " + storeAs(t, v) + ";\n  }\n";
  e.body().clear();
  launch.blockX = 256;
  // The grid for the vector path where it is sure to run; a speculative
  // one may not, and the scalar loop strides over the rest.
  DimExpr threads = vector.empty() || !n ? nSize : DimExpr(*n / 4);
  setGrid(launch, threads.ceilDiv(256));
  return success();
}

/// One warp per row for rows short enough that most of a 256-thread block
/// would idle, when there are enough rows to fill the GPU with warps;
/// otherwise one block per row.
/// (One table for the compile-time choice and the run-time check of a
/// kernel whose sizes vary: {longest row, fewest rows}.)
static constexpr std::pair<int64_t, int64_t> kWarpPerRow[] = {{256, 256},
                                                              {1024, 2048}};
static bool useWarpPerRow(int64_t len, int64_t rows) {
  for (auto [longest, fewest] : kWarpPerRow)
    if (len <= longest && rows >= fewest)
      return true;
  return false;
}
static SizeCondition warpPerRowCondition(const DimExpr &len,
                                         const DimExpr &rows,
                                         const std::vector<DimRange> &ranges) {
  SizeCondition c;
  for (auto [longest, fewest] : kWarpPerRow)
    c.clauses.push_back({{len, SizeCondition::Atom::AtMost, longest},
                         {rows, SizeCondition::Atom::AtLeast, fewest}});
  c.simplify(ranges);
  return c;
}

/// Speculation: where the sizes vary and the best mode differs between
/// the smallest and the largest sizes, the kernel has both as versions;
/// the runtime picks one per call with useWarpPerRow's rule on this call's
/// sizes.
LogicalResult CudaKernelWriter::reductionBody(Operation *epilogueRoot,
                                              CudaLaunch &launch) {
  forcedWarp.reset();
  if (failed(reductionVariant(epilogueRoot, launch)))
    return failure();
  if (!e.shapes || rowsSize.isConstant() && lengthSize.isConstant())
    return success();
  auto least = [&](const DimExpr &d) {
    return bounds(d, e.shapes->ranges).first;
  };
  bool atLargest = chosenWarp;
  if (useWarpPerRow(least(lengthSize), least(rowsSize)) == atLargest)
    return success();
  std::string first = body;
  DimExpr len = lengthSize, rows = rowsSize;
  forcedWarp = !atLargest;
  e.forget();
  if (failed(reductionVariant(epilogueRoot, launch)))
    return failure();
  std::string warpText = atLargest ? first : body,
              blockText = atLargest ? body : first;
  body = "  if (dims.variant == 0) {\n" + warpText + "  } else {\n" +
         blockText + "  }\n";
  launch.variants = {
      KernelVariant{"warp-per-row",
                    {},
                    warpPerRowCondition(len, rows, e.shapes->ranges),
                    {},
                    0},
      KernelVariant{"block-per-row"}};
  // Enough blocks for a block per row; warps per row stride over them.
  setGrid(launch, rows);
  return success();
}

LogicalResult CudaKernelWriter::reductionVariant(Operation *epilogueRoot,
                                                 CudaLaunch &launch) {
  // `root` is the reduction; a row-wise one may have an elementwise
  // epilogue ending in `epilogueRoot`, applied at the store.
  Operation *root = regionReduction(region);
  Value result = root->getResult(0);
  Value input = root->getOperand(0);
  Sizes inShape = e.sizes(input), outShape = e.sizes(result);
  Type t = elementTypeOf(result);
  std::string ty = valueType(t);
  std::string acc =
      isa<FloatType>(t) ? (t.isF64() ? "double" : "float") : "int64_t";
  size_t rank = inShape.size();
  e.setIndent("    ");
  // out[at] = the reduction's value `v` at `idx`, through the epilogue.
  auto store = [&](const std::string &at, const std::string &v,
                   const Index &idx) {
    e.storeThroughEpilogue(root, epilogueRoot, "out[" + at + "]", v, idx);
  };
  if (root != epilogueRoot && !isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp>(root))
    return fail("an epilogue after '" + root->getName().getStringRef().str() +
                "' is not supported");
  std::string pre = "  __shared__ " + acc + " red[32];\n";
  DimExpr rows(0);
  // Block per row: threads stride the row, ig_block_reduce combines them.
  // Warp per row: lanes stride it, ig_warp_reduce (shuffles only) does.
  bool warp = false;
  std::string tid = "threadIdx.x", threads = "blockDim.x";
  auto reduce = [&](const std::string &v, const std::string &combiner) {
    return warp ? "ig_warp_reduce(" + v + ", " + combiner + ")"
                : "ig_block_reduce(" + v + ", " + combiner + ", red)";
  };
  // Where sizes vary, the mode is chosen for the largest (reductionBody
  // may ask for the other).
  auto chooseMode = [&](const DimExpr &len) {
    warp = forcedWarp ? *forcedWarp
                      : useWarpPerRow(e.largest(len), e.largest(rows));
    chosenWarp = warp;
    lengthSize = len;
    rowsSize = rows;
    if (warp) {
      tid = "lane";
      threads = "IG_WARP_SIZE";
    }
  };
  if (isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp>(root)) {
    int64_t axis =
        static_cast<int64_t>(cast<IntegerAttr>(root->getAttr("axis")).getInt());
    if (axis < 0)
      axis += rank;
    bool isNorm = isa<LayerNormOp>(root);
    // Softmax: the row is one axis; layer norm: every dim from `axis` on.
    SmallVector<int64_t> rowDims, innerDims;
    for (size_t d = 0; d < rank; ++d) {
      bool inner = isNorm ? static_cast<int64_t>(d) >= axis
                          : static_cast<int64_t>(d) == axis;
      (inner ? innerDims : rowDims).push_back(d);
    }
    DimExpr len(1);
    rows = DimExpr(1);
    for (int64_t d : innerDims)
      len = len * inShape[d];
    for (int64_t d : rowDims)
      rows = rows * inShape[d];
    chooseMode(len);
    // Row coordinates from blockIdx, inner coordinates from j.
    auto indexFor = [&](const std::string &j) {
      Index idx(rank, "0");
      DimExpr stride(1);
      for (int64_t k = rowDims.size() - 1; k >= 0; --k) {
        int64_t d = rowDims[k];
        if (inShape[d] != DimExpr(1))
          idx[d] =
              "(row / " + e.extent(stride) + " % " + e.extent(inShape[d]) + ")";
        stride = stride * inShape[d];
      }
      stride = DimExpr(1);
      for (int64_t k = innerDims.size() - 1; k >= 0; --k) {
        int64_t d = innerDims[k];
        if (inShape[d] != DimExpr(1))
          idx[d] = "(" + j + " / " + e.extent(stride) + " % " +
                   e.extent(inShape[d]) + ")";
        stride = stride * inShape[d];
      }
      return idx;
    };
    std::string loop = "for (" + e.indexType + " j = " + tid + "; j < " +
                       e.extent(len) + "; j += " + threads + ")";
    Index idx = indexFor("j");
    if (!isNorm) {
      e.line(acc + " m = ig_lowest<" + acc + ">();");
      e.open(loop);
      e.line("m = ig_max(m, " + acc + "(" + e.value(input, idx) + "));");
      e.close();
      e.line("m = " + reduce("m", "IgMax()") + ";");
      e.line(acc + " s = 0;");
      e.open(loop);
      e.line("s += ig_exp(" + acc + "(" + e.value(input, idx) + ") - m);");
      e.close();
      e.line("s = " + reduce("s", "IgSum()") + ";");
      e.open(loop);
      std::string v = e.value(input, idx);
      store(linearIndex(inShape, idx, e.dims),
            isa<LogSoftmaxOp>(root) ? acc + "(" + v + ") - m - ig_log(s)"
                                    : "ig_exp(" + acc + "(" + v + ") - m) / s",
            idx);
      e.close();
    } else {
      auto ln = cast<LayerNormOp>(root);
      e.line("float mean = 0.0f;");
      e.open(loop);
      e.line("mean += float(" + e.value(input, idx) + ");");
      e.close();
      e.line("mean = " + reduce("mean", "IgSum()") + " / float(" +
             e.extent(len) + ");");
      e.line("float var = 0.0f;");
      e.open(loop);
      e.line("const float d = float(" + e.value(input, idx) + ") - mean;");
      e.line("var += d * d;");
      e.close();
      e.line("var = " + reduce("var", "IgSum()") + " / float(" + e.extent(len) +
             ");");
      e.line("const float inv = 1.0f / ig_sqrt(var + " +
             f32Literal(ln.getEpsilon().convertToDouble()) + ");");
      e.open(loop);
      Index normIdx(idx.begin() + axis, idx.end());
      std::string x = e.value(input, idx);
      std::string y = "(float(" + x + ") - mean) * inv * float(" +
                      e.value(ln.getScale(),
                              broadcastIndex(e.sizes(ln.getScale()), normIdx)) +
                      ")";
      if (ln.getBias())
        y += " + float(" +
             e.value(ln.getBias(),
                     broadcastIndex(e.sizes(ln.getBias()), normIdx)) +
             ")";
      store(linearIndex(inShape, idx, e.dims), y, idx);
      e.close();
    }
  } else {
    // reduce_* and global pooling: output element per block.
    bool keepdims;
    SmallVector<bool> reduced = reducedDims(root, keepdims);
    rows = product(outShape);
    SmallVector<int64_t> redDims;
    DimExpr count(1);
    for (size_t d = 0; d < rank; ++d)
      if (reduced[d]) {
        redDims.push_back(d);
        count = count * inShape[d];
      }
    Index outIdx(outShape.size(), "0");
    DimExpr stride(1);
    for (int64_t d = outShape.size() - 1; d >= 0; --d) {
      if (outShape[d] != DimExpr(1))
        outIdx[d] =
            "(row / " + e.extent(stride) + " % " + e.extent(outShape[d]) + ")";
      stride = stride * outShape[d];
    }
    Index idx(rank, "0");
    size_t next = 0;
    for (size_t d = 0; d < rank; ++d) {
      if (reduced[d]) {
        if (keepdims)
          ++next;
        continue;
      }
      idx[d] = outIdx.empty() ? "0" : outIdx[next++];
    }
    stride = DimExpr(1);
    for (int64_t k = redDims.size() - 1; k >= 0; --k) {
      int64_t d = redDims[k];
      if (inShape[d] != DimExpr(1))
        idx[d] =
            "(j / " + e.extent(stride) + " % " + e.extent(inShape[d]) + ")";
      stride = stride * inShape[d];
    }
    bool isMax = isa<ReduceMaxOp, GlobalMaxPoolOp>(root),
         isMin = isa<ReduceMinOp>(root), isProd = isa<ReduceProdOp>(root);
    std::string init = isMax    ? acc + "(ig_lowest<" + ty + ">())"
                       : isMin  ? acc + "(ig_highest<" + ty + ">())"
                       : isProd ? acc + "(1)"
                                : acc + "(0)";
    std::string combiner = isMax    ? "IgMax()"
                           : isMin  ? "IgMin()"
                           : isProd ? "IgProd()"
                                    : "IgSum()";
    chooseMode(count);
    e.line(acc + " a = " + init + ";");
    e.open("for (" + e.indexType + " j = " + tid + "; j < " + e.extent(count) +
           "; j += " + threads + ")");
    std::string v = e.value(input, idx);
    e.line("a = " + combiner + "(a, " + acc + "(" + v + "));");
    e.close();
    e.line("a = " + reduce("a", combiner) + ";");
    std::string final = isa<ReduceMeanOp, GlobalAveragePoolOp>(root)
                            ? "a / " + acc + "(" + e.extent(count) + ")"
                            : "a";
    e.line("if (" + tid +
           " == 0) out[row] = " + storeAs(t, ty + "(" + final + ")") + ";");
  }
  if (!e.error.empty())
    return fail(e.error);
  if (warp) {
    // Every lane of a warp takes the same rows, so the shuffles are uniform.
    const std::string &it = e.indexType;
    body = "  const " + it + " lane = threadIdx.x % IG_WARP_SIZE;\n" +
           "  const " + it + " warps = blockDim.x / IG_WARP_SIZE;\n" +
           "  for (" + it + " row = " + it +
           "(blockIdx.x) * warps + threadIdx.x / IG_WARP_SIZE; row < " +
           e.extent(rows) + "; row += " + it + "(gridDim.x) * warps) {\n" +
           e.body() + "  }\n";
  } else {
    body = pre + "  for (" + e.indexType + " row = blockIdx.x; row < " +
           e.extent(rows) + "; row += gridDim.x) {\n" + e.body() + "  }\n";
  }
  e.body().clear();
  launch.blockX = 256;
  setGrid(launch, warp ? rows.ceilDiv(8) : rows);
  return success();
}

/// A stitch region: one block per row; each row reduction in program
/// order is strided over the block's threads and combined by
/// ig_block_reduce (every thread gets the row's value), then the threads
/// write the row of the result.
LogicalResult CudaKernelWriter::stitchBody(Operation *root,
                                           CudaLaunch &launch) {
  Value result = root->getResult(0);
  Sizes shape = e.sizes(result);
  std::optional<StitchRows> rows = stitchRows(region, result, &e);
  if (!rows)
    return fail("stitch region without a row reduction");
  const std::string &it = e.indexType;
  e.setIndent("    ");
  Index outer(shape.size(), "0");
  DimExpr stride(1);
  for (int64_t d = shape.size() - rows->dims - 1; d >= 0; --d) {
    if (shape[d] != DimExpr(1))
      outer[d] =
          "(row / " + e.extent(stride) + " % " + e.extent(shape[d]) + ")";
    stride = stride * shape[d];
  }
  std::string length = e.extent(rows->lengthSize);
  std::string loop =
      "for (" + it + " j = threadIdx.x; j < " + length + "; j += blockDim.x)";
  Index element =
      emitRowReductions(e, *rows, shape, outer, loop,
                        [&](const std::string &name, Operation *red) {
                          e.line(name + " = ig_block_reduce(" + name + ", " +
                                 (isa<ReduceMaxOp>(red)   ? "IgMax()"
                                  : isa<ReduceMinOp>(red) ? "IgMin()"
                                                          : "IgSum()") +
                                 ", red);");
                        });
  e.open(loop);
  e.line("out[row * " + length + " + j] = " +
         storeAs(elementTypeOf(result), e.value(result, element)) + ";");
  e.close();
  e.reductionValue = nullptr;
  if (!e.error.empty())
    return fail(e.error);
  body = "  __shared__ float red[32];\n  for (" + it +
         " row = blockIdx.x; row < " + e.extent(rows->countSize) +
         "; row += gridDim.x) {\n" + e.body() + "  }\n";
  e.body().clear();
  launch.blockX = 256;
  setGrid(launch, rows->countSize);
  return success();
}

/// Attention without the score matrix (FlashAttention's scheme, FP32 on
/// CUDA cores): each thread owns one query row of a tile of blockDim.x
/// rows of one (batch, head) and keeps that row's q, output and softmax
/// state (running max m, running sum l) in registers. The block walks the
/// keys in tiles of `kTile` rows of k and v staged in shared memory; each
/// tile rescales the row's state by exp(m_old - m_new) (online softmax).
/// Loops are written for any blockDim.x, so the single-thread emulation
/// runs the same code.
LogicalResult CudaKernelWriter::attentionBody(AttentionOp op,
                                              CudaLaunch &launch) {
  std::optional<AttentionSizes> sizes = attentionSizes(e, op);
  if (!sizes)
    return fail("attention over heads or head sizes that vary");
  int64_t heads = sizes->heads, dim = sizes->dim, kvHeads = sizes->kvHeads,
          dimV = sizes->dimV;
  DimExpr batchE = sizes->batch, sqE = sizes->queries, skE = sizes->keys;
  std::string sq = e.extent(sqE), sk = e.extent(skE);
  std::string sqLast = e.extent(sqE - DimExpr(1)),
              skLast = e.extent(skE - DimExpr(1));
  int64_t group = heads / kvHeads;
  if (dim > 256 || dimV > 256)
    return fail("attention head sizes above 256 are not supported");
  // k and v tiles within 32 KiB of shared memory.
  int64_t kTile =
      std::max<int64_t>(8, std::min<int64_t>(64, 8192 / (dim + dimV)));
  Type t = elementTypeOf(op.getResult());
  const std::string &it = e.indexType;
  const int64_t threads = 64;
  std::string scale = f32Literal(op.getScale().convertToDouble());
  e.setIndent("    ");
  e.line("const " + it + " bh = tile / tilesPerHead;");
  e.line("const " + it + " qb = bh / " + str(heads) + ", qh = bh % " +
         str(heads) + ", kh = qh / " + str(group) + ";");
  e.line("const " + it + " rowBegin = tile % tilesPerHead * " + it +
         "(blockDim.x);");
  e.line("const " + it + " qi = rowBegin + " + it + "(threadIdx.x);");
  e.line("const bool active = qi < " + sq + ";");
  e.line("float q_[" + str(dim) + "], o_[" + str(dimV) + "], s_[" + str(kTile) +
         "];");
  e.line("float m_ = -INFINITY, l_ = 0.0f;");
  e.open("for (int d = 0; d < " + str(dimV) + "; ++d)");
  e.line("o_[d] = 0.0f;");
  e.close();
  e.open("if (active)");
  e.open("for (" + it + " d = 0; d < " + str(dim) + "; ++d)");
  e.line("q_[d] = float(" + e.value(op.getQ(), {"qb", "qh", "qi", "d"}) +
         ") * " + scale + ";");
  e.close();
  e.close();
  // Under `causal` query i sees keys up to i + causal_offset: the block
  // needs the keys of its last row, each thread stops at its own.
  if (op.getCausal()) {
    int64_t offset = op.getCausalOffset();
    auto clamp = [&](const std::string &row) {
      std::string n = row + " + " + str(offset + 1);
      return "(" + n + " < 0 ? 0 : " + n + " < " + sk + " ? " + n + " : " + sk +
             ")";
    };
    e.line("const " + it + " lastRow = rowBegin + " + it +
           "(blockDim.x) - 1 < " + sqLast + " ? rowBegin + " + it +
           "(blockDim.x) - 1 : " + sqLast + ";");
    e.line("const " + it + " blockKeys = " + clamp("lastRow") + ";");
    e.line("const " + it + " keys = " + clamp("qi") + ";");
  } else {
    e.line("const " + it + " blockKeys = " + sk + ", keys = " + sk + ";");
  }
  e.open("for (" + it + " j0 = 0; j0 < blockKeys; j0 += " + str(kTile) + ")");
  e.line("__syncthreads();");
  // The block loads the tile's rows of k and of v; rows past the last key
  // are loaded from the last one (and not used).
  auto loadTile = [&](const std::string &tile, Value from, int64_t width) {
    e.open("for (" + it + " x = threadIdx.x; x < " + str(kTile * width) +
           "; x += blockDim.x)");
    e.line("const " + it + " j = j0 + x / " + str(width) + " < " + sk +
           " ? j0 + x / " + str(width) + " : " + skLast + ", d = x % " +
           str(width) + ";");
    e.line(tile + "[x] = float(" + e.value(from, {"qb", "kh", "j", "d"}) +
           ");");
    e.close();
  };
  loadTile("kTile_", op.getK(), dim);
  loadTile("vTile_", op.getV(), dimV);
  e.line("__syncthreads();");
  e.open("if (active)");
  e.line("const " + it + " n = keys - j0 < " + str(kTile) +
         " ? keys - j0 : " + str(kTile) + ";");
  e.line("float tileMax = -INFINITY;");
  e.line("#pragma unroll");
  e.open("for (int jj = 0; jj < " + str(kTile) + "; ++jj)");
  e.line("if (jj >= n) break;");
  e.line("const " + it + " j = j0 + jj;");
  e.line("float s = 0.0f;");
  e.line("#pragma unroll");
  e.open("for (int d = 0; d < " + str(dim) + "; ++d)");
  e.line("s += q_[d] * kTile_[jj * " + str(dim) + " + d];");
  e.close();
  emitAttentionMask(e, op, "s");
  e.line("s_[jj] = s;");
  e.line("tileMax = tileMax < s ? s : tileMax;");
  e.close();
  // A tile whose keys are all masked to -inf adds nothing (and must not
  // turn the state into NaN through exp(-inf - -inf)).
  e.line("const float mNew = m_ < tileMax ? tileMax : m_;");
  e.open("if (n > 0 && mNew != -INFINITY)");
  e.line("const float corr = ig_exp(m_ - mNew);");
  e.line("l_ *= corr;");
  e.line("#pragma unroll");
  e.open("for (int d = 0; d < " + str(dimV) + "; ++d)");
  e.line("o_[d] *= corr;");
  e.close();
  e.line("#pragma unroll");
  e.open("for (int jj = 0; jj < " + str(kTile) + "; ++jj)");
  e.line("if (jj >= n) break;");
  e.line("const float p = ig_exp(s_[jj] - mNew);");
  e.line("l_ += p;");
  e.line("#pragma unroll");
  e.open("for (int d = 0; d < " + str(dimV) + "; ++d)");
  e.line("o_[d] += p * vTile_[jj * " + str(dimV) + " + d];");
  e.close();
  e.close();
  e.line("m_ = mNew;");
  e.close();
  e.close();
  e.close();
  // Every key masked to -inf: l_ = 0, and the row is 0.
  e.open("if (active)");
  std::string at = op.getTransposeOutput()
                       ? "((qb * " + sq + " + qi) * " + str(heads) +
                             " + qh) * " + str(dimV) + " + d"
                       : "((bh * " + sq + ") + qi) * " + str(dimV) + " + d";
  e.line("const float inv = l_ > 0.0f ? 1.0f / l_ : 0.0f;");
  e.open("for (int d = 0; d < " + str(dimV) + "; ++d)");
  e.line("out[" + at + "] = " + storeAs(t, "o_[d] * inv") + ";");
  e.close();
  e.close();
  if (!e.error.empty())
    return fail(e.error);
  DimExpr tiles = batchE * DimExpr(heads) * sqE.ceilDiv(threads);
  body = "  __shared__ float kTile_[" + str(kTile * dim) + "], vTile_[" +
         str(kTile * dimV) + "];\n" + "  const " + it + " tilesPerHead = (" +
         sq + " + " + it + "(blockDim.x) - 1) / " + it + "(blockDim.x);\n" +
         "  for (" + it + " tile = blockIdx.x; tile < " +
         e.extent(batchE * DimExpr(heads)) +
         " * tilesPerHead; tile += gridDim.x) {\n" + e.body() + "  }\n";
  e.body().clear();
  launch.blockX = threads;
  setGrid(launch, tiles);
  return success();
}

LogicalResult CudaKernelWriter::write(std::string &out, CudaLaunch &launch) {
  Operation *root = region.getRoot();
  // 32-bit index arithmetic when every tensor of the region has fewer than
  // 2^30 elements (so that a grid-stride step cannot overflow either).
  int64_t largest = 0;
  auto count = [&](Value v) {
    largest = std::max(largest, e.largest(product(e.sizes(v))));
  };
  for (BlockArgument arg : region.getBlock().getArguments())
    count(arg);
  region.getBlock().walk([&](Operation *op) {
    for (Value v : op->getResults())
      if (isa<RankedTensorType>(v.getType()))
        count(v);
  });
  std::string gap = symbolicCodegenGap(region, e.shapes);
  if (!gap.empty())
    return fail(gap);
  if (largest < (int64_t(1) << 30))
    e.indexType = "int";
  std::string params;
  unsigned n = 0;
  for (BlockArgument arg : region.getBlock().getArguments()) {
    std::string ty = cType(elementTypeOf(arg));
    if (ty.empty())
      return fail("input element type not supported");
    params += "const " + ty + " *__restrict__ in" + str(n++) + ", ";
  }
  std::string outTy = cType(elementTypeOf(root->getResult(0)));
  if (outTy.empty())
    return fail("output element type not supported");
  StringRef kind = region.getKind();
  LogicalResult status = success();
  if (kind == "library") {
    Operation *lib = regionLibraryOp(region);
    Value bias;
    bool channelsLast = false;
    if (auto conv = dyn_cast<ConvOp>(lib)) {
      bias = conv.getBias();
      channelsLast = conv.getChannelsLast();
    } else if (auto convT = dyn_cast<ConvTransposeOp>(lib))
      bias = convT.getBias();
    Value c;
    if (auto gemm = dyn_cast<GemmOp>(lib))
      c = gemm.getC();
    if (root == lib && !bias && !c) {
      launch.empty = true;
      return success();
    }
    Sizes libShape = e.sizes(lib->getResult(0));
    e.libraryValue = [&, lib, bias, c, libShape,
                      channelsLast](Operation *op, const Index &idx) mutable {
      if (op != lib) {
        e.error = "a second library op in one region";
        return std::string("0");
      }
      std::string v = loadAs(elementTypeOf(lib->getResult(0)),
                             "out[" + linearIndex(libShape, idx, e.dims) + "]");
      if (bias)
        v += " + " + e.value(bias, Index{channelsLast ? idx.back() : idx[1]});
      if (c) {
        double beta = cast<GemmOp>(lib).getBeta().convertToDouble();
        std::string cv = e.value(c, broadcastIndex(e.sizes(c), idx));
        v += beta == 1.0 ? " + " + cv : " + " + f32Literal(beta) + " * " + cv;
      }
      return "(" + v + ")";
    };
    status = loopBody(root->getResult(0), launch, /*vectorize=*/false);
    // The epilogue reads the library result from `out` and rewrites it in
    // place, element by element.
    params += outTy + " *out";
  } else {
    if (kind == "stitch") {
      status = stitchBody(root, launch);
    } else if (kind == "attention") {
      auto attention = dyn_cast<AttentionOp>(root);
      if (!attention)
        return fail("attention region without an attention root");
      status = attentionBody(attention, launch);
    } else {
      status = kind == "reduction"
                   ? reductionBody(root, launch)
                   : loopBody(root->getResult(0), launch, /*vectorize=*/true);
    }
    params += outTy + " *__restrict__ out";
  }
  if (failed(status))
    return failure();
  // In an artifact for a range of shapes every kernel takes the dims'
  // values (by value: no device memory to manage).
  if (e.shapes)
    params += ", const IngotDims dims";
  std::string versions;
  for (size_t k = 0; k < launch.variants.size(); ++k) {
    const KernelVariant &v = launch.variants[k];
    std::string when =
        v.validWhen.always() ? "" : v.validWhen.str(e.shapes->names);
    if (!v.aligned.empty())
      when += (when.empty() ? "" : " && ") + std::string("aligned");
    if (!v.preferredWhen.always())
      when +=
          (when.empty() ? "" : " && ") + v.preferredWhen.str(e.shapes->names);
    versions += "//   " + str(k) + ": " + v.name +
                (when.empty() ? " (otherwise)" : " when " + when) + "\n";
  }
  if (!versions.empty())
    versions = "// versions (the runtime picks one per call: dims.variant):\n" +
               versions;
  out += "\n// " + symbol + ": " + kind.str() + " region, root " +
         root->getName().getStringRef().str() + "\n" + versions +
         e.constantsText +
         "extern \"C\" __global__ void __launch_bounds__(256) " + symbol + "(" +
         params + ") {\n" + body + "}\n";
  return success();
}
} // namespace

std::string codegen::cudaSourcePreamble() {
  return std::string("// Generated by ingotc: CUDA kernels.\n") + kCudaPrelude +
         kBlockReduce;
}

LogicalResult codegen::emitCudaKernel(FusionOp region,
                                      const std::string &symbol,
                                      std::string &out, CudaLaunch &launch,
                                      const SymbolicShapes *shapes) {
  CudaKernelWriter writer(region, symbol, shapes);
  return writer.write(out, launch);
}
