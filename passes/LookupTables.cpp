//===- LookupTables.cpp - Elementwise chains on 8-bit values as tables ----===//
//
// Quantized models written in the QDQ format (onnxruntime's quantizer, most
// exporters) quantize and dequantize around every op: a convolution's
// epilogue in PP-LCNet reads, for each element, q -> dequantize -> multiply
// -> quantize -> dequantize -> add -> quantize -> ... (hard swish, learnable
// affine blocks), eight divisions and roundings per element. Everything
// after the first quantization is a function of one 8-bit value, which can
// take 256 values: computed here once for each of them by the constant
// folder, the chain is one table lookup (ingot.lookup), which fuses like
// any elementwise op. (The folder quantizes and dequantizes in FP32 as the
// kernels do; other ops it computes in double and rounds to FP32 once,
// where a kernel may round after each step or contract to FMA: a last-bit
// difference that a following quantization can turn into one step, as
// between any two runtimes. Values the folder cannot represent, such as a
// cast of NaN to an integer, leave the chain as it is.)
//
// A chain is grown from an 8-bit integer value q through the elementwise
// ops whose other operands are scalar constants; each of its values used
// outside it becomes a lookup of q, where the ops it replaces cost more
// than a lookup (a quantization, a division or a transcendental function
// among them). The replaced ops are then dead.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "dialects/ingot/HostTensor.h"
#include "dialects/ingot/OpClasses.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTLOOKUPTABLESPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {

/// A one-element constant, as a rank-0 attribute (it broadcasts against the
/// 256 table entries), or null.
Attribute scalarConstant(Value v) {
  std::optional<HostTensor> t = HostTensor::fromConstant(v, 1);
  if (!t || t->size() != 1)
    return {};
  t->type = RankedTensorType::get({}, t->type.getElementType());
  return t->toAttr();
}

bool isEightBit(Value v) {
  Type t = getElementTypeOrSelf(v.getType());
  return isa<RankedTensorType>(v.getType()) && t.isInteger(8);
}

/// What an op costs against a table lookup (about 2): a quantization is a
/// division, a rounding and a clamp.
int cost(Operation *op) {
  if (isa<QuantizeLinearOp>(op))
    return 4;
  if (isa<DivOp, ExpOp, LogOp, TanhOp, SigmoidOp, ErfOp, PowOp, GeluOp,
          SoftplusOp, EluOp, SinOp, CosOp>(op))
    return 4;
  return 1;
}
constexpr int kMinCost = 6;

/// The elementwise ops computed from `q` and scalar constants only, in
/// block order.
llvm::SetVector<Operation *> chainFrom(Value q) {
  // Every elementwise op reachable from q, then those whose operands are
  // all inside (q, the chain, scalar constants), in block order.
  llvm::SetVector<Operation *> reachable;
  SmallVector<Value> worklist = {q};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers())
      if (classifyOp(user) == OpClass::Elementwise &&
          user->getNumResults() == 1 &&
          user->getBlock() == q.getParentBlock() && reachable.insert(user))
        worklist.push_back(user->getResult(0));
  }
  SmallVector<Operation *> ordered(reachable.begin(), reachable.end());
  llvm::sort(ordered,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  auto qShape = cast<RankedTensorType>(q.getType()).getShape();
  llvm::SetVector<Operation *> chain;
  for (Operation *op : ordered) {
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    Type element = type ? type.getElementType() : Type();
    if (!type || type.getShape() != qShape || element.isInteger(1) ||
        !element.isIntOrFloat())
      continue;
    bool inside = llvm::all_of(op->getOperands(), [&](Value o) {
      Operation *def = o.getDefiningOp();
      return o == q || (def && chain.count(def)) || scalarConstant(o);
    });
    if (inside)
      chain.insert(op);
  }
  return chain;
}

/// The ops of `chain` that `v` depends on, in block order.
SmallVector<Operation *> coneOf(Value v,
                                const llvm::SetVector<Operation *> &chain) {
  llvm::SmallPtrSet<Operation *, 16> needed;
  SmallVector<Operation *> worklist = {v.getDefiningOp()};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!op || !chain.count(op) || !needed.insert(op).second)
      continue;
    for (Value o : op->getOperands())
      worklist.push_back(o.getDefiningOp());
  }
  SmallVector<Operation *> cone;
  for (Operation *op : chain)
    if (needed.count(op))
      cone.push_back(op);
  return cone;
}

