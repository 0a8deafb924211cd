"""The feasible (alpha, beta) region of sampled triples, its best pairs, and the min-T heat-map.

Math. A sample j is a triple (a_j, b_j, c_j) = (<grad f_i(x), x - x_p>, f_i(x) - f_i(x_p), f_i(x) - f_i^*);
the alpha-beta-condition holds at it for (alpha, beta) iff T_j = a_j - alpha b_j + beta c_j >= 0, i.e. iff
(alpha, beta) lies in the half-plane b_j alpha - c_j beta <= a_j. The set of pairs that pass every
sample is the intersection of these half-planes with the window
W = [alpha_min, alpha_max] x [max(beta_min, 0), beta_max] and the gap condition alpha - beta >= min_gap:
a convex polygon (possibly empty), computed by ``numerics.halfplane.intersect`` (candidate reduction by
normal-angle buckets, exact clipping, verification of every sample). A sample with b_j = c_j = 0 is a
half-plane only if a_j < 0, when it empties the region (it then fails for every pair).

Best pairs (all optima at vertices of the polygon):
  * ``max_gap``: maximize alpha - beta; a linear function on a convex polygon attains its maximum at a
    vertex. Ties are broken by smaller beta.
  * ``min_ratio``: minimize beta / (alpha - beta) over the part with alpha - beta > 0. The ratio is
    constant on rays from the origin, so its level sets are lines through the origin and it is both
    quasi-convex and quasi-concave where alpha > beta: the minimum over the polygon is attained at a
    vertex with alpha - beta > 0 (points with alpha = beta are excluded; the paper needs alpha > beta).
    beta / (alpha - beta) is the factor of sigma_int in the stationary-point height bound (THEORY.md 2).
  * ``min_alpha``: minimize alpha (ties: smaller beta); linear, so again a vertex.
Each best pair reports its criterion ``value`` and ``min_margin`` = min_j T_j at that pair.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from numerics.halfplane import intersect
from theory.errors import InputError

Window = tuple[tuple[float, float], tuple[float, float]]
CRITERIA = ("max_gap", "min_ratio", "min_alpha")


@dataclass
class Region:
    """The feasible (alpha, beta) polygon of a sample set (see the module docstring)."""

    vertices: list[tuple[float, float]]
    window: Window
    empty: bool
    best: dict[str, dict | None]
    samples: int
    min_margin: float | None
    min_gap: float = 0.0
    margin_at: str = "max_gap"
    touches_window: list[str] = field(default_factory=list)
    active_samples: list[int] = field(default_factory=list)

    def to_json(self) -> dict:
        """JSON-ready dict with stable snake_case fields."""
        from abcheck import __version__
        (a0, a1), (b0, b1) = self.window
        return {
            "vertices": [[float(a), float(b)] for a, b in self.vertices],
            "window": {"alpha": [a0, a1], "beta": [b0, b1]},
            "empty": self.empty,
            "best": {k: (None if v is None else {kk: float(vv) for kk, vv in v.items()})
                     for k, v in self.best.items()},
            "samples": self.samples,
            "min_margin": self.min_margin,
            "margin_at": self.margin_at,
            "min_gap": self.min_gap,
            "touches_window": list(self.touches_window),
            "active_samples": list(self.active_samples),
            "abcheck_version": __version__,
        }


def _as_samples(a, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        arrs = [np.asarray(v, dtype=float).reshape(-1) for v in (a, b, c)]
    except (TypeError, ValueError) as exc:
        raise InputError(f"samples a, b, c must be numeric arrays ({exc})") from None
    if not (len(arrs[0]) == len(arrs[1]) == len(arrs[2])):
        raise InputError(f"samples a, b, c have different lengths {[len(x) for x in arrs]}")
    for name, arr in zip("abc", arrs):
        if not np.all(np.isfinite(arr)):
            raise InputError(f"sample array {name} contains NaN or infinity")
    return arrs[0], arrs[1], arrs[2]


def _check_window(window) -> Window:
    try:
        (a0, a1), (b0, b1) = window
        a0, a1, b0, b1 = map(float, (a0, a1, b0, b1))
    except (TypeError, ValueError):
        raise InputError(f"window must be ((alpha_min, alpha_max), (beta_min, beta_max)), got {window!r}") from None
    if not all(np.isfinite([a0, a1, b0, b1])) or not (a0 < a1 and b0 < b1):
        raise InputError(f"window must be finite with min < max, got {window!r}")
    return (a0, a1), (b0, b1)


def min_T(a: np.ndarray, b: np.ndarray, c: np.ndarray, alpha: float, beta: float) -> tuple[float, int]:
    """(min_j T_j, argmin j) at one pair; T_j = a_j - alpha b_j + beta c_j."""
    t = a - alpha * b + beta * c
    j = int(np.argmin(t))
    return float(t[j]), j


def best_pairs(poly: np.ndarray) -> dict[str, dict | None]:
    """The three criteria's optimal vertices of a convex polygon (module docstring for why vertices)."""
    if len(poly) == 0:
        return {k: None for k in CRITERIA}
    al, be = poly[:, 0], poly[:, 1]
    gap = al - be
    out: dict[str, dict | None] = {}
    i = int(np.lexsort((be, -gap))[0])
    out["max_gap"] = {"alpha": float(al[i]), "beta": float(be[i]), "value": float(gap[i])}
    ok = np.flatnonzero(gap > 0)
    if len(ok):
        ratio = be[ok] / gap[ok]
        k = int(ok[np.lexsort((be[ok], ratio))[0]])
        out["min_ratio"] = {"alpha": float(al[k]), "beta": float(be[k]), "value": float(be[k] / gap[k])}
    else:
        out["min_ratio"] = None
    i = int(np.lexsort((be, al))[0])
    out["min_alpha"] = {"alpha": float(al[i]), "beta": float(be[i]), "value": float(al[i])}
    return out


