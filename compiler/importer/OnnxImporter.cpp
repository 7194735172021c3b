//===- OnnxImporter.cpp - Model loading and graph traversal ---------------===//
#include "compiler/importer/OnnxImporter.h"
#include "compiler/importer/ImportContext.h"
#include "dialects/ingot/SymbolicShapes.h"
#include "dialects/ingot/TensorSizes.h"

#include "dialects/ingot/IngotOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <map>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::importer;

namespace {
constexpr int64_t kMinOpset = 7;
// Opsets 22-28 changed the operators Ingot supports only by admitting more
// element types (bf16, 4/8-bit floats and ints); unsupported element types
// are rejected where they appear, so these opsets import as 21 does.
constexpr int64_t kMaxOpset = 28;

const std::vector<HandlerEntry> &handlerTable() {
  static const std::vector<HandlerEntry> table = [] {
    std::vector<HandlerEntry> t;
    addElementwiseHandlers(t);
    addNNHandlers(t);
    addAttentionHandlers(t);
    addNormalizationHandlers(t);
    addEinsumHandlers(t);
    addShapeHandlers(t);
    addQuantizationHandlers(t);
    return t;
  }();
  return table;
}

bool isDefaultDomain(const std::string &domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// The handler of a node: ONNX's operators by type, others (onnxruntime's
/// com.microsoft contrib ops) as "domain.type".
const NodeHandler *findHandler(const onnx::NodeProto &node) {
  std::string key = isDefaultDomain(node.domain())
                        ? node.op_type()
                        : node.domain() + "." + node.op_type();
  for (const HandlerEntry &entry : handlerTable())
    if (key == entry.opType)
      return &entry.handler;
  return nullptr;
}

std::string nodeLabel(const onnx::NodeProto &node, int index) {
  if (!node.name().empty())
    return node.name();
  return node.op_type() + "#" + std::to_string(index);
}

class GraphImporter {
public:
  GraphImporter(MLIRContext &ctx, const onnx::ModelProto &model,
                const std::string &path, const ImportOptions &options)
      : ctx(ctx), model(model), path(path), options(options), builder(&ctx),
        fileLoc(FileLineColLoc::get(&ctx, path, 0, 0)) {
    modelDir = llvm::sys::path::parent_path(path).str();
    if (modelDir.empty())
      modelDir = ".";
  }

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult checkOpsets();
  LogicalResult checkSupported();
  LogicalResult createFunction();
  FailureOr<Type> inputType(const onnx::ValueInfoProto &info,
                            SmallVectorImpl<Attribute> &dimNames);
  FailureOr<Type> checkedInputType(const std::string &name,
                                   ArrayRef<int64_t> dims, Type element);
  Value lookup(const std::string &name);
  LogicalResult importNode(const onnx::NodeProto &node, int index);

  MLIRContext &ctx;
  const onnx::ModelProto &model;
  std::string path, modelDir;
  const ImportOptions &options;
  OpBuilder builder;
  Location fileLoc;
  int64_t opset = 0;
  OwningOpRef<ModuleOp> module;
  func::FuncOp func;
  llvm::StringMap<Value> values;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  bool failedLookup = false;
  // The --dim ranges some input dimension uses.
  std::set<std::string> usedRanges;
};
} // namespace

LogicalResult GraphImporter::checkOpsets() {
  for (const onnx::OperatorSetIdProto &set : model.opset_import())
    if (isDefaultDomain(set.domain()))
      opset = set.version();
  if (opset == 0)
    return emitError(fileLoc) << "model imports no version of the default "
                                 "ONNX operator set";
  if (opset < kMinOpset)
    // Older models are common (model zoos); onnx's own converter upgrades
    // them, so say how rather than just refusing.
    return emitError(fileLoc)
           << "ONNX opset " << opset
           << " is not supported (supported: " << kMinOpset << " to "
           << kMaxOpset
           << "); upgrade the model with onnx's version converter:\n"
              "  python -c \"import onnx, onnx.version_converter as vc; "
              "onnx.save(vc.convert_version(onnx.load('model.onnx'), 17), "
              "'model-opset17.onnx')\"";
  if (opset > kMaxOpset)
    return emitError(fileLoc) << "ONNX opset " << opset
                              << " is not supported (supported: " << kMinOpset
                              << " to " << kMaxOpset << ")";
  return success();
}

/// Adds the graph's unsupported nodes to `unsupported` (op type -> node
/// labels), and those of the subgraphs in its nodes' attributes (If
/// branches, Loop and Scan bodies), labelled with where they are, e.g.
/// "lstm_1 (in cond.then_branch)": otherwise an unsupported If would hide
/// an LSTM in its branch that the user must also replace.
static void
collectUnsupported(const onnx::GraphProto &graph, const std::string &where,
                   int depth,
                   std::map<std::string, std::vector<std::string>> &found) {
  // Deeper than any real model nests; a crafted file could nest without end.
  if (depth > 64)
    return;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &node = graph.node(i);
    std::string label = nodeLabel(node, i);
    if (!findHandler(node)) {
      std::string key = isDefaultDomain(node.domain())
                            ? node.op_type()
                            : node.domain() + "." + node.op_type();
      found[key].push_back(where.empty() ? label
                                         : label + " (in " + where + ")");
    }
    std::string prefix = (where.empty() ? "" : where + " > ") + label + ".";
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_g())
        collectUnsupported(attr.g(), prefix + attr.name(), depth + 1, found);
      for (int k = 0; k < attr.graphs_size(); ++k)
        collectUnsupported(attr.graphs(k),
                           prefix + attr.name() + "[" + std::to_string(k) + "]",
                           depth + 1, found);
    }
  }
}

