//===- HostEmitter.cpp - C++ source for the host (CPU) backend ------------===//
//
// Loop skeletons around the shared ScalarEmitter: each region becomes an
// args struct, a body over a range of rows that the runtime's parallel_for
// splits across threads, and an extern "C" entry point. The innermost
// dimension is a plain counted loop over contiguous memory so the C++
// compiler can vectorize it.
//
//===----------------------------------------------------------------------===//
#include "codegen/HostEmitter.h"
#include "codegen/LibraryCalls.h"
#include "codegen/ScalarEmitter.h"

#include "dialects/ingot/OpClasses.h"

#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <set>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

namespace {
// clang-format off
const char *kAbiText =
#include "codegen/KernelAbiText.inc"
    ;
const char *kPreludeText =
#include "codegen/HostPrelude.inc"
    ;
// clang-format on

class KernelWriter {
public:
  KernelWriter(FusionOp region, std::string symbol,
               const SymbolicShapes *shapes)
      : region(region), symbol(std::move(symbol)),
        e(region, [this](unsigned k) { return "a.in" + str(k); }) {
    e.shapes = shapes;
  }

  LogicalResult write(std::string &out);

private:
  LogicalResult loopKernel(Value result, const std::string &rowsVar);
  LogicalResult shortRowKernel(Value result);
  LogicalResult reductionKernel(Operation *root);
  LogicalResult columnReductionKernel(Operation *root, ArrayRef<bool> reduced);
  LogicalResult libraryKernel(Operation *lib, Operation *root);
  LogicalResult attentionKernel(AttentionOp op);
  LogicalResult stitchKernel(Operation *root);
  /// A body function over rows [begin, end) of `rows` (the text inside the
  /// row loop).
  void addBodyFunction(const std::string &rowLoopBody) {
    bodyFunctions += "static void " + symbol +
                     "_body(void *p, int64_t begin, int64_t end) {\n"
                     // A copy, not a reference: stores through a byte
                     // output (uint8/int8 may alias anything) could
                     // otherwise change the pointers, which then reload
                     // every element and the loop does not vectorize.
                     "  const auto a = *static_cast<const " +
                     symbol + "_args *>(p);\n" + dimsPrologue +
                     "  for (int64_t r = begin; r < end; ++r) {\n" +
                     rowLoopBody + "  }\n}\n";
  }
  std::string pointer(Value v);
  std::string parallelCall(int64_t rows, int64_t workPerRow) {
    return parallelCall(str(rows), workPerRow);
  }
  std::string parallelCall(const std::string &rows, int64_t workPerRow);
  /// The library call runs the epilogue's rows itself (conv_i8's
  /// callback), so the loop kernel adds no parallel_for of its own.
  bool rowsInLibrary = false;
  /// A library epilogue: each element is read from the library's result and
  /// written back to the same place, and no other input shares the output's
  /// memory (the library wrote the output before the epilogue reads its
  /// inputs), so the iterations are independent. The compiler cannot see
  /// that through the argument struct: without `ivdep` it gives up on a
  /// loop that also gathers from a lookup table.
  bool independentIterations = false;
  /// The loop kernel's output index (its coordinates, `iL` innermost) and
  /// that element's flat offset as its store writes it, `r * N + iL`. An
  /// in-place epilogue reads the library's result at the same element:
  /// written as the same expression, GCC sees that each iteration reads
  /// what it writes. Through the coordinates' own strides it could not,
  /// and left the whole epilogue scalar (every conv + bias + ReLU of
  /// ppocr_mobile_v2_cls).
  Index loopIndex;
  Sizes loopShape;
  std::string loopFlatIndex;
  LogicalResult fail(const Twine &message) {
    return region.emitError() << "host codegen: " << message;
  }

