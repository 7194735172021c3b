//===- SymbolicShapes.cpp - Symbolic dimensions through a function --------===//
#include "dialects/ingot/SymbolicShapes.h"
#include "dialects/ingot/SymbolicInference.h"

#include "mlir/IR/Matchers.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::detail;

std::string SymbolicShapes::str(ArrayRef<DimExpr> list) const {
  std::string s = "[";
  for (size_t i = 0; i < list.size(); ++i)
    s += (i ? ", " : "") + str(list[i]);
  return s + "]";
}

bool mlir::ingot::hasSymbolicDims(func::FuncOp func) {
  return static_cast<bool>(func->getAttrOfType<DictionaryAttr>(kDimRangesAttr));
}

LogicalResult SymbolicInference::declare(func::FuncOp func) {
  auto rangesAttr = func->getAttrOfType<DictionaryAttr>(kDimRangesAttr);
  if (!rangesAttr)
    return success();
  // A dim declared a multiple of K is K times a symbol of its own, named
  // "H/32": sizes then divide exactly ((H + 31) / 32 is H/32).
  std::map<std::string, std::pair<unsigned, int64_t>> ids;
  for (NamedAttribute entry : rangesAttr) {
    auto bounds = dyn_cast<DenseI64ArrayAttr>(entry.getValue());
    int64_t k = bounds && bounds.size() == 4 ? bounds[3] : 1;
    if (!bounds || (bounds.size() != 3 && bounds.size() != 4) ||
        bounds[0] < 1 || bounds[0] > bounds[1] || bounds[2] < bounds[0] ||
        bounds[2] > bounds[1] || bounds[1] > kMaxSymbolicDim || k < 1 ||
        bounds[0] % k || bounds[1] % k || bounds[2] % k)
      return func.emitError()
             << kDimRangesAttr << " entry '" << entry.getName().getValue()
             << "' must be array<i64: MIN, MAX, OPT[, MULTIPLE]> with 1 <= "
                "MIN <= OPT <= MAX <= "
             << kMaxSymbolicDim << ", each a multiple of MULTIPLE";
    std::string name = entry.getName().str();
    ids[name] = {static_cast<unsigned>(s.names.size()), k};
    s.names.push_back(k > 1 ? name + "/" + std::to_string(k) : name);
    s.ranges.push_back({bounds[0] / k, bounds[1] / k, bounds[2] / k});
  }
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type)
      continue;
    auto params = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(),
                                                   "ingot.dim_params");
    auto name =
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "ingot.name");
    std::string input = name ? name.str() : std::to_string(arg.getArgNumber());
    Exprs exprs;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (!type.isDynamicDim(i)) {
        exprs.push_back(DimExpr(type.getDimSize(i)));
        continue;
      }
      StringAttr param = params && i < static_cast<int64_t>(params.size())
                             ? dyn_cast<StringAttr>(params[i])
                             : StringAttr();
      auto id = param ? ids.find(param.str()) : ids.end();
      if (id == ids.end())
        return func.emitError()
               << "input '" << input << "' dimension " << i
               << " is dynamic but names no range"
               << (param && !param.getValue().empty()
                       ? " (its name is '" + param.str() + "')"
                       : std::string())
               << "; give it one (ingotc --dim NAME=MIN:MAX) or a size";
      exprs.push_back(DimExpr(id->second.second) *
                      DimExpr::symbol(id->second.first));
    }
    s.dims[arg] = exprs;
  }
  return success();
}

std::optional<Exprs> SymbolicInference::dimsOf(Value v) {
  auto it = s.dims.find(v);
  if (it != s.dims.end())
    return it->second;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Exprs out;
  for (int64_t d : type.getShape())
    out.push_back(DimExpr(d));
  return out;
}

