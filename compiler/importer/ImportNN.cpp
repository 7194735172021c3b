//===- ImportNN.cpp - Handlers for NN ONNX operators ----------------------===//
#include "compiler/importer/ImportContext.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::importer;

static LogicalResult importMatMul(NodeContext &nc) {
  FailureOr<Value> a = nc.requiredInput(0), b = nc.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  return nc.setOutput(nc.createValue<MatMulOp>({*a, *b}));
}

/// `x` (of rank 2 or more) with its last two dimensions swapped.
static Value transposeLastTwo(OpSequence &s, NodeContext &nc, Value x,
                              int64_t rank) {
  SmallVector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i)
    perm.push_back(i);
  std::swap(perm[rank - 1], perm[rank - 2]);
  return s.make<TransposeOp>({x}, {namedI64Array(nc.b, "perm", perm)});
}

/// com.microsoft FusedMatMul: alpha * matmul(op(A), op(B)), where op swaps
/// the last two dimensions when transA/transB is set (onnxruntime's
/// optimizer folds transposes into it).
static LogicalResult importFusedMatMul(NodeContext &nc) {
  FailureOr<Value> a = nc.requiredInput(0), b = nc.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  if (nc.getInt("transBatchA", 0) || nc.getInt("transBatchB", 0))
    return nc.error() << "transBatchA and transBatchB are not supported";
  bool transA = nc.getInt("transA", 0), transB = nc.getInt("transB", 0);
  std::optional<int64_t> rankA = NodeContext::rankOf(*a),
                         rankB = NodeContext::rankOf(*b);
  if ((transA && (!rankA || *rankA < 2)) || (transB && (!rankB || *rankB < 2)))
    return nc.error() << "transA and transB need operands of rank 2 or more";
  OpSequence s(nc);
  Value lhs = transA ? transposeLastTwo(s, nc, *a, *rankA) : *a;
  Value rhs = transB ? transposeLastTwo(s, nc, *b, *rankB) : *b;
  Value y = s.make<MatMulOp>({lhs, rhs});
  float alpha = nc.getFloat("alpha", 1.0f);
  if (alpha != 1.0f)
    y = s.make<MulOp>(
        {y, nc.constFloat(NodeContext::elementTypeOf(*a), alpha)});
  if (s.failed())
    return failure();
  nc.outputs.assign({y});
  return success();
}

static LogicalResult importGemm(NodeContext &nc) {
  FailureOr<Value> a = nc.requiredInput(0), b = nc.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  SmallVector<Value> operands = {*a, *b};
  if (Value c = nc.input(2))
    operands.push_back(c);
  return nc.setOutput(nc.createValue<GemmOp>(
      operands, {namedF32(nc.b, "alpha", nc.getFloat("alpha", 1.0f)),
                 namedF32(nc.b, "beta", nc.getFloat("beta", 1.0f)),
                 namedBool(nc.b, "trans_a", nc.getInt("transA", 0)),
                 namedBool(nc.b, "trans_b", nc.getInt("transB", 0))}));
}

SmallVector<NamedAttribute> importer::windowAttrs(NodeContext &nc,
                                                  bool withDilations) {
  SmallVector<NamedAttribute> attrs;
  std::string autoPad = nc.getString("auto_pad", "NOTSET");
  attrs.push_back(namedStr(nc.b, "auto_pad", autoPad));
  for (StringRef name : {"kernel_shape", "pads", "strides", "dilations"}) {
    if (name == "dilations" && !withDilations)
      continue;
    if (std::optional<SmallVector<int64_t>> v = nc.getInts(name))
      attrs.push_back(namedI64Array(nc.b, name, *v));
  }
  return attrs;
}

static LogicalResult importConv(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), w = nc.requiredInput(1);
  if (failed(x) || failed(w))
    return failure();
  SmallVector<Value> operands = {*x, *w};
  if (Value b = nc.input(2))
    operands.push_back(b);
  SmallVector<NamedAttribute> attrs = windowAttrs(nc);
  attrs.push_back(namedI64(nc.b, "group", nc.getInt("group", 1)));
  return nc.setOutput(nc.createValue<ConvOp>(operands, attrs));
}

