"""``quadratic-interp``: interpolating diagonal quadratics that share their top curvature, the smallest function
in the class on which SGD at the step gamma = (alpha - beta)/L does not converge (the test bed of the
``refuted_numerically`` verdict of ``abcheck claim``):

    f_i(x) = 1/2 sum_j h_ij x_j^2,   x in R^d, i = 1..n,   all h_ij > 0,

with h_i1 = L for every i (the shared top curvature) and h_ij = L r_ij for j >= 2, the ratios r_ij in
[low, high] subset (0, 1]: evenly spaced over the n (d - 1) entries (row by row) when ``seed`` is None, else
uniform from ``numpy.random.default_rng(seed)``. Defaults n = 2, d = 2, L = 1, (low, high) = (0.3, 0.6):
f_1 = (x_1^2 + 0.3 x_2^2)/2, f_2 = (x_1^2 + 0.6 x_2^2)/2. Every statement below is proved by hand:

  * Minimizers. Each f_i is a sum of squares with positive coefficients: f_i >= 0 with equality only at x = 0.
    So f_i^* = 0 = f_i(0) for every i, f* = 0, S = {0} (a single point), Proj(x, S) = 0 (unique) and
    sigma_int = f* - mean f_i^* = 0: interpolation. Also sigma_pos = mean f_i^* = 0.
  * The alpha-beta-condition. grad f_i(x) = (h_ij x_j)_j, so <grad f_i(x), x - 0> = sum_j h_ij x_j^2 = 2 f_i(x)
    (Euler's identity for a quadratic form) and, with x_p = 0, f_i(x_p) = f_i^* = 0,
        T_i(x) = 2 f_i(x) - alpha f_i(x) + beta f_i(x) = (2 - alpha + beta) f_i(x).
    Hence the condition holds on all of R^d exactly for the pairs with alpha - beta <= 2, and fails for every
    pair with alpha - beta > 2 (at every x != 0); the pair claimed is (alpha, beta) = (2, 0), where T_i == 0
    identically (the condition holds with equality everywhere: no larger alpha - beta is possible).
    This is checked EXACTLY at construction (``exact_check``): sympy's polynomial arithmetic over QQ verifies
    the identity T_i - (2 - alpha + beta) f_i == 0 (and f_i(0) = 0) with symbolic x, h, alpha, beta, so for
    every row of curvatures, and every h_ij > 0 is checked exactly on the float64 values the code uses; so the
    membership status is "certified". ``numerics.certify.certify`` uses the same check for any (alpha, beta).
  * Smoothness: Hess f_i = diag(h_i), 0 < h_ij <= L with h_i1 = L, so L is the smallest valid constant.
  * Gradients are unbounded (||grad f_i(x)||^2 >= L^2 x_1^2): ``grad_sq_bound`` = None.
  * Stationary points: f is a strictly convex quadratic, so 0 is its only stationary point; none to list.
  * SGD with a constant step gamma: x_{k+1, j} = (1 - gamma h_{i_k j}) x_{k, j}. On the first coordinate the
    factor is 1 - gamma L whatever i_k is, so at gamma = 2/L = (alpha - beta)/L it is -1: |x_{k,1}| = |x_{0,1}|
    for every k, and f(x_k) - f* >= L x_{0,1}^2/2 never goes to 0 (the other coordinates contract, since
    |1 - 2 r_ij| < 1 for 0 < r_ij < 1). At gamma = 1/L = (alpha - beta)/(2L) the first coordinate is 0 after
    one step, as the SGD theorem allows.
  * x0 = (1, ..., 1): dist(x0, S)^2 = d, first coordinate 1.
"""
from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np
import torch

from numerics.families._common import as_points, check_float, check_int
from numerics.problem import DTYPE, Membership, Problem
from theory.errors import InputError

ALPHA, BETA = 2.0, 0.0          # the claimed pair: T_i == 0 identically (module docstring)


@functools.lru_cache(maxsize=32)
def residual_identity(d: int) -> tuple[bool, str]:
    """Exact (sympy sparse polynomials over QQ): with f = 1/2 sum_j h_j x_j^2 in symbolic x_1..x_d, h_1..h_d and
    x_p = 0, check f(x_p) = 0 and <grad f(x), x - x_p> - alpha (f - f(x_p)) + beta (f - 0) - (2 - alpha + beta) f
    == 0 identically. Returns (ok, reason)."""
    from sympy.polys.domains import QQ
    from sympy.polys.rings import ring
    names = [f"x{j}" for j in range(1, d + 1)] + [f"h{j}" for j in range(1, d + 1)] + ["alpha", "beta"]
    _, *gens = ring(",".join(names), QQ)
    xs, hs, a, b = gens[:d], gens[d:2 * d], gens[2 * d], gens[2 * d + 1]
    f = sum((hj * xj ** 2 for hj, xj in zip(hs, xs)), 0 * a) * QQ(1, 2)
    fp = f.subs([(xj, 0) for xj in xs])
    if fp != 0:
        return False, "f(0) != 0"
    gd = sum((f.diff(xj) * (xj - 0) for xj in xs), 0 * a)
    T = gd - a * (f - 0) + b * (f - 0)
    if T - (2 - a + b) * f != 0:
        return False, "the identity T_i = (2 - alpha + beta) f_i fails"
    return True, "T_i = (2 - alpha + beta) f_i identically"