  FusionOp region;
  std::string symbol;
  ScalarEmitter e;
  std::string entryBody; // statements of the extern "C" function
  // Where sizes vary: the dims' values as local constants (d_[i]), which
  // the compiler keeps in registers and hoists out of loops as it does
  // literals; every function of the kernel starts with it.
  std::string dimsPrologue;
  std::string bodyFunctions;
};

std::string KernelWriter::parallelCall(const std::string &rows,
                                       int64_t workPerRow) {
  int64_t grain =
      std::max<int64_t>(1, 32768 / std::max<int64_t>(1, workPerRow));
  return "  ctx->api->parallel_for(ctx, " + rows + ", " + str(grain) + ", " +
         symbol + "_body, &a);\n";
}

/// A region's argument or constant as a typed pointer expression (for
/// library calls, which need memory).
std::string KernelWriter::pointer(Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return "a.in" + str(arg.getArgNumber());
  if (auto c = v.getDefiningOp<ConstantOp>()) {
    std::string ref = e.constantRef(c);
    if (!ref.empty() && ref[0] == '=') {
      // A splat: library calls need the full array in memory.
      std::string name =
          symbol + "_splat" +
          str(reinterpret_cast<uintptr_t>(c.getOperation()) % 100000);
      e.constantsText += "static " + cType(elementTypeOf(v)) + " " + name +
                         "[" + str(numElements(shapeOf(v))) + "];\n";
      entryBody += "  std::fill_n(" + name + ", " +
                   str(numElements(shapeOf(v))) + ", " + ref.substr(1) + ");\n";
      return name;
    }
    return ref;
  }
  return "nullptr";
}

/// The C type a reduction of `t` elements accumulates in.
static std::string accumulatorType(Type t) {
  return !isa<FloatType>(t) ? "int64_t" : t.isF64() ? "double" : "float";
}

/// A reduce_* or global pooling's initial accumulator (the extremes of the
/// element type `ty` for max/min, widened; for bool false/true) ...
static std::string reductionInit(Operation *root, const std::string &accTy,
                                 const std::string &ty) {
  return isa<ReduceMaxOp, GlobalMaxPoolOp>(root)
             ? accTy + "(ig_lowest<" + ty + ">())"
         : isa<ReduceMinOp>(root)  ? accTy + "(ig_highest<" + ty + ">())"
         : isa<ReduceProdOp>(root) ? accTy + "(1)"
                                   : accTy + "(0)";
}

/// ... and the statement adding the value `v` (already of the accumulator's
/// type) to the accumulator `acc`.
static std::string reductionCombine(Operation *root, const std::string &acc,
                                    const std::string &v) {
  return isa<ReduceMaxOp, GlobalMaxPoolOp>(root)
             ? acc + " = ig_max(" + acc + ", " + v + ");"
         : isa<ReduceMinOp>(root)  ? acc + " = ig_min(" + acc + ", " + v + ");"
         : isa<ReduceProdOp>(root) ? acc + " *= " + v + ";"
                                   : acc + " += " + v + ";";
}

/// The reduction's result from its accumulator `acc` over `count` values:
/// the mean divides, the others are the accumulator.
static std::string reductionResult(Operation *root, const std::string &acc,
                                   const std::string &accTy,
                                   const std::string &count) {
  return isa<ReduceMeanOp, GlobalAveragePoolOp>(root)
             ? acc + " / " + accTy + "(" + count + ")"
             : acc;
}

/// At most this many inner loops per row where concatenations split it.
constexpr size_t kMaxInnerPieces = 16;
/// Rows of at most this many elements take shortRowKernel's form.
constexpr int64_t kShortRow = 4;

/// Rows of a few elements (an NCHW image going channels-last: [N, H, W, 3])
/// leave the inner loop nothing to vectorize, and its trip count of 3 costs
/// more than the element: 1.9 ms for ppocr_v4_det's 640x640 input in its
/// QDQ form (quantized on the way). A task here takes rows of the last two
/// dims, the loop over the second-to-last outside: GCC vectorizes it,
/// interleaving the short rows' stores (4.5x faster in a harness). Nothing
/// is hoisted: values may depend on either loop.
LogicalResult KernelWriter::shortRowKernel(Value result) {
  Sizes shape = e.sizes(result);
  size_t rank = shape.size();
  Type t = elementTypeOf(result);
  DimExpr inner = shape[rank - 1], middle = shape[rank - 2];
  DimExpr rows(1);
  for (size_t d = 0; d + 2 < rank; ++d)
    rows = rows * shape[d];
  e.setIndent("    ");
  Index idx = emitCoordinates(e, shape, "r", 2);
  std::string coords = e.body();
  e.body().clear();
  e.setIndent("        ");
  idx[rank - 2] = "iM";
  if (inner != DimExpr(1))
    idx[rank - 1] = "iL";
  std::string v = e.value(result, idx);
  if (!e.error.empty())
    return fail(e.error);
  std::string n = e.extent(inner), m = e.extent(middle);
  addBodyFunction(coords + "    for (int64_t iM = 0; iM < " + m +
                  "; ++iM) {\n      for (int64_t iL = 0; iL < " + n +
                  "; ++iL) {\n" + e.body() + "        a.out[(r * " + m +
                  " + iM) * " + n + " + iL] = " + storeAs(t, v) +
                  ";\n      }\n    }\n");
  e.body().clear();
  entryBody +=
      parallelCall(e.extent(rows), e.largest(middle) * *inner.constant() * 4);
  return success();
}

LogicalResult KernelWriter::loopKernel(Value result, const std::string &) {
  Sizes shape = e.sizes(result);
  Type t = elementTypeOf(result);
  if (cType(t).empty())
    return fail("element type not supported");
  DimExpr inner = shape.empty() ? DimExpr(1) : shape.back();
  DimExpr rows(1);
  for (size_t d = 0; d + 1 < shape.size(); ++d)
    rows = rows * shape[d];
  // Short rows, where there are enough of the outer ones to share out.
  if (!independentIterations && !rowsInLibrary && shape.size() >= 3 &&
      inner.constant() && *inner.constant() >= 1 &&
      *inner.constant() <= kShortRow && shape[shape.size() - 2] != DimExpr(1)) {
    int64_t outer = 1;
    for (size_t d = 0; d + 2 < shape.size(); ++d)
      outer *= e.largest(shape[d]);
    if (outer >= 16)
      return shortRowKernel(result);
  }
  // The work per row sets the parallel grain: taken at the largest size
  // where the row length ranges.
  int64_t innerMax =
      e.shapes ? bounds(inner, e.shapes->ranges).second : *inner.constant();
  // Row coordinates once per row, then the contiguous inner loop.
  e.setIndent("    ");
  Index idx = emitCoordinates(e, shape, "r", shape.empty() ? 0 : 1);
  std::string coords = e.body();
  e.body().clear();
  e.setIndent("      ");
  if (!shape.empty() && shape.back() != DimExpr(1))
    idx.back() = "iL";
  e.innerVariable = "iL";
  e.hoistIndent = "    ";
  e.innerConcats.clear();
  if (!idx.empty() && idx.back() == "iL") {
    loopIndex = idx;
    loopShape = shape;
    loopFlatIndex = "r * " + e.extent(inner) + " + iL";
  }
  std::string v = e.value(result, idx);
  if (!e.error.empty())
    return fail(e.error);
  // An 8/16-bit integer result of a static row length is computed into an
  // int32 row and narrowed by a loop of its own, so that the loops
  // computing it hold no narrow values (see ig_quantize_wide): 13.5 ->
  // 3.8 ms for ppocr_v4_det's feature-pyramid concat in its QDQ form.
  std::optional<int64_t> staticInner = inner.constant();
  auto intType = dyn_cast<IntegerType>(t);
  bool staged = !independentIterations && !rowsInLibrary && staticInner &&
                *staticInner > 1 && *staticInner <= 4096 && intType &&
                (intType.getWidth() == 8 || intType.getWidth() == 16);
  // The vector width, in elements, GCC picks for the loop (-march with
  // AVX2 or AVX-512 and its preference for 256-bit vectors): 8 floats, and
  // 16 where the loop loads, computes or stores 8-bit values (16 per
  // 128-bit register). Remaps (resize, transpose, ...) only move the
  // values they read; quantized values are held wide.
  bool eightBit = false;
  auto isEightBit = [](Value v) {
    auto it = dyn_cast<IntegerType>(elementTypeOf(v));
    return it && it.getWidth() == 8;
  };
  for (BlockArgument arg : region.getBlock().getArguments())
    eightBit |= isEightBit(arg);
  region.walk([&](Operation *op) {
    if (isa<QuantizeLinearOp, FusionOp>(op) ||
        classifyOp(op) == OpClass::Remap ||
        classifyOp(op) == OpClass::Constant ||
        (staged && op->getNumResults() && op->getResult(0) == result))
      return;
    for (Value r : op->getResults())
      eightBit |= isEightBit(r);
  });
  int64_t width = eightBit ? 16 : 8;
  // The inner loop over [begin, end), its hoisted coordinates before it.
  // A static trip count past a multiple of the vector width leaves GCC a
  // scalar remainder (it does not vectorize one of 8 8-bit values): a
  // third of ppocr_v4_det's 24-channel concat pieces, with branches for
  // each requantization's clamps. Where the iterations only write the
  // output (not an in-place epilogue, and never sharing memory with an
  // input: the arena planner's rule), the remainder is instead the last
  // full vector's worth, [end - width, end), computed again: the same
  // values written twice.
  auto innerLoop = [&](int64_t begin, const DimExpr &end) {
    std::string body = e.body(),
                store = staged ? "      row[iL] = " + v + ";\n"
                               : "      a.out[r * " + e.extent(inner) +
                                     " + iL] = " + storeAs(t, v) + ";\n";
    auto loop = [&](const std::string &from, const std::string &to) {
      return std::string(independentIterations ? "#pragma GCC ivdep\n" : "") +
             "    for (int64_t iL = " + from + "; iL < " + to + "; ++iL) {\n" +
             body + store + "    }\n";
    };
    std::string text = e.hoistedText;
    std::optional<int64_t> last = end.constant();
    int64_t length = last ? *last - begin : 0;
    if (last && !independentIterations && !rowsInLibrary && length > width &&
        length % width != 0) {
      text += loop(str(begin), str(*last - length % width)) +
              loop(str(*last - width), str(*last));
    } else {
      text += loop(str(begin), e.extent(end));
    }
    e.body().clear();
    e.hoistedText.clear();
    return text;
  };
  std::string loops;
  // A concatenation along the inner dim chooses its input per element: a
  // branch in the loop that keeps it from vectorizing (with the
  // requantizations of a QDQ model, ppocr_v4_det's feature-pyramid concat
  // took 11.9 ms, 0.5 GB/s). Split at the inputs' boundaries, each piece
  // reads one input of each.
  std::set<int64_t> cuts;
  if (std::optional<int64_t> n = inner.constant()) {
    for (auto &[op, offsets] : e.innerConcats)
      cuts.insert(offsets.begin(), offsets.end());
    cuts.insert(*n);
    cuts.erase(cuts.upper_bound(*n), cuts.end());
    cuts.erase(0);
  }
  if (cuts.size() < 2 || cuts.size() > kMaxInnerPieces) {
    loops = innerLoop(0, inner);
  } else {
    e.body().clear();
    e.hoistedText.clear();
    auto concats = e.innerConcats;
    int64_t begin = 0;
    for (int64_t end : cuts) {
      for (auto &[op, offsets] : concats)
        e.concatInputs[op] =
            std::upper_bound(offsets.begin(), offsets.end(), begin) -
            offsets.begin() - 1;
      e.forget();
      v = e.value(result, idx);
      loops += innerLoop(begin, DimExpr(end));
      begin = end;
    }
    e.concatInputs.clear();
  }
  e.innerVariable.clear();
  if (!e.error.empty())
    return fail(e.error);
  if (staged) {
    std::string n = str(*staticInner);
    loops = "    int32_t row[" + n + "];\n" + loops +
            "    for (int64_t iL = 0; iL < " + n + "; ++iL)\n" +
            "      a.out[r * " + n + " + iL] = " + cType(t) + "(row[iL]);\n";
  }
  addBodyFunction(coords + loops);
  if (!rowsInLibrary)
    entryBody += parallelCall(e.extent(rows), innerMax * 4);
  return success();
}

LogicalResult KernelWriter::reductionKernel(Operation *epilogueRoot) {
  // `root` is the reduction; a row-wise one may have an elementwise
  // epilogue ending in `epilogueRoot`, applied at the store.
  Operation *root = regionReduction(region);
  Value result = root->getResult(0);
  Sizes outShape = e.sizes(result);
  Value input = root->getOperand(0);
  Sizes inShape = e.sizes(input);
  auto product = [](ArrayRef<DimExpr> dims) {
    DimExpr p(1);
    for (const DimExpr &d : dims)
      p = p * d;
    return p;
  };
  Type t = elementTypeOf(result);
  std::string ty = valueType(t);
  if (ty.empty())
    return fail("element type not supported");
  std::string accTy = accumulatorType(t);
  e.setIndent("    ");
  std::string body;
  DimExpr rows(0);
  int64_t workPerRow = 1;
  // out[at] = the reduction's value `v` at `idx`, through the epilogue.
  auto store = [&](const std::string &at, const std::string &v,
                   const Index &idx) {
    e.storeThroughEpilogue(root, epilogueRoot, "a.out[" + at + "]", v, idx);
  };

  auto isReduce = isa<ReduceMeanOp, ReduceSumOp, ReduceMaxOp, ReduceMinOp,
                      ReduceProdOp, GlobalAveragePoolOp, GlobalMaxPoolOp>(root);
  if (isReduce && root != epilogueRoot)
    return fail("an epilogue after '" + root->getName().getStringRef().str() +
                "' is not supported");
  if (isReduce) {
    size_t rank = inShape.size();
    bool keepdims;
    SmallVector<bool> reduced = reducedDims(root, keepdims);
    std::optional<int64_t> last = inShape[rank - 1].constant();
    if (rank > 1 && !reduced[rank - 1] && (!last || *last > 1) &&
        llvm::any_of(llvm::seq<size_t>(0, rank), [&](size_t d) {
          return reduced[d] && inShape[d] != DimExpr(1);
        }))
      return columnReductionKernel(root, reduced);
    rows = product(outShape);
    // Output coordinates of row r.
    Index outIdx = emitCoordinates(e, outShape, "r", 0);
    Index inIdx(rank);
    size_t next = 0;
    DimExpr count(1);
    std::string acc = "acc";
    e.line(accTy + " acc = " + reductionInit(root, accTy, ty) + ";");
    int loops = 0;
    for (size_t d = 0; d < rank; ++d) {
      if (reduced[d]) {
        count = count * inShape[d];
        if (keepdims)
          ++next;
        if (inShape[d] == DimExpr(1)) {
          inIdx[d] = "0";
          continue;
        }
        std::string k = "k" + str(d);
        e.open("for (int64_t " + k + " = 0; " + k + " < " +
               e.extent(inShape[d]) + "; ++" + k + ")");
        ++loops;
        inIdx[d] = k;
      } else {
        inIdx[d] = outIdx.empty() ? "0" : outIdx[next++];
      }
    }
    workPerRow = e.largest(count);
    std::string v = e.value(input, inIdx);
    e.line(reductionCombine(root, "acc", accTy + "(" + v + ")"));
    for (int i = 0; i < loops; ++i)
      e.close();
    std::string finalValue =
        reductionResult(root, "acc", accTy, e.extent(count));
    e.line("a.out[r] = " + storeAs(t, ty + "(" + finalValue + ")") + ";");
  } else if (isa<SoftmaxOp, LogSoftmaxOp>(root)) {
    int64_t axis =
        static_cast<int64_t>(cast<IntegerAttr>(root->getAttr("axis")).getInt());
    size_t rank = inShape.size();
    if (axis < 0)
      axis += rank;
    std::string len = e.extent(inShape[axis]);
    rows = DimExpr(1);
    for (size_t d = 0; d < rank; ++d)
      if (static_cast<int64_t>(d) != axis)
        rows = rows * inShape[d];
    workPerRow = 3 * e.largest(inShape[axis]);
    // Coordinates of the row: all dims but `axis`.
    Index idx(rank, "0");
    DimExpr stride(1);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (d == axis)
        continue;
      if (inShape[d] != DimExpr(1)) {
        e.line("const int64_t i" + str(d) + " = r / " + e.extent(stride) +
               " % " + e.extent(inShape[d]) + ";");
        idx[d] = "i" + str(d);
      }
      stride = stride * inShape[d];
    }
    idx[axis] = "j";
    e.line(accTy + " m = ig_lowest<" + accTy + ">();");
    e.open("for (int64_t j = 0; j < " + len + "; ++j)");
    e.line("m = ig_max(m, " + accTy + "(" + e.value(input, idx) + "));");
    e.close();
    e.line(accTy + " s = 0;");
    e.open("for (int64_t j = 0; j < " + len + "; ++j)");
    e.line("s += ig_exp(" + accTy + "(" + e.value(input, idx) + ") - m);");
    e.close();
    bool logSoftmax = isa<LogSoftmaxOp>(root);
    e.line(logSoftmax ? "const " + accTy + " ls = ig_log(s);"
                      : "const " + accTy + " inv = " + accTy + "(1) / s;");
    e.open("for (int64_t j = 0; j < " + len + "; ++j)");
    std::string v = e.value(input, idx);
    store(linearIndex(inShape, idx, e.dims),
          logSoftmax ? accTy + "(" + v + ") - m - ls"
                     : "ig_exp(" + accTy + "(" + v + ") - m) * inv",
          idx);
    e.close();
  } else if (auto ln = dyn_cast<LayerNormOp>(root)) {
    size_t rank = inShape.size();
    int64_t axis = static_cast<int64_t>(ln.getAxis());
    if (axis < 0)
      axis += rank;
    DimExpr lenSize = product(ArrayRef<DimExpr>(inShape).drop_front(axis));
    std::string len = e.extent(lenSize);
    rows = product(ArrayRef<DimExpr>(inShape).take_front(axis));
    workPerRow = 3 * e.largest(lenSize);
    Index idx = emitCoordinates(e, inShape, "r", rank - axis);
    // Inner coordinates from the flat inner index j.
    auto innerIndex = [&](Index base) {
      DimExpr stride(1);
      for (int64_t d = rank - 1; d >= axis; --d) {
        if (inShape[d] != DimExpr(1)) {
          std::string name = "j" + str(d);
          e.line("const int64_t " + name + " = j / " + e.extent(stride) +
                 " % " + e.extent(inShape[d]) + ";");
          base[d] = name;
        }
        stride = stride * inShape[d];
      }
      return base;
    };
    e.line("float mean = 0.0f, var = 0.0f;");
    e.open("for (int64_t j = 0; j < " + len + "; ++j)");
    e.line("mean += float(" + e.value(input, innerIndex(idx)) + ");");
    e.close();
    e.line("mean /= float(" + len + ");");
    e.open("for (int64_t j = 0; j < " + len + "; ++j)");
    e.line("const float d = float(" + e.value(input, innerIndex(idx)) +
           ") - mean;");
    e.line("var += d * d;");
    e.close();
    e.line("const float inv = 1.0f / ig_sqrt(var / float(" + len + ") + " +
           f32Literal(ln.getEpsilon().convertToDouble()) + ");");
    e.open("for (int64_t j = 0; j < " + len + "; ++j)");
    Index full = innerIndex(idx);
    Index normIdx(full.begin() + axis, full.end());
    std::string x = e.value(input, full);
    std::string scale =
        e.value(ln.getScale(), broadcastIndex(e.sizes(ln.getScale()), normIdx));
    std::string y = "(float(" + x + ") - mean) * inv * float(" + scale + ")";
    if (ln.getBias())
      y += " + float(" +
           e.value(ln.getBias(),
                   broadcastIndex(e.sizes(ln.getBias()), normIdx)) +
           ")";
    store(linearIndex(inShape, full, e.dims), y, full);
    e.close();
  } else {
    return fail("no reduction skeleton for '" +
                root->getName().getStringRef().str() + "'");
  }
  if (!e.error.empty())
    return fail(e.error);
  addBodyFunction(e.body());
  e.body().clear();
  entryBody += parallelCall(e.extent(rows), workPerRow);
  return success();
}

