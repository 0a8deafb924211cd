"""``pseudo-huber``: convex pseudo-Huber losses that interpolate, with an unbounded minimizer set and bounded
gradients (the test bed of AdaGrad-norm-max, whose bound vanishes with K only when sigma_int = 0):

    f_i(x) = sqrt(1 + t_i^2) - 1 = t_i^2/(1 + sqrt(1 + t_i^2)),   t_i = <a_i, x>,   x in R^d, i = 1..n,

with a_i ~ N(0, I_d) drawn from ``numpy.random.default_rng(seed)`` (rows of A in R^{n x d}) and n < d.
Write psi(t) = sqrt(1 + t^2) - 1: psi >= 0 with equality only at t = 0, psi'(t) = t/sqrt(1 + t^2),
psi''(t) = (1 + t^2)^(-3/2). Every statement below is proved by hand (none is a sample maximum):

  * Minimizers. f_i >= 0 = f_i(x) exactly when <a_i, x> = 0, so f_i^* = 0 for every i; f = mean f_i >= 0 with
    equality exactly on S = {x : A x = 0} = null(A), a subspace of dimension d - rank A >= d - n >= 1
    (unbounded). Hence f* = 0 and sigma_int = f* - mean f_i^* = 0: interpolation, every f_i minimised on S.
  * Projection: S is a linear subspace, so Proj(x, S) is the orthogonal projection x - Q^T Q x, Q an
    orthonormal basis of the row space of A (float64 SVD; rank by the usual relative tolerance). Unique.
  * Convexity and (alpha, beta) = (1, 0): psi is convex (psi'' > 0) and t_i is linear in x, so each f_i is
    convex and <grad f_i(x), x - x_p> >= f_i(x) - f_i(x_p) (THEORY.md §2: alpha = 1, beta = 0). Exactly:
    for any x_p in S, <a_i, x_p> = 0 and f_i(x_p) = f_i^* = 0, so with c = alpha - beta
        T_i(x) = psi'(t) t - c psi(t) = t^2/sqrt(1 + t^2) - c (sqrt(1 + t^2) - 1),   t = t_i(x),
    and at c = 1, T_i = 1 - 1/sqrt(1 + t^2) = f_i(x)/(1 + f_i(x)) >= 0 (zero only on {t_i = 0}). Conversely
    T_i >= 0 for all t iff c <= inf_t (1 + 1/sqrt(1 + t^2)) = 1 (approached as |t| -> inf), so the class
    holds for exactly the pairs with alpha - beta <= 1; (1, 0) is the pair claimed. This argument is not
    kernel-checked, so the status is "sampled", with the smallest margin measured at construction.
  * Smoothness: Hess f_i = psi''(t_i) a_i a_i^T with 0 < psi'' <= 1 (equality at t_i = 0, i.e. on S), so
    L = max_i ||a_i||^2, the smallest valid constant.
  * Bounded gradients: ||grad f_i(x)||^2 = psi'(t_i)^2 ||a_i||^2 = ||a_i||^2 t_i^2/(1 + t_i^2) < ||a_i||^2, so
    ``grad_sq_bound`` = G = max_i ||a_i||^2 (= L; stored rounded up by 2 d eps relative, the float64 error
    bound of a sum of d squares). It is sharp but not attained: the supremum is approached along x = r a_i
    as r -> inf (within 1% once t_i^2 >= 99).
  * Stationary points: f is convex, so every stationary point is a global minimizer; none to list.
  * x0 = 3 u + w with u a unit vector in the row space of A and w a unit vector in S: distance exactly 3 to
    S, projection w (not the origin).
"""
from __future__ import annotations

import numpy as np
import torch

from numerics.families._common import as_points, check_int
from numerics.problem import DTYPE, Membership, Problem
from theory.errors import InputError


def _psi(t: torch.Tensor) -> torch.Tensor:
    """sqrt(1 + t^2) - 1 without cancellation near t = 0."""
    return t * t / (1.0 + torch.sqrt(1.0 + t * t))