LogicalResult GraphImporter::checkSupported() {
  // Collect every unsupported op type before failing, so one run tells the
  // user the whole story.
  std::map<std::string, std::vector<std::string>> unsupported;
  collectUnsupported(model.graph(), "", 0, unsupported);
  if (unsupported.empty())
    return success();
  InFlightDiagnostic diag = emitError(fileLoc);
  size_t total = 0;
  for (auto &entry : unsupported)
    total += entry.second.size();
  diag << "unsupported ONNX operator" << (unsupported.size() > 1 ? "s" : "")
       << " (" << unsupported.size() << " type"
       << (unsupported.size() > 1 ? "s" : "") << ", " << total << " node"
       << (total > 1 ? "s" : "") << "):";
  for (auto &[opType, nodes] : unsupported) {
    diag << "\n  " << opType << " x" << nodes.size() << ": ";
    for (size_t k = 0; k < nodes.size() && k < 5; ++k)
      diag << (k ? ", " : "") << nodes[k];
    if (nodes.size() > 5)
      diag << ", ... (" << nodes.size() - 5 << " more)";
  }
  return failure();
}

FailureOr<Type> GraphImporter::inputType(const onnx::ValueInfoProto &info,
                                         SmallVectorImpl<Attribute> &dimNames) {
  if (!info.type().has_tensor_type())
    return emitError(fileLoc) << "input '" << info.name()
                              << "' is not a tensor (sequences, maps and "
                                 "optionals are not supported)";
  const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
  Type element = convertElementType(&ctx, tensor.elem_type());
  if (!element)
    return emitError(fileLoc)
           << "input '" << info.name() << "' has unsupported element type "
           << onnxTypeName(tensor.elem_type());
  auto bound = options.inputShapes.find(info.name());
  if (!tensor.has_shape() && options.inputDimNames.count(info.name())) {
    // An unranked input given a shape with names: as if declared with
    // that many unknown dims.
    onnx::ValueInfoProto ranked = info;
    auto *shape = ranked.mutable_type()->mutable_tensor_type()->mutable_shape();
    for (size_t i = 0; i < bound->second.size(); ++i)
      shape->add_dim();
    return inputType(ranked, dimNames);
  }
  if (!tensor.has_shape()) {
    if (bound == options.inputShapes.end())
      return Type(UnrankedTensorType::get(element));
    for (size_t i = 0; i < bound->second.size(); ++i)
      if (bound->second[i] <= 0)
        return emitError(fileLoc)
               << "input '" << info.name() << "': dimension " << i
               << " must be positive, got " << bound->second[i];
    return checkedInputType(info.name(), bound->second, element);
  }
  SmallVector<int64_t> dims;
  bool anyNamed = false;
  for (const auto &dim : tensor.shape().dim()) {
    if (dim.has_dim_value()) {
      if (dim.dim_value() < 0)
        return emitError(fileLoc)
               << "input '" << info.name() << "': dimension " << dims.size()
               << " has a negative size " << dim.dim_value();
      dims.push_back(dim.dim_value());
      dimNames.push_back(StringAttr::get(&ctx, ""));
      continue;
    }
    int64_t d = ShapedType::kDynamic;
    if (dim.has_dim_param()) {
      anyNamed = true;
      auto value = options.dimValues.find(dim.dim_param());
      if (value != options.dimValues.end())
        d = value->second;
      else if (options.dimRanges.count(dim.dim_param()))
        usedRanges.insert(dim.dim_param());
    }
    dims.push_back(d);
    dimNames.push_back(StringAttr::get(&ctx, dim.dim_param()));
  }
  if (!anyNamed)
    dimNames.clear();
  if (bound != options.inputShapes.end()) {
    const std::vector<int64_t> &want = bound->second;
    auto describeDims = [&] {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << "[";
      llvm::interleave(
          dims, os,
          [&](int64_t d) {
            if (ShapedType::isDynamic(d))
              os << "?";
            else
              os << d;
          },
          ",");
      os << "]";
      return s;
    };
    const std::string declared = describeDims();
    auto describe = [&] { return declared; };
    if (want.size() != dims.size())
      return emitError(fileLoc)
             << "input '" << info.name() << "' is declared " << describe()
             << " (rank " << dims.size() << "), but the given shape has rank "
             << want.size();
    auto names = options.inputDimNames.find(info.name());
    for (size_t i = 0; i < dims.size(); ++i) {
      // A name (x:Nx3x48xW) takes its --dim value, or stays symbolic with
      // its --dim range.
      std::string name = names != options.inputDimNames.end() ? names->second[i]
                                                              : std::string();
      int64_t size = want[i];
      if (!name.empty()) {
        auto value = options.dimValues.find(name);
        if (value == options.dimValues.end() && !options.dimRanges.count(name))
          return emitError(fileLoc)
                 << "input '" << info.name() << "': dimension " << i
                 << " is named '" << name << "', which has no --dim " << name
                 << "=MIN:MAX (a range) or --dim " << name << "=VALUE";
        if (value != options.dimValues.end()) {
          size = value->second;
        } else {
          if (!ShapedType::isDynamic(dims[i]))
            return emitError(fileLoc)
                   << "input '" << info.name() << "' is declared " << describe()
                   << "; dimension " << i << " cannot range over " << name;
          if (dimNames.empty())
            dimNames.assign(dims.size(), StringAttr::get(&ctx, ""));
          dimNames[i] = StringAttr::get(&ctx, name);
          usedRanges.insert(name);
          continue;
        }
      }
      if (size <= 0)
        return emitError(fileLoc) << "input '" << info.name() << "': dimension "
                                  << i << " must be positive, got " << size;
      if (!ShapedType::isDynamic(dims[i]) && dims[i] != size)
        return emitError(fileLoc)
               << "input '" << info.name() << "' is declared " << describe()
               << "; the given size " << size << " contradicts dimension " << i;
      dims[i] = size;
    }
  }
  return checkedInputType(info.name(), dims, element);
}

