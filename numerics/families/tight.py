"""Tight families of our own design: a saddle point (``saddle-tight``) and a spurious local minimum
(``localmin-tight``) whose heights are close to the bound beta*sigma_int/(alpha - beta) of THEORY.md §2.

Design (both families). A one-dimensional well profile w(x) plus opposite linear tilts:

    f_i(x, y) = w(x) + eps_i * x + (c/2) |y|^2,     x in R, y in R^(d-1),   eps_i = +eps, -eps, +eps, ...

with n even, so sum_i eps_i = 0 and f(x, y) = w(x) + (c/2)|y|^2. The tilts make the minimizers of the
f_i differ from S (sigma_int > 0) without changing f.

Why alpha = 1 is the natural claim. With alpha = 1 the tilt cancels from T_i, for every x:

    T_i(x, y) = -D(x) + (c/2)|y|^2 + beta (f_i(x, y) - f_i^*),
    D(x)      = w(x) - w(x_p) - w'(x)(x - x_p)            (x_p the first coordinate of the projection),

so the condition reduces EXACTLY to the one-variable inequality beta * min_i (f_i(x, 0) - f_i^*) >= D(x)
(the y-terms are >= 0 and vanish at y = 0), and the smallest feasible beta is

    beta_min = sup_x D(x) / min_i (w(x) + eps_i x - f_i^*).

At a stationary point xbar of w, D(xbar) = w(xbar) - w(x_p) = h (its height) and the denominator is
h + sigma_int when |eps_i| is the same for all i; so the point's own constraint is beta >= h/(h + sigma_int),
i.e. exactly h <= beta sigma_int/(1 - beta): the bound of §2 with equality. The family is tight when the
supremum is attained at that stationary point.

``saddle-tight``: w(x) = x^2/2 + A exp(-x^2/2), A > sqrt(e). Closed forms: S = {(+-m, 0)}, m = sqrt(2 ln A),
f* = 1 + ln A, saddle at the origin of height h = A - 1 - ln A, projection (sign(x) m, 0) with a tie on
x = 0. f_i^* = min_x w(x) - eps x: 1-D Newton, float64, to ~1e-15. The claimed beta puts the bound at
h / tightness (tightness = 1 is exact equality; the default 0.95 leaves margin for rounding).

``localmin-tight`` uses the same profile with an extra tilt kappa x inside w (so -m is the global and +m a
spurious local minimum), but the component tilts act on y_1 instead of x (an x-tilt would change the
relative depth of the two wells per component and spoil tightness):

    f_i(x, y) = w(x) + eps_i y_1 + (c/2)|y|^2,    w(x) = x^2/2 + A exp(-x^2/2) + kappa x.

Then f_i^* = f* - eps^2/(2c) for all i, sigma_int = eps^2/(2c) (closed form), and at alpha = 1, minimising
T_i over y in closed form (y_1 = -beta eps_i/(c(1 + beta))) gives the exact one-variable margin

    min_y T_i = -D(x) + beta (w(x) - f*) + beta sigma_int/(1 + beta),    D as above with x_p = x_g.

At a stationary point of height h this needs h (1 - beta) <= beta sigma_int/(1 + beta): the bound of §2
up to the factor 1/(1 + beta), so a small claimed beta makes the family nearly tight. The family takes
beta as a parameter and sets sigma_int (hence eps) to the smallest value that the one-variable margin
allows, times (1 + slack); the stationary points of w (scan + Newton, ~1e-14) are reported with their
heights. The spurious minimum's height is below the saddle's (mountain pass), so its ratio to the bound
is largest near the fold of the two wells (kappa close to the value where the spurious minimum vanishes).

L: |w''(x)| = |1 + A e^{-x^2/2}(x^2 - 1)| <= max(A - 1, 1 + 2 A e^{-3/2}) (the extremes of (x^2-1)e^{-x^2/2}
are -1 at 0 and 2 e^{-3/2} at x^2 = 3); the y-block has curvature c. So L = max(A - 1, 1 + 2A e^{-3/2}, c).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from numerics.families._common import (as_points, check_float, check_int, stationary_points_1d, tied_in_set)
from numerics.problem import DTYPE, Membership, Problem, StationaryPoint
from theory.errors import InputError

GRID = 40001          # 1-D grid for the exact reduction of the margin
XMAX = 12.0           # |x| range of the 1-D grid; beyond it D(x) < 0 (w convex for |x| >= 1)


class _TiltedWell(Problem):
    """Common machinery: f_i(x, y) = w(x) + eps_i x + (c/2)|y|^2 (see the module docstring)."""

    def _setup(self, *, n: int, d: int, A: float, eps: float, c: float, kappa: float) -> None:
        self.n, self.d = n, d
        self.A, self.eps, self.c, self.kappa = A, eps, c, kappa
        self.eps_i = torch.tensor([eps if i % 2 == 0 else -eps for i in range(n)], dtype=DTYPE)
        self.L = max(A - 1.0, 1.0 + 2.0 * A * math.exp(-1.5), c)
        # f_i^* = min_x w(x) + eps_i x  (only two distinct values, +eps and -eps)
        stars = {}
        for e in (eps, -eps):
            xs = stationary_points_1d(lambda t, e=e: self._wp(t) + e, self._wpp_scalar, -XMAX, XMAX)
            stars[e] = min(self._w_scalar(t) + e * t for t in xs)
        self.f_star_i = torch.tensor([stars[float(e)] for e in self.eps_i.tolist()], dtype=DTYPE)

    # w and its derivatives (numpy, for the 1-D computations)
    def _w(self, t):
        return 0.5 * t ** 2 + self.A * np.exp(-0.5 * t ** 2) + self.kappa * t

    def _wp(self, t):
        return t - self.A * t * np.exp(-0.5 * t ** 2) + self.kappa

    def _w_scalar(self, t: float) -> float:
        return float(self._w(np.float64(t)))

    def _wpp_scalar(self, t: float) -> float:
        return 1.0 + self.A * math.exp(-0.5 * t * t) * (t * t - 1.0)

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        u, y = x[..., :1], x[..., 1:]
        w = 0.5 * u ** 2 + self.A * torch.exp(-0.5 * u ** 2) + self.kappa * u
        return w + self.eps_i * u + 0.5 * self.c * (y ** 2).sum(-1, keepdim=True)

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor):
        """Closed form: grad f_i = (w'(x) + eps_i, c y)."""
        x = as_points(x)
        u = x[..., :1]
        wp = u - self.A * u * torch.exp(-0.5 * u ** 2) + self.kappa            # [..., 1]
        e = self.eps_i[idx]                                                     # [..., b]
        vals = self.loss_at(x, idx)
        g = x.unsqueeze(-2).expand(*idx.shape, self.d).clone() * self.c
        g[..., 0] = wp + e
        return vals, g

    # the exact 1-D reduction of the margin at alpha = 1
    def _reduced(self, t: np.ndarray, xp: np.ndarray):
        D = self._w(t) - self._w(xp) - self._wp(t) * (t - xp)
        den = np.min([self._w(t) + e * t - s for e, s in zip(self.eps_i.tolist(), self.f_star_i.tolist())], axis=0)
        return D, den

    def _xp_1d(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def reduced_margin(self, beta: float, t: np.ndarray | None = None) -> tuple[float, float]:
        """min over the 1-D grid (|x| <= XMAX, y = 0) of the margin beta*den(x) - D(x) at alpha = 1, and
        where; by the reduction this is the smallest margin over the whole space up to grid resolution."""
        t = np.linspace(-XMAX, XMAX, GRID) if t is None else t
        best = None
        for xp in self._xp_candidates_1d(t):
            D, den = self._reduced(t, xp)
            mg = beta * den - D
            best = mg if best is None else np.maximum(best, mg)
        k = int(np.argmin(best))
        return float(best[k]), float(t[k])

    def _xp_candidates_1d(self, t):
        raise NotImplementedError


class SaddleTight(_TiltedWell):
    """``saddle-tight``: a saddle at the origin of height exactly beta*sigma_int/(alpha - beta) * tightness."""

    def __init__(self, A: float = 3.0, eps: float = 0.3, c: float = 1.0, tightness: float = 0.95,
                 n: int = 2, d: int = 2) -> None:
        A = check_float("A", A, math.exp(0.5), 1e3, open_lo=True)
        eps = check_float("eps", eps, 0.0, 10.0, open_lo=True)
        c = check_float("c", c, 0.0, 1e3, open_lo=True)
        tightness = check_float("tightness", tightness, 0.0, 1.0, open_lo=True)
        n = check_int("n", n, 2, 10_000)
        d = check_int("d", d, 2, 10_000)
        if n % 2:
            raise InputError(f"parameter n must be even (tilts come in +eps/-eps pairs), got {n}")
        self.name = "saddle-tight"
        self.params = {"A": A, "eps": eps, "c": c, "tightness": tightness, "n": n, "d": d}
        self._setup(n=n, d=d, A=A, eps=eps, c=c, kappa=0.0)
        self.m = math.sqrt(2.0 * math.log(A))
        self.f_star = 1.0 + math.log(A)
        h = A - 1.0 - math.log(A)
        self.minimizers = torch.zeros(2, d, dtype=DTYPE)
        self.minimizers[0, 0], self.minimizers[1, 0] = -self.m, self.m
        sigma = self.sigma_int
        beta = h / (h + tightness * sigma)
        margin, where = self.reduced_margin(beta)
        self.membership = Membership(
            alpha=1.0, beta=beta, status="sampled", min_margin=margin, samples=GRID,
            worst_point=(where,) + (0.0,) * (d - 1),
            method=("exact reduction to one variable at alpha = 1 (see numerics/families/tight.py), "
                    f"margin sampled on a {GRID}-point grid of x in [-{XMAX}, {XMAX}] with y = 0"),
            command=f"computed at construction: get_problem('saddle-tight', **{self.params})")
        self.stationary_points = (StationaryPoint(location=(0.0,) * d, height=h, kind="saddle"),)
        self.domain = None
        self.x0 = torch.zeros(d, dtype=DTYPE)
        self.x0[1] = 2.0
        self.description = ("tilted double well: f_i = x^2/2 + A exp(-x^2/2) + eps_i x + c|y|^2/2; saddle at 0 "
                            f"of height {h:.6g} = {tightness:g} x beta*sigma_int/(alpha-beta)")

    def project(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        p = torch.zeros_like(x)
        m = torch.full_like(x[..., 0], self.m)
        p[..., 0] = torch.where(x[..., 0] >= 0, m, -m)
        return p

    def project_candidates(self, x: torch.Tensor) -> torch.Tensor:
        return tied_in_set(self.minimizers, as_points(x))

    def _xp_candidates_1d(self, t):
        return [np.where(t >= 0, self.m, -self.m), np.where(t > 0, self.m, -self.m)]


class LocalMinTight(Problem):
    """``localmin-tight``: a spurious local minimum whose height is a large fraction of the bound."""

    def __init__(self, A: float = 3.0, kappa: float = 0.9, beta: float = 0.05, c: float = 1.0,
                 slack: float = 1e-3, n: int = 2, d: int = 2) -> None:
        A = check_float("A", A, math.exp(0.5), 1e3, open_lo=True)
        kappa = check_float("kappa", kappa, 0.0, 10.0, open_lo=True)
        beta = check_float("beta", beta, 0.0, 0.99, open_lo=True)
        c = check_float("c", c, 0.0, 1e3, open_lo=True)
        slack = check_float("slack", slack, 0.0, 1.0)
        n = check_int("n", n, 2, 10_000)
        d = check_int("d", d, 2, 10_000)
        if n % 2:
            raise InputError(f"parameter n must be even (tilts come in +eps/-eps pairs), got {n}")
        self.name, self.n, self.d = "localmin-tight", n, d
        self.params = {"A": A, "kappa": kappa, "beta": beta, "c": c, "slack": slack, "n": n, "d": d}
        self.A, self.kappa, self.c = A, kappa, c
        xs = stationary_points_1d(self._wp, self._wpp, -XMAX, XMAX)
        if len(xs) != 3:
            raise InputError(f"localmin-tight needs three stationary points of w; A={A}, kappa={kappa} give "
                             f"{len(xs)} (lower kappa or raise A)")
        vals = [float(self._w(np.float64(t))) for t in xs]
        g = int(np.argmin(vals))
        self.xg, self.f_star = xs[g], vals[g]
        # smallest sigma with  beta*sigma/(1+beta) >= max_x [D(x) - beta (w(x) - f*)]  on the grid,
        # the max refined by a bounded scalar maximisation around the best grid point
        t = np.linspace(-XMAX, XMAX, GRID)
        need = self._need(t, beta)
        k = int(np.argmax(need))
        from scipy.optimize import minimize_scalar
        res = minimize_scalar(lambda s: -float(self._need(np.array([s]), beta)[0]),
                              bounds=(t[max(k - 1, 0)], t[min(k + 1, GRID - 1)]), method="bounded",
                              options={"xatol": 1e-13})
        top = max(float(need[k]), -float(res.fun))
        sigma = (1.0 + beta) / beta * top * (1.0 + slack)
        self.eps = math.sqrt(2.0 * c * sigma)
        self.eps_i = torch.tensor([self.eps if i % 2 == 0 else -self.eps for i in range(n)], dtype=DTYPE)
        self.f_star_i = torch.full((n,), self.f_star - sigma, dtype=DTYPE)
        self.L = max(A - 1.0, 1.0 + 2.0 * A * math.exp(-1.5), c)
        self.minimizers = torch.zeros(1, d, dtype=DTYPE)
        self.minimizers[0, 0] = self.xg
        sps = []
        for x, v in zip(xs, vals):
            if x != self.xg:
                kind = "local_min" if self._wpp(x) > 0 else "saddle"
                sps.append(StationaryPoint(location=(x,) + (0.0,) * (d - 1), height=v - self.f_star, kind=kind))
        self.stationary_points = tuple(sps)
        margin_1d = beta * sigma / (1.0 + beta) - need
        kk = int(np.argmin(margin_1d))
        ystar = -beta * self.eps / (c * (1.0 + beta))
        self.membership = Membership(
            alpha=1.0, beta=beta, status="sampled", min_margin=float(margin_1d[kk]), samples=GRID,
            worst_point=(float(t[kk]), ystar) + (0.0,) * (d - 2),
            method=("exact reduction to one variable at alpha = 1 with y minimised in closed form (see "
                    f"numerics/families/tight.py), margin sampled on a {GRID}-point grid of x in [-{XMAX}, {XMAX}]"),
            command=f"computed at construction: get_problem('localmin-tight', **{self.params})")
        self.domain = None
        self.x0 = torch.zeros(d, dtype=DTYPE)
        self.x0[0] = xs[-1] + 0.5
        bound = beta * sigma / (1.0 - beta)
        hl = [p.height for p in sps if p.kind == "local_min"][0]
        self.tightness = hl / bound
        self.description = ("tilted asymmetric double well: f_i = x^2/2 + A exp(-x^2/2) + kappa x + eps_i y_1 + "
                            f"c|y|^2/2; spurious local minimum of height {hl:.6g} = "
                            f"{self.tightness:.3f} x beta*sigma_int/(alpha-beta)")

    def _w(self, t):
        return 0.5 * t ** 2 + self.A * np.exp(-0.5 * t ** 2) + self.kappa * t

    def _wp(self, t):
        return t - self.A * t * np.exp(-0.5 * t ** 2) + self.kappa

    def _wpp(self, t: float) -> float:
        return 1.0 + self.A * math.exp(-0.5 * t * t) * (t * t - 1.0)

    def _need(self, t: np.ndarray, beta: float) -> np.ndarray:
        """D(x) - beta (w(x) - f*), D(x) = w(x) - w(x_g) - w'(x)(x - x_g)."""
        D = self._w(t) - self.f_star - self._wp(t) * (t - self.xg)
        return D - beta * (self._w(t) - self.f_star)

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        u, y = x[..., :1], x[..., 1:]
        w = 0.5 * u ** 2 + self.A * torch.exp(-0.5 * u ** 2) + self.kappa * u
        return w + self.eps_i * y[..., :1] + 0.5 * self.c * (y ** 2).sum(-1, keepdim=True)

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor):
        """Closed form: grad f_i = (w'(x), c y + eps_i e_1)."""
        x = as_points(x)
        u = x[..., :1]
        wp = u - self.A * u * torch.exp(-0.5 * u ** 2) + self.kappa
        vals = self.loss_at(x, idx)
        g = x.unsqueeze(-2).expand(*idx.shape, self.d).clone() * self.c
        g[..., 0] = wp.expand(idx.shape)
        g[..., 1] = g[..., 1] + self.eps_i[idx]
        return vals, g

    def project(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        return self.minimizers[0].expand_as(x).clone()