LogicalResult KernelWriter::libraryKernel(Operation *lib, Operation *root) {
  Value libResult = lib->getResult(0);
  Type libType = elementTypeOf(libResult);
  // Integer convolutions return exact int32 sums for the epilogue to scale.
  bool integerSums = isa<ConvIntegerOp>(lib);
  if (auto conv = dyn_cast<ConvIntegerOp>(lib); conv && conv.getFloatSums())
    return fail("ingot.conv_integer with float_sums is CUDA's form (cuDNN's "
                "int8 convolutions); the host sums in int32");
  if (!libType.isF32() && !isReducedFloat(libType) && !integerSums)
    return fail("library ops support f32, f16 and bf16 only");
  Sizes outShape = e.sizes(libResult);
  DimExpr outElements(1);
  for (const DimExpr &d : outShape)
    outElements = outElements * d;
  std::string call;
  // The runtime's GEMM and convolution work in FP32. Half-precision operands
  // are widened into per-thread scratch first (constants already are float
  // arrays), and a half-precision result is computed into scratch and
  // narrowed by the epilogue: correct first; the GPU gets native FP16/BF16.
  bool narrowResult =
      isReducedFloat(libType) || elementTypeOf(root->getResult(0)) != libType;
  // The scratch is float-typed; int32 sums share its 4-byte elements.
  std::string libOut = !narrowResult ? "a.out"
                       : integerSums ? "((int32_t *)a.lib)"
                                     : "a.lib";
  unsigned scratchSlots = 0;
  if (narrowResult) {
    entryBody += "  a.lib = ig_scratch(" + str(scratchSlots++) + ", " +
                 e.extent(outElements) + ");\n";
  }
  auto pointer = [&](Value v) {
    std::string p = this->pointer(v);
    if (!isa<BlockArgument>(v) || !isReducedFloat(elementTypeOf(v)))
      return p;
    std::string wide = symbol + "_wide" + str(scratchSlots);
    DimExpr count(1);
    for (const DimExpr &d : e.sizes(v))
      count = count * d;
    std::string n = e.extent(count);
    entryBody += "  float *" + wide + " = ig_scratch(" + str(scratchSlots++) +
                 ", " + n + ");\n  ig_widen(" + p + ", " + wide + ", " + n +
                 ");\n";
    return wide;
  };
  // How the epilogue reads the library result (plus any bias term).
  std::function<std::string(const Index &)> read;
  // The library's FP32 result of a half-precision op is rounded to the type
  // where the epilogue reads it, as if it had been stored.
  auto outAt = [&](const Index &idx) {
    bool sameElement = independentIterations && !loopFlatIndex.empty() &&
                       idx == loopIndex && outShape == loopShape;
    return roundTo(
        libType,
        libOut + "[" +
            (sameElement ? loopFlatIndex : linearIndex(outShape, idx, e.dims)) +
            "]");
  };

  // The runtime's IngotConvParams, from the one description of a
  // convolution's geometry that the GPU plan uses too.
  auto convParams = [&](Operation *op) -> FailureOr<std::string> {
    FailureOr<ConvCall> c = describeConv(op, e.shapes);
    if (failed(c))
      return failure();
    // A field that varies is computed from the dims on each call.
    auto field = [&](const std::string &name, int64_t v) {
      auto it = c->symbolic.find(name);
      return it == c->symbolic.end() ? str(v) : e.extent(it->second);
    };
    auto arr = [&](const std::vector<int64_t> &v, const std::string &name) {
      std::string s = "{";
      for (size_t i = 0; i < 3; ++i)
        s += (i ? ", " : "") +
             (i < v.size() ? field(name + str(i), v[i]) : std::string("0"));
      return s + "}";
    };
    return std::string(c->symbolic.empty() ? "  static const" : "  const") +
           " IngotConvParams p = {" + str(c->inSize.size()) + ", " +
           field("batch", c->batch) + ", " +
           field("in_channels", c->inChannels) + ", " +
           field("out_channels", c->outChannels) + ", " + str(c->group) + ", " +
           arr(c->inSize, "in_size") + ", " + arr(c->outSize, "out_size") +
           ", " + arr(c->kernel, "kernel") + ", " + arr(c->stride, "stride") +
           ", " + arr(c->dilation, "dilation") + ", " +
           arr(c->padBegin, "pad_begin") + ", " + str(c->channelsLast) + "};\n";
  };

  // Convolutions: the library result plus the per-channel bias, if any.
  auto withChannelBias = [&](Value bias, bool channelsLast) {
    return [&, bias, channelsLast](const Index &idx) {
      std::string v = outAt(idx);
      if (bias)
        v += " + " + e.value(bias, Index{channelsLast ? idx.back() : idx[1]});
      return "(" + v + ")";
    };
  };

  LogicalResult status = success();
  llvm::TypeSwitch<Operation *>(lib)
      .Case([&](ConvOp op) {
        FailureOr<std::string> params = convParams(op);
        if (failed(params)) {
          status = failure();
          return;
        }
        call = *params + "  ctx->api->conv_f32(ctx, &p, " +
               pointer(op.getInput()) + ", " + pointer(op.getWeight()) + ", " +
               libOut + ");\n";
        read = withChannelBias(op.getBias(), op.getChannelsLast());
      })
      .Case([&](ConvIntegerOp op) {
        FailureOr<std::string> params = convParams(op);
        if (failed(params)) {
          status = failure();
          return;
        }
        bool isSigned = !elementTypeOf(op.getInput()).isUnsignedInteger();
        // Channels-last, the epilogue's rows are output pixels: the kernel
        // calls it on each block of pixels it finishes, while the sums are
        // in cache, instead of a second pass over all of them.
        rowsInLibrary = op.getChannelsLast() && (root != lib || narrowResult);
        call = *params + "  ctx->api->conv_i8(ctx, &p, " +
               pointer(op.getInput()) + ", " + str(isSigned) + ", " +
               str(op.getInputZeroPoint()) + ", " + pointer(op.getWeight()) +
               ", " + libOut + ", " +
               (rowsInLibrary ? symbol + "_body, &a" : "nullptr, nullptr") +
               ");\n";
        read = [&](const Index &idx) { return outAt(idx); };
      })
      .Case([&](ConvTransposeOp op) {
        FailureOr<std::string> params = convParams(op);
        if (failed(params)) {
          status = failure();
          return;
        }
        call = *params + "  ctx->api->conv_transpose_f32(ctx, &p, " +
               pointer(op.getInput()) + ", " + pointer(op.getWeight()) + ", " +
               libOut + ");\n";
        read = withChannelBias(op.getBias(), false);
      })
      .Case([&](GemmOp op) {
        Sizes as = e.sizes(op.getA()), bs = e.sizes(op.getB());
        bool ta = op.getTransA(), tb = op.getTransB();
        DimExpr m = ta ? as[1] : as[0], k = ta ? as[0] : as[1],
                n = tb ? bs[0] : bs[1];
        call = "  ctx->api->gemm_f32(ctx, " + str(ta) + ", " + str(tb) + ", " +
               e.extent(m) + ", " + e.extent(n) + ", " + e.extent(k) + ", " +
               f32Literal(op.getAlpha().convertToDouble()) + ", " +
               pointer(op.getA()) + ", " + e.extent(as[1]) + ", " +
               pointer(op.getB()) + ", " + e.extent(bs[1]) + ", 0, " + libOut +
               ", " + e.extent(n) + ");\n";
        read = [&, op](const Index &idx) mutable {
          std::string v = outAt(idx);
          if (op.getC()) {
            std::string c =
                e.value(op.getC(), broadcastIndex(e.sizes(op.getC()), idx));
            double beta = op.getBeta().convertToDouble();
            v += beta == 1.0 ? " + " + c : " + " + f32Literal(beta) + " * " + c;
          }
          return "(" + v + ")";
        };
      })
      .Case([&](MatMulOp op) {
        Sizes pa = e.sizes(op.getLhs()), pb = e.sizes(op.getRhs());
        if (pa.size() == 1)
          pa.insert(pa.begin(), DimExpr(1));
        if (pb.size() == 1)
          pb.push_back(DimExpr(1));
        DimExpr m = pa[pa.size() - 2], k = pa.back(), n = pb.back();
        ArrayRef<DimExpr> batchA = ArrayRef<DimExpr>(pa).drop_back(2);
        ArrayRef<DimExpr> batchB = ArrayRef<DimExpr>(pb).drop_back(2);
        size_t br = std::max(batchA.size(), batchB.size());
        // Each batch dim of A and B (1 where it broadcasts; a symbolic dim
        // never does).
        auto dimA = [&](size_t i) {
          return i + batchA.size() >= br ? batchA[i + batchA.size() - br]
                                         : DimExpr(1);
        };
        auto dimB = [&](size_t i) {
          return i + batchB.size() >= br ? batchB[i + batchB.size() - br]
                                         : DimExpr(1);
        };
        Sizes batch(br, DimExpr(1));
        DimExpr batches(1);
        for (size_t i = 0; i < br; ++i) {
          batch[i] = dimA(i) == DimExpr(1) ? dimB(i) : dimA(i);
          batches = batches * batch[i];
        }
        std::string A = pointer(op.getLhs()), B = pointer(op.getRhs());
        call =
            "  for (int64_t bi = 0; bi < " + e.extent(batches) + "; ++bi) {\n";
        // Broadcast batch offsets of A and B.
        std::string offA = "0", offB = "0";
        DimExpr strideOut(1), strideA = m * k, strideB = k * n;
        for (int64_t i = br - 1; i >= 0; --i) {
          std::string coord =
              "(bi / " + e.extent(strideOut) + " % " + e.extent(batch[i]) + ")";
          DimExpr da = dimA(i), db = dimB(i);
          if (da != DimExpr(1)) {
            offA += " + " + coord + " * " + e.extent(strideA);
            strideA = strideA * da;
          }
          if (db != DimExpr(1)) {
            offB += " + " + coord + " * " + e.extent(strideB);
            strideB = strideB * db;
          }
          strideOut = strideOut * batch[i];
        }
        call += "    ctx->api->gemm_f32(ctx, 0, 0, " + e.extent(m) + ", " +
                e.extent(n) + ", " + e.extent(k) + ", 1.0f, " + A + " + (" +
                offA + "), " + e.extent(k) + ", " + B + " + (" + offB + "), " +
                e.extent(n) + ", 0, " + libOut + " + bi * " + e.extent(m * n) +
                ", " + e.extent(n) + ");\n  }\n";
        read = [&](const Index &idx) { return outAt(idx); };
      })
      .Default([&](Operation *) { status = fail("unknown library op"); });
  if (failed(status))
    return failure();
  entryBody += call;

  bool needsEpilogue = root != lib || narrowResult;
  if (auto conv = dyn_cast<ConvOp>(lib))
    needsEpilogue |= static_cast<bool>(conv.getBias());
  if (auto convT = dyn_cast<ConvTransposeOp>(lib))
    needsEpilogue |= static_cast<bool>(convT.getBias());
  if (auto gemm = dyn_cast<GemmOp>(lib))
    needsEpilogue |= static_cast<bool>(gemm.getC());
  if (!needsEpilogue)
    return success();
  e.libraryValue = [&](Operation *op, const Index &idx) {
    if (op != lib) {
      e.error = "a second library op in one region";
      return std::string("0");
    }
    return read(idx);
  };
  // A row normalization at the end (Fuse's row-epilogues) reads its whole
  // row, through the elementwise epilogue, before writing it: in place,
  // row by row.
  if (isa<LayerNormOp, SoftmaxOp, LogSoftmaxOp>(root))
    return reductionKernel(root);
  // The epilogue reads each element of the library result and writes the
  // same element: in place, one pass.
  independentIterations = true;
  return loopKernel(root->getResult(0), "");
}

