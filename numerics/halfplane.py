"""Intersection of many half-planes n_j . p <= r_j (in R^2) with a convex polygon, fast for 10^6 of them.

Math (polar duality). Let W be a convex polygon (the window), written as half-planes too. If p0 is a
point with n_j . p0 + rho |n_j| <= r_j for every j and some rho > 0 (strictly inside), then with
s_j = r_j - n_j . p0 > 0 the half-plane reads n_j . (p - p0) <= s_j, and its dual point is
d_j = n_j / s_j. A half-plane is a facet (an edge) of the intersection P iff its dual point is a vertex
of the convex hull of all dual points, and consecutive hull vertices (counter-clockwise) give
consecutive edges of P, whose crossing points are the vertices of P (counter-clockwise).

Steps:
  1. p0: the Chebyshev centre (max rho) by linear programming (scipy HiGHS) with constraint generation:
     solve on a subset, add the 500 most violated half-planes, repeat until none is violated.
     rho < 0: P is empty. rho ~ 0 (relative 1e-9): P is a segment or a point; computed by clipping.
  2. Hull of the dual points: sort by angle around the origin (which is strictly inside the hull), then
     delete every point at which the chain makes a non-left turn, in vectorized passes (such a point
     lies in the triangle of the origin and its two neighbours, so it is not a hull vertex; deleting
     non-extreme points never changes the hull), finishing with a sequential Graham scan.
  3. Crossing points of consecutive facets: 2x2 linear solves.
  4. Verification of every half-plane at the polygon's vertices via the support function; any
     violated (beyond a relative 1e-9) is clipped in. Rounding is the only source of error: every
     sample passes every vertex to within 1e-9 (|a_j| + |(b_j, c_j)| * window scale).
"""
from __future__ import annotations

import numpy as np

CLIP_TOL = 1e-12      # relative tolerance for "vertex inside a half-plane" while clipping
VERIFY_TOL = 1e-9     # relative tolerance of the final verification (rounding of near-parallel edges; > CLIP_TOL)
DEGENERATE = 1e-9     # rho below DEGENERATE * scale: the intersection has (almost) no interior


def polygon_area(poly: np.ndarray) -> float:
    """Signed area (shoelace), positive for counter-clockwise vertex order."""
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _dedupe(poly: np.ndarray, eps: float) -> np.ndarray:
    """Drop (cyclically) consecutive vertices closer than eps in max-norm."""
    if len(poly) <= 1:
        return poly
    d = np.max(np.abs(np.diff(poly, axis=0)), axis=1)
    keep = np.concatenate([[True], d > eps])
    poly = poly[keep]
    if len(poly) > 1 and np.max(np.abs(poly[-1] - poly[0])) <= eps:
        poly = poly[:-1]
    return poly


def clip(poly: np.ndarray, n: np.ndarray, r: float, scale: float) -> np.ndarray:
    """Sutherland-Hodgman, vectorized: the part of the convex polygon ``poly`` (CCW) with n . p <= r."""
    if len(poly) == 0:
        return poly
    s = poly @ n - r
    tol = CLIP_TOL * (abs(r) + float(np.hypot(*n)) * scale)
    inside = s <= tol
    if inside.all():
        return poly
    if not inside.any():
        return poly[:0]
    nxt = np.roll(np.arange(len(poly)), -1)
    cross = inside != inside[nxt]
    t = np.where(cross, s / np.where(cross, s - s[nxt], 1.0), 0.0)
    inter = poly + t[:, None] * (poly[nxt] - poly)
    pts = np.stack([poly, inter], axis=1).reshape(-1, 2)       # vertex i, then crossing on edge i
    mask = np.stack([inside, cross], axis=1).reshape(-1)
    return _dedupe(pts[mask], 1e-15 * scale)


def support_violation(poly: np.ndarray, n: np.ndarray, r: np.ndarray) -> np.ndarray:
    """max over the convex polygon of n_j . p - r_j, for every j (n [N, 2], r [N]).

    The maximum of a linear function over a convex polygon is attained at a vertex: the start vertex of
    the first edge whose outward normal angle is >= the angle of n_j. We evaluate it and its neighbours
    (robust to rounding in nearly collinear edges). Small polygons are done by brute force.
    """
    m = len(poly)
    if m == 0:
        return np.full(len(r), -np.inf)
    n0, n1 = np.ascontiguousarray(n[:, 0]), np.ascontiguousarray(n[:, 1])
    if m <= 16:
        best = n0 * poly[0, 0] + n1 * poly[0, 1]
        tmp = np.empty_like(best)
        for v in poly[1:]:
            np.multiply(n0, v[0], out=tmp)
            tmp += n1 * v[1]
            np.maximum(best, tmp, out=best)
        return best - r
    e = np.roll(poly, -1, axis=0) - poly                    # edge k: v_k -> v_{k+1}
    phi = np.arctan2(-e[:, 0], e[:, 1])                     # angle of the outward normal (e_y, -e_x)
    order = np.argsort(phi)
    theta = np.arctan2(n[:, 1], n[:, 0])
    k = order[np.searchsorted(phi[order], theta) % m]
    best = np.full(len(r), -np.inf)
    for shift in (-2, -1, 0, 1, 2):
        v = poly[(k + shift) % m]
        best = np.maximum(best, n[:, 0] * v[:, 0] + n[:, 1] * v[:, 1])
    return best - r