/// The input's tensor type, once its known dims are checked for a byte size
/// that fits (see TensorSizes.h).
FailureOr<Type> GraphImporter::checkedInputType(const std::string &name,
                                                ArrayRef<int64_t> dims,
                                                Type element) {
  if (!checkedKnownBytes(dims, elementStorageBytes(element)))
    return emitError(fileLoc) << "input '" << name << "': shape "
                              << describeOversizedTensor(dims, element);
  return Type(RankedTensorType::get(dims, element));
}

LogicalResult GraphImporter::createFunction() {
  const onnx::GraphProto &graph = model.graph();
  for (const onnx::TensorProto &init : graph.initializer())
    initializers[init.name()] = &init;

  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  SmallVector<SmallVector<Attribute>> argDimNames;
  std::set<std::string> graphInputs;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    graphInputs.insert(info.name());
    // Old exporters list initializers as inputs too; they are weights.
    if (initializers.count(info.name()))
      continue;
    SmallVector<Attribute> dimNames;
    FailureOr<Type> type = inputType(info, dimNames);
    if (failed(type))
      return failure();
    argTypes.push_back(*type);
    args.push_back(&info);
    argDimNames.push_back(dimNames);
  }
  for (const auto &[name, dims] : options.inputShapes)
    if (!graphInputs.count(name) || initializers.count(name)) {
      std::string known;
      for (const onnx::ValueInfoProto *a : args)
        known += (known.empty() ? "" : ", ") + a->name();
      return emitError(fileLoc)
             << "--input-shape names '" << name
             << "', which is not a model input (inputs: " << known << ")";
    }

  SmallVector<NamedAttribute> ranges;
  for (const auto &[name, range] : options.dimRanges) {
    if (!usedRanges.count(name))
      return emitError(fileLoc)
             << "--dim " << name << "=" << range[0] << ":" << range[1]
             << " names no dimension of the model's inputs";
    SmallVector<int64_t> entry = {range[0], range[1], range[2]};
    auto multiple = options.dimMultiples.find(name);
    if (multiple != options.dimMultiples.end() && multiple->second > 1)
      entry.push_back(multiple->second);
    ranges.push_back(
        builder.getNamedAttr(name, builder.getDenseI64ArrayAttr(entry)));
  }

  builder.setInsertionPointToEnd(module->getBody());
  auto type = builder.getFunctionType(argTypes, {});
  func = func::FuncOp::create(builder, fileLoc, options.functionName, type);
  if (!ranges.empty())
    func->setAttr(kDimRangesAttr, builder.getDictionaryAttr(ranges));
  Block *entry = func.addEntryBlock();
  for (size_t i = 0; i < args.size(); ++i) {
    values[args[i]->name()] = entry->getArgument(i);
    func.setArgAttr(i, "ingot.name", builder.getStringAttr(args[i]->name()));
    if (!argDimNames[i].empty())
      func.setArgAttr(i, "ingot.dim_params",
                      builder.getArrayAttr(argDimNames[i]));
  }
  builder.setInsertionPointToEnd(entry);
  return success();
}