static LogicalResult importConvTranspose(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0), w = nc.requiredInput(1);
  if (failed(x) || failed(w))
    return failure();
  SmallVector<Value> operands = {*x, *w};
  if (Value b = nc.input(2))
    operands.push_back(b);
  SmallVector<NamedAttribute> attrs = windowAttrs(nc);
  attrs.push_back(namedI64(nc.b, "group", nc.getInt("group", 1)));
  for (StringRef name : {"output_padding", "output_shape"})
    if (std::optional<SmallVector<int64_t>> v = nc.getInts(name))
      attrs.push_back(namedI64Array(nc.b, name, *v));
  return nc.setOutput(nc.createValue<ConvTransposeOp>(operands, attrs));
}

static LogicalResult importBatchNorm(NodeContext &nc) {
  if (nc.getInt("training_mode", 0) != 0 || nc.hasOutput(1) ||
      nc.hasOutput(2) || nc.hasOutput(3) || nc.hasOutput(4))
    return nc.error() << "training mode (running statistics outputs) is not "
                         "supported: Ingot compiles models for inference";
  SmallVector<Value> operands;
  for (int i = 0; i < 5; ++i) {
    FailureOr<Value> v = nc.requiredInput(i);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  return nc.setOutput(nc.createValue<BatchNormOp>(
      operands, {namedF32(nc.b, "epsilon", nc.getFloat("epsilon", 1e-5f))}));
}

static LogicalResult importMaxPool(NodeContext &nc) {
  if (nc.hasOutput(1))
    return nc.error() << "the Indices output is not supported";
  if (nc.getInt("storage_order", 0) != 0)
    return nc.error() << "storage_order=1 is not supported";
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  SmallVector<NamedAttribute> attrs = windowAttrs(nc);
  attrs.push_back(namedBool(nc.b, "ceil_mode", nc.getInt("ceil_mode", 0)));
  return nc.setOutput(nc.createValue<MaxPoolOp>({*x}, attrs));
}

static LogicalResult importAveragePool(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  // Dilations arrived in opset 19.
  SmallVector<NamedAttribute> attrs = windowAttrs(nc, nc.opset >= 19);
  attrs.push_back(namedBool(nc.b, "ceil_mode", nc.getInt("ceil_mode", 0)));
  attrs.push_back(
      namedBool(nc.b, "count_include_pad", nc.getInt("count_include_pad", 0)));
  return nc.setOutput(nc.createValue<AveragePoolOp>({*x}, attrs));
}

template <typename OpT> static LogicalResult importGlobalPool(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  return nc.setOutput(nc.createValue<OpT>({*x}));
}

/// Opset 18's `axes`: scales/sizes given for some axes only. Spreads them to
/// every axis (scale 1, or the input's size, elsewhere); needs them constant.
static LogicalResult expandResizeAxes(NodeContext &nc, Value x, Value &scales,
                                      Value &sizes) {
  auto type = dyn_cast<RankedTensorType>(x.getType());
  if (!type)
    return nc.error() << "Resize with axes needs a ranked input";
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes;
  // Held in a variable: a range-for over *getInts(...) would read the
  // optional after it is destroyed (found by clang -Wdangling-gsl).
  std::optional<SmallVector<int64_t>> axesAttr = nc.getInts("axes");
  for (int64_t a : *axesAttr) {
    int64_t n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank)
      return nc.error() << "axis " << a << " is out of range for rank " << rank;
    axes.push_back(n);
  }
  auto sizesType =
      sizes ? dyn_cast<RankedTensorType>(sizes.getType()) : nullptr;
  if (sizes && sizesType && sizesType.hasStaticShape() &&
      sizesType.getNumElements() > 0) {
    FailureOr<SmallVector<int64_t>> given = nc.constantInts(sizes, "sizes");
    if (failed(given))
      return failure();
    if (given->size() != axes.size())
      return nc.error() << "sizes has " << given->size() << " values for "
                        << axes.size() << " axes";
    SmallVector<int64_t> full(type.getShape());
    for (size_t i = 0; i < axes.size(); ++i)
      full[axes[i]] = (*given)[i];
    if (llvm::any_of(full, ShapedType::isDynamic))
      return nc.error()
             << "Resize with axes needs static sizes on the other axes";
    sizes = nc.constI64(full);
    return success();
  }
  if (!scales)
    return nc.error() << "Resize needs scales or sizes";
  Attribute attr;
  auto dense = matchPattern(scales, m_Constant(&attr))
                   ? dyn_cast<DenseFPElementsAttr>(attr)
                   : DenseFPElementsAttr();
  if (!dense)
    return nc.error() << "scales must be a constant when axes are given";
  SmallVector<float> given(dense.getValues<float>());
  if (given.size() != axes.size())
    return nc.error() << "scales has " << given.size() << " values for "
                      << axes.size() << " axes";
  SmallVector<float> full(rank, 1.0f);
  for (size_t i = 0; i < axes.size(); ++i)
    full[axes[i]] = given[i];
  auto scalesType = RankedTensorType::get({rank}, nc.b.getF32Type());
  scales = nc.constElements(
      DenseElementsAttr::get(scalesType, ArrayRef<float>(full)));
  return success();
}

