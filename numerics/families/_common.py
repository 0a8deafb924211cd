"""Helpers shared by the families: projections onto finite sets and onto parallel hyperplanes, 1-D root
refinement, parameter checks. Nothing here is a family."""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from numerics.problem import DTYPE
from theory.errors import InputError

TIE_TOL = 1e-9   # relative tolerance on squared distances under which two points of S count as tied


def as_points(x: torch.Tensor) -> torch.Tensor:
    """x as a float64 tensor (no copy when already float64)."""
    return torch.as_tensor(x, dtype=DTYPE)


def nearest_in_set(points: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Nearest point of the finite set ``points`` [k, d] to each x [..., d] (first one on ties)."""
    d2 = ((x.unsqueeze(-2) - points) ** 2).sum(-1)                    # [..., k]
    j = d2.argmin(-1)
    return points[j]


def tied_in_set(points: torch.Tensor, x: torch.Tensor, tol: float = TIE_TOL) -> torch.Tensor:
    """All points of the finite set [k, d] at (nearly) minimal distance from each x: [..., k, d]; entries
    that are not tied are replaced by the nearest point, so the shape is fixed."""
    d2 = ((x.unsqueeze(-2) - points) ** 2).sum(-1)                    # [..., k]
    m = d2.min(-1, keepdim=True).values
    tied = d2 <= m * (1 + tol) + tol
    near = nearest_in_set(points, x).unsqueeze(-2)
    return torch.where(tied.unsqueeze(-1), points.expand(*x.shape[:-1], *points.shape), near)


def newton_1d(fp: Callable[[float], float], fpp: Callable[[float], float], x: float,
              tol: float = 1e-15, it: int = 100) -> float:
    """Newton's method on fp(x) = 0 (a stationary point of the primitive), float64."""
    for _ in range(it):
        h = fpp(x)
        if h == 0:
            break
        step = fp(x) / h
        x -= step
        if abs(step) <= tol * max(1.0, abs(x)):
            break
    return x


def stationary_points_1d(fp: Callable[[np.ndarray], np.ndarray], fpp: Callable[[float], float],
                         lo: float, hi: float, grid: int = 20001) -> list[float]:
    """All sign changes of fp on a uniform grid of [lo, hi], each refined by Newton (falls back to the
    bisection midpoint when Newton leaves the bracket). Accurate to about 1e-14 for simple roots."""
    t = np.linspace(lo, hi, grid)
    v = fp(t)
    roots = []
    for k in np.nonzero(np.sign(v[:-1]) * np.sign(v[1:]) <= 0)[0]:
        a, b = t[k], t[k + 1]
        if v[k] == 0 and k > 0 and roots and abs(roots[-1] - a) < 1e-12:
            continue
        # bisection to narrow, then Newton
        fa = float(fp(np.array([a]))[0])
        for _ in range(60):
            c = 0.5 * (a + b)
            fc = float(fp(np.array([c]))[0])
            if fc == 0:
                a = b = c
                break
            if math.copysign(1, fc) == math.copysign(1, fa):
                a, fa = c, fc
            else:
                b = c
        r = newton_1d(lambda s: float(fp(np.array([s]))[0]), fpp, 0.5 * (a + b))
        if not (t[k] - 1e-9 <= r <= t[k + 1] + 1e-9):
            r = 0.5 * (a + b)
        if not roots or abs(r - roots[-1]) > 1e-9:
            roots.append(r)
    return roots


def check_int(name: str, v, lo: int, hi: int) -> int:
    """An integer parameter in [lo, hi] or InputError."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= int(v) <= hi:
        raise InputError(f"parameter {name} must be an integer in [{lo}, {hi}], got {v!r}")
    return int(v)


def check_float(name: str, v, lo: float = -math.inf, hi: float = math.inf, *, open_lo: bool = False) -> float:
    """A finite float parameter in [lo, hi] (or (lo, hi] with open_lo) or InputError."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise InputError(f"parameter {name} must be a number, got {v!r}") from None
    if not math.isfinite(f) or f < lo or f > hi or (open_lo and f == lo):
        br = "(" if open_lo else "["
        raise InputError(f"parameter {name} must be a finite number in {br}{lo}, {hi}], got {v!r}")
    return f


class LazyMembership:
    """Mixin: ``membership`` is measured on first access (``measure_membership()``) unless set or stored."""

    _membership = None

    @property
    def membership(self):
        if self._membership is None:
            self._membership = self.measure_membership()
        return self._membership

    @membership.setter
    def membership(self, m) -> None:
        self._membership = m


def newton(fgh, x: np.ndarray, iterations: int, step_tol: float, final_tol: float) -> np.ndarray | None:
    """Newton's method on grad f = 0 from x, with fgh(x) -> (f, grad, Hessian); None if it diverges, hits a
    singular Hessian, or ends with ||grad|| > final_tol (stops early once ||grad|| <= step_tol)."""
    for _ in range(iterations):
        _, g, H = fgh(x)
        if np.linalg.norm(g) <= step_tol:
            return x
        try:
            x = x - np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(x)) or np.linalg.norm(x) > 1e6:
            return None
    return x if np.linalg.norm(fgh(x)[1]) <= final_tol else None


def classified_stationary_point(z, height: float, hessian):
    """A StationaryPoint at z, typed by the eigenvalues of the (symmetrised) Hessian there."""
    from numerics.problem import StationaryPoint
    ev = np.linalg.eigvalsh(0.5 * (hessian + hessian.T))
    kind = "local_min" if ev.min() > 0 else ("local_max" if ev.max() < 0 else "saddle")
    return StationaryPoint(location=tuple(float(t) for t in z), height=float(height), kind=kind)
