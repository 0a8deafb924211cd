"""Monte-Carlo estimates of the quantities the theorems bound, with confidence intervals and a verdict.

Quantities (x0 fixed, the expectation is over the sampled indices only):
  * ``min_expected_gap``  = min_{k<K} E[f(x_k) - f*]            (what every theorem of the paper bounds)
  * ``avg_expected_gap``  = (1/K) sum_{k<K} E[f(x_k) - f*]      (what the telescoped proofs bound; >= the min)
  * ``expected_dist2``    = E[dist(x_K, S)^2]

Intervals (two-sided, confidence 1 - level, CLT-based hence asymptotic in the number of seeds S):
  * average: the per-seed averages A_s = (1/K) sum_k gap_{s,k} are i.i.d.; Student-t interval
    mean(A) +- t_{1-level/2, S-1} sd(A)/sqrt(S).  Same for dist^2 at K.
  * min over k: simultaneous Student-t intervals for all K means mu_k with Bonferroni level/K each
    (c_k = t_{1-level/(2K), S-1} sd_k / sqrt(S)). On the event that all K intervals hold (probability
    >= 1 - level), min_k mu_k lies in [min_k (m_k - c_k), min_k (m_k + c_k)].
Divergence: a diverged seed contributes 0 from its first bad step on (a valid lower bound since
f - f* >= 0), so ``ci_low`` stays a valid lower confidence bound; ``ci_high`` is +inf (the upper side is
unknown).

Verdict against a bound B: ``violated`` when ci_low > B (the quantity exceeds B, significant at
``level``: a one-sided test at level/2), ``consistent`` when ci_high <= B (the quantity is below B with
the stated confidence), ``inconclusive`` otherwise. The tightness ratio is estimate / B.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import stats as _st

QUANTITIES = ("min_expected_gap", "avg_expected_gap", "expected_dist2")
CI_METHODS = {
    "min_expected_gap": "simultaneous Student-t intervals over k with Bonferroni correction (level/K each), "
                        "min over k of the lower and of the upper ends; asymptotic (CLT) in the number of seeds",
    "avg_expected_gap": "Student-t interval on the per-seed averages over k; asymptotic (CLT) in the number of seeds",
    "expected_dist2": "Student-t interval on the per-seed dist(x_K, S)^2; asymptotic (CLT) in the number of seeds",
}


@dataclass(frozen=True)
class Estimate:
    """A Monte-Carlo estimate with its two-sided (1 - level) interval and how it was computed."""

    quantity: str
    estimate: float
    ci_low: float
    ci_high: float
    level: float
    ci_method: str


def t_interval(values: np.ndarray, level: float = 0.05) -> tuple[float, float, float]:
    """(mean, low, high): the Student-t interval mean +- t_{1-level/2, S-1} sd / sqrt(S) for i.i.d. values."""
    v = np.asarray(values, dtype=float)
    S = v.size
    if S == 0:
        raise ValueError("no values")
    m = float(v.mean())
    if S == 1:
        return m, -math.inf, math.inf
    half = float(_st.t.ppf(1 - level / 2, S - 1)) * float(v.std(ddof=1)) / math.sqrt(S)
    return m, m - half, m + half


def min_of_means_interval(means: np.ndarray, stds: np.ndarray, S: int,
                          level: float = 0.05) -> tuple[float, float, float]:
    """(estimate, low, high) for min_k mu_k from per-k sample means/stds of S i.i.d. seeds each.

    Simultaneous Bonferroni-corrected Student-t intervals over the K means; the estimate is min_k m_k
    (biased low for small S, which the interval accounts for)."""
    m, s = np.asarray(means, float), np.asarray(stds, float)
    K = m.size
    if S < 2:
        return float(m.min()), -math.inf, math.inf
    c = float(_st.t.ppf(1 - level / (2 * K), S - 1)) * s / math.sqrt(S)
    return float(m.min()), float((m - c).min()), float((m + c).min())


def estimate_quantity(result, quantity: str = "min_expected_gap", level: float = 0.05) -> Estimate:
    """Estimate ``quantity`` from a ``numerics.simulate.SimResult``."""
    if quantity not in QUANTITIES:
        from theory.errors import UnknownNameError
        raise UnknownNameError("quantity", quantity, QUANTITIES)
    if not 0 < level < 1:
        from theory.errors import InputError
        raise InputError(f"level must lie in (0, 1), got {level}")
    K, S = result.iterations, result.seeds
    if quantity == "min_expected_gap":
        est, lo, hi = min_of_means_interval(result.gap_mean, result.gap_std, S, level)
    elif quantity == "avg_expected_gap":
        est, lo, hi = t_interval(np.asarray(result.gap_sum) / K, level)
    else:
        est, lo, hi = t_interval(result.dist2_final, level)
    lo = max(lo, 0.0)  # every quantity is >= 0 (f - f* >= 0, dist^2 >= 0): clipping keeps the coverage
    if result.diverged:
        hi = math.inf
    return Estimate(quantity, est, lo, hi, level, CI_METHODS[quantity])


def verdict(ci_low: float, ci_high: float, bound: float | None) -> str:
    """``violated`` if ci_low > bound, ``consistent`` if ci_high <= bound, else ``inconclusive``;
    ``unchecked`` when there is no bound."""
    if bound is None:
        return "unchecked"
    if bound != bound:
        return "inconclusive"
    if bound == -math.inf:
        return "violated"
    if bound == math.inf:
        return "consistent"
    if ci_low > bound:
        return "violated"
    if ci_high <= bound:
        return "consistent"
    return "inconclusive"


def _clean(v: Any) -> Any:
    """JSON-safe: non-finite floats become strings 'inf' / '-inf' / 'nan'."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, np.generic):
        return _clean(v.item())
    return v


@dataclass
class CrossCheck:
    """A simulation compared with a bound: the result of ``numerics.crosscheck.cross_check``."""

    verdict: str
    estimate: float
    ci_low: float
    ci_high: float
    bound: float | None
    ratio: float | None
    seeds: int
    iterations: int
    diverged: int
    quantity: str
    ci_method: str
    level: float
    seed: int
    params: dict[str, float]
    method: str
    problem: str
    batch: int
    replacement: bool
    x0: list[float]
    bound_inputs: dict[str, float] = field(default_factory=dict)
    bound_expr: str | None = None
    other_estimates: dict[str, dict] = field(default_factory=dict)
    divergence: dict | None = None
    min_residual: float | None = None
    evidence: str = ""
    abcheck_version: str = ""

    def to_dict(self) -> dict:
        return _clean(asdict(self))

    def to_json(self) -> str:
        """Stable snake_case JSON (non-finite numbers as the strings 'inf', '-inf', 'nan')."""
        return json.dumps(self.to_dict(), sort_keys=True)