std::optional<Exprs> SymbolicInference::valuesOf(Value v) {
  auto it = s.values.find(v);
  if (it != s.values.end())
    return it->second;
  DenseIntElementsAttr ints;
  if (!matchPattern(v, m_Constant(&ints)) || ints.getNumElements() > 64 ||
      ints.getType().getRank() > 1)
    return std::nullopt;
  Exprs out;
  for (const APInt &x : ints.getValues<APInt>())
    out.push_back(DimExpr(x.getSExtValue()));
  return out;
}

LogicalResult SymbolicInference::unify(Operation *op, unsigned from,
                                       unsigned into) {
  DimRange &a = s.ranges[into];
  const DimRange &b = s.ranges[from];
  DimRange merged{std::max(a.min, b.min), std::min(a.max, b.max),
                  std::max(a.opt, b.opt)};
  if (merged.min > merged.max)
    return op->emitError() << "dims " << s.names[into] << " (" << a.min << ":"
                           << a.max << ") and " << s.names[from] << " ("
                           << b.min << ":" << b.max
                           << ") must be equal here, but their ranges do not "
                              "meet";
  merged.opt = std::min(merged.opt, merged.max);
  a = merged;
  s.constraints.push_back(s.names[from] + " == " + s.names[into]);
  renames.push_back({from, into});
  DimExpr with = DimExpr::symbol(into);
  for (auto *table : {&s.dims, &s.values})
    for (auto &[value, exprs] : *table)
      for (DimExpr &e : exprs)
        e = e.substitute(from, with);
  for (SymbolicShapes::Check &c : s.checks) {
    c.value = c.value.substitute(from, with);
    c.equals = c.equals.substitute(from, with);
  }
  return success();
}

bool SymbolicInference::agreeAtEnds(const DimExpr &a, const DimExpr &b) const {
  for (auto pick : {&DimRange::min, &DimRange::max, &DimRange::opt}) {
    std::vector<int64_t> values;
    for (const DimRange &r : s.ranges)
      values.push_back(r.*pick);
    if (a.evaluate(values) != b.evaluate(values))
      return false;
  }
  return true;
}

Exprs SymbolicInference::canonical(Exprs exprs) const {
  for (DimExpr &e : exprs)
    for (auto [from, into] : renames)
      e = e.substitute(from, DimExpr::symbol(into));
  return exprs;
}

FailureOr<Exprs> SymbolicInference::broadcast(Operation *op,
                                              ArrayRef<Exprs> sources) {
  SmallVector<Exprs> shapes;
  for (const Exprs &shape : sources)
    shapes.push_back(canonical(shape));
  size_t rank = 0;
  for (const Exprs &shape : shapes)
    rank = std::max(rank, shape.size());
  Exprs out(rank, DimExpr(1));
  for (size_t i = 0; i < rank; ++i) {
    for (const Exprs &shape : shapes) {
      if (i + shape.size() < rank)
        continue;
      DimExpr d = shape[i + shape.size() - rank];
      if (d == out[i] || d == DimExpr(1))
        continue;
      if (out[i] == DimExpr(1)) {
        out[i] = d;
        continue;
      }
      std::optional<unsigned> a = out[i].asSymbol(), b = d.asSymbol();
      if (a && b) {
        if (failed(unify(op, std::max(*a, *b), std::min(*a, *b))))
          return failure();
        out[i] = DimExpr::symbol(std::min(*a, *b));
        continue;
      }
      // Two forms that agree where the ranges begin and end (ceil(H / 16)
      // and 2 * ceil(H / 32) when H is a multiple of 32): the graph
      // requires them equal, a constraint for the runtime to check.
      if (!out[i].isConstant() && !d.isConstant() && agreeAtEnds(out[i], d)) {
        std::string c = s.str(d) + " == " + s.str(out[i]);
        if (!llvm::is_contained(s.constraints, c)) {
          s.constraints.push_back(c);
          s.checks.push_back({d, out[i]});
        }
        continue;
      }
      return op->emitError()
             << "cannot broadcast size " << s.str(out[i]) << " against "
             << s.str(d) << " in dimension " << i << " for every value of "
             << "the symbolic dims (sizes that differ must be 1 or equal)";
    }
  }
  // Unifying renames dims in what was recorded, not in `out`.
  return canonical(out);
}