/// A reduce_* or global pooling that keeps the input's innermost dim, such
/// as global pooling of a channels-last tensor ([N, H, W, C] -> [N, 1, 1,
/// C]). One output at a time (the row skeleton) reads the input with a
/// stride of the innermost size and brings every cache line in once per
/// output it holds: 8 ms for one 160x160x96 average pooling of
/// ppocr_v4_det, at 1.2 GB/s. Here each task takes a block of consecutive
/// outputs along the innermost dim and walks the reduced rows once, adding
/// each row's contiguous block into as many accumulators: one pass over
/// the input, in an inner loop the compiler vectorizes.
LogicalResult KernelWriter::columnReductionKernel(Operation *root,
                                                  ArrayRef<bool> reduced) {
  // Outputs per task: a cache line of floats (a static innermost size
  // below that is one block, with a constant trip count). Tasks are only
  // the kept outputs' blocks: a pooling of [1, H, W, 16] is one task. On
  // the 2-core test machine one task still beat the strided form's one per
  // channel (the detector's 160x160x24 pooling as a single block: 0.15
  // against 0.56 ms); splitting the reduced rows across tasks (partial
  // sums, then a combine) is what many cores would want.
  constexpr int64_t kBlock = 16;
  Value result = root->getResult(0), input = root->getOperand(0);
  Sizes inShape = e.sizes(input);
  size_t rank = inShape.size();
  Type t = elementTypeOf(result);
  std::string ty = valueType(t);
  std::string accTy = accumulatorType(t);
  DimExpr inner = inShape[rank - 1];
  std::optional<int64_t> staticInner = inner.constant();
  int64_t block = staticInner && *staticInner <= kBlock ? *staticInner : kBlock;
  bool wholeBlocks = staticInner && *staticInner % block == 0;
  DimExpr blocks = inner.ceilDiv(block);
  // The kept dims before the innermost one, and the count reduced.
  Sizes outer;
  DimExpr count(1), outerCount(1);
  for (size_t d = 0; d + 1 < rank; ++d) {
    if (reduced[d]) {
      count = count * inShape[d];
    } else {
      outer.push_back(inShape[d]);
      outerCount = outerCount * inShape[d];
    }
  }
  e.setIndent("    ");
  std::string blocksText = e.extent(blocks), innerText = e.extent(inner);
  e.line("const int64_t c0 = r % " + blocksText + " * " + str(block) + ";");
  std::string cn = str(block);
  if (!wholeBlocks) {
    e.line("const int64_t cn = " + innerText + " - c0 < " + str(block) + " ? " +
           innerText + " - c0 : " + str(block) + ";");
    cn = "cn";
  }
  Index outerIdx =
      emitCoordinates(e, outer, "(r / " + blocksText + ")", 0, "o");
  Index inIdx(rank);
  int loops = 0;
  for (size_t d = 0, next = 0; d + 1 < rank; ++d) {
    if (!reduced[d]) {
      inIdx[d] = outerIdx[next++];
    } else if (inShape[d] == DimExpr(1)) {
      inIdx[d] = "0";
    } else {
      inIdx[d] = "k" + str(d);
    }
  }
  inIdx[rank - 1] = "(c0 + j)";
  std::string init = reductionInit(root, accTy, ty);
  std::string jLoop = "for (int64_t j = 0; j < " + cn + "; ++j)";
  e.line(accTy + " acc[" + str(block) + "];");
  e.line(jLoop + " acc[j] = " + init + ";");
  for (size_t d = 0; d + 1 < rank; ++d) {
    if (!reduced[d] || inShape[d] == DimExpr(1))
      continue;
    std::string k = "k" + str(d);
    e.open("for (int64_t " + k + " = 0; " + k + " < " + e.extent(inShape[d]) +
           "; ++" + k + ")");
    ++loops;
  }
  e.open(jLoop);
  std::string v = accTy + "(" + e.value(input, inIdx) + ")";
  e.line(reductionCombine(root, "acc[j]", v));
  e.close();
  for (int i = 0; i < loops; ++i)
    e.close();
  std::string finalValue =
      reductionResult(root, "acc[j]", accTy, e.extent(count));
  e.open(jLoop);
  e.line("a.out[(r / " + blocksText + ") * " + innerText +
         " + c0 + j] = " + storeAs(t, ty + "(" + finalValue + ")") + ";");
  e.close();
  if (!e.error.empty())
    return fail(e.error);
  addBodyFunction(e.body());
  e.body().clear();
  entryBody +=
      parallelCall(e.extent(outerCount * blocks), e.largest(count) * block);
  return success();
}

