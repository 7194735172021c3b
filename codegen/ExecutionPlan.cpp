//===- ExecutionPlan.cpp - Steps and buffers of a compiled function -------===//
#include "codegen/ExecutionPlan.h"
#include "codegen/LibraryCalls.h"
#include "codegen/ScalarEmitter.h"
#include "dialects/ingot/TensorSizes.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"

#include <cstring>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::codegen;

/// Byte size of a static tensor type; types passed the size checks of
/// import and type inference (TensorSizes.h), so this cannot overflow.
static uint64_t byteSize(Type type) {
  auto t = cast<RankedTensorType>(type);
  return static_cast<uint64_t>(t.getNumElements()) *
         elementStorageBytes(t.getElementType());
}

/// Appends a constant's bytes (row-major, one byte per bool) to `weights`
/// at a 64-byte boundary; returns the offset.
static FailureOr<uint64_t> appendConstant(ConstantOp op,
                                          std::vector<char> &weights) {
  size_t offset = (weights.size() + 63) / 64 * 64;
  weights.resize(offset);
  ElementsAttr value = op.getValue();
  auto type = cast<RankedTensorType>(value.getShapedType());
  uint64_t bytes = byteSize(type);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() < bytes)
      return op.emitError() << "weight data is missing (was the module printed "
                               "without --print-weights and parsed back?)";
    weights.insert(weights.end(), blob->getData().begin(),
                   blob->getData().begin() + bytes);
    return offset;
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return op.emitError() << "unsupported constant kind";
  if (type.getElementType().isInteger(1)) {
    for (bool b : dense.getValues<bool>())
      weights.push_back(b ? 1 : 0);
    return offset;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    uint64_t elementBytes = raw.size();
    for (int64_t i = 0, n = type.getNumElements(); i < n; ++i)
      weights.insert(weights.end(), raw.begin(), raw.begin() + elementBytes);
  } else {
    weights.insert(weights.end(), raw.begin(), raw.end());
  }
  return offset;
}

/// A region that only reinterprets its input's shape: its result can share
/// the input's memory.
static bool isView(FusionOp region) {
  Operation *root = region.getRoot();
  if (!root || root->getNumOperands() == 0 ||
      !isa<ReshapeOp, FlattenOp, SqueezeOp, UnsqueezeOp, IdentityOp, DropoutOp>(
          root))
    return false;
  auto arg = dyn_cast<BlockArgument>(root->getOperand(0));
  if (!arg)
    return false;
  for (Operation &op : region.getBlock().without_terminator())
    if (&op != root && !isa<ConstantOp>(op))
      return false;
  return cast<ShapedType>(arg.getType()).getElementType() ==
         cast<ShapedType>(root->getResult(0).getType()).getElementType();
}

/// A region that computes nothing: it moves its input into another layout
/// (transposes, possibly with reshapes around them).
static bool isTransposeOnly(FusionOp region) {
  bool transposes = false;
  for (Operation &op : region.getBlock().without_terminator()) {
    if (isa<TransposeOp>(op))
      transposes = true;
    else if (!isa<ConstantOp, ReshapeOp, FlattenOp, SqueezeOp, UnsqueezeOp>(op))
      return false;
  }
  return transposes;
}

bool codegen::regionQuantizes(FusionOp region) {
  for (Operation &op : region.getBlock().without_terminator())
    if (isa<QuantizeLinearOp, DequantizeLinearOp>(op))
      return true;
  return false;
}

static PlanTensor describe(Value v, StringAttr name, ArrayAttr dimParams,
                           const SymbolicShapes *shapes) {
  PlanTensor t;
  t.name = name ? name.str() : "";
  auto type = cast<RankedTensorType>(v.getType());
  t.elementType = type.getElementType();
  t.shape.assign(type.getShape().begin(), type.getShape().end());
  if (shapes) {
    auto it = shapes->dims.find(v);
    for (int64_t d = 0; d < type.getRank(); ++d) {
      t.sizes.push_back(it != shapes->dims.end() ? it->second[d]
                                                 : DimExpr(type.getDimSize(d)));
      if (!t.sizes.back().isConstant())
        t.shape[d] = -1;
    }
  }
  if (dimParams)
    for (Attribute a : dimParams)
      t.dimParams.push_back(cast<StringAttr>(a).str());
  return t;
}