/// `cone` (ending in the value to tabulate) evaluated for every value of
/// the 8-bit `q`, by the constant folder: the table, or null where an op
/// does not fold.
/// The smallest value of an 8-bit integer type: a table's first entry is
/// computed from it.
int64_t lowestOf(Type eightBit) {
  return eightBit.isUnsignedInteger() ? 0 : -128;
}

ElementsAttr tabulate(Value q, ArrayRef<Operation *> cone) {
  Type qType = getElementTypeOrSelf(q.getType());
  int64_t lowest = lowestOf(qType);
  HostTensor all = HostTensor::zeros(RankedTensorType::get({256}, qType));
  for (int64_t k = 0; k < 256; ++k)
    all.ints[k] = lowest + k;
  DenseMap<Value, Attribute> values;
  values[q] = all.toAttr();
  std::optional<HostTensor> last;
  for (Operation *op : cone) {
    SmallVector<Attribute> operands;
    for (Value o : op->getOperands())
      operands.push_back(values.count(o) ? values[o] : scalarConstant(o));
    // The op at 256 elements: a detached copy with that result type (the
    // evaluator reads the op's kind, attributes and result type).
    Operation *copy = op->clone();
    Type element = getElementTypeOrSelf(op->getResult(0).getType());
    copy->getResult(0).setType(RankedTensorType::get({256}, element));
    last = evaluateElementwise(copy, operands, 256);
    copy->destroy();
    if (!last)
      return {};
    values[op->getResult(0)] = last->toAttr();
  }
  return last ? last->toAttr() : ElementsAttr();
}

/// Whether an 8-bit table maps every value to itself.
bool isIdentityTable(ElementsAttr table) {
  std::optional<HostTensor> t = HostTensor::fromAttr(table, 256);
  if (!t || !t->type.getElementType().isInteger(8))
    return false;
  int64_t lowest = lowestOf(t->type.getElementType());
  for (int64_t k = 0; k < t->size(); ++k)
    if (t->ints[k] != lowest + k)
      return false;
  return true;
}

struct IngotLookupTablesPass
    : ingot::impl::IngotLookupTablesPassBase<IngotLookupTablesPass> {
  void runOnOperation() override {
    SmallVector<Value> starts;
    getOperation().walk([&](Operation *op) {
      for (Value r : op->getResults())
        if (isEightBit(r) && !isa<ConstantOp>(op))
          starts.push_back(r);
    });
    for (BlockArgument arg : getOperation().getArguments())
      if (isEightBit(arg))
        starts.push_back(arg);
    for (Value q : starts) {
      llvm::SetVector<Operation *> chain = chainFrom(q);
      // Each value used outside the chain, tabulated where that pays.
      SmallVector<std::pair<Value, ElementsAttr>> tables;
      for (Operation *op : chain) {
        Value r = op->getResult(0);
        bool usedOutside = llvm::any_of(
            r.getUsers(), [&](Operation *user) { return !chain.count(user); });
        if (!usedOutside)
          continue;
        SmallVector<Operation *> cone = coneOf(r, chain);
        int total = 0;
        for (Operation *c : cone)
          total += cost(c);
        if (total < kMinCost)
          continue;
        if (ElementsAttr table = tabulate(q, cone))
          tables.push_back({r, table});
      }
      for (auto [r, table] : tables) {
        // A chain that gives back its own input (a requantization to the
        // same scale and zero point through other ops) is no lookup at all.
        if (r.getType() == q.getType() && isIdentityTable(table)) {
          r.replaceUsesWithIf(
              q, [&](OpOperand &use) { return !chain.count(use.getOwner()); });
          continue;
        }
        OpBuilder b(r.getDefiningOp()->getNextNode());
        auto lookup = LookupOp::create(b, r.getLoc(), r.getType(), q, table);
        r.replaceUsesWithIf(lookup.getResult(), [&](OpOperand &use) {
          return !chain.count(use.getOwner());
        });
      }
    }
  }
};

} // namespace
