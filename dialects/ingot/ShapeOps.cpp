//===- ShapeOps.cpp - Inference and folding of data-movement/shape ops ----===//
//
// Exported models compute shapes at run time (Shape -> Gather -> Concat ->
// Reshape); with static inputs every step here folds to a constant, which is
// what lets the front end produce fully static modules.
//
//===----------------------------------------------------------------------===//
#include "dialects/ingot/HostTensor.h"
#include "dialects/ingot/InferenceUtils.h"
#include "dialects/ingot/IngotOps.h"
#include "dialects/ingot/TensorSizes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::util;

/// Re-types a constant without touching its data: reshape-like folds on
/// blob-backed weights share the blob instead of copying it.
static Attribute reshapeConstant(Attribute attr, Type resultType) {
  auto type = dyn_cast<RankedTensorType>(resultType);
  if (!attr || !type || !type.hasStaticShape())
    return {};
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.getType().getNumElements() == type.getNumElements()
               ? dense.reshape(type)
               : Attribute();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    if (resource.getType().getNumElements() == type.getNumElements())
      return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return {};
}

static RankedTensorType staticResultType(Value result) {
  auto type = dyn_cast<RankedTensorType>(result.getType());
  return type && type.hasStaticShape() ? type : RankedTensorType();
}

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  auto type = dyn_cast<TensorType>(adaptor.getValue().getType());
  if (!type)
    return emitOptionalError(loc, "'ingot.constant' value must be a tensor");
  return inferSameAs(type, results);
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// reshape, flatten, squeeze, unsqueeze
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  std::optional<Dims> shapeShape = getDims(adaptor.getShape().getType());
  if (shapeShape && shapeShape->size() != 1)
    return emitOptionalError(loc, "'ingot.reshape' shape must be 1-D");
  std::optional<SmallVector<int64_t>> target =
      getConstantInts(adaptor.getShape());
  if (!target) {
    if (shapeShape && (*shapeShape)[0] != kDyn)
      return pushResult(results, Dims((*shapeShape)[0], kDyn), element);
    return pushResult(results, std::nullopt, element);
  }
  std::optional<Dims> x = getDims(inputType);
  Dims out;
  int64_t inferredAt = -1, knownProduct = 1;
  bool knownAll = true;
  for (size_t i = 0; i < target->size(); ++i) {
    int64_t d = (*target)[i];
    if (d == -1) {
      if (inferredAt >= 0)
        return emitOptionalError(loc, "'ingot.reshape' shape ",
                                 formatDims(*target), " has more than one -1");
      inferredAt = i;
      out.push_back(kDyn);
      continue;
    }
    if (d < -1)
      return emitOptionalError(loc, "'ingot.reshape' shape ",
                               formatDims(*target), " has a negative size");
    if (d == 0 && !adaptor.getAllowzero()) {
      if (!x)
        d = kDyn;
      else if (i < x->size())
        d = (*x)[i];
      else
        return emitOptionalError(loc, "'ingot.reshape' shape ",
                                 formatDims(*target), " copies dimension ", i,
                                 " which the input ", formatDims(*x),
                                 " does not have");
    }
    out.push_back(d);
    if (d == kDyn) {
      knownAll = false;
    } else if (std::optional<int64_t> p =
                   llvm::checkedMul<int64_t>(knownProduct, d)) {
      knownProduct = *p;
    } else {
      // A crafted shape operand (found by fuzzing: signed overflow).
      return emitOptionalError(loc, "'ingot.reshape' shape ",
                               formatDims(*target),
                               " has more elements than fit in 64 bits");
    }
  }
  int64_t total = x ? product(*x) : kDyn;
  if (inferredAt >= 0 && total != kDyn && knownAll) {
    if (knownProduct == 0 || total % knownProduct != 0)
      return emitOptionalError(loc, "'ingot.reshape' cannot reshape ",
                               formatDims(*x), " (", total, " elements) into ",
                               formatDims(*target));
    out[inferredAt] = total / knownProduct;
  } else if (inferredAt < 0 && total != kDyn && knownAll &&
             total != knownProduct) {
    return emitOptionalError(loc, "'ingot.reshape' cannot reshape ",
                             formatDims(*x), " (", total, " elements) into ",
                             formatDims(out), " (", knownProduct, " elements)");
  }
  return pushResult(results, out, element);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  // The result may be unranked (a shape operand computed at run time).
  auto type = dyn_cast<RankedTensorType>(getType());
  if (getInput().getType() == getType() && type && type.hasStaticShape())
    return getInput();
  return reshapeConstant(adaptor.getInput(), getType());
}

