//===- ImportEinsum.cpp - Einsum as transposes, sums and one matmul -------===//
//
// Einsum with one or two operands, the forms transformer exports use
// (batched matmuls such as "bhqd,bhkd->bhqk", transposes, sums). Labels
// that only one operand has and the output lacks are summed first; then
// the labels fall into four groups:
//   batch (both operands and the output), contracted (both operands, not
//   the output), and the free labels of either operand (one operand and
//   the output);
// each operand is transposed to [batch, free, contracted] (or [batch,
// contracted, free]) and flattened to 3-D (2-D without batch labels), one
// ingot.matmul multiplies them, and the result is reshaped and transposed
// to the output's order. Repeated labels in one term (diagonals), more than
// two operands and broadcasting between sizes other than equal ones are
// clear errors.
//
//===----------------------------------------------------------------------===//
#include "compiler/importer/ImportContext.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::importer;

namespace {

/// A dimension's label: a letter, or the k-th dimension an ellipsis covers
/// (counted from the right, as ellipsis dimensions broadcast).
using Label = int;
constexpr Label kEllipsisBase = 1000;

/// A tensor whose dimensions carry labels (and static sizes).
struct Labeled {
  Value value;
  SmallVector<Label> labels;
  SmallVector<int64_t> sizes;
};

/// One term of the equation: letters and at most one "...".
struct Term {
  SmallVector<Label> before, after; // letters around the ellipsis
  bool hasEllipsis = false;
};

} // namespace

static FailureOr<Term> parseTerm(NodeContext &nc, StringRef text) {
  Term term;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i).starts_with("...")) {
      if (term.hasEllipsis)
        return nc.error() << "a term has two ellipses: '" << text << "'";
      term.hasEllipsis = true;
      i += 2;
      continue;
    }
    if (!llvm::isAlpha(text[i]))
      return nc.error() << "unexpected character '" << text[i]
                        << "' in the equation";
    (term.hasEllipsis ? term.after : term.before).push_back(text[i]);
  }
  return term;
}

/// The term's labels for an operand of rank `rank`.
static FailureOr<SmallVector<Label>>
expandTerm(NodeContext &nc, const Term &term, int64_t rank) {
  int64_t letters = term.before.size() + term.after.size();
  int64_t covered = rank - letters;
  if (covered < 0 || (!term.hasEllipsis && covered != 0))
    return nc.error() << "a term has " << letters
                      << " labels for an operand of rank " << rank;
  SmallVector<Label> labels(term.before);
  for (int64_t k = covered - 1; k >= 0; --k)
    labels.push_back(kEllipsisBase + k);
  labels.append(term.after);
  for (size_t i = 0; i < labels.size(); ++i)
    if (llvm::is_contained(ArrayRef(labels).drop_front(i + 1), labels[i]))
      return nc.error() << "repeated labels in one term (diagonals) are not "
                           "supported";
  return labels;
}

/// `t` transposed so its labels come in `order` (a permutation of them).
static Labeled permute(OpSequence &s, NodeContext &nc, const Labeled &t,
                       ArrayRef<Label> order) {
  SmallVector<int64_t> perm;
  Labeled out;
  for (Label l : order) {
    int64_t i = llvm::find(t.labels, l) - t.labels.begin();
    perm.push_back(i);
    out.labels.push_back(l);
    out.sizes.push_back(t.sizes[i]);
  }
  out.value =
      llvm::equal(perm, llvm::seq<int64_t>(0, perm.size()))
          ? t.value
          : s.make<TransposeOp>({t.value}, {namedI64Array(nc.b, "perm", perm)});
  return out;
}

/// `t` with the dimensions of the labels `drop` summed away.
static Labeled sumAway(OpSequence &s, NodeContext &nc, const Labeled &t,
                       ArrayRef<Label> drop) {
  if (drop.empty())
    return t;
  SmallVector<int64_t> axes;
  Labeled out;
  for (size_t i = 0; i < t.labels.size(); ++i) {
    if (llvm::is_contained(drop, t.labels[i])) {
      axes.push_back(i);
      continue;
    }
    out.labels.push_back(t.labels[i]);
    out.sizes.push_back(t.sizes[i]);
  }
  out.value =
      s.make<ReduceSumOp>({t.value}, {namedI64Array(nc.b, "axes", axes),
                                      namedBool(nc.b, "keepdims", false)});
  return out;
}

static int64_t sizeOf(const Labeled &t, ArrayRef<Label> labels) {
  int64_t n = 1;
  for (Label l : labels)
    n *= t.sizes[llvm::find(t.labels, l) - t.labels.begin()];
  return n;
}

static Value reshapeTo(OpSequence &s, NodeContext &nc, Value v,
                       ArrayRef<int64_t> shape) {
  return s.make<ReshapeOp>({v, nc.constI64(shape)});
}

