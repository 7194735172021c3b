//===- Fuse.cpp - Group ops into fusion regions ---------------------------===//
#include "passes/Passes.h"

#include "dialects/ingot/OpClasses.h"
#include "dialects/ingot/SymbolicShapes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTFUSEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

/// Constants this small are copied into each region that uses them, where
/// code generators can turn them into literals.
static constexpr int64_t kInlineConstantElements = 16;

namespace {
struct Group {
  Operation *root;
  StringRef kind;
  SmallVector<Operation *> ops; // in no particular order until built
  // The op the region is named after: the GEMM/convolution of a library
  // region or the reduction of a reduction region, not the last epilogue op
  // (the root), which a user would not recognise as the region's work.
  Operation *anchor;
  // Stitch regions: how many trailing dims their row reductions reduce.
  unsigned stitchDims = 0;
};

/// Whether a loop or stitch group can take the row reduction `producer`
/// (its result read by the group's elementwise ops, broadcast over rows the
/// group computes): every op in the group elementwise, the group's result
/// of the reduction's input shape, and the same rows as other reductions
/// already stitched in.
/// Whether `use` only gives its op a result size: the target of a reshape
/// or expand, the ends of a slice, the repeats of a tile, the bounds of a
/// range, the sizes of a resize. Code generation takes those sizes from
/// the symbolic shapes, never from the operand.
bool isSizeOperand(OpOperand &use) {
  Operation *op = use.getOwner();
  unsigned k = use.getOperandNumber();
  return (isa<ReshapeOp, ExpandOp, TileOp>(op) && k == 1) ||
         (isa<SliceOp, ResizeOp>(op) && k == 2) ||
         isa<ConstantOfShapeOp, RangeOp>(op);
}

/// With a range of shapes, the shape computations that feed sizes (Shape,
/// Gather, Concat and arithmetic on shapes, as exporters write them for
/// dynamic axes) do not fold. Those whose every result has contents the
/// analysis knows and is used only as a size operand (or by another such
/// op) stay outside fusion regions: the plan gives them no step (their
/// values are the host shape function's, issue #12).
llvm::SmallPtrSet<Operation *, 16>
hostShapeComputations(Block &block, const SymbolicShapes &shapes) {
  llvm::SmallPtrSet<Operation *, 16> out;
  for (Operation &op : llvm::reverse(block)) {
    if (op.getNumResults() == 0 || isa<ConstantOp, FusionOp>(op))
      continue;
    bool hostOnly = llvm::all_of(op.getResults(), [&](Value v) {
      return shapes.values.count(v) &&
             llvm::all_of(v.getUses(), [&](OpOperand &use) {
               return isSizeOperand(use) || out.count(use.getOwner());
             });
    });
    if (hostOnly)
      out.insert(&op);
  }
  return out;
}

bool canStitch(const Group &group, Operation *producer) {
  std::optional<unsigned> dims = trailingRowReduction(producer);
  if (!dims || (group.kind != "loop" && group.kind != "stitch") ||
      (group.stitchDims && group.stitchDims != *dims))
    return false;
  // Same shape; the element type may differ (an f16 normalization computes
  // its statistics in f32 and casts the result back).
  if (group.root->getNumResults() != 1 ||
      cast<ShapedType>(group.root->getResult(0).getType()).getShape() !=
          cast<ShapedType>(producer->getOperand(0).getType()).getShape())
    return false;
  return llvm::all_of(group.ops, [](Operation *op) {
    return classifyOp(op) == OpClass::Elementwise ||
           trailingRowReduction(op).has_value();
  });
}

bool isSmallConstant(Value v) {
  auto constant = v.getDefiningOp<ConstantOp>();
  if (!constant)
    return false;
  auto type = dyn_cast<RankedTensorType>(constant.getType());
  return type && type.hasStaticShape() &&
         type.getNumElements() <= kInlineConstantElements &&
         isa<DenseElementsAttr>(constant.getValue());
}

/// Whether `op` reads `operand` once per output element from memory, so a
/// producer of it could be computed in place. Library calls and windowed ops
/// read their inputs many times.
bool readsOperandPointwise(Operation *op, unsigned operandIndex) {
  OpClass c = classifyOp(op);
  if (c == OpClass::Library || c == OpClass::Windowed ||
      c == OpClass::Attention)
    return false;
  (void)operandIndex;
  return true;
}

/// ingot.split -> one ingot.slice per result, so that each piece can fuse
/// with its consumers.
void splitToSlices(func::FuncOp func) {
  SmallVector<SplitOp> splits;
  func.walk([&](SplitOp op) { splits.push_back(op); });
  for (SplitOp split : splits) {
    auto inputType = dyn_cast<RankedTensorType>(split.getInput().getType());
    if (!inputType)
      continue;
    OpBuilder b(split);
    int64_t axis = static_cast<int64_t>(split.getAxis());
    if (axis < 0)
      axis += inputType.getRank();
    auto i64 = [&](int64_t v) {
      auto type = RankedTensorType::get({1}, b.getI64Type());
      return ConstantOp::create(
          b, split.getLoc(), type,
          DenseElementsAttr::get(type, ArrayRef<int64_t>{v}));
    };
    int64_t offset = 0;
    for (auto [result, size] :
         llvm::zip(split.getResults(), split.getSplit())) {
      auto slice =
          SliceOp::create(b, split.getLoc(), result.getType(),
                          ValueRange{split.getInput(), i64(offset),
                                     i64(offset + size), i64(axis), i64(1)});
      result.replaceAllUsesWith(slice.getResult());
      offset += size;
    }
    split.erase();
  }
}

/// For a softmax/log_softmax/layer_norm `op` whose users are all in one
/// loop group, that group if every op in it is elementwise with `op`'s
/// result shape (so each of them reads `op` at the element it writes).
std::optional<unsigned>
rowEpilogueGroup(Operation *op, const DenseMap<Operation *, unsigned> &groupOf,
                 const std::vector<Group> &groups) {
  if (!isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp>(op) || op->use_empty())
    return std::nullopt;
  auto it = groupOf.find(*op->getUsers().begin());
  if (it == groupOf.end() || groups[it->second].kind != "loop")
    return std::nullopt;
  for (Operation *user : op->getUsers()) {
    auto ug = groupOf.find(user);
    if (ug == groupOf.end() || ug->second != it->second)
      return std::nullopt;
  }
  Type type = op->getResult(0).getType();
  auto shape = cast<RankedTensorType>(type).getShape();
  for (Operation *member : groups[it->second].ops) {
    if (classifyOp(member) != OpClass::Elementwise ||
        member->getNumResults() != 1)
      return std::nullopt;
    auto memberType =
        dyn_cast<RankedTensorType>(member->getResult(0).getType());
    if (!memberType || memberType.getShape() != shape)
      return std::nullopt;
  }
  return it->second;
}

/// `op` is a layer norm, softmax or log-softmax of `input` over its last
/// dimension only (the rows a GEMM writes).
bool normalizesRows(Operation *op, Value input) {
  if (op->getNumOperands() == 0 || op->getOperand(0) != input)
    return false;
  int64_t rank = cast<ShapedType>(input.getType()).getRank();
  auto isLast = [&](int64_t axis) { return axis == -1 || axis == rank - 1; };
  if (auto norm = dyn_cast<LayerNormOp>(op))
    return isLast(norm.getAxis()) && llvm::count(op->getOperands(), input) == 1;
  if (auto softmax = dyn_cast<SoftmaxOp>(op))
    return isLast(softmax.getAxis());
  if (auto logSoftmax = dyn_cast<LogSoftmaxOp>(op))
    return isLast(logSoftmax.getAxis());
  return false;
}

struct IngotFusePass : ingot::impl::IngotFusePassBase<IngotFusePass> {
  using IngotFusePassBase::IngotFusePassBase;