namespace {
/// reshape(reshape(x)) -> reshape(x): only the final shape matters.
struct CollapseReshapeChain : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<ReshapeOp>();
    auto type = dyn_cast<RankedTensorType>(op.getType());
    // The inner reshape's zeros refer to its own input; only collapse when
    // the outer result is fully known.
    if (!producer || !type || !type.hasStaticShape())
      return failure();
    rewriter.modifyOpInPlace(
        op, [&] { op.getInputMutable().assign(producer.getInput()); });
    return success();
  }
};

/// A reshape whose result type is static gets a constant shape operand that
/// spells that type out (no 0 or -1 left), so code generators need not
/// re-derive it.
struct CanonicalizeReshapeShape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !type.hasStaticShape())
      return failure();
    std::optional<SmallVector<int64_t>> current =
        getConstantInts(op.getShape());
    if (current && ArrayRef<int64_t>(*current) == type.getShape())
      return failure();
    auto shapeType =
        RankedTensorType::get({type.getRank()}, rewriter.getI64Type());
    Value shape =
        ConstantOp::create(rewriter, op.getLoc(), shapeType,
                           DenseElementsAttr::get(shapeType, type.getShape()));
    rewriter.modifyOpInPlace(op, [&] {
      op.getShapeMutable().assign(shape);
      op.setAllowzero(false);
    });
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<CollapseReshapeChain, CanonicalizeReshapeShape>(context);
}

LogicalResult FlattenOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  std::optional<Dims> x = getDims(inputType);
  if (!x)
    return pushResult(results, Dims{kDyn, kDyn}, getElementType(inputType));
  FailureOr<int64_t> axis =
      normalizeAxis(loc, adaptor.getAxis(), x->size(), "'ingot.flatten' axis",
                    /*allowEnd=*/true);
  if (failed(axis))
    return failure();
  Dims out = {product(ArrayRef<int64_t>(*x).take_front(*axis)),
              product(ArrayRef<int64_t>(*x).drop_front(*axis))};
  return pushResult(results, out, getElementType(inputType));
}

OpFoldResult FlattenOp::fold(FoldAdaptor adaptor) {
  return reshapeConstant(adaptor.getInput(), getType());
}

LogicalResult SqueezeOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  std::optional<Dims> x = getDims(inputType);
  if (!x)
    return pushResult(results, std::nullopt, element);
  SmallVector<bool> drop(x->size(), false);
  if (std::optional<ArrayRef<int64_t>> axes = adaptor.getAxes();
      axes && !axes->empty()) {
    for (int64_t axis : *axes) {
      FailureOr<int64_t> a =
          normalizeAxis(loc, axis, x->size(), "'ingot.squeeze' axis");
      if (failed(a))
        return failure();
      if ((*x)[*a] != 1 && (*x)[*a] != kDyn)
        return emitOptionalError(loc, "'ingot.squeeze' dimension ", *a, " of ",
                                 formatDims(*x), " is not 1");
      drop[*a] = true;
    }
  } else {
    // Without axes the result rank depends on which sizes are 1.
    if (llvm::is_contained(*x, kDyn))
      return pushResult(results, std::nullopt, element);
    for (size_t i = 0; i < x->size(); ++i)
      drop[i] = (*x)[i] == 1;
  }
  Dims out;
  for (size_t i = 0; i < x->size(); ++i)
    if (!drop[i])
      out.push_back((*x)[i]);
  return pushResult(results, out, element);
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  return reshapeConstant(adaptor.getInput(), getType());
}

