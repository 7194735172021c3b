//===- MergeSiblingMatmuls.cpp - One GEMM for projections of one input ----===//
//
// A transformer layer projects its input three times, x·Wq + bq, x·Wk + bk
// and x·Wv + bv: three GEMM launches that each read x. With constant
// weights they are one GEMM, x·[Wq Wk Wv] + [bq bk bv], whose result the
// three users read as slices of the last axis. The slices cost nothing
// where they are read in place: by attention regions (through the head
// split) and by loop regions. A slice read by a library call would be a
// copy, so matmuls with such users are left alone.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "dialects/ingot/HostTensor.h"
#include "dialects/ingot/OpClasses.h"

#include "mlir/IR/Matchers.h"

namespace mlir::ingot {
#define GEN_PASS_DEF_INGOTMERGESIBLINGMATMULSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::ingot

using namespace mlir;
using namespace mlir::ingot;

namespace {

struct Candidate {
  MatMulOp matmul;
  AddOp biasAdd; // null when the matmul has no bias add of its own
  Value bias;    // the [N] constant
  Value result;  // what the users read: the add, else the matmul
  int64_t n = 0;
};

/// Whether every use of `v` reads it in place, through index remapping ops
/// if need be: not a library call (which needs the slice in memory).
bool readInPlace(Value v, int depth = 0) {
  if (depth > 8)
    return false;
  for (Operation *user : v.getUsers()) {
    OpClass c = classifyOp(user);
    if (c == OpClass::Library || c == OpClass::Other ||
        c == OpClass::ShapeOnly || c == OpClass::Windowed)
      return false;
    if (c == OpClass::Remap && !readInPlace(user->getResult(0), depth + 1))
      return false;
  }
  return true;
}

/// `mm` as a candidate: x · W with W a constant [K, N] of the result's
/// element type, optionally followed by its only user adding a constant
/// [N] bias.
std::optional<Candidate> asCandidate(MatMulOp mm) {
  auto w = dyn_cast<RankedTensorType>(mm.getRhs().getType());
  auto y = dyn_cast<RankedTensorType>(mm.getResult().getType());
  auto x = dyn_cast<RankedTensorType>(mm.getLhs().getType());
  if (!w || !y || !x || w.getRank() != 2 || x.getRank() < 2 ||
      !w.hasStaticShape() || !y.hasStaticShape() ||
      !isa<FloatType>(w.getElementType()) ||
      w.getElementType() != y.getElementType() ||
      !mm.getRhs().getDefiningOp<ConstantOp>())
    return std::nullopt;
  Candidate c{mm, nullptr, nullptr, mm.getResult(), w.getDimSize(1)};
  if (mm->hasOneUse())
    if (auto add = dyn_cast<AddOp>(*mm->getUsers().begin())) {
      Value other =
          add.getLhs() == mm.getResult() ? add.getRhs() : add.getLhs();
      auto bt = dyn_cast<RankedTensorType>(other.getType());
      if (bt && bt.getRank() == 1 && bt.getDimSize(0) == c.n &&
          bt.getElementType() == y.getElementType() && add.getType() == y &&
          other.getDefiningOp<ConstantOp>()) {
        c.biasAdd = add;
        c.bias = other;
        c.result = add.getResult();
      }
    }
  // Read in place at least as the matmul's result (a bias add reads it
  // pointwise); merge() checks the adds' results before merging biases.
  if (!readInPlace(mm.getResult()))
    return std::nullopt;
  return c;
}

/// Column-concatenation of [K, N_i] constants (or of [N_i] ones).
std::optional<HostTensor> concatColumns(ArrayRef<Value> parts, int64_t rows,
                                        int64_t columns, Type element) {
  SmallVector<int64_t> shape = rows ? SmallVector<int64_t>{rows, columns}
                                    : SmallVector<int64_t>{columns};
  HostTensor out = HostTensor::zeros(RankedTensorType::get(shape, element));
  int64_t offset = 0;
  for (Value part : parts) {
    std::optional<HostTensor> t = HostTensor::fromConstant(part);
    if (!t)
      return std::nullopt;
    int64_t n = t->type.getShape().back();
    for (int64_t r = 0; r < std::max<int64_t>(rows, 1); ++r)
      for (int64_t c = 0; c < n; ++c)
        out.floats[r * columns + offset + c] = t->floats[r * n + c];
    offset += n;
  }
  return out;
}

struct IngotMergeSiblingMatmulsPass
    : ingot::impl::IngotMergeSiblingMatmulsPassBase<
          IngotMergeSiblingMatmulsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Each value read by several matmuls, in program order.
    SmallVector<Value> shared;
    llvm::SmallPtrSet<void *, 16> seen;
    func.walk([&](MatMulOp mm) {
      Value x = mm.getLhs();
      if (seen.insert(x.getAsOpaquePointer()).second)
        shared.push_back(x);
    });
    for (Value x : shared) {
      // Siblings with the first one's weight rows (K) and element type.
      SmallVector<Candidate> group;
      for (Operation *user : x.getUsers()) {
        auto mm = dyn_cast<MatMulOp>(user);
        if (!mm || mm.getLhs() != x)
          continue;
        std::optional<Candidate> c = asCandidate(mm);
        if (c && (group.empty() ||
                  group[0].matmul.getRhs().getType() == mm.getRhs().getType() ||
                  sameRowsAndType(group[0].matmul, mm)))
          group.push_back(*c);
      }
      if (group.size() < 2)
        continue;
      if (failed(merge(group)))
        return signalPassFailure();
    }
  }

