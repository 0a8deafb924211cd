"""``convex-gap``: convex finite sums with a positive interpolation gap (noisy least squares, ridge):

    f_i(x) = (1/2)(a_i^T x - b_i)^2 + (lam/2)|x|^2,   a_i ~ N(0, I_d), b = A x_true + noise * xi   (seeded).

Closed forms: x* = (A^T A/n + lam I)^{-1} A^T b/n (unique when A has rank d or lam > 0), S = {x*},
projection = x*, f* = f(x*); f_i^* = lam b_i^2/(2(|a_i|^2 + lam)) (the minimum lies on the line through
a_i; 0 when lam = 0), sigma_int = f* - mean f_i^* > 0 for inconsistent systems; L = max_i |a_i|^2 + lam.
Membership: each f_i is convex, so <grad f_i(x), x - x_p> >= f_i(x) - f_i(x_p): alpha = 1, beta = 0 holds
everywhere by that textbook argument (not kernel-checked here, so the status stays "sampled", with the
margin measured on seeded samples at construction). No stationary points besides x*.
"""
from __future__ import annotations

import numpy as np
import torch

from numerics.families._common import as_points, check_float, check_int
from numerics.problem import DTYPE, Membership, Problem
from theory.errors import InputError


class ConvexGap(Problem):
    """Noisy ridge regression (see the module docstring)."""

    def __init__(self, n: int = 20, d: int = 5, noise: float = 0.5, lam: float = 0.0, seed: int = 0) -> None:
        n = check_int("n", n, 1, 100_000)
        d = check_int("d", d, 1, 10_000)
        noise = check_float("noise", noise, 0.0, 1e3)
        lam = check_float("lam", lam, 0.0, 1e3)
        seed = check_int("seed", seed, 0, 2 ** 31 - 1)
        if n * d > 10_000_000:
            raise InputError(f"convex-gap: n*d = {n * d} is above 1e7 (the design matrix is dense); use highdim")
        if lam == 0 and n < d:
            raise InputError(f"convex-gap with lam = 0 needs n >= d (a unique minimizer), got n={n}, d={d}")
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((n, d))
        xt = rng.standard_normal(d)
        b = A @ xt + noise * rng.standard_normal(n)
        self.name, self.n, self.d = "convex-gap", n, d
        self.params = {"n": n, "d": d, "noise": noise, "lam": lam, "seed": seed}
        self.A, self.b, self.lam = torch.tensor(A, dtype=DTYPE), torch.tensor(b, dtype=DTYPE), lam
        H = A.T @ A / n + lam * np.eye(d)
        if np.linalg.cond(H) > 1e12:
            raise InputError("convex-gap: the normal equations are singular for these parameters")
        xs = np.linalg.solve(H, A.T @ b / n)
        self.x_star = torch.tensor(xs, dtype=DTYPE)
        self.minimizers = self.x_star.unsqueeze(0)
        self.f_star = float(self.value(self.x_star))
        an2 = (A ** 2).sum(1)
        self.f_star_i = torch.tensor(lam * b ** 2 / (2 * (an2 + lam)) if lam > 0 else np.zeros(n), dtype=DTYPE)
        self.L = float(an2.max() + lam)
        self.stationary_points = ()
        self.domain = None
        self.x0 = torch.zeros(d, dtype=DTYPE)
        g = torch.Generator().manual_seed(seed)
        pts = torch.cat([self.x_star + s * torch.randn(500, d, generator=g, dtype=DTYPE) for s in (1e-3, 0.1, 1.0, 10.0, 1e3)])
        marg = self.ab_margin(pts, 1.0, 0.0)
        k = int(marg.argmin())
        self.membership = Membership(
            alpha=1.0, beta=0.0, status="sampled", min_margin=float(marg[k]), samples=int(pts.shape[0]),
            worst_point=tuple(pts[k].tolist()),
            method="each f_i convex => alpha = 1, beta = 0 (textbook, not kernel-checked); margin sampled at "
                   "Gaussian clouds of scales 1e-3..1e3 around x*",
            command=f"computed at construction: get_problem('convex-gap', **{self.params})")
        self.description = (f"noisy ridge regression, n = {n}, d = {d}: convex f_i, unique minimizer, "
                            f"interpolation gap sigma_int = {self.sigma_int:.4g}")

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        r = x @ self.A.T - self.b
        return 0.5 * r * r + 0.5 * self.lam * (x * x).sum(-1, keepdim=True)

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor):
        """grad f_i = (a_i^T x - b_i) a_i + lam x."""
        x = as_points(x)
        a = self.A[idx]                                                     # [..., b, d]
        r = (a * x.unsqueeze(-2)).sum(-1) - self.b[idx]
        vals = 0.5 * r * r + 0.5 * self.lam * (x * x).sum(-1, keepdim=True)
        return vals, r.unsqueeze(-1) * a + self.lam * x.unsqueeze(-2)

    def project(self, x: torch.Tensor) -> torch.Tensor:
        return self.x_star.expand_as(as_points(x)).clone()