Value GraphImporter::lookup(const std::string &name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  auto init = initializers.find(name);
  if (init == initializers.end()) {
    emitError(fileLoc) << "value '" << name
                       << "' is used before it is defined (the graph is not "
                          "topologically sorted, or the name is unknown)";
    failedLookup = true;
    return {};
  }
  // Initializers are materialized on first use, at the top of the function.
  // Tensor diagnostics name the tensor themselves.
  FailureOr<ElementsAttr> attr =
      convertTensor(*init->second, &ctx, fileLoc, modelDir);
  if (failed(attr)) {
    failedLookup = true;
    return {};
  }
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(&func.getBody().front());
  Value v = ConstantOp::create(builder, fileLoc, attr->getShapedType(), *attr);
  values[name] = v;
  return v;
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        int index) {
  Location loc =
      NameLoc::get(builder.getStringAttr(nodeLabel(node, index)), fileLoc);
  NodeContext nc(
      builder, node, loc, opset,
      [this](const std::string &name) { return lookup(name); }, modelDir);
  for (int i = 0; i < node.input_size(); ++i)
    if (!node.input(i).empty() && !nc.input(i))
      return failure();
  if (failed((*findHandler(node))(nc)))
    return failure();
  if (failedLookup)
    return failure();
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    if (i >= static_cast<int>(nc.outputs.size()) || !nc.outputs[i])
      return emitError(loc) << node.op_type() << ": output " << i << " ('"
                            << node.output(i) << "') is not supported";
    values[node.output(i)] = nc.outputs[i];
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  if (failed(checkOpsets()) || failed(checkSupported()))
    return {};
  module = ModuleOp::create(fileLoc);
  if (failed(createFunction()))
    return {};
  const onnx::GraphProto &graph = model.graph();
  for (int i = 0; i < graph.node_size(); ++i)
    if (failed(importNode(graph.node(i), i)))
      return {};
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    Value v = lookup(out.name());
    if (!v)
      return {};
    results.push_back(v);
  }
  if (results.empty()) {
    emitError(fileLoc) << "the graph has no outputs";
    return {};
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setType(builder.getFunctionType(func.getArgumentTypes(),
                                       TypeRange(ValueRange(results))));
  for (size_t i = 0; i < results.size(); ++i)
    func.setResultAttr(i, "ingot.name",
                       builder.getStringAttr(graph.output(i).name()));
  if (failed(verify(*module)))
    return {};
  return std::move(module);
}

