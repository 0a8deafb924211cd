"""``highdim``: a high-dimensional family for throughput (d and n up to 10^4), the separable lift of the
tilted double well of ``saddle-tight``:

    f_i(x) = (1/d) sum_j [ w(x_j) + eps_i x_j ],   w(t) = t^2/2 + A exp(-t^2/2),   eps_i = +eps, -eps, ...

(n even, so sum_i eps_i = 0 and f(x) = (1/d) sum_j w(x_j)). Closed forms:
  * S = {-m, +m}^d with m = sqrt(2 ln A) (2^d points), f* = 1 + ln A; projection: x_j -> sign(x_j) m
    (coordinates at 0 are ties; the listed candidates are the two choices for the first tied coordinate);
  * stationary points: every point of {-m, 0, m}^d not in S, 3^d - 2^d of them; with k zero coordinates the
    height is k h/d, h = A - 1 - ln A; the origin is a local maximum of height h, the others saddles;
  * f_i^* = g^*(eps) = min_t w(t) - |eps| t, the unique root t > m of w'(t) = |eps| (w is convex on t >= 1
    and m > 1), by Newton from m to ~1e-15;
  * L = max(A - 1, 1 + 2 A e^{-3/2}) / d (the Hessian of f_i is diag(w''(x_j))/d).
Membership: T_i(x) = (1/d) sum_j t_i(x_j) with t_i the residual of the 1-D problem (f_i^* splits per
coordinate and the projection is coordinatewise), so the 1-D condition implies the d-dimensional one, and
the smallest d-dimensional margin equals the 1-D one (all coordinates at the worst 1-D point). At
alpha = 1 the tilts cancel and t_i(u) = -D(u) + beta (w(u) + eps_i u - g^*) with D as in ``tight.py``; beta is
h/(h + tightness sigma_int) as in ``saddle-tight`` and the 1-D margin is sampled on a grid at construction.
Gradients and losses are closed-form and batched (no autograd): the n gradients at P points cost
O(P n d) memory traffic.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from numerics.families._common import as_points, check_float, check_int
from numerics.problem import DTYPE, Membership, Problem, StationaryPoint
from theory.errors import InputError

GRID = 20001
XMAX = 12.0


class HighDim(Problem):
    """The separable lift (see the module docstring)."""

    def __init__(self, d: int = 100, n: int = 100, A: float = 3.0, eps: float = 0.3, tightness: float = 0.95) -> None:
        d = check_int("d", d, 1, 100_000)
        n = check_int("n", n, 2, 100_000)
        A = check_float("A", A, math.exp(0.5), 1e3, open_lo=True)
        eps = check_float("eps", eps, 0.0, 10.0, open_lo=True)
        tightness = check_float("tightness", tightness, 0.0, 1.0, open_lo=True)
        if n % 2:
            raise InputError(f"parameter n must be even (tilts come in +eps/-eps pairs), got {n}")
        self.name, self.d, self.n = "highdim", d, n
        self.params = {"d": d, "n": n, "A": A, "eps": eps, "tightness": tightness}
        self.A, self.eps = A, eps
        self.m = math.sqrt(2.0 * math.log(A))
        self.f_star = 1.0 + math.log(A)
        h = A - 1.0 - math.log(A)
        t = self.m
        for _ in range(100):                                   # root of w'(t) = eps on t > m
            step = (self._wp(t) - eps) / self._wpp(t)
            t -= step
            if abs(step) < 1e-16 * max(1.0, t):
                break
        gstar = float(self._w(t) - eps * t)
        self.f_star_i = torch.full((n,), gstar, dtype=DTYPE)
        self.eps_i = torch.tensor([eps if i % 2 == 0 else -eps for i in range(n)], dtype=DTYPE)
        self.L = max(A - 1.0, 1.0 + 2.0 * A * math.exp(-1.5)) / d
        sigma = self.sigma_int
        beta = h / (h + tightness * sigma)
        u = np.linspace(-XMAX, XMAX, GRID)
        best = None
        for p in (np.where(u >= 0, self.m, -self.m), np.where(u > 0, self.m, -self.m)):
            D = self._w(u) - self._w(p) - self._wp(u) * (u - p)
            den = np.minimum(self._w(u) + eps * u, self._w(u) - eps * u) - gstar
            mg = beta * den - D
            best = mg if best is None else np.maximum(best, mg)
        k = int(np.argmin(best))
        self.membership = Membership(
            alpha=1.0, beta=beta, status="sampled", min_margin=float(best[k]), samples=GRID,
            worst_point=(float(u[k]),) * d,
            method=("separable lift: T_i = mean_j of the 1-D residual, exact reduction at alpha = 1 (see "
                    f"numerics/families/highdim.py); 1-D margin sampled on a {GRID}-point grid of [-{XMAX}, {XMAX}]; "
                    "min over x of mean_j t_i(x_j) is the 1-D minimum, attained with every coordinate at the worst u"),
            command=f"computed at construction: get_problem('highdim', **{self.params})")
        sps = [StationaryPoint(location=(0.0,) * d, height=h, kind="local_max" if d > 0 else "saddle")]
        if d > 1:
            sps.append(StationaryPoint(location=(0.0,) + (self.m,) * (d - 1), height=h / d, kind="saddle"))
        self.stationary_points = tuple(sps)
        self.domain = None
        g = torch.Generator().manual_seed(0)
        self.x0 = 0.1 * torch.randn(d, generator=g, dtype=DTYPE)
        self.description = (f"separable tilted double well in d = {d}: S = {{-m, m}}^d (2^d points), "
                            f"3^d - 2^d stationary points (two listed: the origin, height {h:.6g}, and one saddle)")

    def _w(self, t):
        return 0.5 * t * t + self.A * np.exp(-0.5 * t * t)

    def _wp(self, t):
        return t - self.A * t * np.exp(-0.5 * t * t)

    def _wpp(self, t: float) -> float:
        return 1.0 + self.A * math.exp(-0.5 * t * t) * (t * t - 1.0)

    # -- closed-form batched protocol -------------------------------------------------------------
    def _sums(self, x: torch.Tensor):
        x = as_points(x)
        return (0.5 * x * x + self.A * torch.exp(-0.5 * x * x)).mean(-1), x.mean(-1)

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        W, M = self._sums(x)
        return W.unsqueeze(-1) + self.eps_i * M.unsqueeze(-1)

    def loss_at(self, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        W, M = self._sums(x)
        return W.unsqueeze(-1) + self.eps_i[idx] * M.unsqueeze(-1)

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor):
        """grad f_i(x)_j = (w'(x_j) + eps_i)/d, for all requested i at once: [..., b, d]."""
        x = as_points(x)
        e = torch.exp(-0.5 * x * x)
        W = (0.5 * x * x + self.A * e).mean(-1, keepdim=True)
        M = x.mean(-1, keepdim=True)
        wp = (x - self.A * x * e) / self.d                                  # [..., d]
        ei = self.eps_i[idx]                                                # [..., b]
        vals = W + ei * M
        grads = wp.unsqueeze(-2) + (ei / self.d).unsqueeze(-1)
        return vals, grads

    def project(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        m = torch.full_like(x, self.m)
        return torch.where(x >= 0, m, -m)

    def project_candidates(self, x: torch.Tensor) -> torch.Tensor:
        """[..., 2, d]: the projection, and the same with the first tied (zero) coordinate flipped."""
        x = as_points(x)
        p = self.project(x)
        zero = x == 0
        first = zero.to(torch.int8).argmax(-1, keepdim=True)
        mask = torch.zeros_like(zero).scatter_(-1, first, True) & zero.any(-1, keepdim=True)
        return torch.stack([p, torch.where(mask, -p, p)], -2)