/// Resize (opset 10+) and Upsample (7-9): normalizes the scales/sizes inputs
/// to the dialect's two operands, one of them empty.
static LogicalResult importResizeLike(NodeContext &nc, bool isUpsample) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  Value scales, sizes;
  if (isUpsample && nc.opset < 9) {
    std::optional<SmallVector<float>> s = nc.getFloats("scales");
    if (!s)
      return nc.error() << "the scales attribute is required";
    auto type = RankedTensorType::get({static_cast<int64_t>(s->size())},
                                      nc.b.getF32Type());
    scales =
        nc.constElements(DenseElementsAttr::get(type, ArrayRef<float>(*s)));
  } else if (isUpsample || nc.opset == 10) {
    scales = nc.input(1);
  } else {
    if (nc.opset >= 18 &&
        nc.getString("keep_aspect_ratio_policy", "stretch") != "stretch")
      return nc.error() << "keep_aspect_ratio_policy other than 'stretch' is "
                           "not supported";
    if (nc.getInt("antialias", 0) != 0)
      return nc.error() << "antialias is not supported";
    scales = nc.input(2);
    sizes = nc.input(3);
    if (nc.opset >= 18 && nc.attr("axes")) {
      if (failed(expandResizeAxes(nc, *x, scales, sizes)))
        return failure();
    }
  }
  auto emptyOf = [&](Type element) {
    auto type = RankedTensorType::get({0}, element);
    return nc.constElements(
        DenseElementsAttr::get(type, ArrayRef<Attribute>{}));
  };
  if (!scales)
    scales = emptyOf(nc.b.getF32Type());
  if (!sizes)
    sizes = emptyOf(nc.b.getI64Type());
  std::string mode = nc.getString("mode", "nearest");
  // Opset 10 and Upsample use asymmetric coordinates, and call linear
  // interpolation "linear" or (Upsample 7) "bilinear".
  if (mode == "bilinear")
    mode = "linear";
  std::string coord =
      (isUpsample || nc.opset == 10)
          ? "asymmetric"
          : nc.getString("coordinate_transformation_mode", "half_pixel");
  std::string nearest =
      (isUpsample || nc.opset == 10)
          ? "floor"
          : nc.getString("nearest_mode", "round_prefer_floor");
  if (coord == "tf_crop_and_resize")
    return nc.error() << "coordinate_transformation_mode tf_crop_and_resize "
                         "is not supported";
  SmallVector<NamedAttribute> attrs = {
      namedStr(nc.b, "mode", mode),
      namedStr(nc.b, "coordinate_transformation_mode", coord),
      namedStr(nc.b, "nearest_mode", nearest),
      namedF32(nc.b, "cubic_coeff_a", nc.getFloat("cubic_coeff_a", -0.75f)),
      namedBool(nc.b, "exclude_outside", nc.getInt("exclude_outside", 0))};
  return nc.setOutput(nc.createValue<ResizeOp>({*x, scales, sizes}, attrs));
}