def _window_polygon(window: Window, min_gap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The window rectangle (CCW) and the gap half-plane -alpha + beta <= -min_gap."""
    (a0, a1), (b0, b1) = window
    rect = np.array([[a0, b0], [a1, b0], [a1, b1], [a0, b1]], dtype=float)
    return rect, np.array([[-1.0, 1.0]]), np.array([-float(min_gap)])


def feasible_region(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                    c: Sequence[float] | np.ndarray, window: Window = ((0.0, 10.0), (0.0, 10.0)),
                    min_gap: float = 0.0) -> Region:
    """The set {(alpha, beta) in window : alpha - beta >= min_gap, beta >= 0, a_j - alpha b_j + beta c_j >= 0
    for all j} as a counter-clockwise polygon, with the best pairs and the smallest margin at the
    ``max_gap`` pair. Exact up to floating-point rounding: every sample passes every vertex to within a
    relative 1e-9 (``numerics.halfplane``); ``min_margin`` reports the actual smallest T.
    """
    a, b, c = _as_samples(a, b, c)
    (a0, a1), (b0, b1) = _check_window(window)
    if not np.isfinite(min_gap) or min_gap < 0:
        raise InputError(f"min_gap must be a finite number >= 0, got {min_gap!r}")
    b0 = max(b0, 0.0)
    if b0 >= b1:
        raise InputError(f"beta window [{window[1][0]}, {b1}] has no beta >= 0")
    win: Window = ((a0, a1), (b0, b1))
    rect, n_gap, r_gap = _window_polygon(win, min_gap)
    # half-planes b alpha - c beta <= a; zero normals are either void (a >= 0) or fatal (a < 0)
    zero = (b == 0) & (c == 0)
    if np.any(a[zero] < 0):
        poly = rect[:0]
        used = np.flatnonzero(zero & (a < 0))[:1]
    else:
        keep = np.flatnonzero(~zero)
        n = np.concatenate([n_gap, np.stack([b[keep], -c[keep]], axis=1)])
        r = np.concatenate([r_gap, a[keep]])
        poly, used_all = intersect(rect, n, r)
        used = keep[used_all[used_all > 0] - 1]
    empty = len(poly) == 0
    best = best_pairs(poly)
    margin = None
    if not empty and len(a):
        margin, _ = min_T(a, b, c, best["max_gap"]["alpha"], best["max_gap"]["beta"])
    for k, v in best.items():
        if v is not None:
            v["min_margin"] = min_T(a, b, c, v["alpha"], v["beta"])[0] if len(a) else float("inf")
    touches = []
    if not empty:
        eps = 1e-9 * max(1.0, abs(a0), abs(a1), abs(b0), abs(b1))
        for name, hit in (("alpha_min", np.any(np.abs(poly[:, 0] - a0) <= eps)),
                          ("alpha_max", np.any(np.abs(poly[:, 0] - a1) <= eps)),
                          ("beta_min", np.any(np.abs(poly[:, 1] - b0) <= eps)),
                          ("beta_max", np.any(np.abs(poly[:, 1] - b1) <= eps))):
            if hit:
                touches.append(name)
    return Region(vertices=[(float(x), float(y)) for x, y in poly], window=win, empty=empty, best=best,
                  samples=int(len(a)), min_margin=margin, min_gap=float(min_gap),
                  touches_window=touches, active_samples=sorted(set(int(j) for j in used)))


def min_T_grid(a, b, c, alphas, betas) -> np.ndarray:
    """[len(betas), len(alphas)] array of min_j (a_j - alpha b_j + beta c_j), for heat-maps.

    min_j of the linear function (a_j, b_j, c_j) . (1, -alpha, beta) over the samples equals its minimum
    over the vertices of their convex hull in R^3, so large sample sets are first reduced to the hull
    (scipy/qhull); degenerate (flat) sets fall back to the direct minimum in chunks.
    """
    a, b, c = _as_samples(a, b, c)
    al = np.asarray(alphas, dtype=float).reshape(-1)
    be = np.asarray(betas, dtype=float).reshape(-1)
    if len(a) == 0:
        raise InputError("no samples for the min-T grid")
    pts = np.stack([a, b, c], axis=1)
    if len(pts) > 2000:
        try:
            from scipy.spatial import ConvexHull
            pts = pts[ConvexHull(pts).vertices]
        except Exception:  # qhull fails on flat / degenerate sets: keep all samples
            pass
    A, B = np.meshgrid(al, be)                               # [nb, na]
    coef = np.stack([np.ones(A.size), -A.ravel(), B.ravel()], axis=0)  # [3, G]
    out = np.full(A.size, np.inf)
    chunk = max(1, int(2e7 // max(A.size, 1)))
    for s in range(0, len(pts), chunk):
        out = np.minimum(out, (pts[s:s + chunk] @ coef).min(axis=0))
    return out.reshape(A.shape)


def plot_heatmap(a, b, c, path: str, alphas=None, betas=None, min_gap: float = 0.1,
                 region: Region | None = None, title: str | None = None) -> None:
    """PNG heat-map of min_j T_j over an (alpha, beta) grid, as in the paper's figures: pairs with
    alpha - beta < min_gap are masked; the contour min T = 0 and (optionally) the region polygon are drawn.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    if alphas is None:
        hi = region.window[0][1] if region is not None else 10.0
        alphas = np.linspace(region.window[0][0] if region is not None else 0.0, hi, 161)
    if betas is None:
        hi = region.window[1][1] if region is not None else 10.0
        betas = np.linspace(region.window[1][0] if region is not None else 0.0, hi, 161)
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    grid = min_T_grid(a, b, c, alphas, betas)
    A, B = np.meshgrid(alphas, betas)
    masked = np.ma.masked_where(A - B < min_gap, grid)
    fig, ax = plt.subplots(figsize=(6, 5))
    lo, hi = float(np.nanmin(grid)), float(np.nanmax(grid))
    norm = TwoSlopeNorm(vcenter=0.0, vmin=min(lo, -1e-12), vmax=max(hi, 1e-12))
    im = ax.pcolormesh(alphas, betas, masked, cmap="RdBu", norm=norm, shading="auto")
    fig.colorbar(im, ax=ax, label="min over samples of T")
    if lo < 0 < hi:
        ax.contour(alphas, betas, masked, levels=[0.0], colors="k", linewidths=1.0)
    if region is not None and not region.empty:
        v = np.asarray(region.vertices + region.vertices[:1])
        ax.plot(v[:, 0], v[:, 1], "g-", lw=1.5, label="feasible region")
        for k, p in region.best.items():
            if p is not None:
                ax.plot(p["alpha"], p["beta"], "o", ms=4, label=k)
        ax.legend(loc="upper left", fontsize=7)
    ax.set_xlabel("alpha")
    ax.set_ylabel("beta")
    ax.set_title(title or f"min T over {len(np.atleast_1d(a))} samples (alpha - beta >= {min_gap})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