LogicalResult UnsqueezeOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  std::optional<Dims> x = getDims(inputType);
  if (!x)
    return pushResult(results, std::nullopt, element);
  int64_t outRank = x->size() + adaptor.getAxes().size();
  SmallVector<bool> inserted(outRank, false);
  for (int64_t axis : adaptor.getAxes()) {
    FailureOr<int64_t> a =
        normalizeAxis(loc, axis, outRank, "'ingot.unsqueeze' axis");
    if (failed(a))
      return failure();
    if (inserted[*a])
      return emitOptionalError(loc, "'ingot.unsqueeze' axis ", axis,
                               " is listed twice");
    inserted[*a] = true;
  }
  Dims out;
  size_t next = 0;
  for (int64_t i = 0; i < outRank; ++i)
    out.push_back(inserted[i] ? 1 : (*x)[next++]);
  return pushResult(results, out, element);
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return reshapeConstant(adaptor.getInput(), getType());
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

static SmallVector<int64_t> effectivePerm(std::optional<ArrayRef<int64_t>> perm,
                                          int64_t rank) {
  if (perm)
    return SmallVector<int64_t>(*perm);
  SmallVector<int64_t> reversed;
  for (int64_t i = rank - 1; i >= 0; --i)
    reversed.push_back(i);
  return reversed;
}

LogicalResult TransposeOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  std::optional<Dims> x = getDims(inputType);
  if (!x)
    return pushResult(results, std::nullopt, element);
  SmallVector<int64_t> perm = effectivePerm(adaptor.getPerm(), x->size());
  if (perm.size() != x->size())
    return emitOptionalError(loc, "'ingot.transpose' perm ", formatDims(perm),
                             " does not match rank ", x->size());
  SmallVector<bool> seen(x->size(), false);
  Dims out;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(x->size()) || seen[p])
      return emitOptionalError(loc, "'ingot.transpose' perm ", formatDims(perm),
                               " is not a permutation");
    seen[p] = true;
    out.push_back((*x)[p]);
  }
  return pushResult(results, out, element);
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  auto inputType = dyn_cast<RankedTensorType>(getInput().getType());
  if (!inputType)
    return {};
  SmallVector<int64_t> perm = effectivePerm(getPerm(), inputType.getRank());
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity &= perm[i] == static_cast<int64_t>(i);
  if (identity && inputType == getType())
    return getInput();
  RankedTensorType resultType = staticResultType(getResult());
  std::optional<HostTensor> in =
      HostTensor::fromAttr(adaptor.getInput(), kMaxFoldElements);
  if (!resultType || !in)
    return {};
  return transposeHostTensor(*in, perm, resultType).toAttr();
}

namespace {
/// transpose(transpose(x, p1), p2) -> transpose(x, p1 o p2).
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<TransposeOp>();
    auto innerType =
        producer ? dyn_cast<RankedTensorType>(producer.getInput().getType())
                 : RankedTensorType();
    if (!innerType)
      return failure();
    int64_t rank = innerType.getRank();
    SmallVector<int64_t> inner = effectivePerm(producer.getPerm(), rank);
    SmallVector<int64_t> outer = effectivePerm(op.getPerm(), rank);
    SmallVector<int64_t> composed;
    for (int64_t p : outer)
      composed.push_back(inner[p]);
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(producer.getInput());
      op.setPerm(composed);
    });
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<ComposeTransposes>(context);
}