LogicalResult SymbolicInference::record(Operation *op, Value result,
                                        Exprs exprs) {
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (!type)
    return op->emitError() << "result has no rank; symbolic shape inference "
                              "needs ranked tensors";
  exprs = canonical(std::move(exprs));
  if (static_cast<int64_t>(exprs.size()) != type.getRank())
    return op->emitError() << "symbolic shape inference gave " << s.str(exprs)
                           << " for a result of type " << type;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (type.isDynamicDim(i))
      continue;
    auto [lo, hi] = bounds(exprs[i], s.ranges);
    if (lo != type.getDimSize(i) || hi != type.getDimSize(i))
      return op->emitError()
             << "dimension " << i << " of the result is fixed at "
             << type.getDimSize(i) << ", but it is " << s.str(exprs[i])
             << " for the symbolic dims (" << lo << " to " << hi
             << " over their ranges)";
    exprs[i] = DimExpr(type.getDimSize(i));
  }
  for (int64_t i = 0; i < type.getRank(); ++i) {
    auto [lo, hi] = bounds(exprs[i], s.ranges);
    if (hi == DimExpr::kOverflow)
      return op->emitError()
             << "dimension " << i << " of the result, " << s.str(exprs[i])
             << ", overflows 64 bits at the largest dims";
    if (lo < 1 && !exprs[i].isConstant())
      return op->emitError()
             << "dimension " << i << " of the result, " << s.str(exprs[i])
             << ", is " << lo << " at the smallest symbolic dims";
  }
  s.dims[result] = std::move(exprs);
  return success();
}

