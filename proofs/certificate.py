"""Plain data: lemmas, cases and certificates. No logic lives here; ``proofs.kernel`` decides.

A lemma states: for all real values of its symbols,

    (each hypothesis h >= 0) and (each equality e == 0) and (each positive atom p > 0)
    and (each nonnegative atom q >= 0)   implies   goal >= 0     (goal > 0 when ``strict``).

``definitions`` name sub-expressions (``step`` := the method's step size) used in the goal.
The goal and definitions may contain Min, Max and Piecewise; the kernel splits them into cases,
each with the case's own extra conditions, and a certificate is given per case.

A certificate for a (piecewise-free) target t is an identity, checked exactly as rational functions:

    t  ==  slack + sum_j  lambda_j * prod(factors_j)  +  sum_k  mu_k * e_k  +  sum_m  w_m * s_m^2

where every lambda_j and w_m is manifestly >= 0, every factor is a hypothesis of the case (or is itself
manifestly >= 0), every e_k is an equality of the case, and ``slack`` is manifestly > 0 for strict goals
(and 0 otherwise). ``facts`` are auxiliary statements "expr - lower >= 0" proved first, each by its own
certificate in the same context; once checked, ``expr`` becomes a usable hypothesis and a known
nonnegative atom (a positive one when ``strict`` and ``lower`` is manifestly > 0). They are how a
multiplier or a denominator that is not manifestly signed carries its own certificate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

ZERO = sp.Integer(0)


@dataclass(frozen=True)
class Lemma:
    name: str
    goal: sp.Expr
    hypotheses: tuple[tuple[str, sp.Expr], ...] = ()
    equalities: tuple[tuple[str, sp.Expr], ...] = ()
    positive: tuple[sp.Expr, ...] = ()
    nonnegative: tuple[sp.Expr, ...] = ()
    strict: bool = False
    definitions: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()

    def symbols(self) -> set[sp.Symbol]:
        exprs = [self.goal, *(e for _, e in self.definitions), *(e for _, e in self.hypotheses), *(e for _, e in self.equalities),
                 *self.positive, *self.nonnegative]
        return set().union(*(sp.sympify(e).free_symbols for e in exprs))


@dataclass(frozen=True)
class Condition:
    """One condition of a case: ``expr >= 0`` (ge), ``expr > 0`` (gt), ``expr == 0`` (eq), ``expr != 0`` (ne)."""

    kind: str
    expr: sp.Expr


@dataclass(frozen=True)
class Case:
    """A piecewise-free instance of a lemma: the goal on one branch of every Min/Max/Piecewise."""

    label: str
    goal: sp.Expr
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Term:
    multiplier: sp.Expr
    factors: tuple[sp.Expr, ...]


@dataclass(frozen=True)
class EqTerm:
    multiplier: sp.Expr
    equality: sp.Expr


@dataclass(frozen=True)
class Square:
    weight: sp.Expr
    base: sp.Expr


@dataclass(frozen=True)
class Fact:
    expr: sp.Expr
    certificate: "Certificate"
    lower: sp.Expr = ZERO
    strict: bool = False


@dataclass(frozen=True)
class Certificate:
    terms: tuple[Term, ...] = ()
    eq_terms: tuple[EqTerm, ...] = ()
    squares: tuple[Square, ...] = ()
    facts: tuple[Fact, ...] = ()
    slack: sp.Expr = ZERO


@dataclass(frozen=True)
class CaseResult:
    label: str
    ok: bool
    reason: str


@dataclass(frozen=True)
class KernelResult:
    """The kernel's verdict on a lemma. Only ``proofs.kernel`` constructs it."""

    lemma: Lemma
    proved: bool
    cases: tuple[CaseResult, ...] = field(default=())

    @property
    def reason(self) -> str:
        bad = [f"{c.label}: {c.reason}" for c in self.cases if not c.ok]
        return "; ".join(bad) if bad else "all cases certified"