FailureOr<ExecutionPlan> codegen::buildExecutionPlan(func::FuncOp func) {
  ExecutionPlan plan;
  llvm::DenseMap<Value, unsigned> bufferOf;
  auto addBuffer = [&](PlanBuffer b) {
    plan.buffers.push_back(b);
    return static_cast<unsigned>(plan.buffers.size() - 1);
  };
  func.walk([&](LookupOp) { ++plan.lookupTables; });
  std::shared_ptr<SymbolicShapes> shapes;
  if (hasSymbolicDims(func)) {
    FailureOr<SymbolicShapes> inferred = inferSymbolicShapes(func);
    if (failed(inferred))
      return failure();
    shapes = std::make_shared<SymbolicShapes>(std::move(*inferred));
    plan.shapes = shapes;
  } else {
    for (Type t : func.getFunctionType().getInputs())
      if (!cast<RankedTensorType>(t).hasStaticShape())
        return func.emitError()
               << "cannot compile: input type " << t
               << " is not static (bind it with --input-shape)";
  }
  // A buffer's bytes: static, or an expression of the symbolic dims whose
  // largest value over the ranges is what the arena is planned for.
  auto setSize = [&](PlanBuffer &b, Value v) -> LogicalResult {
    const SmallVector<DimExpr> *dims = nullptr;
    if (shapes)
      if (auto it = shapes->dims.find(v); it != shapes->dims.end())
        dims = &it->second;
    if (!dims) {
      b.size = byteSize(v.getType());
      return success();
    }
    DimExpr bytes(elementStorageBytes(elementTypeOf(v)));
    for (const DimExpr &d : *dims)
      bytes = bytes * d;
    auto [least, most] = bounds(bytes, shapes->ranges);
    if (least < 0 || most == DimExpr::kOverflow || most > (int64_t(1) << 48))
      return func.emitError()
             << "a tensor of " << shapes->str(*dims) << " " << elementTypeOf(v)
             << " takes up to " << most
             << " bytes over the --dim ranges, more than can be planned";
    b.bytes = bytes;
    b.size = static_cast<uint64_t>(most);
    return success();
  };

  // Inputs.
  for (BlockArgument arg : func.getArguments()) {
    PlanBuffer b{PlanBuffer::Kind::Input};
    if (failed(setSize(b, arg)))
      return failure();
    b.index = arg.getArgNumber();
    bufferOf[arg] = addBuffer(b);
    plan.inputs.push_back(describe(
        arg,
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "ingot.name"),
        func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(),
                                         "ingot.dim_params"),
        shapes.get()));
    if (plan.inputs.back().name.empty())
      plan.inputs.back().name = "input" + std::to_string(arg.getArgNumber());
  }

  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  llvm::DenseMap<Value, unsigned> returnCount;
  for (Value v : ret.getOperands())
    ++returnCount[v];

  // Outputs: written in place by their producing kernel when they can be.
  llvm::DenseMap<Value, unsigned> outputBuffer;
  std::vector<unsigned> outputBuffers;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    PlanBuffer b{PlanBuffer::Kind::Output};
    if (failed(setSize(b, v)))
      return failure();
    b.index = i;
    unsigned id = addBuffer(b);
    outputBuffers.push_back(id);
    plan.outputs.push_back(
        describe(v, func.getResultAttrOfType<StringAttr>(i, "ingot.name"),
                 nullptr, shapes.get()));
    if (plan.outputs.back().name.empty())
      plan.outputs.back().name = "output" + std::to_string(i);
    auto region = v.getDefiningOp<FusionOp>();
    if (region && returnCount[v] == 1 && !isView(region))
      outputBuffer[v] = id;
  }

  auto touch = [&](unsigned id, int step) {
    PlanBuffer &b = plan.buffers[id];
    b.lastUse = std::max(b.lastUse, step);
  };

  for (Operation &op : func.getBody().front()) {
    if (auto constant = dyn_cast<ConstantOp>(op)) {
      if (constant->use_empty())
        continue;
      FailureOr<uint64_t> offset = appendConstant(constant, plan.weights);
      if (failed(offset))
        return failure();
      PlanBuffer b{PlanBuffer::Kind::Weight};
      b.offset = *offset;
      b.size = byteSize(constant.getType());
      bufferOf[constant.getResult()] = addBuffer(b);
      continue;
    }
    if (isa<func::ReturnOp>(op))
      continue;
    auto region = dyn_cast<FusionOp>(op);
    // A shape computation that only sizes other ops (Fuse left it outside
    // the regions): kernels never read it, so it has no step and an empty
    // buffer.
    if (!region && shapes && op.getNumResults() &&
        llvm::all_of(op.getResults(),
                     [&](Value v) { return shapes->values.count(v) > 0; })) {
      PlanBuffer b{PlanBuffer::Kind::Weight};
      unsigned id = addBuffer(b);
      for (Value v : op.getResults())
        bufferOf[v] = id;
      continue;
    }
    if (!region)
      return op.emitError() << "cannot compile '" << op.getName()
                            << "' outside a fusion region (run --ingot-fuse)";
    for (Value input : region.getInputs())
      if (!bufferOf.count(input))
        return region.emitError() << "input has no buffer";
    Value result = region.getResult(0);
    int step = static_cast<int>(plan.steps.size());
    if (isView(region)) {
      unsigned id = bufferOf[region.getInputs()[0]];
      bufferOf[result] = id;
      continue;
    }
    for (Value input : region.getInputs())
      touch(bufferOf[input], step);
    unsigned out;
    auto it = outputBuffer.find(result);
    if (it != outputBuffer.end()) {
      out = it->second;
    } else {
      PlanBuffer b{PlanBuffer::Kind::Arena};
      if (failed(setSize(b, result)))
        return failure();
      b.defStep = b.lastUse = step;
      out = addBuffer(b);
      plan.intermediateBytes += b.size;
    }
    bufferOf[result] = out;
    PlanStep s;
    s.kind = PlanStep::Kind::Kernel;
    // Named after the region id --ingot-fuse gave (ingot_r12), so the
    // kernel, the profile and --emit=fused agree; regions written by hand
    // without an id get the step number.
    std::optional<StringRef> id = region.getId();
    s.kernel = id && !id->empty() ? "ingot_" + id->str()
                                  : "ingot_s" + std::to_string(step);
    s.region = region;
    for (Value input : region.getInputs())
      s.buffers.push_back(bufferOf[input]);
    s.buffers.push_back(out);
    for (unsigned id : s.buffers)
      plan.bytesAccessed += plan.buffers[id].size;
    plan.steps.push_back(std::move(s));
    if (region.getKind() == "library") {
      ++plan.libraryCalls;
      if (Operation *lib = regionLibraryOp(region)) {
        plan.steps.back().setFlops(libraryFlops(lib, plan.shapes.get()),
                                   plan.shapes.get());
        plan.integerLibraryCalls += isa<ConvIntegerOp>(lib);
        if (auto why = lib->getAttrOfType<StringAttr>("ingot.float_reason"))
          plan.floatLayers.push_back(
              {onnxNodeName(lib->getLoc()).str(), why.str()});
      }
    } else {
      ++plan.kernels;
    }
    plan.transposes += isTransposeOnly(region);
    plan.qdqKernels += region.getKind() != "library" && regionQuantizes(region);
  }

  // Outputs not written in place are copied at the end.
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    if (outputBuffer.count(v) && outputBuffer[v] == outputBuffers[i])
      continue;
    auto it = bufferOf.find(v);
    if (it == bufferOf.end())
      return ret.emitError() << "returned value has no buffer";
    int step = static_cast<int>(plan.steps.size());
    touch(it->second, step);
    PlanStep s;
    s.kind = PlanStep::Kind::Copy;
    s.buffers = {it->second, outputBuffers[i]};
    plan.steps.push_back(std::move(s));
  }
  plan.arenaBytes = planArena(plan.buffers);
  return plan;
}