//===----------------------------------------------------------------------===//
// concat, slice, split, gather
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "'ingot.concat' needs at least one input");
  FailureOr<Type> element =
      commonElementType(loc, adaptor.getInputs().getTypes(), "ingot.concat");
  if (failed(element))
    return failure();
  std::optional<Dims> out;
  for (Value v : adaptor.getInputs()) {
    std::optional<Dims> d = getDims(v.getType());
    if (!d)
      continue;
    if (!out) {
      out = *d;
      FailureOr<int64_t> axis = normalizeAxis(loc, adaptor.getAxis(), d->size(),
                                              "'ingot.concat' axis");
      if (failed(axis))
        return failure();
      (*out)[*axis] = 0;
    }
    if (d->size() != out->size())
      return emitOptionalError(loc,
                               "'ingot.concat' inputs have different ranks");
  }
  if (!out)
    return pushResult(results, std::nullopt, *element);
  int64_t axis = *normalizeAxis(loc, adaptor.getAxis(), out->size(), "");
  for (Value v : adaptor.getInputs()) {
    std::optional<Dims> d = getDims(v.getType());
    if (!d) {
      (*out)[axis] = kDyn;
      continue;
    }
    for (size_t i = 0; i < d->size(); ++i) {
      if (static_cast<int64_t>(i) == axis) {
        (*out)[i] =
            ((*out)[i] == kDyn || (*d)[i] == kDyn) ? kDyn : (*out)[i] + (*d)[i];
        continue;
      }
      if ((*d)[i] == kDyn)
        continue;
      if ((*out)[i] != kDyn && (*out)[i] != (*d)[i])
        return emitOptionalError(loc,
                                 "'ingot.concat' inputs differ in dimension ",
                                 i, " (", (*out)[i], " vs ", (*d)[i], ")");
      (*out)[i] = (*d)[i];
    }
  }
  return pushResult(results, out, *element);
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  RankedTensorType resultType = staticResultType(getResult());
  if (!resultType || resultType.getNumElements() > kMaxFoldElements)
    return {};
  // I64Attr getters return uint64_t: convert before testing the sign.
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += resultType.getRank();
  HostTensor out = HostTensor::zeros(resultType);
  ArrayRef<int64_t> shape = resultType.getShape();
  int64_t outer = product(shape.take_front(axis));
  int64_t inner = product(shape.drop_front(axis + 1));
  int64_t offset = 0; // along the axis
  for (Attribute attr : adaptor.getInputs()) {
    std::optional<HostTensor> in = HostTensor::fromAttr(attr, kMaxFoldElements);
    if (!in || in->type.getRank() != resultType.getRank())
      return {};
    int64_t len = in->type.getDimSize(axis);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t a = 0; a < len; ++a)
        for (int64_t i = 0; i < inner; ++i) {
          int64_t src = (o * len + a) * inner + i;
          int64_t dst = (o * shape[axis] + offset + a) * inner + i;
          if (out.isFloat())
            out.floats[dst] = in->floats[src];
          else
            out.ints[dst] = in->ints[src];
        }
    offset += len;
  }
  return out.toAttr();
}

namespace {
/// Resolved ONNX Slice parameters for one dimension.
struct SliceDim {
  int64_t start = 0, step = 1, count = 0;
};
} // namespace

/// Clamps starts/ends as ONNX does. Returns nullopt (with a diagnostic) on
/// bad parameters; dims whose input size is dynamic get count kDyn.
static FailureOr<SmallVector<SliceDim>>
resolveSlice(std::optional<Location> loc, ArrayRef<int64_t> shape,
             ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
             ArrayRef<int64_t> axes, ArrayRef<int64_t> steps) {
  int64_t rank = shape.size();
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return emitOptionalError(loc, "'ingot.slice' starts, ends, axes and steps "
                                  "must have the same length");
  SmallVector<SliceDim> dims(rank);
  for (int64_t i = 0; i < rank; ++i)
    dims[i].count = shape[i];
  SmallVector<bool> seen(rank, false);
  for (size_t k = 0; k < starts.size(); ++k) {
    FailureOr<int64_t> axis =
        normalizeAxis(loc, axes[k], rank, "'ingot.slice' axis");
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return emitOptionalError(loc, "'ingot.slice' axis ", axes[k],
                               " is listed twice");
    seen[*axis] = true;
    int64_t step = steps[k];
    if (step == 0)
      return emitOptionalError(loc, "'ingot.slice' step must not be 0");
    int64_t size = shape[*axis];
    SliceDim &d = dims[*axis];
    d.step = step;
    if (size == kDyn) {
      d.count = kDyn;
      continue;
    }
    auto clampIndex = [&](int64_t v, bool isEnd) {
      if (v < 0)
        v += size;
      if (step > 0)
        return std::clamp<int64_t>(v, 0, size);
      return std::clamp<int64_t>(v, -1, size - 1);
    };
    // Very large magnitudes (INT64_MAX/MIN) mean "to the end".
    int64_t start = starts[k], end = ends[k];
    start = start < -size ? (step > 0 ? 0 : -1) : clampIndex(start, false);
    end = end < -size ? (step > 0 ? 0 : -1) : clampIndex(end, true);
    d.start = start;
    int64_t span = step > 0 ? end - start : start - end;
    int64_t absStep = step > 0 ? step : -step;
    d.count = span <= 0 ? 0 : (span + absStep - 1) / absStep;
  }
  return dims;
}

