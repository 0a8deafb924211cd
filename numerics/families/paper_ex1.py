"""``paper-ex1``: the paper's Example 1 (unbounded S) and its n-function, d-dimensional generalisation

    f_i(x) = phi(s + a_i),   phi(u) = u^2/(u^2 + 1),   s = sum_j x_j,

with a = (0, 1) for the paper's case (n = 2, d = 2), else a_i = spread * i/(n - 1) (evenly spaced) or,
when ``seed`` is given, a_i uniform in [0, spread].

Everything depends on x only through s, so:
  * f(x) = g(s) with g(s) = mean_i phi(s + a_i); S = {x : s in argmin g}, a union of parallel hyperplanes
    (for a = (0, 1): the line s = -1/2, by symmetry; g'' > 0 there). argmin g and the other stationary
    values of g are found by a sign-change scan of g' on [-max a - 8, -min a + 8] (outside it every
    phi'(s + a_i) has the same sign) refined by Newton to ~1e-15.
  * Projection onto {s = s*}: x + (s* - s)/d * (1, ..., 1) (distance |s - s*|/sqrt(d)); with several s* the
    nearest value of s* wins (ties kept as candidates).
  * f_i^* = 0 (attained at s = -a_i); L = 2d: the Hessian is phi''(s + a_i) 1 1^T, |phi''| <= 2 (at 0),
    phi''(u) = (2 - 6u^2)/(1 + u^2)^3.
  * Bounded gradients, ``grad_sq_bound`` = G = 27 d/64 (27/32 for the paper's d = 2), for every n, spread
    and seed: grad f_i(x) = phi'(s + a_i) (1, ..., 1), so ||grad f_i(x)||^2 = d phi'(u)^2 with u = s + a_i
    ranging over all of R (the shift a_i does not change the supremum). phi'(u) = 2u/(u^2 + 1)^2 is odd,
    -> 0 at +-inf, and its critical points are the zeros of phi'' above, u^2 = 1/3; so
    max |phi'| = |phi'(1/sqrt 3)| = (2/sqrt 3)/(4/3)^2 = 9/(8 sqrt 3), max phi'^2 = 81/192 = 27/64, and
    ||grad f_i||^2 <= 27 d/64, with equality at s + a_i = +-1/sqrt 3 (a maximum, not only a supremum).
    (Checked symbolically with sympy in tests/test_pseudo_huber.py.)
  * The alpha-beta residual reduces EXACTLY to one variable: with s_p the projection's s,
    <grad f_i(x), x - x_p> = phi'(s + a_i)(s - s_p), so T_i depends on s only, for every d. The membership
    is therefore measured on a dense 1-D grid of s (plus far values up to 1e8), at construction (cheap).
    Far away, phi -> 1 forces beta >= alpha * max_i (1 - phi(s_p + a_i)).
"""
from __future__ import annotations


import numpy as np
import torch

from numerics.families._common import as_points, check_float, check_int, stationary_points_1d
from numerics.problem import DTYPE, Membership, Problem, StationaryPoint
from theory.errors import InputError


def _phi(u):
    return u * u / (u * u + 1.0)


def _dphi(u):
    return 2.0 * u / (u * u + 1.0) ** 2


def _ddphi(u):
    return (2.0 - 6.0 * u * u) / (1.0 + u * u) ** 3