/// A stitch region, one row (the trailing dims its reductions reduce) at a
/// time: each reduction in program order as a loop over the row (reading
/// the reductions before it as the row's scalars), then the row of the
/// result.
LogicalResult KernelWriter::stitchKernel(Operation *root) {
  Value result = root->getResult(0);
  Sizes shape = e.sizes(result);
  std::optional<StitchRows> rows = stitchRows(region, result, &e);
  if (!rows)
    return fail("stitch region without a row reduction");
  e.setIndent("    ");
  Index outer = emitCoordinates(e, shape, "r", rows->dims);
  std::string length = e.extent(rows->lengthSize);
  std::string loop = "for (int64_t j = 0; j < " + length + "; ++j)";
  Index element = emitRowReductions(e, *rows, shape, outer, loop,
                                    [](const std::string &, Operation *) {});
  e.open(loop);
  e.line("a.out[r * " + length + " + j] = " +
         storeAs(elementTypeOf(result), e.value(result, element)) + ";");
  e.close();
  e.reductionValue = nullptr;
  if (!e.error.empty())
    return fail(e.error);
  addBodyFunction(e.body());
  e.body().clear();
  entryBody += parallelCall(e.extent(rows->countSize),
                            (rows->reductions.size() + 1) * rows->length);
  return success();
}