LogicalResult SliceOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  std::optional<Dims> x = getDims(inputType);
  if (!x)
    return pushResult(results, std::nullopt, element);
  auto starts = getConstantInts(adaptor.getStarts());
  auto ends = getConstantInts(adaptor.getEnds());
  auto axes = getConstantInts(adaptor.getAxes());
  auto steps = getConstantInts(adaptor.getSteps());
  if (!starts || !ends || !axes || !steps) {
    // Only the sliced axes change; without constant axes any might.
    Dims out = *x;
    if (axes) {
      for (int64_t a : *axes) {
        FailureOr<int64_t> n =
            normalizeAxis(loc, a, x->size(), "'ingot.slice' axis");
        if (failed(n))
          return failure();
        out[*n] = kDyn;
      }
    } else {
      out.assign(x->size(), kDyn);
    }
    return pushResult(results, out, element);
  }
  FailureOr<SmallVector<SliceDim>> dims =
      resolveSlice(loc, *x, *starts, *ends, *axes, *steps);
  if (failed(dims))
    return failure();
  Dims out;
  for (const SliceDim &d : *dims)
    out.push_back(d.count);
  return pushResult(results, out, element);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  RankedTensorType resultType = staticResultType(getResult());
  if (resultType && getInput().getType() == resultType)
    if (auto steps = getConstantInts(getSteps());
        steps && llvm::all_of(*steps, [](int64_t s) { return s == 1; }))
      return getInput();
  std::optional<HostTensor> in =
      HostTensor::fromAttr(adaptor.getInput(), kMaxFoldElements);
  auto starts = getConstantInts(getStarts());
  auto ends = getConstantInts(getEnds());
  auto axes = getConstantInts(getAxes());
  auto steps = getConstantInts(getSteps());
  if (!resultType || !in || !starts || !ends || !axes || !steps)
    return {};
  ArrayRef<int64_t> inShape = in->type.getShape();
  FailureOr<SmallVector<SliceDim>> dims =
      resolveSlice(std::nullopt, inShape, *starts, *ends, *axes, *steps);
  if (failed(dims))
    return {};
  SmallVector<int64_t> inStrides = rowMajorStrides(inShape);
  ArrayRef<int64_t> outShape = resultType.getShape();
  HostTensor out = HostTensor::zeros(resultType);
  for (int64_t flat = 0, n = resultType.getNumElements(); flat < n; ++flat) {
    int64_t rest = flat, src = 0;
    for (int64_t d = outShape.size() - 1; d >= 0; --d) {
      int64_t coord = rest % outShape[d];
      rest /= outShape[d];
      src += ((*dims)[d].start + coord * (*dims)[d].step) * inStrides[d];
    }
    if (out.isFloat())
      out.floats[flat] = in->floats[src];
    else
      out.ints[flat] = in->ints[src];
  }
  return out.toAttr();
}

LogicalResult SplitOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  ArrayRef<int64_t> split = adaptor.getSplit();
  if (split.empty())
    return emitOptionalError(loc, "'ingot.split' needs at least one piece");
  std::optional<Dims> x = getDims(inputType);
  if (!x) {
    for (size_t i = 0; i < split.size(); ++i)
      (void)pushResult(results, std::nullopt, element);
    return success();
  }
  FailureOr<int64_t> axis =
      normalizeAxis(loc, adaptor.getAxis(), x->size(), "'ingot.split' axis");
  if (failed(axis))
    return failure();
  int64_t total = 0;
  for (int64_t s : split) {
    if (s < 0)
      return emitOptionalError(loc, "'ingot.split' sizes must be >= 0");
    total += s;
  }
  if ((*x)[*axis] != kDyn && total != (*x)[*axis])
    return emitOptionalError(loc, "'ingot.split' sizes ", formatDims(split),
                             " add up to ", total, ", not to dimension ", *axis,
                             " of ", formatDims(*x));
  for (int64_t s : split) {
    Dims out = *x;
    out[*axis] = s;
    (void)pushResult(results, out, element);
  }
  return success();
}

