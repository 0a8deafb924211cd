"""The hypotheses and sign context of one-step lemmas for a set of assumptions (THEORY.md section 4).

Realizability: d2 >= 0, g2 >= 0, f >= f_star, f_p >= f_star (Cauchy-Schwarz is true too but left out: no
derivation here needs it, and an unused nonlinear atom slows z3 down, THEORY.md section 10).
Assumptions: alpha_beta, smooth (g2 <= 2 L (f - f_star)), nonneg_losses (f_star >= 0, hence f >= 0),
interpolation (f_p == f_star). Parameters: alpha > beta >= 0 (so alpha > 0), L > 0, and the method's
declared positive parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from theory.conditions import ASSUMPTIONS, REALIZABILITY
from theory.errors import UnknownNameError
from theory.symbols import D0, K, L, alpha, beta, d2, f, f_p, f_star, g2, gd, sigma_int, sigma_pos

ORACLE_VARIABLES = (d2, gd, g2, f, f_p, f_star)
RATE_VARIABLES = (D0, sigma_int, sigma_pos)


@dataclass
class Context:
    hypotheses: list[tuple[str, sp.Expr]] = field(default_factory=list)
    equalities: list[tuple[str, sp.Expr]] = field(default_factory=list)
    positive: list[sp.Expr] = field(default_factory=list)
    nonnegative: list[sp.Expr] = field(default_factory=list)

    def copy(self) -> "Context":
        return Context(list(self.hypotheses), list(self.equalities), list(self.positive), list(self.nonnegative))

    def add_condition(self, expr: sp.Expr, strict: bool, name: str = "") -> None:
        """A parameter condition expr >= 0 (> 0 if strict), usable as hypothesis and as a signed atom."""
        target = self.positive if strict else self.nonnegative
        if expr not in target:
            target.append(expr)


def parameter_context(positive_params=(), conditions=()) -> Context:
    """alpha > beta >= 0, L > 0, the given positive parameters, and extra (expr, strict) conditions."""
    ctx = Context(positive=[L, alpha - beta, alpha], nonnegative=[beta])
    for p in positive_params:
        ctx.add_condition(p, True)
    for expr, strict in conditions:
        ctx.add_condition(expr, strict)
    return ctx


def one_step_context(assumptions, positive_params=(), conditions=()) -> Context:
    """Hypotheses of a one-step lemma under ``assumptions`` (names from theory.conditions.ASSUMPTIONS)."""
    ctx = parameter_context(positive_params, conditions)
    for name in assumptions:
        if name not in ASSUMPTIONS:
            raise UnknownNameError("assumption", name, ASSUMPTIONS)
    for h in REALIZABILITY:
        if h.name != "cauchy_schwarz":
            ctx.hypotheses.append((h.name, h.expr))
    ctx.nonnegative += [d2, g2, f - f_star, f_p - f_star]
    for name in assumptions:
        h = ASSUMPTIONS[name]
        (ctx.equalities if h.equality else ctx.hypotheses).append((h.name, h.expr))
    if "nonneg_losses" in assumptions:
        ctx.nonnegative += [f_star, f]
        ctx.hypotheses.append(("f_nonneg", f))   # f >= f_star >= 0
    return ctx


def rate_context(param_ctx: Context) -> Context:
    """Context of a rate implication: the parameter conditions, K > 0 and D0, sigma_int, sigma_pos >= 0."""
    ctx = param_ctx.copy()
    ctx.positive.append(K)
    ctx.nonnegative += [D0, sigma_int, sigma_pos]
    return ctx
