//===- DimExpr.h - Tensor sizes as expressions of symbolic dims -----------===//
//
// A dimension of a dynamic-shape model is a polynomial in its symbolic
// dimensions (the N and W of `ingotc --dim N=1:32 --dim W=32:1024`) with
// integer coefficients: N, 4*W, N*S*12, W - 2. Floor and ceiling divisions
// by a constant that do not divide every term (a strided convolution's
// output, (W - 1) floordiv 2 + 1) are atoms of the polynomial, so equal
// sizes always have equal forms and compare with ==.
//
// Free of MLIR: the runtime will evaluate the same expressions (the shape
// function of a dynamic artifact), and the compiler prints them in
// diagnostics with the dims' names.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_DIMEXPR_H
#define INGOT_DIALECTS_INGOT_DIMEXPR_H

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::ingot {

class DimExpr {
public:
  DimExpr(int64_t constant = 0);
  /// Symbolic dimension number `id`.
  static DimExpr symbol(unsigned id);

  bool isConstant() const;
  /// The value of a constant expression.
  std::optional<int64_t> constant() const;
  /// The symbol number of an expression that is exactly one symbol.
  std::optional<unsigned> asSymbol() const;
  /// The symbols the expression mentions, ascending.
  std::vector<unsigned> symbols() const;

  friend DimExpr operator+(const DimExpr &a, const DimExpr &b);
  friend DimExpr operator-(const DimExpr &a, const DimExpr &b);
  friend DimExpr operator*(const DimExpr &a, const DimExpr &b);
  bool operator==(const DimExpr &other) const { return terms == other.terms; }
  bool operator!=(const DimExpr &other) const { return !(*this == other); }

  /// floor(this / d) and ceil(this / d) for d > 0 (sizes are never
  /// negative, so floor and truncation agree).
  DimExpr floorDiv(int64_t d) const;
  DimExpr ceilDiv(int64_t d) const;
  /// this / divisor where the division is exact for every value of the
  /// symbols: each term of this is a multiple of the divisor, which must be
  /// a single term (3*N, N*S). nullopt otherwise.
  std::optional<DimExpr> divideExactly(const DimExpr &divisor) const;
  /// The greatest common divisor of the coefficients (0 for 0).
  int64_t coefficientGcd() const;
  /// The expression with symbol `id` replaced by `with`.
  DimExpr substitute(unsigned id, const DimExpr &with) const;

  /// The value for the given symbol values (indexed by symbol number), or
  /// kOverflow where a product or sum leaves int64_t.
  int64_t evaluate(const std::vector<int64_t> &symbolValues) const;
  static constexpr int64_t kOverflow = INT64_MAX;
  /// Readable form with the symbols' names: "N * S * 12", "(W - 1) / 2 + 1".
  std::string str(const std::vector<std::string> &names) const;

  /// Appends the expression as a postfix program (the artifact's shape
  /// functions; manifest.proto's SizeProgram documents the codes): the
  /// runtime evaluates it without this class.
  void appendPostfix(std::vector<int64_t> &code) const;
  enum PostfixOp : int64_t {
    kPushConstant = 0, // followed by the value
    kPushDim = 1,      // followed by the symbol number
    kAdd = 2,
    kMultiply = 3,
    kFloorDivide = 4, // followed by the (positive) divisor
    // Conditions (SizeCondition), whose values are 0 or 1:
    kRemainder = 5, // followed by the (positive) divisor
    kLessEqual = 6,
    kAnd = 7,
    kOr = 8,
  };

private:
  struct Atom;
  // A monomial: atom key -> power. Atom keys describe the atom completely
  // ("s0", "fd(<expr key>,2)"), so maps of them compare structurally.
  using Monomial = std::map<std::string, unsigned>;
  static DimExpr ofAtom(std::shared_ptr<const Atom> atom);
  std::string key() const;

  std::map<Monomial, int64_t> terms; // monomial -> nonzero coefficient
  std::map<std::string, std::shared_ptr<const Atom>> atoms;
};

DimExpr operator+(const DimExpr &a, const DimExpr &b);
DimExpr operator-(const DimExpr &a, const DimExpr &b);
DimExpr operator*(const DimExpr &a, const DimExpr &b);

/// Where a symbolic dimension may range: MIN <= value <= MAX, OPT the size
/// to tune for.
struct DimRange {
  int64_t min = 1, max = 1, opt = 1;
};

/// The smallest and largest value of `e` over the box of `ranges` (by
/// symbol number), taken at its corners: exact for the expressions shape
/// inference builds, which are monotone in each symbol.
std::pair<int64_t, int64_t> bounds(const DimExpr &e,
                                   const std::vector<DimRange> &ranges);

/// A condition on sizes that picks a kernel's version per call
/// (speculation): any of its clauses holds, where a clause is all of its
/// atoms (`size <= value`, `size >= value`, `size % value == 0`). No
/// clauses: always.
struct SizeCondition {
  struct Atom {
    enum Kind { AtMost, AtLeast, MultipleOf };
    DimExpr size;
    Kind kind;
    int64_t value;
  };
  std::vector<std::vector<Atom>> clauses;

  bool always() const { return clauses.empty(); }
  /// Drops the atoms that hold over all of `ranges` and the clauses with
  /// one that never does (a condition that never holds keeps one clause).
  void simplify(const std::vector<DimRange> &ranges);
  /// Its postfix program (DimExpr::PostfixOp), evaluating to 1 or 0.
  void appendPostfix(std::vector<int64_t> &code) const;
  /// "N * 3 % 4 == 0", "(S <= 256 && N >= 256) || ...".
  std::string str(const std::vector<std::string> &names) const;
};

} // namespace mlir::ingot

#endif