std::string codegen::kernelBufferSignature(const ExecutionPlan &plan,
                                           const PlanStep &step,
                                           const std::string &qualifiers) {
  std::string text = "extern \"C\" " + qualifiers +
                     " const unsigned long long " + step.kernel +
                     "_buffers[] = {" + std::to_string(step.buffers.size());
  for (unsigned b : step.buffers)
    text += ", " + std::to_string(plan.buffers[b].size) + "ull";
  return text + "};\n";
}

std::string KernelDeduplicator::add(const std::string &symbol,
                                    const std::string &text,
                                    std::string &source) {
  // The text with its own symbol (and the names derived from it, such as
  // <symbol>_body and <symbol>_buffers) made anonymous.
  std::string key;
  key.reserve(text.size());
  for (size_t at = 0;;) {
    size_t next = text.find(symbol, at);
    key.append(text, at, next == std::string::npos ? next : next - at);
    if (next == std::string::npos)
      break;
    key += '\x01';
    at = next + symbol.size();
  }
  auto [it, added] = bySource.try_emplace(std::move(key), symbol);
  if (added)
    source += text;
  return it->second;
}

std::vector<unsigned>
codegen::launchesBetweenAttention(const ExecutionPlan &plan) {
  std::vector<unsigned> gaps;
  unsigned launches = 0;
  std::optional<unsigned> last;
  for (const PlanStep &step : plan.steps) {
    if (step.kind == PlanStep::Kind::Copy)
      continue;
    ++launches;
    FusionOp region = step.region;
    if (step.kind != PlanStep::Kind::Kernel || !region ||
        region.getKind() != "attention")
      continue;
    if (last)
      gaps.push_back(launches - *last);
    last = launches;
  }
  return gaps;
}
