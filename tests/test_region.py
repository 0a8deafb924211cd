"""Feasible (alpha, beta) regions of sample triples: hand-derived polygons, LP cross-checks, properties."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from numerics.region import feasible_region, min_T_grid, plot_heatmap
from theory.errors import InputError


def _lp_support(a, b, c, u, window=((0, 10), (0, 10)), min_gap=0.0):
    """max u . (alpha, beta) over the feasible set, by LP (an independent method); None if infeasible."""
    A = np.vstack([np.column_stack([b, -c]), [[-1.0, 1.0]]])
    r = np.concatenate([a, [-min_gap]])
    res = linprog(-np.asarray(u, float), A_ub=A, b_ub=r, bounds=list(window), method="highs")
    if res.status == 2:
        return None
    assert res.status == 0
    return -res.fun


def test_hand_triangle():
    # alpha <= 3 (a=3, b=1, c=0); beta >= 1 (a=-1, b=0, c=1); alpha - beta >= 1 (a=-1, b=-1, c=-1)
    a, b, c = [3.0, -1.0, -1.0], [1.0, 0.0, -1.0], [0.0, 1.0, -1.0]
    R = feasible_region(a, b, c)
    got = sorted((round(x, 12), round(y, 12)) for x, y in R.vertices)
    assert got == [(2.0, 1.0), (3.0, 1.0), (3.0, 2.0)]
    assert (R.best["max_gap"]["alpha"], R.best["max_gap"]["beta"], R.best["max_gap"]["value"]) == pytest.approx((3, 1, 2))
    # ratios at the vertices: (3,1) -> 0.5, (2,1) -> 1, (3,2) -> 2
    assert (R.best["min_ratio"]["alpha"], R.best["min_ratio"]["beta"], R.best["min_ratio"]["value"]) == pytest.approx((3, 1, 0.5))
    assert (R.best["min_alpha"]["alpha"], R.best["min_alpha"]["beta"]) == pytest.approx((2, 1))
    assert R.min_margin == pytest.approx(0.0, abs=1e-12)        # (3, 1) is on two constraints
    assert not R.empty and R.touches_window == []
    # CCW orientation
    v = np.array(R.vertices)
    area = 0.5 * np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1])
    assert area == pytest.approx(0.5)


def test_no_samples_gives_window_and_gap():
    R = feasible_region([], [], [], window=((0, 4), (0, 2)), min_gap=1.0)
    got = sorted((round(x, 12), round(y, 12)) for x, y in R.vertices)
    assert got == [(1.0, 0.0), (3.0, 2.0), (4.0, 0.0), (4.0, 2.0)]
    assert R.min_margin is None and R.samples == 0


def test_zero_normal_samples():
    # b = c = 0: T = a; a >= 0 never binds, a < 0 fails every pair
    assert not feasible_region([0.5], [0.0], [0.0]).empty
    R = feasible_region([0.5, -1e-9], [0.0, 0.0], [0.0, 0.0])
    assert R.empty and R.vertices == [] and all(v is None for v in R.best.values())


def test_degenerate_segment():
    # alpha <= 2 and alpha >= 2: the segment alpha = 2, 0 <= beta <= 2
    R = feasible_region([2.0, -2.0], [1.0, -1.0], [0.0, 0.0])
    v = np.array(R.vertices)
    assert not R.empty
    assert np.allclose(v[:, 0], 2.0, atol=1e-9)
    assert v[:, 1].min() == pytest.approx(0.0, abs=1e-9) and v[:, 1].max() == pytest.approx(2.0, abs=1e-9)


def test_infeasible_is_empty():
    # alpha <= 1 and alpha - beta >= 2 with beta >= 0: impossible
    R = feasible_region([1.0], [1.0], [0.0], min_gap=2.0)
    assert R.empty


@pytest.mark.parametrize("seed", range(40))
def test_against_linprog(seed):
    rng = np.random.default_rng(seed)
    N = int(rng.integers(1, 300))
    b = rng.normal(size=N)
    c = rng.normal(size=N) * (0.01 if seed % 4 == 0 else 1.0) + (0.5 if seed % 3 == 0 else 0.0)
    al, be = rng.uniform(0, 8), rng.uniform(0, 4)
    a = b * al - c * be + np.abs(rng.normal(size=N)) * rng.uniform(0, 2) - (0.3 if seed % 5 == 0 else 0.0)
    gap = 0.1 * (seed % 2)
    R = feasible_region(a, b, c, min_gap=gap)
    dirs = [(-1, 1), (1, 0), (0, 1), (-1, 0), (0, -1), (1, -1)] + [tuple(rng.normal(size=2)) for _ in range(4)]
    for u in dirs:
        ref = _lp_support(a, b, c, u, min_gap=gap)
        if ref is None:
            assert R.empty
            return
        assert not R.empty
        got = float((np.array(R.vertices) @ np.array(u, float)).max())
        assert got == pytest.approx(ref, rel=1e-7, abs=1e-7)
    # every vertex passes every sample (up to rounding)
    v = np.array(R.vertices)
    T = a[None, :] - v[:, :1] * b[None, :] + v[:, 1:] * c[None, :]
    assert T.min() >= -1e-8 * (1 + np.abs(a).max())


def test_many_active_constraints_circle():
    # tangent lines of the unit circle around (6, 2) (inside alpha > beta): the circumscribed polygon
    th = np.linspace(0, 2 * np.pi, 3000, endpoint=False)
    b, c = np.cos(th), -np.sin(th)
    a = 1 + 6 * np.cos(th) + 2 * np.sin(th)
    R = feasible_region(a, b, c)
    v = np.array(R.vertices)
    r = np.hypot(v[:, 0] - 6, v[:, 1] - 2)
    assert len(v) == 3000                                       # every sample is an edge
    assert r.min() >= 1 - 1e-12 and r.max() <= 1 / np.cos(np.pi / 3000) + 1e-9
    # max alpha - beta over the disk: 6 - 2 + sqrt(2) (circumscribed polygon: at most 1/cos(pi/N) more)
    assert 4 + np.sqrt(2) - 1e-12 <= R.best["max_gap"]["value"] <= 4 + np.sqrt(2) / np.cos(np.pi / 3000) + 1e-9


def test_large_random_matches_lp():
    rng = np.random.default_rng(7)
    N = 200_000
    b = rng.normal(size=N)
    c = np.abs(rng.normal(size=N))
    a = 3 * b - c + np.abs(rng.normal(size=N)) * 0.5
    R = feasible_region(a, b, c)
    for u in [(1, -1), (-1, 0), (0, -1), (1, 1)]:
        assert float((np.array(R.vertices) @ np.array(u, float)).max()) == pytest.approx(_lp_support(a, b, c, u), rel=1e-8, abs=1e-9)


def test_min_T_grid_brute_force():
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=(3, 5000))
    al, be = np.linspace(0, 3, 7), np.linspace(0, 2, 5)
    G = min_T_grid(a, b, c, al, be)                          # hull-reduced path (N > 2000)
    ref = np.array([[np.min(a - x * b + y * c) for x in al] for y in be])
    assert G.shape == (5, 7)
    assert np.allclose(G, ref, atol=1e-12)
    # coplanar samples (c = b): qhull cannot build a 3-D hull; the fallback is still exact
    G2 = min_T_grid(a, b, b, al, be)
    ref2 = np.array([[np.min(a - x * b + y * b) for x in al] for y in be])
    assert np.allclose(G2, ref2, atol=1e-12)


def test_heatmap_png(tmp_path):
    rng = np.random.default_rng(0)
    b = rng.normal(size=500)
    c = np.abs(rng.normal(size=500))
    a = 3 * b - c + np.abs(rng.normal(size=500))
    R = feasible_region(a, b, c, min_gap=0.1)
    out = tmp_path / "h.png"
    plot_heatmap(a, b, c, str(out), region=R, alphas=np.linspace(0, 10, 41), betas=np.linspace(0, 10, 41))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args,kw", [
    (([1.0, np.nan], [0, 0], [0, 0]), {}),
    (([1.0], [0.0, 1.0], [0.0]), {}),
    (([1.0], [1.0], [1.0]), {"window": ((1, 0), (0, 1))}),
    (([1.0], [1.0], [1.0]), {"window": "bad"}),
    (([1.0], [1.0], [1.0]), {"min_gap": -1}),
    ((["x"], [1.0], [1.0]), {}),
])
def test_bad_input(args, kw):
    with pytest.raises(InputError):
        feasible_region(*args, **kw)


def test_to_json_fields():
    R = feasible_region([3.0, -1.0, -1.0], [1.0, 0.0, -1.0], [0.0, 1.0, -1.0])
    j = R.to_json()
    for k in ("vertices", "best", "min_margin", "window", "empty", "samples", "abcheck_version"):
        assert k in j
    assert set(j["best"]) == {"max_gap", "min_ratio", "min_alpha"}
