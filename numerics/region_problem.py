"""The (alpha, beta) region of a problem: sampled for any problem, certified for paper-ex1.

Sampled. Triples (a, b, c) = (<grad f_i(x), x - x_p>, f_i(x) - f_i(x_p), f_i(x) - f_i^*) at every sample
point x and every i, from the dense and adversarial points of ``numerics.certify.sample_points``; x_p is
``problem.project(x)`` (at the rare exact ties of a finite S this fixes one nearest point, so the
sampled region is then a subset of the one that may pick the best tie). The polygon is exact for these
samples (``numerics.region.feasible_region``); for the function it is an outer approximation, "sampled".

Certified (paper-ex1, see ``numerics.exact_ex1``). P_i(s) = A_i(s) + beta B_i(s) with
B_i = u^2(u^2 + 1) >= 0, so the smallest feasible beta at a given alpha is
beta_min(alpha) = max_i sup_s -A_i(s)/B_i(s) (the s -> infinity limit is alpha (1 - phi(s_p + a_i))).
It is estimated numerically, then bracketed: beta_hi = estimate + delta is *proved* feasible and
beta_lo = estimate - delta is *proved* infeasible (exact witness), so the boundary is known to within
2 delta at each grid alpha. The exact region is convex (an intersection of half-planes, one per s and i),
so the polygon through the proved-feasible points (alpha_k, beta_hi_k), closed by the window's top edge
and clipped to the window and alpha - beta >= min_gap, lies inside it: every pair in it satisfies the
condition. Its best pairs are re-checked exactly.
"""
from __future__ import annotations

import numpy as np

from numerics.region import Region, Window, best_pairs, feasible_region
from theory.errors import InputError


def problem_triples(problem, samples: int = 20_000, seed: int = 0):
    """(a, b, c) flattened over sample points and i, and the points [P, d] (torch float64)."""
    import torch
    from numerics.certify import sample_points
    x, _box = sample_points(problem, samples, seed)
    xp = problem.project(x)
    idx = torch.arange(problem.n).expand(x.shape[0], problem.n)
    out_a, out_b, out_c = [], [], []
    for k in range(0, x.shape[0], 20000):
        xs, ps, ii = x[k:k + 20000], xp[k:k + 20000], idx[k:k + 20000]
        vals, grads = problem.grad_at(xs, ii)
        a = (grads * (xs - ps).unsqueeze(-2)).sum(-1)
        out_a.append(a)
        out_b.append(vals - problem.loss_at(ps, ii))
        out_c.append(vals - problem.f_star_i)
    a, b, c = (torch.cat(t).reshape(-1).numpy() for t in (out_a, out_b, out_c))
    bad = ~(np.isfinite(a) & np.isfinite(b) & np.isfinite(c))
    if bad.any():   # a problem that returns NaN/inf is malformed: say where, never drop silently
        j = int(np.flatnonzero(bad)[0])
        pt, i = divmod(j, problem.n)
        raise InputError(f"{problem.name}: non-finite loss or gradient of f_{i} at x = "
                         f"{[round(float(v), 6) for v in x[pt]][:6]}")
    return a, b, c, x


def sampled_region(problem, samples: int = 20_000, seed: int = 0,
                   window: Window = ((0.0, 10.0), (0.0, 10.0)), min_gap: float = 0.0) -> tuple[Region, tuple]:
    """The exact feasible polygon of the sampled triples (status "sampled") and the triples."""
    a, b, c, _x = problem_triples(problem, samples, seed)
    return feasible_region(a, b, c, window=window, min_gap=min_gap), (a, b, c)


# -- paper-ex1: certified boundary --------------------------------------------------------------------
def _ex1_beta_estimate(shifts, s_p: float, alpha: float) -> float:
    """max_i sup_s -A_i(s)/B_i(s) on a dense s-grid refined by bounded scalar maximization."""
    from scipy.optimize import minimize_scalar
    best = -np.inf
    sg = s_p + np.concatenate([np.linspace(-30, 30, 6001), np.geomspace(30, 1e7, 300), -np.geomspace(30, 1e7, 300)])

    def ratio(s, a_i):
        u = s + a_i
        up = s_p + a_i
        php = up * up / (up * up + 1)
        A = 2 * u * (s - s_p) - alpha * (u * u * (u * u + 1) - php * (u * u + 1) ** 2)
        B = u * u * (u * u + 1)
        return np.where(B > 0, -A / np.where(B > 0, B, 1.0), -np.inf)

    for a_i in shifts:
        up = s_p + a_i
        best = max(best, alpha * (1 - up * up / (up * up + 1)))            # the s -> infinity limit
        r = ratio(sg, a_i)
        k = int(np.argmax(r))
        best = max(best, float(r[k]))
        lo, hi = sg[max(k - 1, 0)], sg[min(k + 1, len(sg) - 1)]
        if hi > lo:
            res = minimize_scalar(lambda s: -float(ratio(np.array([s]), a_i)[0]), bounds=(min(lo, hi), max(lo, hi)),
                                  method="bounded", options={"xatol": 1e-13})
            best = max(best, -float(res.fun))
    return best


