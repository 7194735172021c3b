//===- ScalarEmitter.h - C expressions for one element of a region --------===//
//
// The part of code generation both backends share: given a fusion region and
// an output index (one C expression per dimension), emit the C statements
// that compute that element -- the math, broadcasting, casts and the index
// remapping of transpose/slice/gather/pad/concat/resize. The host and CUDA
// backends wrap these statements in their own loop skeletons; math goes
// through ig_* helpers each backend's prelude defines.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_CODEGEN_SCALAREMITTER_H
#define INGOT_CODEGEN_SCALAREMITTER_H

#include "dialects/ingot/IngotOps.h"
#include "dialects/ingot/SymbolicShapes.h"
#include "dialects/ingot/TensorSizes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::ingot::codegen {

using Index = std::vector<std::string>;

/// The C type that stores an element type ("float", "int64_t", ...), or ""
/// for types codegen does not handle yet.
std::string cType(Type elementType);

/// The C type values of an element type have in registers: "float" for the
/// half-precision types (f16, bf16: stored in 16 bits, computed in FP32),
/// otherwise the storage type. Inside a fused region the f16/bf16 results of
/// ops stay FP32 values (as XLA and TensorRT fusions do: more accurate, and
/// it keeps loops vectorizable); a value is rounded to the type where it is
/// stored, where a cast to the type asks for it, and where host code reads
/// a library call's FP32 result.
std::string valueType(Type elementType);
/// f16 or bf16.
bool isReducedFloat(Type elementType);
/// `stored` (an lvalue of storage type) as a value, and a value `v` as the
/// storage type of `t`: conversions for the half-precision types, the
/// expression itself for the others.
std::string loadAs(Type t, const std::string &stored);
std::string storeAs(Type t, const std::string &v);
/// The float value `v` rounded to `t` when `t` is f16/bf16 (still a float),
/// `v` itself otherwise.
std::string roundTo(Type t, const std::string &v);

/// Lane `k` (0-3) of a CUDA 4-wide vector of `t`: ".x" ... ".w" for float4
/// and int4, ".v[k]" for the half-precision ig_half4 / ig_bfloat164.
std::string vectorLane(Type t, int k);

/// Small helpers the backends share.
ArrayRef<int64_t> shapeOf(Value v);
Type elementTypeOf(Value v);
int64_t numElements(ArrayRef<int64_t> shape);
inline std::string str(int64_t v) { return std::to_string(v); }

/// An exact C literal of `v` in the float type `t` (hexadecimal, so no
/// digit is lost: 1e-12 stays 1e-12, not "0.000000f"; NAN/INFINITY for
/// non-finite values). Every float literal of generated code goes through
/// it.
std::string floatLiteral(double v, Type t);
/// The same for a float (f32) scalar of an op attribute.
std::string f32Literal(double v);

/// Sizes as expressions of a function's symbolic dims (constants where
/// static): what codegen works with in a function compiled for a range of
/// shapes.
using Sizes = SmallVector<DimExpr>;
Sizes staticSizes(ArrayRef<int64_t> shape);
/// The sizes of `v`: the symbolic ones `shapes` has for it, else its static
/// shape.
Sizes sizesOf(Value v, const SymbolicShapes *shapes);

/// The C text of a size: its value when static, else an expression of the
/// symbol values in the array `dims` ("a.dims[0] * 64").
std::string extentText(const DimExpr &size, const std::string &dims);

/// Row-major linear offset of `idx` in a tensor of `shape` (static).
std::string linearIndex(ArrayRef<int64_t> shape, const Index &idx);
/// The same for sizes that may be symbolic, their symbols read from `dims`.
std::string linearIndex(ArrayRef<DimExpr> shape, const Index &idx,
                        const std::string &dims);

/// The index of an operand of shape `operandShape` that a broadcasting op
/// with result index `idx` (of rank >= the operand's) reads. A symbolic
/// size is never 1 where it broadcasts: the analysis unified it with the
/// size it meets.
Index broadcastIndex(ArrayRef<int64_t> operandShape, const Index &idx);
Index broadcastIndex(ArrayRef<DimExpr> operandShape, const Index &idx);

class ScalarEmitter;

/// Whether a value of `region` has a symbolic size.
bool regionIsSymbolic(FusionOp region, const SymbolicShapes *shapes);
/// Empty when both backends generate `region` over the symbolic sizes of
/// `shapes` (null: none); otherwise what they lack, for an error. So far:
/// loop regions of elementwise (and broadcasting) ops.
std::string symbolicCodegenGap(FusionOp region, const SymbolicShapes *shapes);

/// The GEMM/convolution of a library region (null if it has none).
Operation *regionLibraryOp(FusionOp region);

/// The reduction op of a reduction region: its root, or, for a row-wise op
/// with an elementwise epilogue, the one Reduction-class op inside.
Operation *regionReduction(FusionOp region);