LogicalResult GatherOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  std::optional<Dims> x = getDims(inputType);
  std::optional<Dims> idx = getDims(adaptor.getIndices().getType());
  if (!x || !idx)
    return pushResult(results, std::nullopt, element);
  FailureOr<int64_t> axis =
      normalizeAxis(loc, adaptor.getAxis(), x->size(), "'ingot.gather' axis");
  if (failed(axis))
    return failure();
  if (auto indices = getConstantInts(adaptor.getIndices());
      indices && (*x)[*axis] != kDyn) {
    for (int64_t i : *indices)
      if (i < -(*x)[*axis] || i >= (*x)[*axis])
        return emitOptionalError(loc, "'ingot.gather' index ", i,
                                 " is out of range for dimension ", *axis,
                                 " of size ", (*x)[*axis]);
  }
  Dims out(x->begin(), x->begin() + *axis);
  out.append(idx->begin(), idx->end());
  out.append(x->begin() + *axis + 1, x->end());
  return pushResult(results, out, element);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  RankedTensorType resultType = staticResultType(getResult());
  std::optional<HostTensor> in =
      HostTensor::fromAttr(adaptor.getInput(), kMaxFoldElements);
  std::optional<HostTensor> indices =
      HostTensor::fromAttr(adaptor.getIndices(), kMaxFoldElements);
  if (!resultType || !in || !indices ||
      resultType.getNumElements() > kMaxFoldElements)
    return {};
  ArrayRef<int64_t> shape = in->type.getShape();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += shape.size();
  int64_t outer = product(shape.take_front(axis));
  int64_t inner = product(shape.drop_front(axis + 1));
  int64_t size = shape[axis];
  HostTensor out = HostTensor::zeros(resultType);
  int64_t dst = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < indices->size(); ++k) {
      int64_t i = indices->ints[k];
      if (i < 0)
        i += size;
      if (i < 0 || i >= size)
        return {};
      for (int64_t j = 0; j < inner; ++j, ++dst) {
        int64_t src = (o * size + i) * inner + j;
        if (out.isFloat())
          out.floats[dst] = in->floats[src];
        else
          out.ints[dst] = in->ints[src];
      }
    }
  return out.toAttr();
}

//===----------------------------------------------------------------------===//
// shape, constant_of_shape, expand, pad, tile, range
//===----------------------------------------------------------------------===//

static std::pair<int64_t, int64_t> shapeBounds(int64_t rank, int64_t start,
                                               std::optional<int64_t> end) {
  auto clampDim = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t s = clampDim(start);
  int64_t e = end ? clampDim(*end) : rank;
  return {s, std::max(s, e)};
}

LogicalResult ShapeOp::inferReturnTypeComponents(
    MLIRContext *context, std::optional<Location>, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type i64 = IntegerType::get(context, 64);
  std::optional<Dims> x = getDims(adaptor.getInput().getType());
  if (!x)
    return pushResult(results, Dims{kDyn}, i64);
  auto [s, e] = shapeBounds(x->size(), adaptor.getStart(), adaptor.getEnd());
  return pushResult(results, Dims{e - s}, i64);
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto inputType = dyn_cast<RankedTensorType>(getInput().getType());
  RankedTensorType resultType = staticResultType(getResult());
  if (!inputType || !inputType.hasStaticShape() || !resultType)
    return {};
  auto [s, e] = shapeBounds(inputType.getRank(), getStart(), getEnd());
  return DenseElementsAttr::get(resultType,
                                inputType.getShape().slice(s, e - s));
}

