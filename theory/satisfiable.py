"""Is a conjunction of parameter conditions satisfiable over the reals? (z3, short time limit.)

Used by claim files to reject conditions that can never hold. The answer is one-sided on purpose:
``conjunction_unsatisfiable`` returns True only when z3 proves that no real values satisfy the
conjunction; a timeout, "unknown", or an expression z3 cannot take returns False (accept).

The translation keeps that one-sidedness sound, i.e. every real solution of the original is a
solution of the translation, so "unsat" of the translation implies "unsat" of the original:
- + - * and integer powers are exact; a / b is z3 division (z3 leaves a/0 unspecified, which only
  adds solutions);
- min, max, abs become if-then-else terms (exact);
- sqrt(t) (and t^(p/2)) becomes a fresh s with s >= 0, s*s = t: the real square root where it is
  defined (t >= 0); for t < 0 the square root is undefined, so such points are not real solutions;
- log(t) becomes a fresh unconstrained real (an over-approximation).
"""
from __future__ import annotations

from typing import Iterable

import sympy as sp

__all__ = ["conjunction_unsatisfiable", "TIMEOUT_MS"]

TIMEOUT_MS = 2000
_MAX_POWER = 128


class _Unsupported(Exception):
    pass


class _Translator:
    def __init__(self, z3) -> None:
        self.z3 = z3
        self.side: list = []
        self.fresh = 0

    def _new(self, kind: str):
        self.fresh += 1
        return self.z3.Real(f"__{kind}{self.fresh}")

    def _power(self, base, n: int):
        if n == 0:
            return self.z3.RealVal(1)
        if abs(n) > _MAX_POWER:
            raise _Unsupported
        out = base
        for _ in range(abs(n) - 1):
            out = out * base
        return out if n > 0 else 1 / out

    def term(self, e: sp.Basic):
        z3 = self.z3
        if isinstance(e, sp.Symbol):
            return z3.Real(e.name)
        if isinstance(e, sp.Rational):
            return z3.RatVal(int(e.p), int(e.q))
        if isinstance(e, sp.Add):
            return z3.Sum([self.term(a) for a in e.args])
        if isinstance(e, sp.Mul):
            return z3.Product([self.term(a) for a in e.args])
        if isinstance(e, sp.Pow) and isinstance(e.exp, sp.Rational):
            base = self.term(e.base)
            if e.exp.q == 1:
                return self._power(base, int(e.exp.p))
            if e.exp.q == 2:
                root = self._new("sqrt")
                self.side += [root >= 0, root * root == base]
                return self._power(root, int(e.exp.p))
            raise _Unsupported
        if isinstance(e, (sp.Min, sp.Max)):
            args = [self.term(a) for a in e.args]
            out = args[0]
            for a in args[1:]:
                out = z3.If(a < out, a, out) if isinstance(e, sp.Min) else z3.If(a > out, a, out)
            return out
        if isinstance(e, sp.Abs):
            a = self.term(e.args[0])
            return z3.If(a >= 0, a, -a)
        if isinstance(e, sp.log):
            self.term(e.args[0])  # reject unsupported content inside, too
            return self._new("log")
        raise _Unsupported

    def relation(self, rel: sp.Basic):
        lhs, rhs = self.term(rel.lhs), self.term(rel.rhs)
        if isinstance(rel, sp.StrictLessThan):
            return lhs < rhs
        if isinstance(rel, sp.LessThan):
            return lhs <= rhs
        if isinstance(rel, sp.StrictGreaterThan):
            return lhs > rhs
        if isinstance(rel, sp.GreaterThan):
            return lhs >= rhs
        raise _Unsupported


def conjunction_unsatisfiable(relations: Iterable[sp.Basic], timeout_ms: int = TIMEOUT_MS) -> bool:
    """True only when z3 proves that no real assignment satisfies every relation (<, <=, >, >=)."""
    import z3  # lazy: keeps `import theory` fast

    tr = _Translator(z3)
    try:
        goals = [tr.relation(r) for r in relations]
    except _Unsupported:
        return False
    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    solver.add(*goals, *tr.side)
    return solver.check() == z3.unsat