  /// The ops of the last diamond epilogueDiamond found.
  llvm::SmallPtrSet<Operation *, 16> diamondMembers;

  /// When `tail` has several users that are all elementwise epilogue ops
  /// (`joins`) and meet again in one op whose users alone leave the set,
  /// as hard-swish's x * clip(x + 3, 0, 6) / 6 does: that op (the set is
  /// in diamondMembers). Else null. At most 16 ops.
  template <typename Joins>
  Operation *epilogueDiamond(Operation *tail, Joins &&joins) {
    diamondMembers.clear();
    SmallVector<Operation *> work;
    auto visit = [&](Operation *from) {
      for (Operation *user : from->getUsers()) {
        if (diamondMembers.count(user))
          continue;
        if (!joins(user, from) || diamondMembers.size() >= 16)
          return false;
        diamondMembers.insert(user);
        work.push_back(user);
      }
      return true;
    };
    if (tail->use_empty() || !visit(tail))
      return nullptr;
    // Members whose users all join; the one whose users do not (or that
    // has none) is the sink.
    Operation *sink = nullptr;
    while (!work.empty()) {
      Operation *o = work.pop_back_val();
      bool leaves = o->use_empty();
      for (Operation *user : o->getUsers())
        leaves |= !joins(user, o) && !diamondMembers.count(user);
      if (leaves) {
        if (sink && sink != o)
          return nullptr; // two values leave: not one region output
        sink = o;
        continue;
      }
      if (!visit(o))
        return nullptr;
    }
    // The sink must come after every other member (it is the region's
    // result), and must be the only member with users outside the set.
    if (!sink)
      return nullptr;
    for (Operation *o : diamondMembers)
      if (o != sink && !o->isBeforeInBlock(sink))
        return nullptr;
    return sink;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    splitToSlices(func);
    Block &block = func.getBody().front();
    llvm::SmallPtrSet<Operation *, 16> shapeOps;
    if (func->hasAttr(kDimRangesAttr)) {
      FailureOr<SymbolicShapes> shapes = inferSymbolicShapes(func);
      if (failed(shapes))
        return signalPassFailure();
      shapeOps = hostShapeComputations(block, *shapes);
    }

    DenseMap<Operation *, unsigned> groupOf;
    std::vector<Group> groups;
    auto assign = [&](Operation *op, unsigned g) {
      groupOf[op] = g;
      groups[g].ops.push_back(op);
    };

    // Library epilogues: the chain of single-use, same-shape elementwise
    // ops on a GEMM/convolution result.
    for (Operation &op : block) {
      if (classifyOp(&op) != OpClass::Library)
        continue;
      unsigned g = groups.size();
      groups.push_back({&op, "library", {}, &op});
      assign(&op, g);
      // Host epilogues may change the type (an integer convolution's
      // convert its int32 sums; quantize to uint8 for the next layer): the
      // element type may change along the chain. The GPU's epilogues
      // rewrite the library result in place, so an int8 GEMM's int32 sums
      // are read by the next kernel, which scales them.
      bool anyType = typeChangingEpilogues;
      if (isa<ConvIntegerOp>(&op) && !anyType)
        continue;
      // An op already in another library's epilogue (the add of two
      // convolutions, as in ResNet's projection shortcut) stays there.
      auto joins = [&](Operation *user, Operation *from) {
        if (groupOf.count(user) || classifyOp(user) != OpClass::Elementwise ||
            user->getNumResults() != 1)
          return false;
        Type type = user->getResult(0).getType(),
             fromType = from->getResult(0).getType();
        return anyType ? cast<ShapedType>(type).getShape() ==
                             cast<ShapedType>(fromType).getShape()
                       : type == fromType;
      };
      Operation *tail = &op;
      while (true) {
        if (tail->hasOneUse()) {
          Operation *user = *tail->getUsers().begin();
          if (!joins(user, tail))
            break;
          assign(user, g);
          groups[g].root = user;
          tail = user;
          continue;
        }
        Operation *sink = epilogueDiamond(tail, joins);
        if (!sink)
          break;
        // The diamond's ops join in block order (the sink last).
        for (Operation *o = tail->getNextNode(); o != sink->getNextNode();
             o = o->getNextNode())
          if (diamondMembers.count(o))
            assign(o, g);
        groups[g].root = sink;
        tail = sink;
      }
      // The host normalizes a GEMM's rows as its epilogue writes them.
      if (rowEpilogues && isa<MatMulOp, GemmOp>(&op) && tail->hasOneUse()) {
        Operation *user = *tail->getUsers().begin();
        if (!groupOf.count(user) && normalizesRows(user, tail->getResult(0))) {
          assign(user, g);
          groups[g].root = user;
        }
      }
    }

    // Consumers first: each unassigned op starts a group, then pulls in the
    // producers whose every user is already in that group.
    for (Operation &opRef : llvm::reverse(block)) {
      Operation *op = &opRef;
      if (op->hasTrait<OpTrait::IsTerminator>() || isa<ConstantOp>(op) ||
          shapeOps.count(op))
        continue;
      unsigned g;
      auto it = groupOf.find(op);
      if (it != groupOf.end()) {
        g = it->second;
      } else if (std::optional<unsigned> epilogue =
                     rowEpilogueGroup(op, groupOf, groups)) {
        // A row-wise reduction consumed only by an elementwise loop group of
        // its own shape: that group becomes its epilogue, applied as each
        // row is stored, and the whole is one reduction region.
        g = *epilogue;
        groups[g].kind = "reduction";
        groups[g].anchor = op;
        assign(op, g);
      } else {
        OpClass c = classifyOp(op);
        // A filled tensor or a range whose size varies is a kernel of its
        // own.
        bool filled = isa<ConstantOfShapeOp, RangeOp>(op) &&
                      func->hasAttr(kDimRangesAttr);
        if ((c == OpClass::ShapeOnly && !filled) || c == OpClass::Other) {
          // With a range of shapes, shape computations do not fold; they
          // will become the host shape function (issue #12).
          if (func->hasAttr(kDimRangesAttr))
            op->emitError() << "'" << op->getName()
                            << "' computes on sizes that vary over the --dim "
                               "ranges; code generation for a range of "
                               "shapes does not take shape computations yet";
          else
            op->emitError() << "'" << op->getName()
                            << "' cannot be compiled: it should have been "
                               "folded (is every input shape bound?)";
          return signalPassFailure();
        }
        g = groups.size();
        StringRef kind = c == OpClass::Reduction   ? "reduction"
                         : c == OpClass::Attention ? "attention"
                                                   : "loop";
        groups.push_back({op, kind, {}, op});
        assign(op, g);
      }
      // Absorb producers, transitively, from this op's operands.
      SmallVector<Operation *> worklist = {op};
      while (!worklist.empty()) {
        Operation *consumer = worklist.pop_back_val();
        for (OpOperand &use : consumer->getOpOperands()) {
          Operation *producer = use.get().getDefiningOp();
          if (!producer || groupOf.count(producer) || shapeOps.count(producer))
            continue;
          // Stitching: a row reduction joins the loop that consumes it
          // (layer norm or RMS norm written out as reduce_mean, sub, pow,
          // ...: one kernel, each row reduced and then written).
          bool stitch = canStitch(groups[g], producer);
          if (!stitch && !isLoopFusible(producer))
            continue;
          // Inside a stitch region every op is computed at the row's
          // coordinates: elementwise only (no index remapping).
          if (groups[g].kind == "stitch" && !stitch &&
              classifyOp(producer) != OpClass::Elementwise)
            continue;
          // Attention reads q, k and v many times: only index remapping
          // (the transposes and reshapes that split heads) joins it, read
          // in place from the producer's buffer; computing ops would run
          // again on every read.
          if (groups[g].kind == "attention"
                  ? classifyOp(producer) != OpClass::Remap
                  : !readsOperandPointwise(consumer, use.getOperandNumber()))
            continue;
          bool allUsersInside =
              llvm::all_of(producer->getUsers(), [&](Operation *u) {
                auto ug = groupOf.find(u);
                return ug != groupOf.end() && ug->second == g;
              });
          if (!allUsersInside)
            continue;
          assign(producer, g);
          worklist.push_back(producer);
          if (stitch) {
            groups[g].kind = "stitch";
            groups[g].stitchDims = *trailingRowReduction(producer);
            groups[g].anchor = producer;
          }
        }
      }
    }

    for (Group &group : groups)
      buildRegion(group);

    // Region ids in program order: r0, r1, ... Later passes may remove a
    // region (dead code), leaving a gap, but never rename one, so the id
    // that --emit=fused shows is the one the artifact and profile show.
    unsigned next = 0;
    for (FusionOp region : func.getBody().front().getOps<FusionOp>())
      region.setIdAttr(
          StringAttr::get(&getContext(), "r" + std::to_string(next++)));
  }