/// Softmax/LogSoftmax. Before opset 13 the op normalizes over all dimensions
/// from `axis` on (default 1), which is a softmax of the input flattened to
/// 2-D at `axis`.
template <typename OpT> static LogicalResult importSoftmax(NodeContext &nc) {
  FailureOr<Value> x = nc.requiredInput(0);
  if (failed(x))
    return failure();
  if (nc.opset >= 13)
    return nc.setOutput(nc.createValue<OpT>(
        {*x}, {namedI64(nc.b, "axis", nc.getInt("axis", -1))}));
  int64_t axis = nc.getInt("axis", 1);
  std::optional<int64_t> rank = NodeContext::rankOf(*x);
  if (rank && (axis == *rank - 1 || axis == -1))
    return nc.setOutput(
        nc.createValue<OpT>({*x}, {namedI64(nc.b, "axis", -1)}));
  FailureOr<Value> flat =
      nc.createValue<FlattenOp>({*x}, {namedI64(nc.b, "axis", axis)});
  if (failed(flat))
    return failure();
  FailureOr<Value> y =
      nc.createValue<OpT>({*flat}, {namedI64(nc.b, "axis", 1)});
  FailureOr<Value> shape = nc.createValue<ShapeOp>({*x});
  if (failed(y) || failed(shape))
    return failure();
  return nc.setOutput(nc.createValue<ReshapeOp>({*y, *shape}));
}

/// Reductions: `axes` moved from an attribute to an input in opset 13
/// (ReduceSum) and 18 (the others).
template <typename OpT> static NodeHandler reduce(int64_t axesInputSince) {
  return [axesInputSince](NodeContext &nc) -> LogicalResult {
    FailureOr<Value> x = nc.requiredInput(0);
    if (failed(x))
      return failure();
    std::optional<SmallVector<int64_t>> axes;
    if (nc.opset >= axesInputSince) {
      if (Value a = nc.input(1)) {
        FailureOr<SmallVector<int64_t>> values = nc.constantInts(a, "axes");
        if (failed(values))
          return failure();
        axes = *values;
      }
    } else {
      axes = nc.getInts("axes");
    }
    SmallVector<NamedAttribute> attrs = {
        namedBool(nc.b, "keepdims", nc.getInt("keepdims", 1)),
        namedBool(nc.b, "noop_with_empty_axes",
                  nc.getInt("noop_with_empty_axes", 0))};
    if (axes)
      attrs.push_back(namedI64Array(nc.b, "axes", *axes));
    return nc.setOutput(nc.createValue<OpT>({*x}, attrs));
  };
}

void importer::addNNHandlers(std::vector<HandlerEntry> &t) {
  t.push_back({"MatMul", importMatMul});
  t.push_back({"Gemm", importGemm});
  t.push_back({"com.microsoft.FusedMatMul", importFusedMatMul});
  t.push_back({"Conv", importConv});
  t.push_back({"ConvTranspose", importConvTranspose});
  t.push_back({"BatchNormalization", importBatchNorm});
  t.push_back({"MaxPool", importMaxPool});
  t.push_back({"AveragePool", importAveragePool});
  t.push_back({"GlobalAveragePool", importGlobalPool<GlobalAveragePoolOp>});
  t.push_back({"GlobalMaxPool", importGlobalPool<GlobalMaxPoolOp>});
  t.push_back(
      {"Resize", [](NodeContext &nc) { return importResizeLike(nc, false); }});
  t.push_back(
      {"Upsample", [](NodeContext &nc) { return importResizeLike(nc, true); }});
  t.push_back({"Softmax", importSoftmax<SoftmaxOp>});
  t.push_back({"LogSoftmax", importSoftmax<LogSoftmaxOp>});
  t.push_back({"ReduceMean", reduce<ReduceMeanOp>(18)});
  t.push_back({"ReduceSum", reduce<ReduceSumOp>(13)});
  t.push_back({"ReduceMax", reduce<ReduceMaxOp>(18)});
  t.push_back({"ReduceMin", reduce<ReduceMinOp>(18)});
  t.push_back({"ReduceProd", reduce<ReduceProdOp>(18)});
}
