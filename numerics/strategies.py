"""Public Hypothesis strategies for the function library: problems from the families, (alpha, beta, L)
parameters, and points where things happen (near saddle points and local minima, near S, far away,
equidistant from two minimizers).

    from numerics.strategies import problems, ab_params, points
    @given(st.data())
    def test_x(data):
        p = data.draw(problems())
        x = data.draw(points(p))

Problems are built through ``numerics.families.get_problem`` and cached per (name, params), so repeated
draws are cheap. ``problems()`` draws from the families whose construction (membership included) is fast;
pass ``names=`` to choose others (then the defaults of those families are used unless ``vary=True`` and the
family has ranges below).
"""
from __future__ import annotations

import functools
from typing import Sequence

import torch
from hypothesis import strategies as st

from numerics.families import get_problem
from numerics.problem import DTYPE, Problem

# parameter ranges per family (all inside the family's stated validity); others use their defaults
RANGES: dict[str, dict[str, st.SearchStrategy]] = {
    "paper-ex1": {"d": st.integers(1, 6), "spread": st.sampled_from([0.5, 1.0, 1.5, 2.0])},
    "saddle-tight": {"A": st.floats(2.0, 6.0), "eps": st.floats(0.05, 1.0), "tightness": st.floats(0.5, 0.99),
                     "d": st.integers(2, 4), "n": st.sampled_from([2, 4])},
    "localmin-tight": {"kappa": st.floats(0.2, 0.9), "beta": st.floats(0.02, 0.3), "d": st.integers(2, 3)},
    "convex-gap": {"n": st.integers(5, 30), "d": st.integers(1, 5), "noise": st.floats(0.1, 2.0),
                   "lam": st.sampled_from([0.0, 0.01, 0.5]), "seed": st.integers(0, 1000)},
    "pseudo-huber": {"n": st.integers(1, 4), "d": st.integers(5, 8), "seed": st.integers(0, 1000)},
    "quadratic-interp": {"n": st.integers(1, 4), "d": st.integers(1, 5), "L": st.floats(0.1, 10.0),
                         "seed": st.integers(0, 1000)},
    "highdim": {"d": st.integers(1, 12), "n": st.sampled_from([2, 4, 10]), "A": st.floats(2.0, 5.0),
                "eps": st.floats(0.1, 0.8)},
}
FAST = ("paper-ex1", "paper-ex2", "paper-ex3", "paper-ex6", "saddle-tight", "localmin-tight", "convex-gap", "highdim",
        "pseudo-huber", "quadratic-interp")


@functools.lru_cache(maxsize=256)
def _cached(name: str, items: tuple) -> Problem:
    return get_problem(name, **dict(items))


def cached_problem(name: str, **params) -> Problem:
    """get_problem with a cache keyed on (name, params): problems are treated as immutable."""
    return _cached(name, tuple(sorted(params.items())))


@st.composite
def problems(draw, names: Sequence[str] = FAST, vary: bool = True) -> Problem:
    """A problem from one of ``names``; with ``vary`` the parameters are drawn from ``RANGES``."""
    name = draw(st.sampled_from(list(names)))
    params = {}
    if vary and name in RANGES:
        for k, s in RANGES[name].items():
            v = draw(s)
            params[k] = round(v, 3) if isinstance(v, float) else v
    return cached_problem(name, **params)


@st.composite
def ab_params(draw, max_alpha: float = 10.0) -> tuple[float, float, float]:
    """(alpha, beta, L) with alpha > beta >= 0 and L > 0."""
    alpha = draw(st.floats(1e-3, max_alpha, allow_nan=False))
    beta = draw(st.floats(0.0, alpha, exclude_max=True, allow_nan=False))
    L = draw(st.floats(1e-3, 1e3, allow_nan=False))
    return alpha, beta, L


def _vec(draw, d: int, scale: float) -> torch.Tensor:
    xs = draw(st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=d, max_size=d))
    return scale * torch.tensor(xs, dtype=DTYPE)


def _clip(problem: Problem, x: torch.Tensor) -> torch.Tensor:
    if problem.domain:
        lo = torch.tensor([b[0] for b in problem.domain], dtype=DTYPE)
        hi = torch.tensor([b[1] for b in problem.domain], dtype=DTYPE)
        x = torch.maximum(torch.minimum(x, hi), lo)
    return x


@st.composite
def points_near_stationary(draw, problem: Problem, kinds: Sequence[str] = ("saddle", "local_min", "local_max")) -> torch.Tensor:
    """A point within 10^-4 .. 0.5 of a listed stationary point of the given kinds (else near S)."""
    sps = [p for p in problem.stationary_points if p.kind in kinds]
    if not sps:
        return draw(points_near_S(problem))
    sp = draw(st.sampled_from(sps))
    scale = draw(st.sampled_from([1e-4, 1e-2, 0.1, 0.5]))
    return _clip(problem, torch.tensor(sp.location, dtype=DTYPE) + _vec(draw, problem.d, scale))


@st.composite
def points_near_S(draw, problem: Problem) -> torch.Tensor:
    """A point within 10^-4 .. 1 of S (the projection of a moderate point, then perturbed)."""
    base = _vec(draw, problem.d, 3.0)
    if problem.x0 is not None:
        base = base + problem.x0
    p = problem.project(base)
    scale = draw(st.sampled_from([1e-4, 1e-2, 0.1, 1.0]))
    return _clip(problem, p + _vec(draw, problem.d, scale))


@st.composite
def points_far(draw, problem: Problem) -> torch.Tensor:
    """A point at distance 10 .. 1e4 (in a random direction); on a stated domain, a point on its boundary."""
    v = _vec(draw, problem.d, 1.0)
    if float(v.norm()) < 1e-3:
        v = torch.ones(problem.d, dtype=DTYPE)
    r = draw(st.sampled_from([10.0, 100.0, 1e3, 1e4]))
    return _clip(problem, r * v / v.norm())


@st.composite
def points_equidistant(draw, problem: Problem) -> torch.Tensor:
    """A point equidistant from two minimizers (on their bisector hyperplane) when S has several listed
    points (``problem.minimizers``), else a point near S."""
    mins = getattr(problem, "minimizers", None)
    if not isinstance(mins, torch.Tensor) or mins.shape[0] < 2:
        return draw(points_near_S(problem))
    i = draw(st.integers(0, mins.shape[0] - 1))
    j = draw(st.integers(0, mins.shape[0] - 2))
    j = j + (j >= i)
    p, q = mins[i], mins[j]
    v = (q - p) / (q - p).norm()
    z = _vec(draw, problem.d, draw(st.sampled_from([0.0, 0.1, 1.0, 5.0])))
    return (p + q) / 2 + z - (z @ v) * v


@st.composite
def points_uniform(draw, problem: Problem, radius: float = 5.0) -> torch.Tensor:
    """A point in a box of the given radius around x0 (or the origin), inside the domain if any."""
    c = problem.x0 if problem.x0 is not None else torch.zeros(problem.d, dtype=DTYPE)
    return _clip(problem, c + _vec(draw, problem.d, radius))


def points(problem: Problem) -> st.SearchStrategy[torch.Tensor]:
    """Any of the above."""
    return st.one_of(points_near_stationary(problem), points_near_S(problem), points_far(problem),
                     points_equidistant(problem), points_uniform(problem))


__all__ = ["RANGES", "FAST", "cached_problem", "problems", "ab_params", "points", "points_near_stationary",
           "points_near_S", "points_far", "points_equidistant", "points_uniform"]