  /// Moves the group's ops into a new ingot.fusion at the root's position.
  void buildRegion(Group &group) {
    llvm::SmallPtrSet<Operation *, 16> members(group.ops.begin(),
                                               group.ops.end());
    SmallVector<Operation *> ordered(group.ops.begin(), group.ops.end());
    llvm::sort(ordered, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });

    llvm::SetVector<Value> inputs;
    SmallVector<Operation *> inlinedConstants;
    for (Operation *op : ordered)
      for (Value operand : op->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (def && members.count(def))
          continue;
        // Library calls read their operands from memory: their constants
        // stay inputs (buffers) however small.
        if (isSmallConstant(operand) && classifyOp(op) != OpClass::Library) {
          if (!llvm::is_contained(inlinedConstants, def))
            inlinedConstants.push_back(def);
          continue;
        }
        inputs.insert(operand);
      }

    Operation *root = group.root;
    OpBuilder b(root);
    Location anchorLoc = group.anchor->getLoc();
    auto fusion = FusionOp::create(b, anchorLoc, root->getResultTypes(),
                                   group.kind, inputs.getArrayRef());
    if (StringRef node = onnxNodeName(anchorLoc); !node.empty())
      fusion.setNodeAttr(b.getStringAttr(node));
    Block &body = fusion.getBlock();
    IRMapping mapping;
    for (auto [input, arg] : llvm::zip(inputs, body.getArguments()))
      mapping.map(input, arg);
    OpBuilder inner = OpBuilder::atBlockBegin(&body);
    for (Operation *constant : inlinedConstants)
      inner.clone(*constant, mapping);
    for (Operation *op : ordered)
      inner.clone(*op, mapping);
    YieldOp::create(inner, root->getLoc(), mapping.lookup(root->getResult(0)));
    root->getResult(0).replaceAllUsesWith(fusion.getResult(0));
    for (Operation *op : llvm::reverse(ordered))
      op->erase();
  }
};
} // namespace

StringRef mlir::ingot::onnxNodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().getValue();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (StringRef name = onnxNodeName(inner); !name.empty())
        return name;
  return "";
}