OwningOpRef<ModuleOp>
mlir::ingot::importOnnxModel(MLIRContext &context, const std::string &path,
                             const ImportOptions &options) {
  Location fileLoc = FileLineColLoc::get(&context, path, 0, 0);
  // A FIFO would block and a device such as /dev/zero never ends: only
  // regular files, and no larger than protobuf can parse.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status)) {
    emitError(fileLoc) << "cannot read the model: " << ec.message();
    return {};
  }
  if (status.type() != llvm::sys::fs::file_type::regular_file) {
    emitError(fileLoc) << "cannot read the model: not a regular file";
    return {};
  }
  if (status.getSize() > static_cast<uint64_t>(INT32_MAX)) {
    emitError(fileLoc) << "the model file has " << status.getSize()
                       << " bytes, over protobuf's 2 GiB limit; store the "
                          "weights as external data (onnx.save_model(..., "
                          "save_as_external_data=True))";
    return {};
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(fileLoc) << "cannot read the model: "
                       << buffer.getError().message();
    return {};
  }
  return importOnnxModelFromBuffer(context, (*buffer)->getBuffer(), path,
                                   options);
}

OwningOpRef<ModuleOp>
mlir::ingot::importOnnxModelFromBuffer(MLIRContext &context, StringRef bytes,
                                       const std::string &path,
                                       const ImportOptions &options) {
  context.loadDialect<IngotDialect, func::FuncDialect>();
  Location fileLoc = FileLineColLoc::get(&context, path, 0, 0);
  onnx::ModelProto model;
  google::protobuf::io::ArrayInputStream raw(bytes.data(),
                                             static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&raw);
  // Models up to 2 GiB (the protobuf limit); larger ones need external data.
  coded.SetTotalBytesLimit(INT32_MAX);
  if (bytes.size() > INT32_MAX || !model.ParseFromCodedStream(&coded) ||
      !coded.ConsumedEntireMessage()) {
    emitError(fileLoc) << "not a valid ONNX model: the protobuf data is "
                          "malformed or truncated ("
                       << bytes.size() << " bytes)";
    return {};
  }
  if (!model.has_graph()) {
    emitError(fileLoc) << "not a valid ONNX model: it has no graph";
    return {};
  }
  GraphImporter importer(context, model, path, options);
  return importer.run();
}