LogicalResult ConstantOfShapeOp::inferReturnTypeComponents(
    MLIRContext *context, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type element = FloatType(Float32Type::get(context));
  if (std::optional<ElementsAttr> value = adaptor.getValue()) {
    if (value->getNumElements() != 1)
      return emitOptionalError(
          loc, "'ingot.constant_of_shape' value must have one element");
    element = value->getElementType();
  }
  std::optional<Dims> shapeShape = getDims(adaptor.getShape().getType());
  if (shapeShape && shapeShape->size() != 1)
    return emitOptionalError(loc,
                             "'ingot.constant_of_shape' shape must be 1-D");
  if (auto dims = getConstantInts(adaptor.getShape())) {
    for (int64_t d : *dims)
      if (d < 0)
        return emitOptionalError(loc, "'ingot.constant_of_shape' shape ",
                                 formatDims(*dims), " has a negative size");
    return pushResult(results, Dims(*dims), element);
  }
  if (shapeShape && (*shapeShape)[0] != kDyn)
    return pushResult(results, Dims((*shapeShape)[0], kDyn), element);
  return pushResult(results, std::nullopt, element);
}

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor) {
  RankedTensorType resultType = staticResultType(getResult());
  if (!resultType)
    return {};
  // A splat costs one element whatever the shape.
  if (std::optional<ElementsAttr> value = getValue()) {
    std::optional<HostTensor> v = HostTensor::fromAttr(*value, 1);
    if (!v)
      return {};
    auto one = RankedTensorType::get({}, resultType.getElementType());
    HostTensor scalar = *v;
    scalar.type = one;
    auto dense = cast<DenseElementsAttr>(scalar.toAttr());
    return DenseElementsAttr::get(resultType, dense.getSplatValue<Attribute>());
  }
  return DenseElementsAttr::get(
      resultType, FloatAttr::get(resultType.getElementType(), 0.0));
}

LogicalResult ExpandOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  std::optional<SmallVector<int64_t>> target =
      getConstantInts(adaptor.getShape());
  if (!target) {
    std::optional<Dims> s = getDims(adaptor.getShape().getType());
    std::optional<Dims> x = getDims(inputType);
    if (s && x && (*s)[0] != kDyn)
      return pushResult(
          results, Dims(std::max<int64_t>((*s)[0], x->size()), kDyn), element);
    return pushResult(results, std::nullopt, element);
  }
  std::optional<Dims> out;
  if (failed(broadcastDims(loc, {getDims(inputType), Dims(*target)}, out)))
    return failure();
  return pushResult(results, out, element);
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  RankedTensorType resultType = staticResultType(getResult());
  if (!resultType)
    return {};
  if (getInput().getType() == resultType)
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (dense.isSplat())
      return DenseElementsAttr::get(resultType,
                                    dense.getSplatValue<Attribute>());
  return {};
}

LogicalResult PadOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  StringRef mode = adaptor.getMode();
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      mode != "wrap")
    return emitOptionalError(
        loc, "'ingot.pad' mode must be constant, reflect, edge or wrap, got '",
        mode, "'");
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  if (adaptor.getConstantValue() &&
      getElementType(adaptor.getConstantValue().getType()) != element)
    return emitOptionalError(
        loc, "'ingot.pad' constant_value must have the input's element type");
  std::optional<Dims> x = getDims(inputType);
  if (!x)
    return pushResult(results, std::nullopt, element);
  std::optional<SmallVector<int64_t>> pads = getConstantInts(adaptor.getPads());
  if (!pads)
    return pushResult(results, Dims(x->size(), kDyn), element);
  int64_t rank = x->size();
  if (static_cast<int64_t>(pads->size()) != 2 * rank)
    return emitOptionalError(loc, "'ingot.pad' pads has ", pads->size(),
                             " values, expected ", 2 * rank);
  Dims out;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = (*x)[i];
    if (d == kDyn) {
      out.push_back(kDyn);
      continue;
    }
    // Checked: crafted pads overflowed int64 (found by fuzzing).
    std::optional<int64_t> o = llvm::checkedAdd<int64_t>(d, (*pads)[i]);
    if (o)
      o = llvm::checkedAdd<int64_t>(*o, (*pads)[rank + i]);
    if (!o)
      return emitOptionalError(loc, "'ingot.pad' pads of dimension ", i,
                               " are too large");
    if (*o < 0)
      return emitOptionalError(loc, "'ingot.pad' pads crop dimension ", i,
                               " below zero");
    out.push_back(*o);
  }
  return pushResult(results, out, element);
}

