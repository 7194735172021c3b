//===- DimExpr.cpp - Tensor sizes as expressions of symbolic dims ---------===//
#include "dialects/ingot/DimExpr.h"

#include <algorithm>
#include <numeric>

using namespace mlir::ingot;

// An atom is a symbol or floor(lhs / divisor) of a polynomial whose
// coefficients are all in [0, divisor) (the rest is pulled out first), so
// one quotient has one form.
struct DimExpr::Atom {
  bool isSymbol = true;
  unsigned symbol = 0;
  DimExpr lhs;
  int64_t divisor = 1;
  std::string key;
};

static int64_t floorDivide(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

DimExpr::DimExpr(int64_t constant) {
  if (constant != 0)
    terms[{}] = constant;
}

DimExpr DimExpr::ofAtom(std::shared_ptr<const Atom> atom) {
  DimExpr e;
  e.terms[{{atom->key, 1}}] = 1;
  e.atoms[atom->key] = std::move(atom);
  return e;
}

DimExpr DimExpr::symbol(unsigned id) {
  auto atom = std::make_shared<Atom>();
  atom->symbol = id;
  atom->key = "s" + std::to_string(id);
  return ofAtom(std::move(atom));
}

bool DimExpr::isConstant() const {
  return terms.empty() || (terms.size() == 1 && terms.begin()->first.empty());
}

std::optional<int64_t> DimExpr::constant() const {
  if (!isConstant())
    return std::nullopt;
  return terms.empty() ? 0 : terms.begin()->second;
}

std::optional<unsigned> DimExpr::asSymbol() const {
  if (terms.size() != 1 || terms.begin()->second != 1)
    return std::nullopt;
  const Monomial &m = terms.begin()->first;
  if (m.size() != 1 || m.begin()->second != 1)
    return std::nullopt;
  const Atom &atom = *atoms.at(m.begin()->first);
  if (!atom.isSymbol)
    return std::nullopt;
  return atom.symbol;
}

std::vector<unsigned> DimExpr::symbols() const {
  std::vector<unsigned> out;
  for (const auto &[m, c] : terms)
    for (const auto &[key, power] : m) {
      const Atom &atom = *atoms.at(key);
      std::vector<unsigned> inner = atom.isSymbol
                                        ? std::vector<unsigned>{atom.symbol}
                                        : atom.lhs.symbols();
      out.insert(out.end(), inner.begin(), inner.end());
    }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

DimExpr mlir::ingot::operator+(const DimExpr &a, const DimExpr &b) {
  DimExpr out = a;
  for (const auto &[m, c] : b.terms) {
    int64_t &sum = out.terms[m];
    sum += c;
    if (sum == 0)
      out.terms.erase(m);
  }
  out.atoms.insert(b.atoms.begin(), b.atoms.end());
  return out;
}

DimExpr mlir::ingot::operator-(const DimExpr &a, const DimExpr &b) {
  return a + DimExpr(-1) * b;
}

DimExpr mlir::ingot::operator*(const DimExpr &a, const DimExpr &b) {
  DimExpr out;
  for (const auto &[ma, ca] : a.terms)
    for (const auto &[mb, cb] : b.terms) {
      DimExpr::Monomial m = ma;
      for (const auto &[atom, power] : mb)
        m[atom] += power;
      int64_t &sum = out.terms[m];
      sum += ca * cb;
      if (sum == 0)
        out.terms.erase(m);
    }
  out.atoms.insert(a.atoms.begin(), a.atoms.end());
  out.atoms.insert(b.atoms.begin(), b.atoms.end());
  return out;
}

int64_t DimExpr::coefficientGcd() const {
  int64_t g = 0;
  for (const auto &[m, c] : terms)
    g = std::gcd(g, c < 0 ? -c : c);
  return g;
}

DimExpr DimExpr::floorDiv(int64_t d) const {
  if (d == 1)
    return *this;
  // floor(g*A / g*b) = floor(A / b): 8 * W / 32 is W / 4.
  if (int64_t g = std::gcd(coefficientGcd(), d); g > 1)
    return divideExactly(DimExpr(g))->floorDiv(d / g);
  // floor((d*Q + R) / d) = Q + floor(R / d) for integer Q: each coefficient
  // splits into a multiple of d and a remainder in [0, d).
  DimExpr quotient, remainder;
  for (const auto &[m, c] : terms) {
    int64_t q = floorDivide(c, d), r = c - q * d;
    if (q != 0)
      quotient.terms[m] = q;
    if (r != 0)
      remainder.terms[m] = r;
  }
  quotient.atoms = atoms;
  remainder.atoms = atoms;
  if (remainder.isConstant()) // 0 <= R < d
    return quotient;
  // Keep only the atoms each part uses, so equal forms compare equal.
  auto prune = [](DimExpr &e) {
    std::map<std::string, std::shared_ptr<const Atom>> used;
    for (const auto &[m, c] : e.terms)
      for (const auto &[key, power] : m)
        used[key] = e.atoms.at(key);
    e.atoms = std::move(used);
  };
  prune(quotient);
  prune(remainder);
  // floor((floor(L / a) + r) / d) = floor((L + a * r) / (a * d)), so
  // ((H + 1) / 2 + 1) / 2 is (H + 3) / 4: a chain of strided layers ends
  // in one quotient.
  int64_t r = remainder.terms.count({}) ? remainder.terms.at({}) : 0;
  if (remainder.terms.size() == (r ? 2u : 1u)) {
    const auto &[m, c] = *remainder.terms.rbegin();
    if (c == 1 && m.size() == 1 && m.begin()->second == 1) {
      const Atom &inner = *remainder.atoms.at(m.begin()->first);
      if (!inner.isSymbol)
        return quotient + (inner.lhs + DimExpr(inner.divisor * r))
                              .floorDiv(inner.divisor * d);
    }
  }
  auto atom = std::make_shared<Atom>();
  atom->isSymbol = false;
  atom->lhs = remainder;
  atom->divisor = d;
  atom->key = "fd(" + remainder.key() + "," + std::to_string(d) + ")";
  return quotient + ofAtom(std::move(atom));
}

DimExpr DimExpr::ceilDiv(int64_t d) const {
  return (*this + DimExpr(d - 1)).floorDiv(d);
}

std::optional<DimExpr> DimExpr::divideExactly(const DimExpr &divisor) const {
  if (divisor.terms.size() != 1)
    return std::nullopt;
  const auto &[dm, dc] = *divisor.terms.begin();
  DimExpr out;
  for (const auto &[m, c] : terms) {
    if (c % dc != 0)
      return std::nullopt;
    Monomial rest = m;
    for (const auto &[atom, power] : dm) {
      auto it = rest.find(atom);
      if (it == rest.end() || it->second < power)
        return std::nullopt;
      if ((it->second -= power) == 0)
        rest.erase(it);
    }
    out.terms[rest] = c / dc;
  }
  for (const auto &[m, c] : out.terms)
    for (const auto &[key, power] : m)
      out.atoms[key] = atoms.at(key);
  return out;
}

DimExpr DimExpr::substitute(unsigned id, const DimExpr &with) const {
  DimExpr out;
  for (const auto &[m, c] : terms) {
    DimExpr term(c);
    for (const auto &[key, power] : m) {
      const Atom &atom = *atoms.at(key);
      DimExpr factor =
          atom.isSymbol ? (atom.symbol == id ? with : symbol(atom.symbol))
                        : atom.lhs.substitute(id, with).floorDiv(atom.divisor);
      for (unsigned p = 0; p < power; ++p)
        term = term * factor;
    }
    out = out + term;
  }
  return out;
}

int64_t DimExpr::evaluate(const std::vector<int64_t> &symbolValues) const {
  // Checked arithmetic: a crafted range must not wrap around to a small
  // size. Anything that overflows is INT64_MAX (kOverflow).
  int64_t sum = 0;
  for (const auto &[m, c] : terms) {
    int64_t term = c;
    for (const auto &[key, power] : m) {
      const Atom &atom = *atoms.at(key);
      int64_t v = symbolValues.at(atom.symbol);
      if (!atom.isSymbol) {
        v = atom.lhs.evaluate(symbolValues);
        if (v == kOverflow)
          return kOverflow;
        v = floorDivide(v, atom.divisor);
      }
      for (unsigned p = 0; p < power; ++p)
        if (__builtin_mul_overflow(term, v, &term))
          return kOverflow;
    }
    if (__builtin_add_overflow(sum, term, &sum))
      return kOverflow;
  }
  return sum;
}

std::string DimExpr::key() const {
  std::string k;
  for (const auto &[m, c] : terms) {
    k += std::to_string(c);
    for (const auto &[atom, power] : m)
      k += "*" + atom + "^" + std::to_string(power);
    k += ";";
  }
  return k;
}

std::string DimExpr::str(const std::vector<std::string> &names) const {
  if (terms.empty())
    return "0";
  // Terms with symbols first (in key order), the constant last.
  std::string out;
  auto emit = [&](const Monomial &m, int64_t c) {
    // A quotient multiplied by anything is parenthesized: 2 * ((H + 31) /
    // 32), not 2 * (H + 31) / 32.
    bool product =
        !m.empty() && (m.size() > 1 || m.begin()->second > 1 || c != 1);
    std::string factors;
    for (const auto &[key, power] : m) {
      const Atom &atom = *atoms.at(key);
      std::string f;
      if (atom.isSymbol) {
        f = atom.symbol < names.size() ? names[atom.symbol]
                                       : "s" + std::to_string(atom.symbol);
      } else {
        std::string lhs = atom.lhs.str(names);
        f = (atom.lhs.terms.size() > 1 ? "(" + lhs + ")" : lhs) + " / " +
            std::to_string(atom.divisor);
        if (product)
          f = "(" + f + ")";
      }
      for (unsigned p = 0; p < power; ++p)
        factors += (factors.empty() ? "" : " * ") + f;
    }
    int64_t magnitude = c < 0 ? -c : c;
    std::string term = factors.empty() ? std::to_string(magnitude)
                       : magnitude == 1
                           ? factors
                           : std::to_string(magnitude) + " * " + factors;
    if (out.empty())
      out = (c < 0 ? "-" : "") + term;
    else
      out += (c < 0 ? " - " : " + ") + term;
  };
  for (const auto &[m, c] : terms)
    if (!m.empty())
      emit(m, c);
  auto constant = terms.find({});
  if (constant != terms.end())
    emit(constant->first, constant->second);
  return out;
}

void DimExpr::appendPostfix(std::vector<int64_t> &code) const {
  if (terms.empty()) {
    code.insert(code.end(), {kPushConstant, 0});
    return;
  }
  bool first = true;
  for (const auto &[m, c] : terms) {
    code.insert(code.end(), {kPushConstant, c});
    for (const auto &[key, power] : m) {
      const Atom &atom = *atoms.at(key);
      for (unsigned p = 0; p < power; ++p) {
        if (atom.isSymbol) {
          code.insert(code.end(), {kPushDim, int64_t(atom.symbol)});
        } else {
          atom.lhs.appendPostfix(code);
          code.insert(code.end(), {kFloorDivide, atom.divisor});
        }
        code.push_back(kMultiply);
      }
    }
    if (!first)
      code.push_back(kAdd);
    first = false;
  }
}

void SizeCondition::appendPostfix(std::vector<int64_t> &code) const {
  using E = DimExpr;
  for (size_t c = 0; c < clauses.size(); ++c) {
    for (size_t a = 0; a < clauses[c].size(); ++a) {
      const Atom &atom = clauses[c][a];
      switch (atom.kind) {
      case Atom::AtMost: // size <= value
        atom.size.appendPostfix(code);
        code.insert(code.end(), {E::kPushConstant, atom.value, E::kLessEqual});
        break;
      case Atom::AtLeast: // value <= size
        code.insert(code.end(), {E::kPushConstant, atom.value});
        atom.size.appendPostfix(code);
        code.push_back(E::kLessEqual);
        break;
      case Atom::MultipleOf: // size % value <= 0
        atom.size.appendPostfix(code);
        code.insert(code.end(), {E::kRemainder, atom.value, E::kPushConstant, 0,
                                 E::kLessEqual});
        break;
      }
      if (a)
        code.push_back(E::kAnd);
    }
    if (c)
      code.push_back(E::kOr);
  }
}

void SizeCondition::simplify(const std::vector<DimRange> &ranges) {
  std::vector<std::vector<Atom>> kept;
  std::optional<Atom> impossible; // an atom that never holds
  for (const std::vector<Atom> &clause : clauses) {
    std::vector<Atom> atoms;
    bool never = false;
    for (const Atom &atom : clause) {
      auto [lo, hi] = bounds(atom.size, ranges);
      std::optional<int64_t> c = atom.size.constant();
      bool always = atom.kind == Atom::AtMost    ? hi <= atom.value
                    : atom.kind == Atom::AtLeast ? lo >= atom.value
                                                 : c && *c % atom.value == 0;
      bool fails = atom.kind == Atom::AtMost    ? lo > atom.value
                   : atom.kind == Atom::AtLeast ? hi < atom.value
                                                : c && *c % atom.value != 0;
      if (fails && !impossible)
        impossible = atom;
      never |= fails;
      if (!always)
        atoms.push_back(atom);
    }
    if (never)
      continue;
    if (atoms.empty()) { // this clause always holds
      clauses.clear();
      return;
    }
    kept.push_back(std::move(atoms));
  }
  if (kept.empty() && impossible) // never: keep one atom that fails
    kept.push_back({*impossible});
  clauses = std::move(kept);
}

std::string SizeCondition::str(const std::vector<std::string> &names) const {
  std::string out;
  for (const std::vector<Atom> &clause : clauses) {
    std::string text;
    for (const Atom &atom : clause) {
      std::string size = atom.size.str(names),
                  value = std::to_string(atom.value);
      text += std::string(text.empty() ? "" : " && ") +
              (atom.kind == Atom::AtMost    ? size + " <= " + value
               : atom.kind == Atom::AtLeast ? size + " >= " + value
               : size.find(' ') == std::string::npos
                   ? size + " % " + value + " == 0"
                   : "(" + size + ") % " + value + " == 0");
    }
    if (clauses.size() > 1 && clause.size() > 1)
      text = "(" + text + ")";
    out += (out.empty() ? "" : " || ") + text;
  }
  return out.empty() ? "always" : out;
}

std::pair<int64_t, int64_t>
mlir::ingot::bounds(const DimExpr &e, const std::vector<DimRange> &ranges) {
  std::vector<unsigned> used = e.symbols();
  std::vector<int64_t> values(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i)
    values[i] = ranges[i].min;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  // 2^k corners; k is the number of distinct dims in one size (a handful).
  size_t corners = used.size() > 12 ? 2 : size_t(1) << used.size();
  for (size_t corner = 0; corner < corners; ++corner) {
    for (size_t i = 0; i < used.size(); ++i) {
      bool high = used.size() > 12 ? corner == 1 : (corner >> i) & 1;
      values[used[i]] = high ? ranges[used[i]].max : ranges[used[i]].min;
    }
    int64_t v = e.evaluate(values);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return {lo, hi};
}