  static bool sameRowsAndType(MatMulOp a, MatMulOp b) {
    auto wa = cast<RankedTensorType>(a.getRhs().getType()),
         wb = cast<RankedTensorType>(b.getRhs().getType());
    return wa.getDimSize(0) == wb.getDimSize(0) &&
           wa.getElementType() == wb.getElementType();
  }

  LogicalResult merge(SmallVector<Candidate> &group) {
    llvm::sort(group, [](Candidate &a, Candidate &b) {
      return a.matmul->isBeforeInBlock(b.matmul);
    });
    bool withBias = llvm::all_of(group, [](const Candidate &c) {
      return c.biasAdd != nullptr && readInPlace(c.result);
    });
    MatMulOp first = group.front().matmul;
    auto wType = cast<RankedTensorType>(first.getRhs().getType());
    Type element = wType.getElementType();
    int64_t k = wType.getDimSize(0), total = 0;
    SmallVector<Value> weights, biases;
    SmallVector<Location> locs;
    for (Candidate &c : group) {
      total += c.n;
      weights.push_back(c.matmul.getRhs());
      biases.push_back(c.bias);
      locs.push_back(c.matmul.getLoc());
    }
    std::optional<HostTensor> w = concatColumns(weights, k, total, element);
    if (!w)
      return success(); // weights too large to read: leave them
    OpBuilder b(first);
    Location loc = FusedLoc::get(&getContext(), locs);
    Value merged =
        ConstantOp::create(b, loc, w->type, w->toBlobAttr("merged_weight"));
    SmallVector<int64_t> shape(
        cast<RankedTensorType>(first.getType()).getShape());
    shape.back() = total;
    auto yType = RankedTensorType::get(shape, element);
    Value y = MatMulOp::create(b, loc, yType, first.getLhs(), merged);
    if (withBias) {
      std::optional<HostTensor> bias = concatColumns(biases, 0, total, element);
      if (!bias)
        return success();
      Value bc = ConstantOp::create(b, loc, bias->type,
                                    bias->toBlobAttr("merged_bias"));
      y = AddOp::create(b, loc, yType, y, bc);
    }
    auto i64 = [&](int64_t v) {
      auto type = RankedTensorType::get({1}, b.getI64Type());
      return ConstantOp::create(
          b, loc, type, DenseElementsAttr::get(type, ArrayRef<int64_t>{v}));
    };
    int64_t offset = 0, axis = static_cast<int64_t>(shape.size()) - 1;
    for (Candidate &c : group) {
      Value replaced = withBias ? c.result : c.matmul.getResult();
      auto slice = SliceOp::create(
          b, c.matmul.getLoc(), replaced.getType(),
          ValueRange{y, i64(offset), i64(offset + c.n), i64(axis), i64(1)});
      replaced.replaceAllUsesWith(slice.getResult());
      offset += c.n;
    }
    // Last: the builder inserts before the first matmul.
    for (Candidate &c : group) {
      if (withBias)
        c.biasAdd->erase();
      c.matmul->erase();
    }
    return success();
  }
};
} // namespace
