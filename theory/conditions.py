"""Function-class conditions as expressions that must be >= 0 (or == 0) in the oracle symbols.

Each entry states the math in plain text. These are the hypotheses of one-step lemmas
(THEORY.md section 4) and the residuals measured numerically (section 2, 3, 8).
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from theory.symbols import Dmax2, G, L, alpha, beta, d2, f, f_p, f_star, g2, gd


@dataclass(frozen=True)
class Hypothesis:
    """``expr >= 0`` (or ``expr == 0`` when ``equality``) holding at every oracle point."""

    name: str
    expr: sp.Expr
    text: str
    equality: bool = False


#: T_i(x) = <grad f_i(x), x - x_p> - alpha (f_i(x) - f_i(x_p)) + beta (f_i(x) - f_i^*) >= 0
ALPHA_BETA = Hypothesis("alpha_beta", gd - alpha * (f - f_p) + beta * (f - f_star),
                        "<grad f_i(x), x - x_p> >= alpha (f_i(x) - f_i(x_p)) - beta (f_i(x) - f_i^*)")
#: L-smooth and bounded below: ||grad f_i(x)||^2 <= 2 L (f_i(x) - f_i^*)
SMOOTH = Hypothesis("smooth", 2 * L * (f - f_star) - g2, "||grad f_i(x)||^2 <= 2 L (f_i(x) - f_i^*)")
#: nonnegative losses: f_i^* >= 0
NONNEG_LOSSES = Hypothesis("nonneg_losses", f_star, "f_i^* >= 0")
#: interpolation: f_i(x_p) = f_i^*  (every f_i minimized on S)
INTERPOLATION = Hypothesis("interpolation", f_p - f_star, "f_i(x_p) = f_i^*", equality=True)

#: bounded gradients: ||grad f_i(x)||^2 <= G at every x (AdaGrad-norm-max; G a parameter)
BOUNDED_GRADIENTS = Hypothesis("bounded_gradients", G - g2, "||grad f_i(x)||^2 <= G")
#: bounded iterates: dist(x_k, S)^2 <= Dmax2 at every iterate of the run (an assumption on the trajectory, not on
#: the function: d2 = ||x_k - x_p||^2 with x_p the projection of x_k)
BOUNDED_ITERATES = Hypothesis("bounded_iterates", Dmax2 - d2, "dist(x_k, S)^2 <= Dmax2 along the run")

#: realizability: true of any vectors and any function bounded below
REALIZABILITY: tuple[Hypothesis, ...] = (
    Hypothesis("d2_nonneg", d2, "||x - x_p||^2 >= 0"),
    Hypothesis("g2_nonneg", g2, "||grad f_i(x)||^2 >= 0"),
    Hypothesis("cauchy_schwarz", d2 * g2 - gd**2, "<g, x - x_p>^2 <= ||g||^2 ||x - x_p||^2"),
    Hypothesis("f_above_star", f - f_star, "f_i(x) >= f_i^*"),
    Hypothesis("fp_above_star", f_p - f_star, "f_i(x_p) >= f_i^*"),
)

#: the catalogue of assumption names a claim file may use
ASSUMPTIONS: dict[str, Hypothesis] = {
    h.name: h for h in (ALPHA_BETA, SMOOTH, NONNEG_LOSSES, INTERPOLATION, BOUNDED_GRADIENTS, BOUNDED_ITERATES)
}


def alpha_beta_residual(a, b, c_, alpha_value, beta_value):
    """T = a - alpha b + beta c for triples (a, b, c) = (<grad f_i, x - x_p>, f_i(x) - f_i(x_p), f_i(x) - f_i^*).

    Works on floats, numpy arrays and torch tensors alike.
    """
    return a - alpha_value * b + beta_value * c_


def stationary_height_bound(alpha_value, beta_value, sigma_int_value):
    """Every stationary point x of f satisfies f(x) - f* <= beta sigma_int / (alpha - beta) (THEORY.md section 2)."""
    if not alpha_value > beta_value:
        raise ValueError(f"alpha must exceed beta (got alpha={alpha_value}, beta={beta_value})")
    return beta_value * sigma_int_value / (alpha_value - beta_value)