std::vector<std::string> mlir::ingot::supportedOnnxOps() {
  std::vector<std::string> ops;
  for (const HandlerEntry &entry : handlerTable())
    ops.push_back(entry.opType);
  std::sort(ops.begin(), ops.end());
  return ops;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

Value NodeContext::input(int i) const {
  if (i >= node.input_size() || node.input(i).empty())
    return {};
  return lookup(node.input(i));
}

FailureOr<Value> NodeContext::requiredInput(int i) {
  Value v = input(i);
  if (!v)
    return emitError(loc) << node.op_type() << ": input " << i
                          << " is required";
  return v;
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::getInt(StringRef name, int64_t dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : dflt;
}

float NodeContext::getFloat(StringRef name, float dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : dflt;
}

std::string NodeContext::getString(StringRef name, StringRef dflt) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : dflt.str();
}

std::optional<SmallVector<int64_t>> NodeContext::getInts(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<SmallVector<float>> NodeContext::getFloats(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<float>(a->floats().begin(), a->floats().end());
}

LogicalResult NodeContext::inferTypes(Operation *op) {
  auto infer = cast<InferTypeOpInterface>(op);
  SmallVector<Type> types;
  if (failed(infer.inferReturnTypes(
          ctx(), loc, op->getOperands(), op->getRawDictionaryAttrs(),
          op->getPropertiesStorage(), op->getRegions(), types))) {
    op->erase();
    return failure();
  }
  for (auto [result, type] : llvm::zip(op->getResults(), types))
    result.setType(type);
  return success();
}

Value NodeContext::foldIfConstant(Operation *op) {
  // Non-constant operands are passed as null: some ops fold from types
  // alone (the shape of a static tensor).
  SmallVector<Attribute> constants;
  for (Value operand : op->getOperands()) {
    Attribute attr;
    constants.push_back(matchPattern(operand, m_Constant(&attr)) ? attr
                                                                 : Attribute());
  }
  SmallVector<OpFoldResult> folded;
  if (op->getNumResults() != 1 || failed(op->fold(constants, folded)) ||
      folded.size() != 1)
    return op->getResult(0);
  // Only constants replace the op (an identity of a constant is that
  // constant); other folds wait for the passes, so --emit=import shows the
  // imported structure.
  if (auto v = dyn_cast<Value>(folded[0])) {
    if (v.getType() != op->getResult(0).getType() ||
        !matchPattern(v, m_Constant()))
      return op->getResult(0);
    op->erase();
    return v;
  }
  auto attr = dyn_cast_if_present<ElementsAttr>(dyn_cast<Attribute>(folded[0]));
  if (!attr || attr.getShapedType() != op->getResult(0).getType())
    return op->getResult(0);
  Value constant = constElements(attr);
  op->erase();
  return constant;
}

Value NodeContext::constElements(ElementsAttr value) {
  return ConstantOp::create(b, loc, value.getShapedType(), value);
}

Value NodeContext::constI64(ArrayRef<int64_t> values, bool scalar) {
  auto type = scalar
                  ? RankedTensorType::get({}, b.getI64Type())
                  : RankedTensorType::get({static_cast<int64_t>(values.size())},
                                          b.getI64Type());
  return constElements(DenseElementsAttr::get(type, values));
}

Value NodeContext::constFloat(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  if (isa<FloatType>(elementType))
    return constElements(
        DenseElementsAttr::get(type, FloatAttr::get(elementType, value)));
  return constElements(DenseElementsAttr::get(
      type, IntegerAttr::get(elementType, static_cast<int64_t>(value))));
}

std::optional<SmallVector<int64_t>> NodeContext::maybeConstantInts(Value v) {
  DenseElementsAttr dense;
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto d = dyn_cast<DenseIntElementsAttr>(attr)) {
    SmallVector<int64_t> out;
    for (APInt x : d.getValues<APInt>())
      out.push_back(x.getSExtValue());
    return out;
  }
  if (auto r = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = r.getRawHandle().getBlob();
    Type e = r.getType().getElementType();
    if (!blob || !e.isInteger(64))
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    SmallVector<int64_t> out(data.size() / 8);
    std::memcpy(out.data(), data.data(), out.size() * 8);
    return out;
  }
  return std::nullopt;
}

FailureOr<SmallVector<int64_t>> NodeContext::constantInts(Value v,
                                                          StringRef what) {
  std::optional<SmallVector<int64_t>> values = maybeConstantInts(v);
  if (!values)
    return emitError(loc) << node.op_type() << ": " << what
                          << " must be a constant (values computed at run "
                             "time are not supported)";
  return *values;
}

std::optional<int64_t> NodeContext::rankOf(Value v) {
  if (auto ranked = dyn_cast<RankedTensorType>(v.getType()))
    return ranked.getRank();
  return std::nullopt;
}

Type NodeContext::elementTypeOf(Value v) {
  return cast<ShapedType>(v.getType()).getElementType();
}

NamedAttribute mlir::ingot::importer::namedI64(OpBuilder &b, StringRef name,
                                               int64_t v) {
  return b.getNamedAttr(name, b.getI64IntegerAttr(v));
}
NamedAttribute mlir::ingot::importer::namedF32(OpBuilder &b, StringRef name,
                                               float v) {
  return b.getNamedAttr(name, b.getF32FloatAttr(v));
}
NamedAttribute mlir::ingot::importer::namedStr(OpBuilder &b, StringRef name,
                                               StringRef v) {
  return b.getNamedAttr(name, b.getStringAttr(v));
}
NamedAttribute mlir::ingot::importer::namedBool(OpBuilder &b, StringRef name,
                                                bool v) {
  return b.getNamedAttr(name, b.getBoolAttr(v));
}
NamedAttribute mlir::ingot::importer::namedI64Array(OpBuilder &b,
                                                    StringRef name,
                                                    ArrayRef<int64_t> v) {
  return b.getNamedAttr(name, b.getDenseI64ArrayAttr(v));
}

Value OpSequence::castTo(Value x, Type type) {
  if (!x || NodeContext::elementTypeOf(x) == type)
    return x;
  return make<CastOp>({x}, {nc.b.getNamedAttr("to", TypeAttr::get(type))});
}