class PaperEx1(Problem):
    """Example 1 of the paper and its generalisation (see the module docstring)."""

    def __init__(self, n: int = 2, d: int = 2, spread: float = 1.0, seed: int | None = None) -> None:
        n = check_int("n", n, 1, 1000)          # the 1-D reduction holds [grid, n] arrays; use highdim for large n
        d = check_int("d", d, 1, 100_000)
        spread = check_float("spread", spread, 0.0, 100.0)
        if seed is not None:
            seed = check_int("seed", seed, 0, 2 ** 31 - 1)
            a = np.sort(np.random.default_rng(seed).uniform(0.0, spread, n))
        else:
            a = np.array([spread * i / (n - 1) for i in range(n)]) if n > 1 else np.zeros(1)
        self.name, self.n, self.d = "paper-ex1", n, d
        self.params = {"n": n, "d": d, "spread": spread, "seed": seed}
        self.a = torch.tensor(a, dtype=DTYPE)
        self._a = a
        self.f_star_i = torch.zeros(n, dtype=DTYPE)
        self.L = 2.0 * d
        self.grad_sq_bound = 27.0 * d / 64.0        # d max phi'^2 = d (9/(8 sqrt 3))^2, module docstring
        lo, hi = -a.max() - 8.0, -a.min() + 8.0
        roots = stationary_points_1d(self._gp, self._gpp, lo, hi, grid=min(max(4001, 40 * n), 20001))
        vals = np.array([self._g(r) for r in roots])
        gmin = vals.min()
        is_min = vals <= gmin + 1e-13
        self.f_star = float(gmin)
        self.s_star = torch.tensor([r for r, m in zip(roots, is_min) if m], dtype=DTYPE)
        sps = []
        for r, v, m in zip(roots, vals, is_min):
            if not m:
                kind = "local_min" if self._gpp(r) > 0 else "local_max"
                sps.append(StationaryPoint(location=(r / d,) * d, height=float(v - gmin), kind=kind))
        self.stationary_points = tuple(sps)
        self.domain = None
        self.x0 = torch.full((d,), 2.0 / d, dtype=DTYPE)
        self.membership = self._measure()
        self.description = ("f_i = phi(sum_j x_j + a_i), phi(u) = u^2/(u^2+1); S = hyperplane(s) sum_j x_j = "
                            + ", ".join(f"{v:.6g}" for v in self.s_star.tolist())
                            + "; every stationary point of f is a whole hyperplane s = const (location: one point of it)")

    def _g(self, s):
        return float(np.mean(_phi(s + self._a)))

    def _gp(self, s):
        s = np.asarray(s, dtype=float)
        return _dphi(s[..., None] + self._a).mean(-1)

    def _gpp(self, s: float) -> float:
        return float(np.mean(_ddphi(s + self._a)))

    # -- protocol -------------------------------------------------------------------------------
    def losses(self, x: torch.Tensor) -> torch.Tensor:
        s = as_points(x).sum(-1, keepdim=True)
        return _phi(s + self.a)

    def loss_at(self, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        s = as_points(x).sum(-1, keepdim=True)
        return _phi(s + self.a[idx])

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor):
        """Closed form: grad f_i = phi'(s + a_i) (1, ..., 1)."""
        s = as_points(x).sum(-1, keepdim=True)
        u = s + self.a[idx]
        return _phi(u), _dphi(u).unsqueeze(-1).expand(*u.shape, self.d)

    def _s_candidates(self, s: torch.Tensor) -> torch.Tensor:
        """All s* at (nearly) minimal |s - s*| : [..., k] (non-tied entries replaced by the nearest)."""
        dist = (s.unsqueeze(-1) - self.s_star).abs()
        m = dist.min(-1, keepdim=True).values
        near = self.s_star[dist.argmin(-1)].unsqueeze(-1)
        return torch.where(dist <= m * (1 + 1e-12) + 1e-14, self.s_star.expand_as(dist), near)

    def project(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        s = x.sum(-1)
        sp = self.s_star[(s.unsqueeze(-1) - self.s_star).abs().argmin(-1)]
        return x + ((sp - s) / self.d).unsqueeze(-1)

    def project_candidates(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        s = x.sum(-1)
        sp = self._s_candidates(s)                                           # [..., k]
        return x.unsqueeze(-2) + ((sp - s.unsqueeze(-1)) / self.d).unsqueeze(-1)

    # -- membership by the exact 1-D reduction ----------------------------------------------------
    def residual_triples_1d(self, s: np.ndarray):
        """(a, b, c) [k, P, n] of the reduced residual at values s (k projection candidates)."""
        sc = self._s_candidates(torch.as_tensor(s, dtype=DTYPE)).numpy()     # [P, k]
        a_ = self._a
        out = []
        for j in range(sc.shape[-1]):
            sp = sc[:, j:j + 1]
            u = s[:, None] + a_
            out.append((_dphi(u) * (s[:, None] - sp), _phi(u) - _phi(sp + a_), _phi(u)))
        return [np.stack(z) for z in zip(*out)]

    def _measure(self) -> Membership:
        c0 = float(self.s_star.mean())
        span = float(self._a.max() - self._a.min()) + 10.0
        dense = int(min(20001, max(2001, 4_000_000 // self.n)))      # keeps [grid, n] arrays near 4e6
        s = np.concatenate([np.linspace(c0 - span, c0 + span, dense),
                            c0 + np.concatenate([np.geomspace(1e-8, 1e8, 400), -np.geomspace(1e-8, 1e8, 400)])])
        a, b, c = self.residual_triples_1d(s)
        pos = c > 0
        inv = np.where(pos, 1.0 / np.where(pos, c, 1.0), 0.0)
        alphas = np.round(np.concatenate([np.arange(0.1, 2.0, 0.05), np.arange(2.0, 10.01, 0.25)]), 4)
        bm = np.array([max(float(np.where(pos, (al * b - a) * inv, np.where(al * b - a <= 0, 0, np.inf))
                                  .max(-1).min(0).max()), 0.0) for al in alphas])
        ok = np.isfinite(bm) & (bm < alphas * (1 - 1e-9))
        if not ok.any():
            raise InputError(f"paper-ex1 with {self.params} is not in the alpha-beta class: no alpha > beta fits "
                             "the sampled residuals (e.g. an f_i minimised on S and bounded above forces "
                             "beta >= alpha far away)")
        ratio = np.where(ok, bm / np.maximum(alphas - bm, 1e-300), np.inf)
        k = int(np.nonzero(ratio <= ratio.min() * 1.01 + 1e-15)[0][0])
        alpha = float(alphas[k])
        beta = float(bm[k]) + 0.02 * (alpha - float(bm[k]))
        T = (a - alpha * b + beta * c).min(-1).max(0)                        # best candidate, worst i
        j = int(np.argmin(T))
        sw = float(s[j])
        return Membership(
            alpha=alpha, beta=beta, status="sampled", min_margin=float(T[j]), samples=len(s),
            worst_point=(sw / self.d,) * self.d,
            method=("exact reduction to s = sum_j x_j (see numerics/families/paper_ex1.py); margin sampled on "
                    f"{len(s)} values of s (dense grid +- {span:g} around S, far values up to 1e8); (alpha, beta) "
                    "minimises beta/(alpha-beta) on the sampled feasible region, moved 2% inside"),
            command=f"computed at construction: get_problem('paper-ex1', **{self.params})")