LogicalResult SymbolicInference::visit(Operation *op) {
  if (op->getNumResults() == 0 || isa<ConstantOp>(op))
    return success();
  bool symbolic = false;
  for (Value v : op->getOperands()) {
    if (s.dims.count(v) || s.values.count(v))
      symbolic = true;
    else if (auto t = dyn_cast<RankedTensorType>(v.getType());
             !t || !t.hasStaticShape())
      return op->emitError() << "operand has type " << v.getType()
                             << ", whose sizes are not known symbolically";
  }
  if (!symbolic) {
    // Static sizes in, static sizes out (whatever the op).
    return success();
  }
  for (Type t : op->getResultTypes())
    if (!isa<RankedTensorType>(t))
      return op->emitError() << "result has type " << t
                             << "; symbolic shape inference needs a rank";
  if (auto shape = dyn_cast<ShapeOp>(op)) {
    Exprs in = *dimsOf(shape.getInput());
    int64_t rank = in.size();
    int64_t start =
        std::clamp<int64_t>(normalizeAxis(shape.getStart(), rank), 0, rank);
    int64_t end =
        shape.getEnd()
            ? std::clamp<int64_t>(normalizeAxis(*shape.getEnd(), rank), 0, rank)
            : rank;
    s.values[shape] =
        Exprs(in.begin() + start, in.begin() + std::max(start, end));
  } else if (std::optional<Exprs> v = valueArithmetic(op)) {
    s.values[op->getResult(0)] = *v;
  } else if (auto gather = dyn_cast<GatherOp>(op);
             gather && s.values.count(gather.getInput())) {
    std::optional<Exprs> data = valuesOf(gather.getInput()),
                         indices = valuesOf(gather.getIndices());
    bool known = indices.has_value();
    Exprs picked;
    for (size_t j = 0; known && j < indices->size(); ++j) {
      std::optional<int64_t> k = (*indices)[j].constant();
      int64_t n = data->size();
      known = k && *k >= -n && *k < n;
      if (known)
        picked.push_back((*data)[*k < 0 ? *k + n : *k]);
    }
    if (known)
      s.values[gather] = picked;
  } else if (auto concat = dyn_cast<ConcatOp>(op)) {
    Exprs joined;
    bool all = true;
    for (Value v : concat.getInputs())
      if (std::optional<Exprs> x = valuesOf(v))
        joined.append(x->begin(), x->end());
      else
        all = false;
    if (all && cast<RankedTensorType>(concat.getType()).getRank() == 1)
      s.values[concat] = joined;
  } else if (auto slice = dyn_cast<SliceOp>(op);
             slice && s.values.count(slice.getInput())) {
    // A constant slice of a shape (the batch and sequence of [B, S, H]).
    std::optional<Exprs> data = valuesOf(slice.getInput()),
                         starts = valuesOf(slice.getStarts()),
                         ends = valuesOf(slice.getEnds()),
                         steps = valuesOf(slice.getSteps());
    if (starts && ends && steps && starts->size() == 1 && ends->size() == 1 &&
        (*starts)[0].isConstant() && (*ends)[0].isConstant() &&
        (*steps)[0] == DimExpr(1)) {
      int64_t n = data->size();
      auto clampIndex = [&](int64_t i) {
        return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n);
      };
      int64_t begin = clampIndex(*(*starts)[0].constant()),
              end = clampIndex(*(*ends)[0].constant());
      s.values[slice] =
          Exprs(data->begin() + begin, data->begin() + std::max(begin, end));
    }
  } else if (isa<UnsqueezeOp, SqueezeOp, ReshapeOp>(op) &&
             s.values.count(op->getOperand(0))) {
    s.values[op->getResult(0)] = s.values[op->getOperand(0)];
  }
  if (auto split = dyn_cast<SplitOp>(op)) {
    Exprs in = *dimsOf(split.getInput());
    int64_t axis = normalizeAxis(split.getAxis(), in.size());
    if (!in[axis].isConstant())
      return op->emitError() << "'" << op->getName()
                             << "' along a symbolic dimension is not "
                                "supported yet";
    for (auto [result, size] :
         llvm::zip(split.getResults(), split.getSplit())) {
      Exprs out = in;
      out[axis] = DimExpr(size);
      if (failed(record(op, result, out)))
        return failure();
    }
    return success();
  }
  if (op->getNumResults() != 1)
    return op->emitError() << "'" << op->getName()
                           << "' does not support symbolic sizes yet";
  FailureOr<Exprs> result = inferResult(op);
  if (failed(result))
    return failure();
  return record(op, op->getResult(0), *result);
}

FailureOr<SymbolicShapes> mlir::ingot::inferSymbolicShapes(func::FuncOp func) {
  SymbolicShapes shapes;
  SymbolicInference inference(shapes);
  if (failed(inference.declare(func)))
    return failure();
  WalkResult walk = func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op == func.getOperation())
      return WalkResult::advance();
    if (isa<func::ReturnOp>(op))
      return WalkResult::skip();
    // After fusion: a region's arguments have the sizes (and contents) of
    // its inputs, its results those of what it yields.
    if (auto region = dyn_cast<FusionOp>(op)) {
      for (auto [input, arg] :
           llvm::zip(region.getInputs(), region.getBlock().getArguments()))
        for (auto *table : {&shapes.dims, &shapes.values})
          if (auto it = table->find(input); it != table->end()) {
            SmallVector<DimExpr> copy = it->second; // [] may rehash
            (*table)[arg] = std::move(copy);
          }
      return WalkResult::advance();
    }
    if (auto yield = dyn_cast<YieldOp>(op)) {
      Operation *parent = op->getParentOp();
      for (auto [yielded, result] :
           llvm::zip(yield->getOperands(), parent->getResults()))
        for (auto *table : {&shapes.dims, &shapes.values})
          if (auto it = table->find(yielded); it != table->end()) {
            SmallVector<DimExpr> copy = it->second; // [] may rehash
            (*table)[result] = std::move(copy);
          }
      return WalkResult::skip();
    }
    if (failed(inference.visit(op)))
      return WalkResult::interrupt();
    return WalkResult::skip();
  });
  if (walk.wasInterrupted())
    return failure();
  return shapes;
}
