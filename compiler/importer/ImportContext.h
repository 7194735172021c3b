//===- ImportContext.h - What ONNX node handlers see ----------------------===//
//
// Private to the importer. Each ONNX operator has a handler that reads one
// node through a NodeContext and creates ingot ops; handlers are grouped by
// op family in Import*.cpp and registered in one table (OnnxImporter.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_COMPILER_IMPORTER_IMPORTCONTEXT_H
#define INGOT_COMPILER_IMPORTER_IMPORTCONTEXT_H

#include "dialects/ingot/IngotOps.h"
#include "onnx/onnx_model.pb.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <optional>

namespace mlir::ingot::importer {

namespace onnx = ::ingot::onnx;

class NodeContext;
using NodeHandler = std::function<LogicalResult(NodeContext &)>;

struct HandlerEntry {
  const char *opType;
  NodeHandler handler;
};

/// Handler tables of each op family.
void addElementwiseHandlers(std::vector<HandlerEntry> &table);
void addNNHandlers(std::vector<HandlerEntry> &table);
void addNormalizationHandlers(std::vector<HandlerEntry> &table);
void addEinsumHandlers(std::vector<HandlerEntry> &table);
void addAttentionHandlers(std::vector<HandlerEntry> &table);
void addShapeHandlers(std::vector<HandlerEntry> &table);
void addQuantizationHandlers(std::vector<HandlerEntry> &table);

/// ONNX element type code -> MLIR type; null for unsupported codes.
Type convertElementType(MLIRContext *ctx, int32_t onnxType);
const char *onnxTypeName(int32_t onnxType);

/// Converts a TensorProto (inline or external data) to an elements attribute.
/// Large tensors become blob-backed `dense_resource`. `modelDir` anchors
/// external data paths. Emits a diagnostic at `loc` on failure.
FailureOr<ElementsAttr> convertTensor(const onnx::TensorProto &tensor,
                                      MLIRContext *ctx, Location loc,
                                      const std::string &modelDir);

class NodeContext {
public:
  NodeContext(OpBuilder &builder, const onnx::NodeProto &node, Location loc,
              int64_t opset, std::function<Value(const std::string &)> lookup,
              const std::string &modelDir)
      : b(builder), node(node), loc(loc), opset(opset), lookup(lookup),
        modelDir(modelDir) {}

  OpBuilder &b;
  const onnx::NodeProto &node;
  Location loc;
  int64_t opset;

  MLIRContext *ctx() { return b.getContext(); }
  StringRef opType() const { return node.op_type(); }

  /// Input `i`, or null if the node leaves it out (absent or empty name).
  Value input(int i) const;
  int numInputs() const { return node.input_size(); }
  int numOutputs() const { return node.output_size(); }
  bool hasOutput(int i) const {
    return i < node.output_size() && !node.output(i).empty();
  }
  /// Input `i`, or a diagnostic saying it is required.
  FailureOr<Value> requiredInput(int i);

  // Attributes.
  const onnx::AttributeProto *attr(StringRef name) const;
  int64_t getInt(StringRef name, int64_t dflt) const;
  float getFloat(StringRef name, float dflt) const;
  std::string getString(StringRef name, StringRef dflt) const;
  std::optional<SmallVector<int64_t>> getInts(StringRef name) const;
  std::optional<SmallVector<float>> getFloats(StringRef name) const;

  /// Results of the handler.
  SmallVector<Value> outputs;

  /// Creates `OpT` with the given operands/attributes and infers its result
  /// types (reporting inference errors at the node's location).
  template <typename OpT>
  FailureOr<OpT> create(ValueRange operands,
                        ArrayRef<NamedAttribute> attrs = {},
                        unsigned numResults = 1) {
    SmallVector<Type> placeholders(numResults,
                                   UnrankedTensorType::get(b.getF32Type()));
    auto op = OpT::create(b, loc, TypeRange(placeholders), operands, attrs);
    if (failed(inferTypes(op.getOperation())))
      return failure();
    return op;
  }
  /// Same, for single-result ops, returning the result value.
  /// Ops whose operands are all constants are folded on the spot, so that
  /// values computed from constants (axes, split sizes, pads derived from
  /// shapes) are constants for the nodes that consume them.
  template <typename OpT>
  FailureOr<Value> createValue(ValueRange operands,
                               ArrayRef<NamedAttribute> attrs = {}) {
    FailureOr<OpT> op = create<OpT>(operands, attrs);
    if (failed(op))
      return failure();
    return foldIfConstant(op->getOperation());
  }
  /// Sets output 0 from a created value (or propagates failure).
  LogicalResult setOutput(FailureOr<Value> value) {
    if (failed(value))
      return failure();
    outputs.assign({*value});
    return success();
  }

  // Constants.
  Value constI64(ArrayRef<int64_t> values, bool scalar = false);
  Value constFloat(Type elementType, double value);
  Value constElements(ElementsAttr value);
  /// The integer values of a constant input (or an error naming `what`).
  FailureOr<SmallVector<int64_t>> constantInts(Value v, StringRef what);
  std::optional<SmallVector<int64_t>> maybeConstantInts(Value v);

  InFlightDiagnostic error() {
    return emitError(loc) << node.op_type() << ": ";
  }

  /// Rank of a value's type, if ranked.
  static std::optional<int64_t> rankOf(Value v);
  static Type elementTypeOf(Value v);

  const std::string &getModelDir() const { return modelDir; }

private:
  LogicalResult inferTypes(Operation *op);
  Value foldIfConstant(Operation *op);
  std::function<Value(const std::string &)> lookup;
  const std::string &modelDir;
};

/// Creates a sequence of ops for one node where the first failure stops the
/// rest: after it (or given a null operand) `make` returns null and creates
/// nothing, and `failed()` says so once at the end. Decompositions into
/// several ops read as straight-line code this way.
class OpSequence {
public:
  explicit OpSequence(NodeContext &nc) : nc(nc) {}
  template <typename OpT>
  Value make(ValueRange operands, ArrayRef<NamedAttribute> attrs = {}) {
    if (bad || llvm::is_contained(operands, Value())) {
      bad = true;
      return {};
    }
    FailureOr<Value> v = nc.createValue<OpT>(operands, attrs);
    if (::mlir::failed(v)) {
      bad = true;
      return {};
    }
    return *v;
  }
  /// `x` converted to `type` (x itself when it has that type already).
  Value castTo(Value x, Type type);
  bool failed() const { return bad; }

private:
  NodeContext &nc;
  bool bad = false;
};

/// NamedAttribute helpers for handlers.
NamedAttribute namedI64(OpBuilder &b, StringRef name, int64_t v);
NamedAttribute namedF32(OpBuilder &b, StringRef name, float v);
NamedAttribute namedStr(OpBuilder &b, StringRef name, StringRef v);
NamedAttribute namedBool(OpBuilder &b, StringRef name, bool v);
NamedAttribute namedI64Array(OpBuilder &b, StringRef name, ArrayRef<int64_t> v);

/// kernel_shape, pads, strides, dilations and auto_pad of a Conv-like node,
/// as ingot attributes.
SmallVector<NamedAttribute> windowAttrs(NodeContext &nc,
                                        bool withDilations = true);

} // namespace mlir::ingot::importer

#endif
