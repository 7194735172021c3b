//===- ShapeInference.cpp - Shared pieces of the ops' type inference ------===//
#include "dialects/ingot/HostTensor.h"
#include "dialects/ingot/InferenceUtils.h"
#include "dialects/ingot/IngotOps.h"
#include "dialects/ingot/TensorSizes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::util;

std::optional<Dims> util::getDims(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return std::nullopt;
  return Dims(ranked.getShape());
}

Type util::getElementType(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.getElementType();
  return type;
}

static std::optional<HostTensor> getConstantTensor(Value value) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements)
    return std::nullopt;
  // Shape operands are tiny; refuse to expand anything big here.
  return HostTensor::fromAttr(elements, /*maxElements=*/1 << 20);
}

std::optional<SmallVector<int64_t>> util::getConstantInts(Value value) {
  std::optional<HostTensor> tensor = getConstantTensor(value);
  if (!tensor || tensor->isFloat())
    return std::nullopt;
  return SmallVector<int64_t>(tensor->ints.begin(), tensor->ints.end());
}

std::optional<SmallVector<double>> util::getConstantFloats(Value value) {
  std::optional<HostTensor> tensor = getConstantTensor(value);
  if (!tensor)
    return std::nullopt;
  SmallVector<double> out;
  for (int64_t i = 0, e = tensor->size(); i < e; ++i)
    out.push_back(tensor->getDouble(i));
  return out;
}

FailureOr<int64_t> util::normalizeAxis(std::optional<Location> loc,
                                       int64_t axis, int64_t rank,
                                       StringRef what, bool allowEnd) {
  // Negative axes count from the end of the dims (axis + rank) even where
  // `rank` itself is a valid position (Flatten's axis is in [-r, r]).
  int64_t limit = allowEnd ? rank + 1 : rank;
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= limit)
    return emitOptionalError(loc, what, " ", axis, " is out of range for rank ",
                             rank);
  return normalized;
}

std::string util::formatDims(ArrayRef<int64_t> dims) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleave(
      dims, os,
      [&](int64_t d) {
        if (d == kDyn)
          os << "?";
        else
          os << d;
      },
      ", ");
  os << "]";
  return text;
}

LogicalResult util::broadcastDims(std::optional<Location> loc,
                                  ArrayRef<std::optional<Dims>> shapes,
                                  std::optional<Dims> &result) {
  size_t rank = 0;
  for (const std::optional<Dims> &shape : shapes) {
    if (!shape) {
      result = std::nullopt;
      return success();
    }
    rank = std::max(rank, shape->size());
  }
  Dims out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // `known` is the static size > 1 seen so far; `sawDynamic` a `?`.
    int64_t known = 1;
    bool sawDynamic = false;
    for (const std::optional<Dims> &shape : shapes) {
      int64_t offset = rank - shape->size();
      if (static_cast<int64_t>(i) < offset)
        continue;
      int64_t d = (*shape)[i - offset];
      if (d == kDyn) {
        sawDynamic = true;
      } else if (d != 1) {
        if (known != 1 && known != d) {
          std::string all;
          for (const std::optional<Dims> &s : shapes)
            all += (all.empty() ? "" : " and ") + formatDims(*s);
          return emitOptionalError(loc, "operand shapes ", all,
                                   " are not broadcast-compatible (dimension ",
                                   i, ": ", known, " vs ", d, ")");
        }
        known = d;
      }
    }
    // A `?` beside a static size > 1 must be that size or 1: either way the
    // result is the static size.
    out[i] = known != 1 ? known : (sawDynamic ? kDyn : 1);
  }
  result = std::move(out);
  return success();
}

int64_t util::product(ArrayRef<int64_t> dims) {
  for (int64_t d : dims)
    if (d == kDyn)
      return kDyn;
  // Operand types passed the size checks below, so an overflow here means a
  // crafted shape operand: report it as unknown rather than wrapped.
  return checkedElementCount(dims).value_or(kDyn);
}

LogicalResult util::pushResult(SmallVectorImpl<ShapedTypeComponents> &results,
                               const std::optional<Dims> &dims,
                               Type elementType) {
  if (dims)
    results.emplace_back(*dims, elementType);
  else
    results.emplace_back(elementType);
  return success();
}

FailureOr<Type> util::commonElementType(std::optional<Location> loc,
                                        TypeRange types, StringRef opName) {
  Type common;
  for (Type t : types) {
    Type e = getElementType(t);
    if (common && e != common)
      return emitOptionalError(loc, "'", opName,
                               "' operands must share one element type, got ",
                               common, " and ", e);
    common = e;
  }
  return common;
}

std::string mlir::ingot::describeOversizedTensor(ArrayRef<int64_t> dims,
                                                 Type element) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << formatDims(dims) << " x " << element;
  if (llvm::any_of(dims, [](int64_t d) { return d < 0 && d != kDyn; }))
    os << " has a negative dimension";
  else
    os << " is larger than Ingot's limit of 2^48 bytes per tensor";
  return text;
}

//===----------------------------------------------------------------------===//
// Entry points used by the ODS-generated op classes
//===----------------------------------------------------------------------===//

LogicalResult
mlir::ingot::verifyInferredSizes(std::optional<Location> loc,
                                 ArrayRef<ShapedTypeComponents> components) {
  for (const ShapedTypeComponents &c : components) {
    if (!c.hasRank())
      continue;
    SmallVector<int64_t> dims(c.getDims());
    Type element = c.getElementType();
    int64_t elementBytes = element ? elementStorageBytes(element) : 1;
    if (!checkedKnownBytes(dims, elementBytes))
      return emitOptionalError(loc, "result shape ",
                               describeOversizedTensor(dims, element));
  }
  return success();
}

bool mlir::ingot::areRefinementCompatible(TypeRange inferred,
                                          TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [a, b] : llvm::zip(inferred, actual)) {
    auto ta = dyn_cast<TensorType>(a);
    auto tb = dyn_cast<TensorType>(b);
    if (!ta || !tb || ta.getElementType() != tb.getElementType())
      return false;
    if (failed(verifyCompatibleShape(ta, tb)))
      return false;
  }
  return true;
}

LogicalResult
mlir::ingot::inferSameAs(Type operandType,
                         SmallVectorImpl<ShapedTypeComponents> &results) {
  return pushResult(results, getDims(operandType), getElementType(operandType));
}

LogicalResult
mlir::ingot::inferSameShapeAs(Type operandType, Type elementType,
                              SmallVectorImpl<ShapedTypeComponents> &results) {
  return pushResult(results, getDims(operandType), elementType);
}

LogicalResult
mlir::ingot::inferBroadcast(std::optional<Location> loc, ValueRange operands,
                            Type elementType,
                            SmallVectorImpl<ShapedTypeComponents> &results) {
  FailureOr<Type> common =
      commonElementType(loc, operands.getTypes(), "elementwise");
  if (failed(common))
    return failure();
  SmallVector<std::optional<Dims>> shapes;
  for (Value v : operands)
    shapes.push_back(getDims(v.getType()));
  std::optional<Dims> out;
  if (failed(broadcastDims(loc, shapes, out)))
    return failure();
  return pushResult(results, out, elementType ? elementType : *common);
}