def _ex1_alpha_min(red: dict, lo: float, hi: float, min_gap: float) -> float | None:
    """The smallest alpha in [lo, hi] with estimated beta_min(alpha) <= alpha - min_gap (bisection on the
    numerical estimate; the certified points are then computed above it), or None if none in range."""
    def gap(al: float) -> float:
        return (al - min_gap) - _ex1_beta_estimate(red["shifts"], red["s_p"], al)
    if gap(hi) < 0:
        return None
    if gap(lo) >= 0:
        return lo
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) < 0 else (lo, mid)
    return hi


def ex1_boundary(problem, alphas, precision: float = 1e-6) -> list[dict]:
    """For each alpha: beta_hi (proved feasible), beta_lo (proved infeasible, with witness s) with
    beta_hi - beta_lo <= 2 * precision * max(1, beta), or ``beta_hi=None`` when no beta < alpha works."""
    from numerics.certify import ex1_reduction
    from numerics.exact_ex1 import decide
    red = ex1_reduction(problem)
    if red is None:
        raise InputError(f"{getattr(problem, 'name', problem)} has no exact reduction for a certified region")
    out = []
    for al in np.asarray(alphas, dtype=float):
        est = max(_ex1_beta_estimate(red["shifts"], red["s_p"], float(al)), 0.0)
        delta = precision * max(1.0, est)
        row = {"alpha": float(al), "beta_hi": None, "beta_lo": None, "witness_s": None, "estimate": est}
        for _ in range(8):
            hi = est + delta
            if hi >= al:
                break
            ok_hi, _ = decide(red["shifts"], red["s_p"], float(al), hi)
            if ok_hi:
                row["beta_hi"] = hi
                break
            delta *= 4
        lo = est - delta
        if lo >= 0:
            ok_lo, det = decide(red["shifts"], red["s_p"], float(al), lo)
            if not ok_lo:
                row["beta_lo"] = lo
                row["witness_s"] = next(p["witness_s"] for p in det if not p["holds"])
        else:
            row["beta_lo"] = None       # beta = 0 side: nothing below to refute
        out.append(row)
    return out


def ex1_certified_region(problem, window: Window = ((0.0, 10.0), (0.0, 10.0)), min_gap: float = 0.0,
                         n_alpha: int = 41, precision: float = 1e-6) -> tuple[Region, list[dict]]:
    """The certified inner polygon of paper-ex1 (module docstring) and the boundary rows."""
    from numerics.exact_ex1 import decide
    from numerics.halfplane import clip
    from numerics.certify import ex1_reduction
    (a0, a1), (b0, b1) = window
    alphas = np.linspace(max(a0, 1e-9), a1, n_alpha)
    red = ex1_reduction(problem)
    a_min = _ex1_alpha_min(red, max(a0, 1e-9), a1, min_gap)
    if a_min is not None:      # densify near the smallest feasible alpha (where the boundary bends)
        alphas = np.unique(np.concatenate([alphas[alphas > a_min], a_min * (1 + np.geomspace(1e-4, 1.0, 12))]))
        alphas = alphas[alphas <= a1]
    rows = ex1_boundary(problem, alphas, precision)
    pts = [(r["alpha"], r["beta_hi"]) for r in rows if r["beta_hi"] is not None and r["beta_hi"] <= b1]
    poly = np.zeros((0, 2))
    if pts:
        p = np.array(pts + [(pts[-1][0], b1), (pts[0][0], b1)])
        from scipy.spatial import ConvexHull
        try:
            poly = p[ConvexHull(p).vertices]           # CCW, convex hull of proved-feasible points
        except Exception:
            poly = np.zeros((0, 2))
        scale = max(1.0, float(np.abs(p).max()))
        for n, r in (((-1.0, 0.0), -a0), ((1.0, 0.0), a1), ((0.0, -1.0), -max(b0, 0.0)), ((0.0, 1.0), b1),
                     ((-1.0, 1.0), -min_gap)):
            poly = clip(poly, np.array(n), r, scale)
    best = best_pairs(poly)
    for v in best.values():
        if v is not None:
            ok = v["alpha"] > v["beta"] and decide(red["shifts"], red["s_p"], v["alpha"], v["beta"])[0]
            v["certified"] = float(ok)
    region = Region(vertices=[(float(x), float(y)) for x, y in poly], window=((a0, a1), (max(b0, 0.0), b1)),
                    empty=len(poly) == 0, best=best, samples=0, min_margin=None, min_gap=min_gap,
                    margin_at="none (exact)")
    return region, rows