class QuadraticInterp(Problem):
    """Interpolating diagonal quadratics with a shared top curvature L (see the module docstring)."""

    def __init__(self, n: int = 2, d: int = 2, L: float = 1.0, low: float = 0.3, high: float = 0.6,
                 seed: int | None = None) -> None:
        n = check_int("n", n, 1, 100)          # the exact check at construction is symbolic: keep n d small
        d = check_int("d", d, 1, 100)
        L = check_float("L", L, 1e-6, 1e6)
        low = check_float("low", low, 0.0, 1.0, open_lo=True)
        high = check_float("high", high, 0.0, 1.0, open_lo=True)
        if low > high:
            raise InputError(f"quadratic-interp needs low <= high, got low={low}, high={high}")
        m = n * (d - 1)
        if seed is not None:
            seed = check_int("seed", seed, 0, 2 ** 31 - 1)
            r = np.random.default_rng(seed).uniform(low, high, m)
        else:
            r = np.linspace(low, high, m) if m > 1 else np.full(m, low)
        H = np.empty((n, d))
        H[:, 0] = L
        H[:, 1:] = L * r.reshape(n, d - 1)
        if not (H > 0).all() or not (H <= L).all():
            raise InputError(f"quadratic-interp: curvatures must lie in (0, L], got {H.tolist()}")
        self.name, self.n, self.d = "quadratic-interp", n, d
        self.params = {"n": n, "d": d, "L": L, "low": low, "high": high, "seed": seed}
        self.H = torch.tensor(H, dtype=DTYPE)
        self.f_star_i = torch.zeros(n, dtype=DTYPE)
        self.f_star = 0.0
        self.L = float(H.max())                 # = L: h_i1 = L for every i, every other h_ij <= L
        self.grad_sq_bound = None               # ||grad f_i(x)||^2 >= L^2 x_1^2 is unbounded
        self.stationary_points = ()
        self.domain = None
        self.minimizers = torch.zeros(1, d, dtype=DTYPE)
        self.x0 = torch.ones(d, dtype=DTYPE)
        chk = self.exact_check(ALPHA, BETA)
        if not chk["holds"]:      # cannot happen for h_ij > 0 (module docstring); a guard against edits
            raise InputError(f"quadratic-interp: exact check failed: {chk['reason']}")
        self.membership = Membership(
            alpha=ALPHA, beta=BETA, status="certified", min_margin=0.0, samples=None,
            worst_point=tuple(self.x0.tolist()),
            method="exact (sympy, polynomials over QQ): T_i - (2 - alpha + beta) f_i == 0 as an identity in "
                   "symbolic x, h, alpha, beta (so for every row of curvatures), every h_ij > 0 (exact) and "
                   "f_i(0) = 0 = f_i^*, S = {0}; so T_i == 0 at "
                   "(alpha, beta) = (2, 0) on all of R^d (min_margin is the exact value 0, attained everywhere; no "
                   "larger alpha - beta holds). See numerics/families/quadratic_interp.py",
            command=f"computed at construction: get_problem('quadratic-interp', **{self.params})")
        self.description = (f"f_i = 1/2 sum_j h_ij x_j^2, n = {n}, d = {d}, h_i1 = L = {L:g} for every i, other "
                            f"h_ij in [{low * L:g}, {high * L:g}]: S = {{0}}, interpolation (sigma_int = 0), "
                            "T_i = (2 - alpha + beta) f_i exactly; SGD with gamma = 2/L never contracts x_1")

    # -- exact check --------------------------------------------------------------------------
    def exact_check(self, alpha: float, beta: float) -> dict:
        """Decide the alpha-beta-condition on R^d exactly: ``residual_identity(d)`` (sympy, exact polynomial
        arithmetic over QQ) verifies T_i == (2 - alpha + beta) f_i as an identity in symbolic x, h, alpha, beta,
        so it holds for every row h_i of curvatures; every h_ij > 0 is checked exactly (float comparisons), so
        f_i >= 0 = f_i(0) = f_i^*, S = {0} and x_p = 0. Then the condition holds at (alpha, beta) iff
        2 - alpha + beta >= 0, decided in exact rationals (Fraction of the floats). Returns
        {holds, slack (= 2 - alpha + beta, float), identity_checked, reason}."""
        if not bool((self.H > 0).all()):
            return {"holds": False, "slack": None, "identity_checked": False, "reason": "some h_ij <= 0"}
        ok, why = residual_identity(self.d)
        if not ok:
            return {"holds": False, "slack": None, "identity_checked": False, "reason": why}
        slack = 2 - Fraction(float(alpha)) + Fraction(float(beta))
        return {"holds": slack >= 0, "slack": float(slack), "identity_checked": True,
                "reason": ("T_i = (2 - alpha + beta) f_i >= 0 since f_i >= 0" if slack >= 0 else
                           f"T_i = (2 - alpha + beta) f_i = ({float(slack):g}) f_i < 0 at every x != 0")}

    # -- protocol -------------------------------------------------------------------------------
    # grad_at's values and <grad, x> use the same products (h_ij x_j) x_j, so T_i at (2, 0) is exactly 0 in
    # float64 as well (s - 2 (s/2) = s).
    def losses(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x).unsqueeze(-2)
        return 0.5 * ((self.H * x) * x).sum(-1)

    def loss_at(self, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        x = as_points(x).unsqueeze(-2)
        return 0.5 * ((self.H[idx] * x) * x).sum(-1)

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor):
        """Closed form: grad f_i = (h_ij x_j)_j."""
        x = as_points(x).unsqueeze(-2)
        g = self.H[idx] * x                                               # [..., b, d]
        return 0.5 * (g * x).sum(-1), g

    def project(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(as_points(x))
