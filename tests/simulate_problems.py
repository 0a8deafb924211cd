"""Small problems with closed-form facts, used by the simulation tests and as a ``module.py:factory``
example for the CLI (``abcheck simulate --problem tests/simulate_problems.py:quadratic``).

quadratic: f_i(x) = 1/2 ||x - a_i||^2 + c_i on R^d. Each f_i is convex and 1-smooth, so the
alpha-beta-condition holds with alpha = 1, beta = 0; S = {a_bar} (a_bar = mean a_i), f_i^* = c_i,
f* = 1/2 V + mean c_i with V = mean_i ||a_i - a_bar||^2, sigma_int = V / 2.
SGD: x_{k+1} - a_bar = (1 - gamma)(x_k - a_bar) + gamma (a_B - a_bar), so
E dist_k^2 = (1-gamma)^{2k} D0 + gamma^2 V_B (1 - (1-gamma)^{2k}) / (1 - (1-gamma)^2) with
V_B = V / b (with replacement) or V (n - b) / (b (n - 1)) (without), and f(x) - f* = 1/2 dist^2.
"""
from __future__ import annotations

import torch

from numerics.problem import DTYPE, FunctionProblem, Membership, Problem

POINTS = [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]


def quadratic(points=None, offsets=None, x0=(3.0, 3.0), name: str = "quadratic") -> Problem:
    A = torch.tensor(POINTS if points is None else points, dtype=DTYPE)
    n, d = A.shape
    c = torch.zeros(n, dtype=DTYPE) if offsets is None else torch.as_tensor(offsets, dtype=DTYPE)
    abar = A.mean(0)

    def losses(x):
        return 0.5 * ((x.unsqueeze(-2) - A) ** 2).sum(-1) + c

    def project(x):
        return abar.expand_as(x).clone()

    V = float(((A - abar) ** 2).sum(-1).mean())
    return FunctionProblem(name=name, d=d, n=n, losses=losses, project=project, f_star_i=c,
                           f_star=0.5 * V + float(c.mean()), L=1.0,
                           membership=Membership(alpha=1.0, beta=0.0, status="certified",
                                                 method="each f_i convex"),
                           x0=list(x0), params={"V": V})


def shifted_quadratic() -> Problem:
    """Positive losses with f_i^* = c_i > 0 (sigma_pos > 0), for NGN."""
    return quadratic(offsets=[0.5, 1.0, 0.25], name="shifted-quadratic")


def not_a_problem():
    return 42