LogicalResult TileOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  Type inputType = adaptor.getInput().getType();
  Type element = getElementType(inputType);
  std::optional<Dims> x = getDims(inputType);
  if (!x)
    return pushResult(results, std::nullopt, element);
  std::optional<SmallVector<int64_t>> repeats =
      getConstantInts(adaptor.getRepeats());
  if (!repeats)
    return pushResult(results, Dims(x->size(), kDyn), element);
  if (repeats->size() != x->size())
    return emitOptionalError(loc, "'ingot.tile' repeats has ", repeats->size(),
                             " values for rank ", x->size());
  Dims out;
  for (size_t i = 0; i < x->size(); ++i) {
    if ((*repeats)[i] < 0)
      return emitOptionalError(loc, "'ingot.tile' repeats must be >= 0");
    if ((*x)[i] == kDyn) {
      out.push_back(kDyn);
      continue;
    }
    std::optional<int64_t> size =
        llvm::checkedMul<int64_t>((*x)[i], (*repeats)[i]);
    if (!size)
      return emitOptionalError(loc, "'ingot.tile' of ", formatDims(*x),
                               " by repeats ", formatDims(*repeats),
                               ": dimension ", i, " (", (*x)[i], " x ",
                               (*repeats)[i], ") does not fit in 64 bits");
    out.push_back(*size);
  }
  return pushResult(results, out, element);
}

OpFoldResult TileOp::fold(FoldAdaptor adaptor) {
  RankedTensorType resultType = staticResultType(getResult());
  if (resultType && getInput().getType() == resultType)
    return getInput();
  if (!resultType)
    return {};
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (dense.isSplat())
      return DenseElementsAttr::get(resultType,
                                    dense.getSplatValue<Attribute>());
  return {};
}

LogicalResult RangeOp::inferReturnTypeComponents(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<ShapedTypeComponents> &results) {
  FailureOr<Type> element = commonElementType(loc,
                                              {adaptor.getStart().getType(),
                                               adaptor.getLimit().getType(),
                                               adaptor.getDelta().getType()},
                                              "ingot.range");
  if (failed(element))
    return failure();
  for (Value v : {adaptor.getStart(), adaptor.getLimit(), adaptor.getDelta()}) {
    std::optional<Dims> dims = getDims(v.getType());
    if (dims && product(*dims) != 1 && product(*dims) != kDyn)
      return emitOptionalError(
          loc, "'ingot.range' operands must be scalars, got ", v.getType());
  }
  auto start = getConstantFloats(adaptor.getStart());
  auto limit = getConstantFloats(adaptor.getLimit());
  auto delta = getConstantFloats(adaptor.getDelta());
  if (start && limit && delta && start->size() == 1 && limit->size() == 1 &&
      delta->size() == 1) {
    if ((*delta)[0] == 0)
      return emitOptionalError(loc, "'ingot.range' delta must not be 0");
    int64_t count =
        std::max<int64_t>(0, static_cast<int64_t>(std::ceil(
                                 ((*limit)[0] - (*start)[0]) / (*delta)[0])));
    return pushResult(results, Dims{count}, *element);
  }
  return pushResult(results, Dims{kDyn}, *element);
}

OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  RankedTensorType resultType = staticResultType(getResult());
  std::optional<HostTensor> start = HostTensor::fromAttr(adaptor.getStart(), 1);
  std::optional<HostTensor> delta = HostTensor::fromAttr(adaptor.getDelta(), 1);
  if (!resultType || !start || !delta ||
      resultType.getNumElements() > kMaxFoldElements)
    return {};
  HostTensor out = HostTensor::zeros(resultType);
  for (int64_t i = 0, n = resultType.getNumElements(); i < n; ++i) {
    if (out.isFloat())
      out.floats[i] = start->floats[0] + i * delta->floats[0];
    else
      out.ints[i] = start->ints[0] + i * delta->ints[0];
  }
  return out.toAttr();
}
