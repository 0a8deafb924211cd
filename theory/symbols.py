"""The one registry of SymPy symbols used by proofs, simulations and claim files.

Oracle symbols (THEORY.md section 4) describe one sample i at one iterate x and one projection x_p:

    d2     = ||x - x_p||^2
    gd     = <grad f_i(x), x - x_p>
    g2     = ||grad f_i(x)||^2
    f      = f_i(x)
    f_p    = f_i(x_p)
    f_star = f_i^* = inf f_i

Parameters are real symbols too; their signs are never stored as SymPy assumptions (which would let
SymPy simplify silently) but stated explicitly as parameter conditions that the kernel reads.
Every symbol is created with ``real=True`` so that a name always maps to the same object.
"""
from __future__ import annotations

import sympy as sp

__all__ = [
    "sym", "d2", "gd", "g2", "f", "f_p", "f_star", "ORACLE", "alpha", "beta", "L", "gamma", "gamma0", "G", "Dmax2",
    "gamma_b", "c", "k", "K", "D0", "sigma_int", "sigma_pos", "step", "RESERVED_NAMES",
]


def sym(name: str) -> sp.Symbol:
    """Return the project's symbol called ``name`` (real, no other assumptions)."""
    return sp.Symbol(name, real=True)


d2, gd, g2, f, f_p, f_star = (sym(n) for n in ("d2", "gd", "g2", "f", "f_p", "f_star"))
ORACLE: tuple[sp.Symbol, ...] = (d2, gd, g2, f, f_p, f_star)

alpha, beta, L = sym("alpha"), sym("beta"), sym("L")
gamma, gamma0, gamma_b, c = sym("gamma"), sym("gamma0"), sym("gamma_b"), sym("c")
k = sym("k")                      # iteration counter for schedules (k = 0, 1, ...)
K = sym("K")                      # number of iterations in a rate
D0 = sym("D0")                    # dist(x_0, S)^2
sigma_int, sigma_pos = sym("sigma_int"), sym("sigma_pos")
G = sym("G")                      # bound on ||grad f_i(x)||^2 (bounded-gradients assumption)
Dmax2 = sym("Dmax2")              # bound on dist(x_k, S)^2 along the run (bounded-iterates assumption)
step = sym("step")                # the value gamma_k of a step size inside a proof case

#: names a user may not redeclare as parameters in a claim file
RESERVED_NAMES = frozenset(s.name for s in ORACLE) | {"k", "K", "D0", "sigma_int", "sigma_pos", "step"}