def _polygon_halfplanes(poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The edges of a CCW convex polygon as half-planes n . p <= r (outward normals)."""
    e = np.roll(poly, -1, axis=0) - poly
    n = np.stack([e[:, 1], -e[:, 0]], axis=1)
    return n, np.einsum("ij,ij->i", n, poly)


def chebyshev_center(n: np.ndarray, r: np.ndarray, seed_idx: np.ndarray, batch: int = 500,
                     max_rounds: int = 500) -> tuple[np.ndarray, float]:
    """(p0, rho) maximizing rho subject to n_j . p + rho |n_j| <= r_j for all j (rows of n nonzero),
    by constraint generation on top of the always-included rows ``seed_idx`` (which must bound the LP)."""
    from scipy.optimize import linprog
    norm = np.hypot(n[:, 0], n[:, 1])
    nu, ru = n / norm[:, None], r / norm
    active = np.zeros(len(r), dtype=bool)
    active[seed_idx] = True
    for _ in range(max_rounds):
        idx = np.flatnonzero(active)
        A = np.column_stack([nu[idx], np.ones(len(idx))])
        res = linprog(c=[0.0, 0.0, -1.0], A_ub=A, b_ub=ru[idx], bounds=[(None, None)] * 3, method="highs")
        if res.status != 0:  # pragma: no cover - the seed rows keep the LP bounded and feasible
            raise RuntimeError(f"Chebyshev-centre LP failed: {res.message}")
        p, rho = res.x[:2], float(res.x[2])
        viol = nu @ p + rho - ru
        scale = 1.0 + np.abs(ru)
        bad = np.flatnonzero((viol > 1e-12 * scale) & ~active)
        if len(bad) == 0:
            return p, rho
        if len(bad) > batch:
            bad = bad[np.argpartition(-viol[bad], batch)[:batch]]
        active[bad] = True
    raise RuntimeError("Chebyshev-centre constraint generation did not converge")  # pragma: no cover


def _prefilter(d: np.ndarray, k: int = 8) -> np.ndarray:
    """Indices of the points not strictly inside the polygon Q spanned by the extreme points of d in k
    directions (Akl-Toussaint): points strictly inside Q, a subset of the hull, are not hull vertices."""
    if len(d) < 64:
        return np.arange(len(d))
    t = np.linspace(0, 2 * np.pi, k, endpoint=False)
    d0, d1 = np.ascontiguousarray(d[:, 0]), np.ascontiguousarray(d[:, 1])
    ext = np.unique([int(np.argmax(d0 * np.cos(ti) + d1 * np.sin(ti))) for ti in t])   # extreme per direction
    q = d[ext]
    q = q[np.argsort(np.arctan2(q[:, 1], q[:, 0]))]      # CCW around the origin (inside Q)
    if len(q) < 3:
        return np.arange(len(d))
    e = np.roll(q, -1, axis=0) - q
    inside = np.ones(len(d), dtype=bool)
    for i in range(len(q)):
        # left of edge i: e_x (y - q_y) - e_y (x - q_x) > tol, i.e. e_x y - e_y x > e_x q_y - e_y q_x + tol
        tol = 1e-12 * (np.abs(e[i]).sum() * (np.abs(q[i]).sum() + 1.0))
        inside &= (e[i, 0] * d1 - e[i, 1] * d0) > (e[i, 0] * q[i, 1] - e[i, 1] * q[i, 0] + tol)
    return np.flatnonzero(~inside)


def _dual_hull(d: np.ndarray) -> np.ndarray:
    """Indices of the convex-hull vertices of points d (origin strictly inside), counter-clockwise."""
    idx = _prefilter(d)
    dd = d[idx]
    ang = np.arctan2(dd[:, 1], dd[:, 0])
    order = np.argsort(ang)
    a_s = ang[order]
    dup = np.concatenate([[False], a_s[1:] == a_s[:-1]])
    if dup.any():                                        # same ray: only the farthest can be extreme
        rad = np.hypot(dd[:, 0], dd[:, 1])
        order = np.lexsort((-rad, ang))
        dup = np.concatenate([[False], ang[order][1:] == ang[order][:-1]])
        order = order[~dup]
    idx = idx[order]
    for _ in range(64):
        if len(idx) <= 3:
            break
        p = d[idx]
        prv, nxt = np.roll(p, 1, axis=0), np.roll(p, -1, axis=0)
        cr = (p[:, 0] - prv[:, 0]) * (nxt[:, 1] - p[:, 1]) - (p[:, 1] - prv[:, 1]) * (nxt[:, 0] - p[:, 0])
        bad = cr <= 0
        if not bad.any():
            return idx
        # never delete two neighbours in one pass where that could open an angle >= pi: keep it simple,
        # deleting any set of non-extreme points is safe (module docstring)
        idx = idx[~bad]
    # sequential Graham scan on what is left (cyclic, starting from the farthest point, surely extreme)
    start = int(np.argmax(np.hypot(d[idx, 0], d[idx, 1])))
    order = np.roll(idx, -start)
    stack: list[int] = []
    pts = d
    for i in list(order) + [order[0]]:
        while len(stack) >= 2:
            o, a = pts[stack[-2]], pts[stack[-1]]
            b = pts[i]
            if (a[0] - o[0]) * (b[1] - a[1]) - (a[1] - o[1]) * (b[0] - a[0]) <= 0:
                stack.pop()
            else:
                break
        stack.append(int(i))
    return np.asarray(stack[:-1], dtype=np.int64)


def _clip_all(poly: np.ndarray, n: np.ndarray, r: np.ndarray, scale: float, max_rounds: int = 100
              ) -> tuple[np.ndarray, list[int]]:
    """Clip by every violated half-plane, most violated first, until none is (for small/degenerate P)."""
    used: list[int] = []
    norm = np.hypot(n[:, 0], n[:, 1])
    idx = np.arange(len(r))
    for _ in range(max_rounds):
        if len(poly) == 0 or len(idx) == 0:
            break
        ex = support_violation(poly, n[idx], r[idx])
        bad = ex > VERIFY_TOL * (np.abs(r[idx]) + norm[idx] * scale)
        idx = idx[bad]
        if len(idx) == 0:
            break
        worst = idx[np.argsort(-ex[bad] / norm[idx])[:256]]
        for j in worst:
            new = clip(poly, n[j], float(r[j]), scale)
            if new is not poly:
                used.append(int(j))
            poly = new
            if len(poly) == 0:
                break
    return poly, used


def intersect(poly: np.ndarray, n: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The convex polygon poly ∩ {p : n_j . p <= r_j for all j} (CCW vertices; empty array if empty) and
    the indices j of the half-planes that form its edges (or were used to clip). Rows of n are nonzero.
    ``poly`` must be a bounded convex polygon with nonempty interior, CCW."""
    scale = max(float(np.max(np.abs(poly))), 1e-300)
    norm = np.hypot(n[:, 0], n[:, 1])
    n, r = n / norm[:, None], r / norm                   # unit normals: better conditioned duals
    wn, wr = _polygon_halfplanes(poly)
    wnorm = np.hypot(wn[:, 0], wn[:, 1])
    wn, wr = wn / wnorm[:, None], wr / wnorm
    N = len(r)
    nn = np.concatenate([n, wn])
    rr = np.concatenate([r, wr])
    p0, rho = chebyshev_center(nn, rr, np.arange(N, N + len(wr)))
    if rho < -DEGENERATE * scale:
        return poly[:0], np.zeros(0, dtype=np.int64)
    if rho <= DEGENERATE * scale:
        out, used = _clip_all(poly, n, r, scale)
        return out, np.asarray(used, dtype=np.int64)
    s = rr - nn @ p0
    d = nn / s[:, None]
    hull = _dual_hull(d)
    for _ in range(8):  # nearly parallel neighbours give ill-conditioned vertices: drop the second one
        j, k = hull, np.roll(hull, -1)              # (the verification below clips it back if it matters)
        det = nn[j, 0] * nn[k, 1] - nn[j, 1] * nn[k, 0]
        weak = np.abs(det) < 1e-7
        if not weak.any() or len(hull) <= 3:
            break
        drop = np.roll(weak, 1) & ~weak             # drop k only where the previous pair was fine: no cascades
        if not drop.any():
            drop = np.roll(weak, 1)
            drop[np.flatnonzero(drop)[1::2]] = False
        hull = hull[~drop]
    j, k = hull, np.roll(hull, -1)
    det = nn[j, 0] * nn[k, 1] - nn[j, 1] * nn[k, 0]
    x = (s[j] * nn[k, 1] - s[k] * nn[j, 1]) / det
    y = (nn[j, 0] * s[k] - nn[k, 0] * s[j]) / det
    out = np.column_stack([x, y]) + p0
    out = _dedupe(out[np.all(np.isfinite(out), axis=1)], 1e-12 * scale)
    out, extra = _clip_all(out, n, r, scale)          # verification; repairs rounding losses if any
    used = [int(i) for i in hull if i < N] + extra
    return out, np.asarray(sorted(set(used)), dtype=np.int64)
