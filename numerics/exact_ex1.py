"""Exact decision of the alpha-beta-condition for the paper's Example 1 (and its n-function version with
rational shifts and a known rational minimizer value s_p).

Math. f_i(x) = phi(s + a_i), phi(u) = u^2/(u^2 + 1), s = sum_j x_j, S = {s = s_p}. With x_p the projection,
<grad f_i(x), x - x_p> = phi'(s + a_i)(s - s_p), phi'(u) = 2u/(u^2 + 1)^2, f_i^* = 0. So, with u = s + a_i,
phi_p = phi(s_p + a_i), T_i(s) = phi'(u)(s - s_p) - alpha(phi(u) - phi_p) + beta phi(u). Multiplying by
(u^2 + 1)^2 > 0 gives the polynomial (degree 4 in s, rational coefficients when a_i, s_p, alpha, beta are)

    P_i(s) = 2u(s - s_p) - alpha(u^2(u^2 + 1) - phi_p (u^2 + 1)^2) + beta u^2(u^2 + 1),

and T_i >= 0 for all x in R^d  <=>  P_i(s) >= 0 for all real s, for every i. This is decided exactly
(sympy, rational arithmetic): isolate the real roots of P_i in disjoint rational intervals, and evaluate
P_i at one rational point in each root-free open interval between them (P_i has constant sign there).
Floats (alpha, beta, a_i, s_p) are converted to the exact rationals they denote.
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

S_SYM = sp.Symbol("s", real=True)


def rat(v) -> sp.Rational:
    """The exact rational value of a float / int / Fraction."""
    f = Fraction(v) if not isinstance(v, Fraction) else v
    return sp.Rational(f.numerator, f.denominator)


def residual_poly(a_i, s_p, alpha, beta) -> sp.Poly:
    """P_i(s) of the module docstring, a sympy Poly in s with rational coefficients."""
    a_i, s_p, alpha, beta = (rat(v) if not isinstance(v, sp.Basic) else v for v in (a_i, s_p, alpha, beta))
    s = S_SYM
    u = s + a_i
    up = s_p + a_i
    phi_p = up ** 2 / (up ** 2 + 1)
    expr = 2 * u * (s - s_p) - alpha * (u ** 2 * (u ** 2 + 1) - phi_p * (u ** 2 + 1) ** 2) + beta * u ** 2 * (u ** 2 + 1)
    return sp.Poly(sp.expand(expr), s, domain="QQ")


def nonneg_on_R(P: sp.Poly) -> tuple[bool, sp.Rational | None]:
    """(True, None) if P(s) >= 0 for every real s, else (False, a rational s with P(s) < 0). Exact."""
    if P.is_zero:
        return True, None
    ivs = [iv for iv, _mult in P.intervals()]
    # make the isolating intervals strictly separated (refine until b_k < a_{k+1})
    for _ in range(60):
        ok = all(ivs[k][1] < ivs[k + 1][0] for k in range(len(ivs) - 1))
        if ok:
            break
        ivs = [iv for iv, _ in P.intervals(eps=sp.Rational(1, 2 ** (_ + 4)))]
    tests = []
    if not ivs:
        tests = [sp.Integer(0)]
    else:
        tests.append(sp.Rational(ivs[0][0]) - 1)
        for k in range(len(ivs) - 1):
            tests.append((sp.Rational(ivs[k][1]) + sp.Rational(ivs[k + 1][0])) / 2)
        tests.append(sp.Rational(ivs[-1][1]) + 1)
    for t in tests:
        if P.eval(t) < 0:
            return False, t
    return True, None


def decide(shifts, s_p, alpha, beta) -> tuple[bool, list[dict]]:
    """Decide T_i >= 0 on all of R^d for every i (exact). Returns (holds, per-i details); a failing i
    carries a rational witness s where T_i(s) < 0."""
    details = []
    holds = True
    for i, a_i in enumerate(shifts):
        ok, w = nonneg_on_R(residual_poly(a_i, s_p, alpha, beta))
        details.append({"i": i, "holds": ok, "witness_s": None if w is None else float(w)})
        holds &= ok
    return holds, details