/// Which input dims a reduction region's root reduces (reduce_* with axes,
/// keepdims and noop_with_empty_axes; global pooling: the spatial dims), and
/// whether reduced dims stay as size 1 in the result.
SmallVector<bool> reducedDims(Operation *reduction, bool &keepdims);

/// Emits "const int64_t <prefix><d> = flat / stride % size;" for every dim of
/// `shape` but the last `innerDims` (size-1 dims get "0") and returns the
/// index, inner dims left as "0".
Index emitCoordinates(ScalarEmitter &e, ArrayRef<int64_t> shape,
                      const std::string &flat, size_t innerDims = 0,
                      const std::string &prefix = "i");
Index emitCoordinates(ScalarEmitter &e, ArrayRef<DimExpr> shape,
                      const std::string &flat, size_t innerDims = 0,
                      const std::string &prefix = "i");

/// The rows of a stitch region: its row reductions in program order, the
/// trailing dims they reduce, and the length and number of rows of the
/// region's result.
struct StitchRows {
  SmallVector<Operation *> reductions;
  unsigned dims = 0;
  int64_t length = 0, count = 0; // the largest, where sizes vary
  DimExpr lengthSize, countSize; // as sizes
};
/// `e`: the emitter whose sizes to use (symbolic); null for static ones.
std::optional<StitchRows> stitchRows(FusionOp region, Value result,
                                     const ScalarEmitter *e = nullptr);

/// Emits the row reductions of a stitch region, for the row at `outer`
/// (the result's index with the row dims "0"): each as the loop
/// `loopHeader` over `j` accumulating its input into a float, then
/// `combine(name, reduction)` (CUDA: the block-wide combine), then the mean's
/// division. Sets e.reductionValue to read them (for later reductions and
/// the row of the result); the caller clears it after the row. Returns the
/// index of the row's element j.
Index emitRowReductions(
    ScalarEmitter &e, const StitchRows &rows, ArrayRef<int64_t> shape,
    const Index &outer, const std::string &loopHeader,
    const std::function<void(const std::string &, Operation *)> &combine);
Index emitRowReductions(
    ScalarEmitter &e, const StitchRows &rows, ArrayRef<DimExpr> shape,
    const Index &outer, const std::string &loopHeader,
    const std::function<void(const std::string &, Operation *)> &combine);

/// The sizes of an attention op for its kernels: batch and sequence
/// lengths may vary (a range of shapes), heads and head sizes must not
/// (they size per-thread tiles). nullopt where they do.
struct AttentionSizes {
  DimExpr batch, queries, keys;
  int64_t heads = 0, kvHeads = 0, dim = 0, dimV = 0;
};
std::optional<AttentionSizes> attentionSizes(const ScalarEmitter &e,
                                             AttentionOp op);

/// Emits the mask of `op` applied to the float variable `score`, the
/// score of query (qb, qh, qi) and key j (the names both backends'
/// attention skeletons use): a float mask is added, a boolean one keeps the
/// score where true and puts mask_fill elsewhere.
void emitAttentionMask(ScalarEmitter &e, AttentionOp op,
                       const std::string &score);

class ScalarEmitter {
public:
  /// `bufferName(arg)` names the pointer holding region argument `arg`.
  ScalarEmitter(FusionOp region,
                std::function<std::string(unsigned)> bufferName);

  /// Emits the statements computing `value` at `idx` into the current body
  /// and returns the C expression (a variable or literal) holding it.
  std::string value(Value value, const Index &idx);

  /// How library results are read inside their epilogue: `value(libOp, idx)`
  /// calls this.
  std::function<std::string(Operation *, const Index &)> libraryValue;
  /// How the row-wise op (softmax, log_softmax, layer_norm) of a reduction
  /// region with an elementwise epilogue is read inside that epilogue.
  std::function<std::string(Operation *, const Index &)> reductionValue;

  /// Emits `target = ...;` storing the value `v` of the row-wise
  /// `reduction` at `idx`, passed through the region's elementwise epilogue
  /// up to `epilogueRoot` when that is another op, converted to the storage
  /// type of `epilogueRoot`'s result.
  void storeThroughEpilogue(Operation *reduction, Operation *epilogueRoot,
                            const std::string &target, const std::string &v,
                            const Index &idx);

  /// The symbolic sizes of the function (null when every size is static),
  /// and the C array the kernel reads the symbols' values from.
  const SymbolicShapes *shapes = nullptr;
  std::string dims = "a.dims";
  /// The sizes of a value of the region.
  Sizes sizes(Value v) const;
  std::string extent(const DimExpr &size) const {
    return extentText(size, dims);
  }
  /// The largest value of a size over the ranges (itself when static).
  int64_t largest(const DimExpr &size) const;