/// Query rows are taken kQueryBlock at a time, all of one head: their
/// scores against every key in a per-thread block of rows (never the
/// Sq x Sk matrix), the softmax of each row, and the weighted sums of the
/// value rows. Each thread first copies the keys of the head it works on,
/// transposed ([D][Sk]), and its values ([Sk][Dv]) into contiguous f32
/// buffers padded to whole kLanes tiles. A parallel task is a span of up to
/// kRowsPerTask query rows of one head, and a thread copies again only when
/// its next task is of another head. Both products then run as register tiles
/// of kQueryBlock rows by kLanes keys (or value channels), ig_tile_4x16 in the
/// prelude: each key or value load serves kQueryBlock rows, like a GEMM
/// micro-kernel, instead of dot products through the head split's index
/// maps.
LogicalResult KernelWriter::attentionKernel(AttentionOp op) {
  constexpr int64_t kQueryBlock = 4, kLanes = 16, kRowsPerTask = 64;
  std::optional<AttentionSizes> sizes = attentionSizes(e, op);
  if (!sizes)
    return fail("attention over heads or head sizes that vary");
  DimExpr batchE = sizes->batch, sqE = sizes->queries, skE = sizes->keys;
  int64_t heads = sizes->heads, dim = sizes->dim, kvHeads = sizes->kvHeads,
          dimV = sizes->dimV;
  int64_t group = heads / kvHeads;
  auto roundUp = [](int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; };
  int64_t dvp = roundUp(dimV);
  DimExpr skpE = skE.ceilDiv(kLanes) * DimExpr(kLanes);
  DimExpr blocksE = sqE.ceilDiv(kQueryBlock);
  // A static sequence takes fewer blocks per task when it is short; a
  // varying one the most, and the task loop stops at the last block.
  DimExpr blocksPerTaskE(kRowsPerTask / kQueryBlock);
  if (std::optional<int64_t> blocks = blocksE.constant())
    blocksPerTaskE = DimExpr(std::min(*blocks, kRowsPerTask / kQueryBlock));
  int64_t blocksPerTaskC = *blocksPerTaskE.constant();
  DimExpr tasksE =
      (blocksE + DimExpr(blocksPerTaskC - 1)).floorDiv(blocksPerTaskC);
  std::string batch = e.extent(batchE), sq = e.extent(sqE), sk = e.extent(skE),
              skp = e.extent(skpE), blocks = e.extent(blocksE),
              tasks = e.extent(tasksE), blocksPerTask = str(blocksPerTaskC);
  std::string qb4 = str(kQueryBlock), lanes = str(kLanes);
  Type t = elementTypeOf(op.getResult());
  e.setIndent("    ");
  e.line("const int64_t qb = u / " + e.extent(DimExpr(heads) * tasksE) +
         ", qh = u / " + tasks + " % " + str(heads) + ", task = u % " + tasks +
         ";");
  e.line("const int64_t kh = qh / " + str(group) + ";");
  e.open("if (qb * " + str(kvHeads) + " + kh != packed_)");
  e.line("packed_ = qb * " + str(kvHeads) + " + kh;");
  e.open("for (int64_t j = 0; j < " + sk + "; ++j)");
  e.open("for (int64_t d = 0; d < " + str(dim) + "; ++d)");
  e.line("kt_[d * " + skp + " + j] = float(" +
         e.value(op.getK(), {"qb", "kh", "j", "d"}) + ");");
  e.close();
  e.open("for (int64_t d = 0; d < " + str(dimV) + "; ++d)");
  e.line("v_[j * " + str(dvp) + " + d] = float(" +
         e.value(op.getV(), {"qb", "kh", "j", "d"}) + ");");
  e.close();
  e.close();
  e.close();
  e.open("for (int64_t block = task * " + blocksPerTask +
         "; block < std::min<int64_t>(" + blocks + ", (task + 1) * " +
         blocksPerTask + "); ++block)");
  e.line("const int64_t i0 = block * " + qb4 + ";");
  e.line("const int64_t rows = std::min<int64_t>(" + qb4 + ", " + sq +
         " - i0);");
  // The block's scaled queries (rows past Sq stay 0) and key counts: keys
  // past a query's position are left out entirely under `causal`.
  e.line("int64_t keys_[" + qb4 + "] = {}, kend = 0;");
  e.open("for (int64_t r = 0; r < rows; ++r)");
  e.line("const int64_t qi = i0 + r;");
  e.open("for (int64_t d = 0; d < " + str(dim) + "; ++d)");
  e.line("q_[d][r] = float(" + e.value(op.getQ(), {"qb", "qh", "qi", "d"}) +
         ") * " + f32Literal(op.getScale().convertToDouble()) + ";");
  e.close();
  e.line("keys_[r] = " +
         (op.getCausal() ? "std::max<int64_t>(0, std::min<int64_t>(" + sk +
                               ", qi + " + str(op.getCausalOffset() + 1) + "))"
                         : sk) +
         ";");
  e.line("kend = std::max(kend, keys_[r]);");
  e.close();
  e.line("for (int64_t r = rows; r < " + qb4 +
         "; ++r) for (int64_t d = 0; d < " + str(dim) +
         "; ++d) q_[d][r] = 0.0f;");
  e.line("kend = (kend + " + str(kLanes - 1) + ") / " + lanes + " * " + lanes +
         ";");
  // Scores: a kQueryBlock x kLanes tile per step over the head dim.
  e.line("for (int64_t j0 = 0; j0 < kend; j0 += " + lanes + ") ig_tile_4x16(" +
         str(dim) + ", &q_[0][0], kt_ + j0, " + skp + ", s_ + j0, " + skp +
         ");");
  // Each row's softmax; probabilities past its keys are 0 up to kend.
  e.line("float l_[" + qb4 + "] = {};");
  e.open("for (int64_t r = 0; r < rows; ++r)");
  e.line("const int64_t qi = i0 + r;");
  e.line("float *const sr = s_ + r * " + skp + ";");
  if (op.getMask()) {
    e.open("for (int64_t j = 0; j < keys_[r]; ++j)");
    e.line("float s = sr[j];");
    emitAttentionMask(e, op, "s");
    e.line("sr[j] = s;");
    e.close();
  }
  // Every key masked to -inf: exp(-inf - 0) leaves l_ = 0 and the row 0.
  e.line("float m_ = ig_row_max(sr, keys_[r]);");
  e.line("if (m_ == -INFINITY) m_ = 0.0f;");
  e.line("l_[r] = ig_row_exp_sum(sr, keys_[r], m_);");
  e.line("for (int64_t j = keys_[r]; j < kend; ++j) sr[j] = 0.0f;");
  e.close();
  // The probabilities transposed ([key][row]) for the second product; rows
  // past Sq are 0.
  e.line("for (int64_t j = 0; j < kend; ++j) for (int64_t r = 0; r < " + qb4 +
         "; ++r) pt_[j * " + qb4 + " + r] = r < rows ? s_[r * " + skp +
         " + j] : 0.0f;");
  // Outputs: a kQueryBlock x kLanes tile of value channels per step over
  // the keys.
  e.line("for (int64_t d0 = 0; d0 < " + str(dvp) + "; d0 += " + lanes +
         ") ig_tile_4x16(kend, pt_, v_ + d0, " + str(dvp) + ", &o_[0][d0], " +
         str(dvp) + ");");
  e.open("for (int64_t r = 0; r < rows; ++r)");
  e.line("const int64_t qi = i0 + r;");
  e.line("const float inv_ = l_[r] > 0.0f ? 1.0f / l_[r] : 0.0f;");
  std::string at = op.getTransposeOutput()
                       ? "((qb * " + sq + " + qi) * " + str(heads) +
                             " + qh) * " + str(dimV) + " + d"
                       : "((qb * " + str(heads) + " + qh) * " + sq +
                             " + qi) * " + str(dimV) + " + d";
  e.line("for (int64_t d = 0; d < " + str(dimV) + "; ++d) a.out[" + at +
         "] = " + storeAs(t, "o_[r][d] * inv_") + ";");
  e.close();
  e.close();
  if (!e.error.empty())
    return fail(e.error);
  // Per thread: scores (kQueryBlock rows), keys transposed, values and the
  // transposed probabilities, all zero-initialized so the padding
  // contributes nothing.
  bodyFunctions += "static void " + symbol +
                   "_body(void *p, int64_t begin, int64_t end) {\n"
                   "  const auto a = *static_cast<const " +
                   symbol + "_args *>(p);\n" + dimsPrologue + "  float q_[" +
                   str(dim) + "][" + qb4 + "], o_[" + qb4 + "][" + str(dvp) +
                   "];\n"
                   "  std::vector<float> buffer_(" +
                   e.extent(DimExpr(2 * kQueryBlock + dim + dvp) * skpE) +
                   ");\n"
                   "  float *const s_ = buffer_.data();\n"
                   "  float *const kt_ = s_ + " +
                   e.extent(DimExpr(kQueryBlock) * skpE) +
                   ";\n"
                   "  float *const v_ = kt_ + " +
                   e.extent(DimExpr(dim) * skpE) +
                   ";\n"
                   "  float *const pt_ = v_ + " +
                   e.extent(skpE * DimExpr(dvp)) +
                   ";\n"
                   "  int64_t packed_ = -1;\n"
                   "  for (int64_t u = begin; u < end; ++u) {\n" +
                   e.body() + "  }\n}\n";
  e.body().clear();
  entryBody += parallelCall(e.extent(batchE * DimExpr(heads) * tasksE),
                            blocksPerTaskC * kQueryBlock * e.largest(skpE) *
                                (dim + dvp));
  return success();
}