class PseudoHuber(Problem):
    """Interpolating pseudo-Huber losses on random directions (see the module docstring)."""

    def __init__(self, n: int = 4, d: int = 6, seed: int = 0) -> None:
        n = check_int("n", n, 1, 10_000)
        d = check_int("d", d, 2, 10_000)
        seed = check_int("seed", seed, 0, 2 ** 31 - 1)
        if n >= d:
            raise InputError(f"pseudo-huber needs n < d (S = null(A) a subspace of dimension >= 1), got n={n}, d={d}")
        if n * d > 10_000_000:
            raise InputError(f"pseudo-huber: n*d = {n * d} is above 1e7 (the matrix A is dense)")
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((n, d))
        _, sv, Vt = np.linalg.svd(A, full_matrices=False)
        rank = int((sv > sv[0] * max(n, d) * np.finfo(float).eps).sum())
        Q = Vt[:rank]                                                      # orthonormal basis of row(A)
        self.name, self.n, self.d = "pseudo-huber", n, d
        self.params = {"n": n, "d": d, "seed": seed}
        self.A = torch.tensor(A, dtype=DTYPE)
        self.Q = torch.tensor(Q, dtype=DTYPE)
        self.rank = rank
        an2 = (A ** 2).sum(1)
        self.f_star_i = torch.zeros(n, dtype=DTYPE)
        self.f_star = 0.0
        self.L = float(an2.max())                  # max_i ||a_i||^2 max psi'' (= 1 at t = 0)
        # sup_t psi'(t)^2 = 1 (as |t| -> inf), module docstring; rounded up by the float64 error bound of a
        # sum of d squares (2 d eps relative) so that it stays above the exact max_i ||a_i||^2
        self.grad_sq_bound = float(an2.max()) * (1.0 + 2.0 * d * np.finfo(float).eps)
        self.stationary_points = ()
        self.domain = None
        u = Q.sum(0)
        u = u / np.linalg.norm(u)
        w = None
        for j in range(d):                                                # a unit vector of S = null(A)
            e = np.zeros(d)
            e[j] = 1.0
            w = e - Q.T @ (Q @ e)
            if np.linalg.norm(w) > 0.5:
                break
        w = w / np.linalg.norm(w)
        self.x0 = torch.tensor(3.0 * u + w, dtype=DTYPE)
        self.membership = self._measure(seed)
        self.description = (f"pseudo-Huber f_i = sqrt(1 + <a_i, x>^2) - 1, n = {n}, d = {d}: convex, interpolating "
                            f"(sigma_int = 0), S = null(A) of dimension {d - rank}; "
                            f"||grad f_i||^2 < G = max_i ||a_i||^2 = {self.grad_sq_bound:.6g} = L")

    def _measure(self, seed: int) -> Membership:
        """The margin of (1, 0) on seeded clouds around S (scales 1e-3 .. 1e3) and far along each a_i."""
        g = torch.Generator().manual_seed(seed)
        d = self.d
        base = self.project(3.0 * torch.randn(500, d, generator=g, dtype=DTYPE))
        pts = [base + s * torch.randn(500, d, generator=g, dtype=DTYPE) for s in (1e-3, 0.1, 1.0, 10.0, 1e3)]
        dirs = self.A / self.A.norm(dim=-1, keepdim=True)
        pts += [base[:50].unsqueeze(1) + r * dirs for r in (1e-2, 1.0, 1e2, 1e4)]
        pts = torch.cat([p.reshape(-1, d) for p in pts])
        marg = self.ab_margin(pts, 1.0, 0.0)
        k = int(marg.argmin())
        return Membership(
            alpha=1.0, beta=0.0, status="sampled", min_margin=float(marg[k]), samples=int(pts.shape[0]),
            worst_point=tuple(pts[k].tolist()),
            method="each f_i convex => alpha = 1, beta = 0; exactly T_i = f_i/(1 + f_i) >= 0 (hand proof in "
                   "numerics/families/pseudo_huber.py, not kernel-checked); margin sampled on Gaussian clouds of "
                   "scales 1e-3..1e3 around S and far along each a_i",
            command=f"computed at construction: get_problem('pseudo-huber', **{self.params})")

    # -- protocol -------------------------------------------------------------------------------
    def losses(self, x: torch.Tensor) -> torch.Tensor:
        return _psi(as_points(x) @ self.A.T)

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor):
        """Closed form: grad f_i = t_i/sqrt(1 + t_i^2) a_i, t_i = <a_i, x>."""
        x = as_points(x)
        a = self.A[idx]                                                    # [..., b, d]
        t = (a * x.unsqueeze(-2)).sum(-1)
        return _psi(t), (t / torch.sqrt(1.0 + t * t)).unsqueeze(-1) * a

    def project(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        return x - (x @ self.Q.T) @ self.Q