/// a x b over the contracted labels, keeping `batch`, then a's and b's free
/// labels (in this order).
static Labeled contract(OpSequence &s, NodeContext &nc, const Labeled &a,
                        const Labeled &b, ArrayRef<Label> batch,
                        ArrayRef<Label> freeA, ArrayRef<Label> freeB,
                        ArrayRef<Label> contracted) {
  auto concat = [](ArrayRef<Label> x, ArrayRef<Label> y, ArrayRef<Label> z) {
    SmallVector<Label> out(x);
    out.append(y.begin(), y.end());
    out.append(z.begin(), z.end());
    return out;
  };
  Labeled lhs = permute(s, nc, a, concat(batch, freeA, contracted));
  Labeled rhs = permute(s, nc, b, concat(batch, contracted, freeB));
  int64_t p = sizeOf(a, batch), m = sizeOf(a, freeA), k = sizeOf(a, contracted),
          n = sizeOf(b, freeB);
  SmallVector<int64_t> lead =
      batch.empty() ? SmallVector<int64_t>{} : SmallVector<int64_t>{p};
  auto with = [&](int64_t x, int64_t y) {
    SmallVector<int64_t> shape(lead);
    shape.append({x, y});
    return shape;
  };
  Value product = s.make<MatMulOp>({reshapeTo(s, nc, lhs.value, with(m, k)),
                                    reshapeTo(s, nc, rhs.value, with(k, n))});
  Labeled out;
  out.labels = concat(batch, freeA, freeB);
  for (Label l : out.labels)
    out.sizes.push_back(llvm::is_contained(a.labels, l) ? sizeOf(a, {l})
                                                        : sizeOf(b, {l}));
  out.value = reshapeTo(s, nc, product, out.sizes);
  return out;
}

static LogicalResult importEinsum(NodeContext &nc) {
  std::string equation = nc.getString("equation", "");
  llvm::erase(equation, ' ');
  StringRef eq(equation);
  auto [inputsText, outputText] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> termTexts;
  inputsText.split(termTexts, ',');
  if (nc.numInputs() != static_cast<int>(termTexts.size()))
    return nc.error() << "the equation has " << termTexts.size()
                      << " input terms for " << nc.numInputs() << " inputs";
  if (termTexts.size() > 2)
    return nc.error() << "only one or two operands are supported";

  SmallVector<Labeled> operands;
  int64_t ellipsisDims = 0;
  for (auto [i, text] : llvm::enumerate(termTexts)) {
    FailureOr<Value> v = nc.requiredInput(i);
    if (failed(v))
      return failure();
    auto type = dyn_cast<RankedTensorType>(v->getType());
    if (!type || !type.hasStaticShape())
      return nc.error() << "operands must have static shapes";
    FailureOr<Term> term = parseTerm(nc, text);
    if (failed(term))
      return failure();
    FailureOr<SmallVector<Label>> labels =
        expandTerm(nc, *term, type.getRank());
    if (failed(labels))
      return failure();
    ellipsisDims =
        std::max<int64_t>(ellipsisDims, type.getRank() - term->before.size() -
                                            term->after.size());
    operands.push_back({*v, *labels, SmallVector<int64_t>(type.getShape())});
  }
  // Labels shared by both operands must agree in size.
  if (operands.size() == 2)
    for (auto [l, size] : llvm::zip(operands[0].labels, operands[0].sizes))
      if (llvm::is_contained(operands[1].labels, l) &&
          sizeOf(operands[1], {l}) != size)
        return nc.error() << "a label has size " << size << " and "
                          << sizeOf(operands[1], {l})
                          << " (broadcasting between sizes is not supported)";

  // The output's labels: explicit, or (implicit) the ellipsis dimensions and
  // then the letters that appear once, in alphabetical order.
  SmallVector<Label> output;
  if (explicitOutput) {
    FailureOr<Term> term = parseTerm(nc, outputText);
    if (failed(term))
      return failure();
    if (!term->hasEllipsis)
      ellipsisDims = 0;
    FailureOr<SmallVector<Label>> labels = expandTerm(
        nc, *term, term->before.size() + term->after.size() + ellipsisDims);
    if (failed(labels))
      return failure();
    output = *labels;
  } else {
    for (int64_t k = ellipsisDims - 1; k >= 0; --k)
      output.push_back(kEllipsisBase + k);
    for (Label c = 'A'; c <= 'z'; ++c) {
      int count = 0;
      for (const Labeled &t : operands)
        count += llvm::count(t.labels, c);
      if (count == 1)
        output.push_back(c);
    }
  }
  for (Label l : output)
    if (llvm::none_of(operands, [&](const Labeled &t) {
          return llvm::is_contained(t.labels, l);
        }))
      return nc.error() << "an output label is in no input term";

  OpSequence s(nc);
  // Sum the labels that only one operand has and the output lacks.
  for (size_t i = 0; i < operands.size(); ++i) {
    SmallVector<Label> drop;
    for (Label l : operands[i].labels)
      if (!llvm::is_contained(output, l) &&
          (operands.size() == 1 ||
           !llvm::is_contained(operands[1 - i].labels, l)))
        drop.push_back(l);
    operands[i] = sumAway(s, nc, operands[i], drop);
  }
  Labeled result = operands[0];
  if (operands.size() == 2) {
    const Labeled &a = operands[0], &b = operands[1];
    SmallVector<Label> batch, freeA, freeB, contracted;
    for (Label l : output) {
      bool inA = llvm::is_contained(a.labels, l),
           inB = llvm::is_contained(b.labels, l);
      (inA && inB ? batch : inA ? freeA : freeB).push_back(l);
    }
    for (Label l : a.labels)
      if (!llvm::is_contained(output, l))
        contracted.push_back(l);
    result = contract(s, nc, a, b, batch, freeA, freeB, contracted);
  }
  Value y = permute(s, nc, result, output).value;
  if (s.failed())
    return failure();
  nc.outputs.assign({y});
  return success();
}

void importer::addEinsumHandlers(std::vector<HandlerEntry> &t) {
  t.push_back({"Einsum", importEinsum});
}