LogicalResult KernelWriter::write(std::string &out) {
  Operation *root = region.getRoot();
  if (!root)
    return fail("empty region");
  StringRef kind = region.getKind();
  // Args struct: region inputs, then the output.
  std::string args = "struct " + symbol + "_args {\n";
  std::string init;
  unsigned n = 0;
  for (BlockArgument arg : region.getBlock().getArguments()) {
    std::string ty = cType(elementTypeOf(arg));
    if (ty.empty())
      return fail("input element type not supported");
    args += "  const " + ty + " *__restrict in" + str(n) + ";\n";
    init += "(const " + ty + " *)b[" + str(n) + "], ";
    ++n;
  }
  std::string outTy = cType(elementTypeOf(root->getResult(0)));
  if (outTy.empty())
    return fail("output element type not supported");
  args += "  " + outTy + " *__restrict out;\n";
  std::string gap = symbolicCodegenGap(region, e.shapes);
  if (!gap.empty())
    return fail(gap);
  // The values of the symbolic dims (IngotKernelContext::dims), for
  // regions whose sizes vary.
  bool symbolic = regionIsSymbolic(region, e.shapes);
  // FP32 scratch for the result of a half-precision library op.
  if (kind == "library")
    args += "  float *lib;\n";
  if (symbolic)
    args += "  const int64_t *dims;\n";
  args += "};\n";
  init += "(" + outTy + " *)b[" + str(n) + "]";
  if (symbolic)
    init += std::string(kind == "library" ? ", nullptr" : "") + ", ctx->dims";
  entryBody = "  " + symbol + "_args a{" + init + "};\n";
  if (symbolic) {
    size_t count = e.shapes->names.size();
    dimsPrologue = "  const int64_t d_[" + str(count) + "] = {";
    for (size_t i = 0; i < count; ++i)
      dimsPrologue += (i ? ", a.dims[" : "a.dims[") + str(i) + "]";
    dimsPrologue += "};\n";
    entryBody += dimsPrologue;
    e.dims = "d_";
  }

  LogicalResult status = success();
  if (kind == "library") {
    Operation *lib = regionLibraryOp(region);
    if (!lib)
      return fail("library region without a library op");
    status = libraryKernel(lib, root);
  } else if (kind == "reduction") {
    status = reductionKernel(root);
  } else if (kind == "stitch") {
    status = stitchKernel(root);
  } else if (kind == "attention") {
    auto attention = dyn_cast<AttentionOp>(root);
    if (!attention)
      return fail("attention region without an attention root");
    status = attentionKernel(attention);
  } else {
    status = loopKernel(root->getResult(0), "");
  }
  if (failed(status))
    return failure();
  out += "\n// " + symbol + ": " + kind.str() + " region, root " +
         root->getName().getStringRef().str() + "\n";
  out += e.constantsText + args + bodyFunctions;
  out += "extern \"C\" __attribute__((visibility(\"default\"))) void " +
         symbol + "(void *const *b, const IngotKernelContext *ctx) {\n" +
         entryBody + "}\n";
  return success();
}
} // namespace

std::string codegen::hostSourcePreamble() {
  return std::string("// Generated by ingotc: host kernels.\n") + kAbiText +
         kPreludeText;
}

LogicalResult codegen::emitHostKernel(FusionOp region,
                                      const std::string &symbol,
                                      std::string &out,
                                      const SymbolicShapes *shapes) {
  KernelWriter writer(region, symbol, shapes);
  return writer.write(out);
}
