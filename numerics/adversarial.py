"""Adversarial search for violations of a rate claim (feeds the ``refuted_numerically`` verdict).

For each problem the search tries starting points
  * at each known stationary point that is not a minimizer (saddles, local minima: ``stationary_points``),
  * near them (random directions at radii ``near_radii``),
  * the problem's x0 and a few random points in its domain (or in a box around x0),
step-size parameters at the edges of their admissible ranges (``param_ranges``: name -> (low, high);
tried at low (nudged inside by a relative 1e-6 when low = 0 is excluded), the geometric middle and high),
and minibatch sizes (``batches``). Every configuration is a ``cross_check``; the per-run level is
``level / runs`` (Bonferroni over the whole search), so the probability that *any* reported finding is a
false alarm is at most ``level`` (asymptotically, as each interval is CLT-based). A finding is a
configuration whose verdict is ``violated``.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import sympy as sp
import torch

from numerics.crosscheck import cross_check
from numerics.problem import DTYPE, Problem
from numerics.stats import _clean
from theory.errors import InputError
from theory.methods import Method, get_method


@dataclass
class Finding:
    """One configuration in which the simulated quantity exceeds the bound, significantly."""

    problem: str
    start: str
    x0: list[float]
    params: dict[str, float]
    batch: int
    seed: int
    seeds: int
    iterations: int
    quantity: str
    estimate: float
    ci_low: float
    ci_high: float
    bound: float
    level: float
    evidence: str

    def to_dict(self) -> dict:
        return _clean(asdict(self))


def candidate_starts(problem: Problem, near_radii: Sequence[float] = (1e-3, 1e-1), n_near: int = 2,
                     n_random: int = 2, seed: int = 0) -> list[tuple[str, list[float]]]:
    """Labelled starting points: stationary points, points near them, x0, random points in the domain."""
    gen = np.random.default_rng(seed)
    out: list[tuple[str, list[float]]] = []
    for j, sp_ in enumerate(problem.stationary_points):
        loc = np.asarray(sp_.location, float)
        out.append((f"{sp_.kind} #{j} (height {sp_.height:g})", loc.tolist()))
        for r in near_radii:
            for _ in range(n_near):
                u = gen.standard_normal(loc.size)
                u /= np.linalg.norm(u) or 1.0
                out.append((f"near {sp_.kind} #{j}, radius {r:g}", (loc + r * u).tolist()))
    base = (problem.x0.numpy() if problem.x0 is not None else np.zeros(problem.d))
    out.append(("problem x0", np.asarray(base, float).tolist()))
    for _ in range(n_random):
        if problem.domain:
            lo, hi = np.array([b[0] for b in problem.domain]), np.array([b[1] for b in problem.domain])
            pt = lo + (hi - lo) * gen.random(problem.d)
        else:
            pt = base + 3.0 * gen.standard_normal(problem.d)
        out.append(("random", pt.tolist()))
    return out


def edge_values(low: float, high: float) -> list[float]:
    """Values at the edges of an admissible range: low (nudged inside when 0), geometric middle, high."""
    if not (math.isfinite(low) and math.isfinite(high) and 0 <= low <= high and high > 0):
        raise InputError(f"admissible range must satisfy 0 <= low <= high, high > 0, finite; got ({low}, {high})")
    lo = low if low > 0 else high * 1e-3
    vals = [lo, math.sqrt(lo * high), high]
    return sorted(set(vals))


def adversarial_search(method: Method | str, problems: Problem | Iterable[Problem], bound_expr: sp.Expr,
                       params: Mapping[str, float] | None = None, *,
                       param_ranges: Mapping[str, tuple[float, float]] | None = None,
                       batches: Sequence[int] | None = None, seeds: int = 200, iters: int = 200,
                       seed: int = 0, level: float = 0.05, quantity: str = "min_expected_gap",
                       near_radii: Sequence[float] = (1e-3, 1e-1), n_near: int = 2, n_random: int = 2,
                       max_runs: int = 64, stop_at_first: bool = False, progress: bool = False,
                       memory_limit: int | None = None) -> list[Finding]:
    """Search starting points, parameter edges and batch sizes for significant violations of the bound."""
    m = get_method(method) if isinstance(method, str) else method
    plist = [problems] if isinstance(problems, Problem) else list(problems)
    if not plist:
        raise InputError("adversarial search needs at least one problem")
    ranges = dict(param_ranges or {})
    grids = [[(name, v) for v in edge_values(*map(float, rng))] for name, rng in sorted(ranges.items())]
    settings = [dict(combo) for combo in itertools.product(*grids)] if grids else [{}]
    configs = []
    for prob in plist:
        bl = sorted(set(batches)) if batches else sorted({1, max(1, prob.n // 2), prob.n} if prob.n > 1 else {1})
        for (label, x0), setting, b in itertools.product(
                candidate_starts(prob, near_radii, n_near, n_random, seed), settings, bl):
            configs.append((prob, label, x0, setting, b))
    if len(configs) > max_runs:  # keep an even spread over the candidates
        pick = np.linspace(0, len(configs) - 1, max_runs).round().astype(int)
        configs = [configs[i] for i in sorted(set(pick.tolist()))]
    runs = len(configs)
    per_level = level / runs
    findings: list[Finding] = []
    it = configs
    if progress:
        from tqdm import tqdm
        it = tqdm(configs, desc="adversarial search", unit="run", leave=False)
    for prob, label, x0, setting, b in it:
        p = dict(params or {})
        p.update(setting)
        cc = cross_check(m, prob, bound_expr, p, seeds=seeds, iters=iters, batch=b, seed=seed,
                         level=per_level, x0=torch.as_tensor(x0, dtype=DTYPE), quantity=quantity,
                         memory_limit=memory_limit)
        if cc.verdict == "violated":
            findings.append(Finding(
                problem=prob.name, start=label, x0=list(x0), params=cc.params | {k: v for k, v in setting.items()},
                batch=b, seed=seed, seeds=seeds, iterations=iters, quantity=quantity, estimate=cc.estimate,
                ci_low=cc.ci_low, ci_high=cc.ci_high, bound=float(cc.bound), level=per_level,
                evidence=cc.evidence + f"; search-wide level {level} over {runs} runs (Bonferroni)"))
            if stop_at_first:
                break
    return findings


def ranges_from_conditions(conditions: Mapping[sp.Symbol, tuple[sp.Basic, ...]], values: Mapping[str, float],
                           default_span: float = 100.0) -> dict[str, tuple[float, float]]:
    """Admissible ranges of each parameter from its conditions (e.g. a claim's
    ``0 < gamma <= (alpha - beta)/(2 L)``) with the other symbols set to ``values``.

    Each condition is substituted and solved for the parameter alone (``sympy.solve_univariate_inequality``);
    the intersection is an interval (low, high); an excluded (strict) end is moved inside by a relative 1e-9.
    An unbounded side becomes ``low * default_span`` (or
    ``high / default_span``) so that the search still has two edges. Parameters whose conditions do not
    reduce to one interval are left out (the search then uses the given values)."""
    out: dict[str, tuple[float, float]] = {}
    for p, rels in conditions.items():
        subs = {s: sp.Float(v) for s in set().union(*[r.free_symbols for r in rels]) if s != p
                for name, v in values.items() if s.name == name}
        region = sp.Interval(-sp.oo, sp.oo)
        try:
            for r in rels:
                rr = r.subs(subs)
                if rr.free_symbols - {p}:
                    raise ValueError("unknown symbols")
                if rr is sp.true:
                    continue
                if rr is sp.false:
                    raise ValueError("empty")
                region = region.intersect(sp.solve_univariate_inequality(rr, p, relational=False))
        except (ValueError, NotImplementedError, TypeError):
            continue
        if not isinstance(region, sp.Interval) or region.is_empty:
            continue
        lo, hi = region.start, region.end
        lo = max(0.0, float(lo)) if lo.is_finite else None
        hi = float(hi) if hi.is_finite else None
        # a strict end (c > 1/(2(alpha - beta))) is excluded: nudge it inside by a relative 1e-9, else the
        # edge value itself violates the condition and the run is refused (lo = 0 is nudged by edge_values)
        if lo is not None and lo > 0 and region.left_open:
            lo *= 1 + 1e-9
        if hi is not None and hi > 0 and region.right_open:
            hi *= 1 - 1e-9
        if lo is None and hi is None:
            continue
        if hi is None:
            hi = (lo if lo > 0 else 1.0) * default_span
        if lo is None:
            lo = 0.0
        if hi > 0 and lo <= hi:
            out[p.name] = (lo, hi)
    return out