  /// Statements emitted so far (appended to by value()).
  std::string &body() { return text; }
  void line(const std::string &s) { text += indent + s + "\n"; }
  /// A new variable name; the underscore keeps it apart from the
  /// skeletons' coordinate names (i0, iL, j2, k1, ...).
  std::string fresh(const std::string &prefix = "v") {
    return prefix + "_" + std::to_string(counter++);
  }
  /// Opens/closes a C block; values computed inside are forgotten after it.
  void open(const std::string &header) {
    line(header + " {");
    indent += "  ";
    memoStack.push_back(memo);
  }
  void close() {
    indent.resize(indent.size() - 2);
    line("}");
    memo = memoStack.back();
    memoStack.pop_back();
  }
  void setIndent(const std::string &s) { indent = s; }
  /// Forgets every computed value (to emit the same values again in
  /// another branch of the kernel).
  void forget() {
    memo.clear();
    memoStack.clear();
  }

  /// Static arrays for region constants, to place at file scope, declared
  /// with `constantQualifier` ("static const" on the host, "__device__
  /// static const" for CUDA).
  std::string constantsText;
  std::string constantQualifier = "static const";
  /// The first error, if an op cannot be emitted.
  std::string error;

  /// Name of the static array / literal of a region constant.
  std::string constantRef(ConstantOp op);
  /// The same for any op's constant value (a lookup's table).
  std::string constantRef(Operation *op, Attribute value, Type elementType);

  /// C type of the coordinates emitCoordinates declares ("int" where every
  /// index of the kernel fits in 32 bits: GPU integer division is far
  /// cheaper on 32-bit values).
  std::string indexType = "int64_t";
  /// `idx` over `shape` is the flat position `flat`: a read of a tensor of
  /// that shape at `idx` becomes `buffer[flat]`, without the coordinate
  /// arithmetic.
  void setFlatIdentity(ArrayRef<int64_t> shape, const Index &idx,
                       const std::string &flat) {
    setFlatIdentity(staticSizes(shape), idx, flat);
  }
  void setFlatIdentity(ArrayRef<DimExpr> shape, const Index &idx,
                       const std::string &flat) {
    identityShape.assign(shape.begin(), shape.end());
    identityIndex = idx;
    identityFlat = flat;
  }
  /// The variable of the skeleton's innermost loop ("iL" on the host), if
  /// any: resize coordinates that do not depend on it go to hoistedText
  /// (indented by hoistIndent), which the skeleton places before that loop.
  /// Compilers do not always hoist them (a clamp to a runtime size kept
  /// GCC from it: 11x slower on ppocr_v4_det's feature-pyramid concat).
  std::string innerVariable, hoistedText, hoistIndent;
  /// Concatenations read at index innerVariable along their axis, with
  /// static sizes there: each one's input offsets (0, then where each
  /// input begins), recorded by value(). A skeleton can split its inner
  /// loop at them and run each piece with the input fixed.
  std::map<Operation *, std::vector<int64_t>> innerConcats;
  /// The input each of those concatenations reads in the piece being
  /// emitted (the skeleton's inner loop stays within it): value() emits
  /// that input alone instead of choosing per element.
  std::map<Operation *, size_t> concatInputs;
  /// A narrow value held in an int32 (a quantize_linear's, "uint8_t(v_3)")
  /// -> that int32 ("v_3"): a dequantize_linear reads it wide, so that the
  /// loop converts no 8-bit values (GCC then vectorized an epilogue of 24
  /// channels it left scalar).
  std::map<std::string, std::string> wideValues;
  /// Region arguments already loaded as 4-wide vectors (CUDA's 128/64-bit
  /// loads): an identity read of argument `a` is lane `identityLane` of
  /// `identityVectors[a]` (see vectorLane).
  std::map<unsigned, std::string> identityVectors;
  int identityLane = 0;

private:
  std::string elementwise(Operation *op, const Index &idx);
  std::string remap(Operation *op, const Index &idx);
  std::optional<Index> reshapeByGroups(ArrayRef<DimExpr> inShape,
                                       ArrayRef<DimExpr> outShape,
                                       const Index &idx);
  std::string windowed(Operation *op, const Index &idx);
  std::string resizeValue(ResizeOp op, const Index &idx);
  std::string read(Value v, const Index &idx);

  FusionOp region;
  std::function<std::string(unsigned)> bufferName;
  std::string text, indent;
  unsigned counter = 0;
  std::map<std::pair<void *, std::string>, std::string> memo;
  std::vector<std::map<std::pair<void *, std::string>, std::string>> memoStack;
  llvm::DenseMap<Operation *, std::string> constantNames;
  std::string prefix;
  Sizes identityShape;
  Index identityIndex;
  std::string identityFlat;
};

} // namespace mlir::ingot::codegen

#endif
