//===- ImportShape.cpp - Handlers for data-movement ONNX operators --------===//
#include "compiler/importer/ImportContext.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::importer;

static LogicalResult importConstant(NodeContext &nc) {
  if (const onnx::AttributeProto *a = nc.attr("value")) {
    FailureOr<ElementsAttr> attr =
        convertTensor(a->t(), nc.ctx(), nc.loc, nc.getModelDir());
    if (failed(attr))
      return failure();
    nc.outputs.assign({nc.constElements(*attr)});
    return success();
  }
  Builder &b = nc.b;
  if (const onnx::AttributeProto *a = nc.attr("value_float")) {
    nc.outputs.assign({nc.constFloat(b.getF32Type(), a->f())});
    return success();
  }
  if (const onnx::AttributeProto *a = nc.attr("value_int")) {
    nc.outputs.assign({nc.constI64({a->i()}, /*scalar=*/true)});
    return success();
  }
  if (const onnx::AttributeProto *a = nc.attr("value_ints")) {
    nc.outputs.assign({nc.constI64(
        SmallVector<int64_t>(a->ints().begin(), a->ints().end()))});
    return success();
  }
  if (const onnx::AttributeProto *a = nc.attr("value_floats")) {
    SmallVector<float> v(a->floats().begin(), a->floats().end());
    auto type =
        RankedTensorType::get({static_cast<int64_t>(v.size())}, b.getF32Type());
    nc.outputs.assign(
        {nc.constElements(DenseElementsAttr::get(type, ArrayRef<float>(v)))});
    return success();
  }
  return nc.error() << "only tensor, float(s) and int(s) constants are "
                       "supported (sparse and string constants are not)";
}

static LogicalResult importReshape(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), shape = nc.requiredInput(1);
  if (failed(x) || failed(shape))
    return failure();
  return nc.setOutput(nc.createValue<ReshapeOp>(
      {*x, *shape}, {namedBool(nc.b, "allowzero", nc.getInt("allowzero", 0))}));
}

static LogicalResult importFlatten(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  return nc.setOutput(nc.createValue<FlattenOp>(
      {*x}, {namedI64(nc.b, "axis", nc.getInt("axis", 1))}));
}

static LogicalResult importTranspose(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  SmallVector<NamedAttribute> attrs;
  if (std::optional<SmallVector<int64_t>> perm = nc.getInts("perm"))
    attrs.push_back(namedI64Array(nc.b, "perm", *perm));
  return nc.setOutput(nc.createValue<TransposeOp>({*x}, attrs));
}

