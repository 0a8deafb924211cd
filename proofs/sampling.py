"""Rational sample points of a parameter region (untrusted helper of the certificate search).

The region is given by conditions ``expr >= 0`` / ``expr > 0`` in the parameters. alpha > beta >= 0 and
L > 0 are always part of it. Points are drawn on a grid of rationals (denominator 100, log-spread
magnitudes) and kept when every condition holds exactly.
"""
from __future__ import annotations

import random
from typing import Callable, Iterable

import sympy as sp

from theory.symbols import L, alpha, beta


class EmptyRegion(ValueError):
    pass


def make_sampler(params: Iterable[sp.Symbol], nonneg: Iterable[sp.Expr] = (), pos: Iterable[sp.Expr] = (),
                 tries: int = 20000) -> Callable[[random.Random], dict]:
    """A function rng -> {symbol: Rational} returning points with all ``nonneg`` >= 0 and ``pos`` > 0."""
    params = sorted(set(params) | {alpha, beta, L}, key=lambda s: s.name)
    nonneg, pos = list(nonneg), list(pos)
    # e >= 0 and -e >= 0 (opposite branches of two Min nodes): sample on e == 0 by solving for a parameter
    prims = {}
    for e in nonneg:
        num = sp.expand(sp.fraction(sp.together(e))[0])
        prims[e] = num.primitive()[1] if isinstance(num, sp.Add) else num
    solved: dict = {}
    for e, pe in prims.items():
        if any(sp.expand(pe + q) == 0 for q in prims.values()) and not (pe.free_symbols & set(solved)):
            for s_ in sorted(pe.free_symbols - {alpha, beta}, key=lambda x: x.name):
                if sp.degree(pe, s_) == 1:
                    solved[s_] = sp.solve(pe, s_)[0]
                    break

    def draw(rng: random.Random) -> dict:
        p = {}
        for s in params:
            if s in (alpha, beta):
                continue
            scale = 10 ** rng.uniform(-1.5, 1.0)
            p[s] = sp.Rational(max(1, round(scale * 1000)), 1000)
        p[alpha] = sp.Rational(rng.randint(5, 500), 100)
        p[beta] = p[alpha] * sp.Rational(rng.choice([0, rng.randint(1, 95)]), 100)
        for s_, value in solved.items():
            p[s_] = sp.nsimplify(value.xreplace(p))
        return p

    def sample(rng: random.Random) -> dict:
        for _ in range(tries):
            p = draw(rng)
            if all(sp.sympify(e).xreplace(p) >= 0 for e in nonneg) and \
                    all(sp.sympify(e).xreplace(p) > 0 for e in pos):
                return p
        raise EmptyRegion("no sample point satisfies the parameter conditions")

    return sample
