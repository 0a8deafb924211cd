"""z3 as a second opinion and a counterexample finder for one-step lemmas (never the judge of "proved").

A lemma (``proofs.certificate.Lemma``) claims, for all reals,

    h >= 0 (each hypothesis), e == 0 (each equality), p > 0 (each positive atom), q >= 0 (each nonnegative
    atom)   ==>   goal >= 0   (goal > 0 when ``strict``),

where the goal has its ``definitions`` substituted (in order, as the kernel's ``split_cases`` does). z3 is
asked whether the negation  hyps and eqs and pos and nonneg and not(goal >= 0)  is satisfiable over the
reals:

* ``unsat``   -> status "proved" *for the z3 backend only* (z3 gives no checkable certificate; only the
  kernel decides the overall "proved");
* ``sat``     -> the model is turned into exact rationals (algebraic values are approximated to 30
  digits) and re-checked exactly by ``recheck_counterexample``; if the exact check passes the status is
  "refuted" with the point as counterexample, otherwise "unknown" (the reason says why);
* ``unknown`` (time limit, incompleteness) -> "unknown", never "proved".

Encoding: every symbol is a z3 Real; Min/Max become If, Piecewise a nested If (a Piecewise without a
``True`` branch gets a fresh unconstrained value outside its branches, so z3 must prove the claim for every
value there: only sound answers, at worst "unknown"); ``a/b`` is z3 division, which leaves ``a/0``
unspecified: a z3 "unsat" then holds for every value of ``a/0``, and a model that relies on a division by
zero fails the exact re-check (and gives "unknown"). Only the lemma's own hypotheses are asserted
(THEORY.md section 10: extra nonlinear atoms make z3's time erratic).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Mapping

import sympy as sp
import z3

from proofs.certificate import Lemma
from theory.conditions import REALIZABILITY

__all__ = ["Z3Result", "z3_prove", "z3_find_violation", "recheck_counterexample", "substituted_goal",
           "exact_value", "to_z3", "with_realizability", "UnsupportedExpression"]

APPROX_DIGITS = 30


class UnsupportedExpression(ValueError):
    """The expression uses a construct the translator does not support (non-integer power, function, ...)."""


@dataclass(frozen=True)
class Z3Result:
    """z3's answer on a lemma.

    status         -- "proved" (negation unsat), "refuted" (exactly re-checked counterexample) or "unknown"
    counterexample -- symbol name -> exact rational as a string ("p/q", or "p" when q = 1; parse it with
                      ``fractions.Fraction`` or ``sympy.Rational``); only with "refuted". Defined symbols
                      (e.g. ``step``) are included with their value computed from the definition.
    reason         -- "unsat", "timeout after 2000 ms", "model re-checked exactly", ...
    seconds        -- wall-clock time of the whole call (translation, solving, re-check)
    """

    status: str
    counterexample: dict[str, str] | None
    reason: str
    seconds: float


# --------------------------------------------------------------------------------------------------
# definitions


def substituted_goal(lemma: Lemma) -> sp.Expr:
    """The goal with every definition substituted, in order (a later definition may use earlier ones),
    exactly as ``proofs.kernel.split_cases`` substitutes them branch by branch."""
    goal = sp.sympify(lemma.goal)
    defs = list(lemma.definitions)
    for i, (name, expr) in enumerate(defs):
        expr = sp.sympify(expr)
        goal = goal.xreplace({name: expr})
        defs[i + 1:] = [(t, sp.sympify(e).xreplace({name: expr})) for t, e in defs[i + 1:]]
    return goal


def _definition_values(lemma: Lemma) -> list[tuple[sp.Symbol, sp.Expr]]:
    """Each defined symbol with its expression in the free symbols only (earlier definitions substituted)."""
    out: list[tuple[sp.Symbol, sp.Expr]] = []
    for name, expr in lemma.definitions:
        expr = sp.sympify(expr)
        for prev, value in out:
            expr = expr.xreplace({prev: value})
        out.append((name, expr))
    return out


# --------------------------------------------------------------------------------------------------
# exact evaluation (the re-check)


def exact_value(e: sp.Basic, env: Mapping[sp.Symbol, Fraction]) -> Fraction | bool:
    """The exact value of ``e`` at the rational point ``env``.

    Add, Mul, integer Pow, Rational, Min, Max, Piecewise (only the selected branch is evaluated, in order),
    relations and And/Or/Not/ITE/Implies/Equivalent/Xor. Raises ZeroDivisionError on a division by zero
    that is actually evaluated, KeyError for a symbol without a value and UnsupportedExpression for anything
    else."""
    if isinstance(e, sp.Symbol):
        return env[e]
    if e is sp.true or e is sp.false:
        return bool(e)
    if isinstance(e, sp.Rational):
        return Fraction(int(e.p), int(e.q))
    if isinstance(e, sp.Add):
        return sum((exact_value(a, env) for a in e.args), Fraction(0))
    if isinstance(e, sp.Mul):
        out = Fraction(1)
        for a in e.args:
            out *= exact_value(a, env)
        return out
    if isinstance(e, sp.Pow):
        if not e.exp.is_Integer:
            raise UnsupportedExpression(f"non-integer power {e}")
        base, n = exact_value(e.base, env), int(e.exp)
        if n < 0:
            if base == 0:
                raise ZeroDivisionError(f"{e.base} = 0 in {e}")
            return (1 / base) ** (-n)
        return base ** n
    if isinstance(e, (sp.Min, sp.Max)):
        vals = [exact_value(a, env) for a in e.args]
        return min(vals) if isinstance(e, sp.Min) else max(vals)
    if isinstance(e, sp.Piecewise):
        for value, cond in e.args:
            if exact_value(cond, env):
                return exact_value(value, env)
        raise UnsupportedExpression(f"no branch of {e} holds at this point")
    rel = {sp.Eq: lambda a, b: a == b, sp.Ne: lambda a, b: a != b, sp.Lt: lambda a, b: a < b,
           sp.Le: lambda a, b: a <= b, sp.Gt: lambda a, b: a > b, sp.Ge: lambda a, b: a >= b}
    for cls, op in rel.items():
        if isinstance(e, cls):
            return op(exact_value(e.lhs, env), exact_value(e.rhs, env))
    if isinstance(e, sp.And):
        return all(exact_value(a, env) for a in e.args)
    if isinstance(e, sp.Or):
        return any(exact_value(a, env) for a in e.args)
    if isinstance(e, sp.Not):
        return not exact_value(e.args[0], env)
    if isinstance(e, sp.ITE):
        return exact_value(e.args[1] if exact_value(e.args[0], env) else e.args[2], env)
    if isinstance(e, sp.Implies):
        return (not exact_value(e.args[0], env)) or bool(exact_value(e.args[1], env))
    if isinstance(e, sp.Equivalent):
        return len({bool(exact_value(a, env)) for a in e.args}) == 1
    if isinstance(e, sp.Xor):
        return sum(bool(exact_value(a, env)) for a in e.args) % 2 == 1
    raise UnsupportedExpression(f"cannot evaluate {e} ({type(e).__name__}) exactly")


def recheck_counterexample(lemma: Lemma, values: Mapping[sp.Symbol, sp.Rational | Fraction | int]) -> bool:
    """True iff ``values`` (exact rationals) is a counterexample to ``lemma``, decided exactly:
    every hypothesis >= 0, every equality == 0, every positive atom > 0, every nonnegative atom >= 0, and the
    goal (definitions substituted, Min/Max/Piecewise evaluated exactly, only the selected branch) < 0
    (<= 0 when the lemma is strict). Values given for defined symbols are ignored for the goal (the
    definition decides). A missing value, a division by zero or an unsupported construct gives False."""
    env = {s: Fraction(int(sp.Rational(v).p), int(sp.Rational(v).q)) if not isinstance(v, Fraction) else v
           for s, v in values.items()}
    try:
        for _, h in lemma.hypotheses:
            if not exact_value(sp.sympify(h), env) >= 0:
                return False
        for _, e in lemma.equalities:
            if exact_value(sp.sympify(e), env) != 0:
                return False
        if not all(exact_value(sp.sympify(p), env) > 0 for p in lemma.positive):
            return False
        if not all(exact_value(sp.sympify(q), env) >= 0 for q in lemma.nonnegative):
            return False
        goal = exact_value(substituted_goal(lemma), env)
    except (KeyError, ZeroDivisionError, UnsupportedExpression):
        return False
    return goal <= 0 if lemma.strict else goal < 0


# --------------------------------------------------------------------------------------------------
# translation to z3


class _Translator:
    """SymPy -> z3 over the reals; ``variables`` maps each SymPy symbol met to its z3 Real."""

    def __init__(self) -> None:
        self.variables: dict[sp.Symbol, z3.ArithRef] = {}
        self._fresh = 0
        self._cache: dict[sp.Basic, z3.ExprRef] = {}

    def var(self, s: sp.Symbol) -> z3.ArithRef:
        if s not in self.variables:
            self.variables[s] = z3.Real(s.name)
        return self.variables[s]

    def __call__(self, e: sp.Basic) -> z3.ExprRef:
        if e not in self._cache:
            self._cache[e] = self._translate(e)
        return self._cache[e]

    def _translate(self, e: sp.Basic) -> z3.ExprRef:
        if isinstance(e, sp.Symbol):
            return self.var(e)
        if e is sp.true or e is sp.false:
            return z3.BoolVal(bool(e))
        if isinstance(e, sp.Float):
            raise UnsupportedExpression(f"floating-point number {e}: use exact rationals")
        if isinstance(e, sp.Rational):
            return z3.RealVal(f"{e.p}/{e.q}")
        if isinstance(e, sp.Add):
            return z3.Sum([self(a) for a in e.args])
        if isinstance(e, sp.Mul):
            return z3.Product([self(a) for a in e.args])
        if isinstance(e, sp.Pow):
            if not e.exp.is_Integer:
                raise UnsupportedExpression(f"non-integer power {e}")
            n, base = int(e.exp), self(e.base)
            power = z3.Product([base] * abs(n)) if n != 0 else z3.RealVal(1)
            return power if n >= 0 else 1 / power
        if isinstance(e, (sp.Min, sp.Max)):
            args = [self(a) for a in e.args]
            out = args[0]
            for a in args[1:]:
                out = z3.If(a <= out, a, out) if isinstance(e, sp.Min) else z3.If(a >= out, a, out)
            return out
        if isinstance(e, sp.Piecewise):
            pairs = list(e.args)
            if pairs[-1][1] is sp.true:
                out = self(pairs[-1][0])
                pairs = pairs[:-1]
            else:
                self._fresh += 1
                out = z3.Real(f"__outside_piecewise_{self._fresh}")
            for value, cond in reversed(pairs):
                out = z3.If(self(cond), self(value), out)
            return out
        rel = {sp.Eq: lambda a, b: a == b, sp.Ne: lambda a, b: a != b, sp.Lt: lambda a, b: a < b,
               sp.Le: lambda a, b: a <= b, sp.Gt: lambda a, b: a > b, sp.Ge: lambda a, b: a >= b}
        for cls, op in rel.items():
            if isinstance(e, cls):
                return op(self(e.lhs), self(e.rhs))
        if isinstance(e, sp.And):
            return z3.And([self(a) for a in e.args])
        if isinstance(e, sp.Or):
            return z3.Or([self(a) for a in e.args])
        if isinstance(e, sp.Not):
            return z3.Not(self(e.args[0]))
        if isinstance(e, sp.ITE):
            return z3.If(self(e.args[0]), self(e.args[1]), self(e.args[2]))
        if isinstance(e, sp.Implies):
            return z3.Implies(self(e.args[0]), self(e.args[1]))
        if isinstance(e, sp.Equivalent):
            args = [self(a) for a in e.args]
            return z3.And([a == args[0] for a in args[1:]])
        if isinstance(e, sp.Xor):
            return z3.Xor(*[self(a) for a in e.args]) if len(e.args) == 2 else \
                z3.Sum([z3.If(self(a), 1, 0) for a in e.args]) % 2 == 1
        raise UnsupportedExpression(f"cannot translate {e} ({type(e).__name__}) to z3")


def to_z3(e: sp.Basic, variables: dict[sp.Symbol, z3.ArithRef] | None = None) -> z3.ExprRef:
    """Translate one SymPy expression or relation to z3 (symbols become z3 Reals of the same name)."""
    tr = _Translator()
    if variables is not None:
        tr.variables = variables
    return tr(sp.sympify(e))


# --------------------------------------------------------------------------------------------------
# the solver call


def _to_fraction(v: z3.ExprRef) -> Fraction | None:
    """An exact rational for a z3 model value (algebraic numbers: a 30-digit rational approximation)."""
    if z3.is_rational_value(v):
        num, den = v.as_fraction().numerator, v.as_fraction().denominator
        return Fraction(num, den)
    if z3.is_algebraic_value(v):
        return _to_fraction(v.approx(APPROX_DIGITS))
    if z3.is_int_value(v):
        return Fraction(v.as_long())
    return None


def _fmt(q: Fraction) -> str:
    return str(q)


def z3_prove(lemma: Lemma, timeout_ms: int = 5000) -> Z3Result:
    """Ask z3 to refute the negation of ``lemma`` within ``timeout_ms`` milliseconds (see the module doc)."""
    t0 = time.perf_counter()

    def done(status: str, reason: str, cex: dict[str, str] | None = None) -> Z3Result:
        return Z3Result(status, cex, reason, time.perf_counter() - t0)

    if timeout_ms <= 0:
        raise ValueError(f"timeout_ms must be positive, got {timeout_ms}")
    tr = _Translator()
    try:
        constraints = [tr(sp.sympify(h)) >= 0 for _, h in lemma.hypotheses]
        constraints += [tr(sp.sympify(e)) == 0 for _, e in lemma.equalities]
        constraints += [tr(sp.sympify(p)) > 0 for p in lemma.positive]
        constraints += [tr(sp.sympify(q)) >= 0 for q in lemma.nonnegative]
        goal = tr(substituted_goal(lemma))
    except UnsupportedExpression as exc:
        return done("unknown", f"not translatable to z3: {exc}")
    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    solver.add(*constraints)
    solver.add(z3.Not(goal > 0) if lemma.strict else z3.Not(goal >= 0))
    answer = solver.check()
    if answer == z3.unsat:
        return done("proved", "unsat")
    if answer == z3.unknown:
        why = solver.reason_unknown()
        if why in ("timeout", "canceled") or "timeout" in why:
            return done("unknown", f"timeout after {timeout_ms} ms")
        return done("unknown", f"z3 answered unknown: {why}")
    model = solver.model()
    point: dict[sp.Symbol, Fraction] = {}
    inexact = []
    for s, v in tr.variables.items():
        value = model.eval(v, model_completion=True)
        q = _to_fraction(value)
        if q is None:
            return done("unknown", f"z3 model value {value} for {s} is not a number")
        if not z3.is_rational_value(value):
            inexact.append(s.name)
        point[s] = q
    if not recheck_counterexample(lemma, point):
        what = (f"algebraic values for {', '.join(sorted(inexact))} rounded to {APPROX_DIGITS} digits"
                if inexact else "the exact rational model")
        return done("unknown", f"z3 found a model but {what} fails the exact re-check")
    cex = {s.name: _fmt(q) for s, q in sorted(point.items(), key=lambda kv: kv[0].name)}
    for name, expr in _definition_values(lemma):
        if name not in point:
            try:
                cex[name.name] = _fmt(exact_value(expr, point))
            except (KeyError, ZeroDivisionError, UnsupportedExpression):
                pass
    reason = "model re-checked exactly" + (f" (algebraic values of {', '.join(sorted(inexact))} rounded)"
                                           if inexact else "")
    return done("refuted", reason, cex)


def with_realizability(lemma: Lemma) -> Lemma:
    """``lemma`` plus every realizability hypothesis (THEORY.md section 4: d2 >= 0, g2 >= 0,
    gd^2 <= d2 g2, f >= f_star, f_p >= f_star) that it lacks and whose symbols it uses."""
    symbols = lemma.symbols()
    present = {sp.sympify(h) for _, h in lemma.hypotheses}
    extra = tuple((h.name, h.expr) for h in REALIZABILITY
                  if h.expr not in present and h.expr.free_symbols <= symbols)
    return replace(lemma, hypotheses=lemma.hypotheses + extra)


def z3_find_violation(lemma: Lemma, timeout_ms: int = 5000, realizable: bool = False) -> Z3Result:
    """The same call as ``z3_prove``, named for its use as a counterexample finder. With ``realizable``
    the search also imposes the realizability hypotheses the lemma lacks (``with_realizability``), so a
    counterexample is a point that vectors and a function could produce (re-checked against them too).
    Slower: the Cauchy-Schwarz atom can cost z3 seconds (THEORY.md section 10)."""
    return z3_prove(with_realizability(lemma) if realizable else lemma, timeout_ms)