static LogicalResult importConcat(NodeContext &nc) {
  SmallVector<Value> inputs;
  for (int i = 0; i < nc.numInputs(); ++i) {
    FailureOr<Value> v = nc.requiredInput(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  if (!nc.attr("axis"))
    return nc.error() << "the axis attribute is required";
  return nc.setOutput(nc.createValue<ConcatOp>(
      inputs, {namedI64(nc.b, "axis", nc.getInt("axis", 0))}));
}

static LogicalResult importSlice(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  Value starts, ends, axes, steps;
  if (nc.opset < 10) {
    std::optional<SmallVector<int64_t>> s = nc.getInts("starts"),
                                        e = nc.getInts("ends");
    if (!s || !e)
      return nc.error() << "starts and ends are required";
    starts = nc.constI64(*s);
    ends = nc.constI64(*e);
    if (std::optional<SmallVector<int64_t>> a = nc.getInts("axes"))
      axes = nc.constI64(*a);
  } else {
    FailureOr<Value> s = nc.requiredInput(1), e = nc.requiredInput(2);
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    axes = nc.input(3);
    steps = nc.input(4);
  }
  // Default axes are 0..n-1 and default steps 1, with n = len(starts).
  std::optional<SmallVector<int64_t>> startValues =
      nc.maybeConstantInts(starts);
  auto startType = dyn_cast<RankedTensorType>(starts.getType());
  int64_t n = startValues ? startValues->size()
              : (startType && startType.hasStaticShape())
                  ? startType.getNumElements()
                  : -1;
  if ((!axes || !steps) && n < 0)
    return nc.error() << "starts must have a static length when axes or "
                         "steps are left out";
  if (!axes) {
    SmallVector<int64_t> a;
    for (int64_t i = 0; i < n; ++i)
      a.push_back(i);
    axes = nc.constI64(a);
  }
  if (!steps)
    steps = nc.constI64(SmallVector<int64_t>(n, 1));
  // The dialect wants one index type across starts/ends/axes/steps; ONNX
  // allows i32 or i64 per input, so cast the odd ones to i64.
  SmallVector<Value> indexOperands = {starts, ends, axes, steps};
  for (Value &v : indexOperands)
    if (!NodeContext::elementTypeOf(v).isInteger(64)) {
      FailureOr<Value> cast = nc.createValue<CastOp>(
          {v}, {nc.b.getNamedAttr("to", TypeAttr::get(nc.b.getI64Type()))});
      if (failed(cast))
        return failure();
      v = *cast;
    }
  SmallVector<Value> operands = {*x};
  operands.append(indexOperands);
  return nc.setOutput(nc.createValue<SliceOp>(operands));
}

static LogicalResult importSplit(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t axis = nc.getInt("axis", 0);
  int outputs = nc.numOutputs();
  SmallVector<int64_t> sizes;
  if (nc.opset >= 13 && nc.input(1)) {
    FailureOr<SmallVector<int64_t>> v = nc.constantInts(nc.input(1), "split");
    if (failed(v))
      return failure();
    sizes = *v;
  } else if (nc.opset < 13 && nc.attr("split")) {
    sizes = *nc.getInts("split");
  } else {
    auto type = dyn_cast<RankedTensorType>(x->getType());
    int64_t rank = type ? type.getRank() : 0;
    int64_t a = axis < 0 ? axis + rank : axis;
    if (!type || a < 0 || a >= rank || type.isDynamicDim(a))
      return nc.error() << "splitting evenly needs a static size along the "
                           "split axis";
    int64_t pieces =
        nc.opset >= 18 ? nc.getInt("num_outputs", outputs) : outputs;
    int64_t dim = type.getDimSize(a);
    // Opset 18: pieces of ceil(dim / n), the last one smaller.
    int64_t chunk = (dim + pieces - 1) / pieces;
    for (int64_t i = 0; i < pieces; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  }
  if (static_cast<int>(sizes.size()) != outputs)
    return nc.error() << sizes.size() << " split sizes for " << outputs
                      << " outputs";
  FailureOr<SplitOp> op = nc.create<SplitOp>(
      {*x}, {namedI64(nc.b, "axis", axis), namedI64Array(nc.b, "split", sizes)},
      outputs);
  if (failed(op))
    return failure();
  nc.outputs.assign(op->getResults().begin(), op->getResults().end());
  return success();
}

/// Squeeze/Unsqueeze: axes moved from an attribute to an input in opset 13.
template <typename OpT> static LogicalResult importAxesOp(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  std::optional<SmallVector<int64_t>> axes;
  if (nc.opset >= 13) {
    if (Value a = nc.input(1)) {
      FailureOr<SmallVector<int64_t>> v = nc.constantInts(a, "axes");
      if (failed(v))
        return failure();
      axes = *v;
    }
  } else {
    axes = nc.getInts("axes");
  }
  SmallVector<NamedAttribute> attrs;
  if (axes)
    attrs.push_back(namedI64Array(nc.b, "axes", *axes));
  else if (std::is_same_v<OpT, UnsqueezeOp>)
    return nc.error() << "axes are required";
  return nc.setOutput(nc.createValue<OpT>({*x}, attrs));
}

static LogicalResult importGather(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), indices = nc.requiredInput(1);
  if (failed(x) || failed(indices))
    return failure();
  return nc.setOutput(nc.createValue<GatherOp>(
      {*x, *indices}, {namedI64(nc.b, "axis", nc.getInt("axis", 0))}));
}

static LogicalResult importShape(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  SmallVector<NamedAttribute> attrs = {
      namedI64(nc.b, "start", nc.getInt("start", 0))};
  if (nc.attr("end"))
    attrs.push_back(namedI64(nc.b, "end", nc.getInt("end", 0)));
  return nc.setOutput(nc.createValue<ShapeOp>({*x}, attrs));
}

static LogicalResult importSize(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  FailureOr<Value> shape = nc.createValue<ShapeOp>({*x});
  if (failed(shape))
    return failure();
  return nc.setOutput(nc.createValue<ReduceProdOp>(
      {*shape}, {namedBool(nc.b, "keepdims", false)}));
}

static LogicalResult importConstantOfShape(NodeContext &nc) {
  FailureOr<Value> shape = nc.requiredInput(0);
  if (failed(shape))
    return failure();
  SmallVector<NamedAttribute> attrs;
  if (const onnx::AttributeProto *a = nc.attr("value")) {
    FailureOr<ElementsAttr> value =
        convertTensor(a->t(), nc.ctx(), nc.loc, nc.getModelDir());
    if (failed(value))
      return failure();
    attrs.push_back(nc.b.getNamedAttr("value", *value));
  }
  return nc.setOutput(nc.createValue<ConstantOfShapeOp>({*shape}, attrs));
}

static LogicalResult importExpand(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), shape = nc.requiredInput(1);
  if (failed(x) || failed(shape))
    return failure();
  return nc.setOutput(nc.createValue<ExpandOp>({*x, *shape}));
}

static LogicalResult importPad(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  std::string mode = nc.getString("mode", "constant");
  Type element = NodeContext::elementTypeOf(*x);
  Value pads, value;
  if (nc.opset < 11) {
    std::optional<SmallVector<int64_t>> p = nc.getInts("pads");
    if (!p)
      return nc.error() << "the pads attribute is required";
    pads = nc.constI64(*p);
    value = nc.constFloat(element, nc.getFloat("value", 0.0f));
  } else {
    FailureOr<Value> p = nc.requiredInput(1);
    if (failed(p))
      return failure();
    pads = *p;
    value = nc.input(2);
    if (Value axesInput = nc.input(3)) {
      // Opset 18: pads for the listed axes only; spread them to all axes.
      FailureOr<SmallVector<int64_t>> axes = nc.constantInts(axesInput, "axes");
      FailureOr<SmallVector<int64_t>> given = nc.constantInts(pads, "pads");
      std::optional<int64_t> rank = NodeContext::rankOf(*x);
      if (failed(axes) || failed(given))
        return failure();
      if (!rank)
        return nc.error() << "pad axes need a ranked input";
      if (given->size() != 2 * axes->size())
        return nc.error() << "pads has " << given->size() << " values for "
                          << axes->size() << " axes";
      SmallVector<int64_t> full(2 * *rank, 0);
      for (size_t i = 0; i < axes->size(); ++i) {
        int64_t a = (*axes)[i] < 0 ? (*axes)[i] + *rank : (*axes)[i];
        if (a < 0 || a >= *rank)
          return nc.error() << "pad axis " << (*axes)[i] << " is out of range";
        full[a] = (*given)[i];
        full[*rank + a] = (*given)[axes->size() + i];
      }
      pads = nc.constI64(full);
    }
  }
  SmallVector<Value> operands = {*x, pads};
  if (value)
    operands.push_back(value);
  return nc.setOutput(
      nc.createValue<PadOp>(operands, {namedStr(nc.b, "mode", mode)}));
}

static LogicalResult importTile(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), repeats = nc.requiredInput(1);
  if (failed(x) || failed(repeats))
    return failure();
  return nc.setOutput(nc.createValue<TileOp>({*x, *repeats}));
}

static LogicalResult importRange(NodeContext &nc) {
  FailureOr<Value> start = nc.requiredInput(0), limit = nc.requiredInput(1),
                   delta = nc.requiredInput(2);
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  return nc.setOutput(nc.createValue<RangeOp>({*start, *limit, *delta}));
}

void importer::addShapeHandlers(std::vector<HandlerEntry> &t) {
  t.push_back({"Constant", importConstant});
  t.push_back({"Reshape", importReshape});
  t.push_back({"Flatten", importFlatten});
  t.push_back({"Transpose", importTranspose});
  t.push_back({"Concat", importConcat});
  t.push_back({"Slice", importSlice});
  t.push_back({"Split", importSplit});
  t.push_back({"Squeeze", importAxesOp<SqueezeOp>});
  t.push_back({"Unsqueeze", importAxesOp<UnsqueezeOp>});
  t.push_back({"Gather", importGather});
  t.push_back({"Shape", importShape});
  t.push_back({"Size", importSize});
  t.push_back({"ConstantOfShape", importConstantOfShape});
  t.push_back({"Expand", importExpand});
  t.push_back({"Pad", importPad});
  t.push_back({"Tile", importTile});
  t.push_back({"Range", importRange});
}
