"""Statistics, verdicts, cross_check and the adversarial search, checked against independent facts."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from numerics.adversarial import adversarial_search, edge_values
from numerics.crosscheck import cross_check, evaluate_bound
from numerics.stats import min_of_means_interval, t_interval, verdict
from theory.errors import InputError
from theory.symbols import D0, K, L, alpha, beta, gamma, sigma_int

from simulate_problems import quadratic

#: Theorem 1 of the paper (THEORY.md section 6): SGD, gamma <= (alpha - beta)/(2L)
THEOREM1 = D0 / (K * gamma * (alpha - beta)) + 2 * L * gamma * sigma_int / (alpha - beta) \
    + 2 * beta * sigma_int / (alpha - beta)


def test_t_interval_by_hand():
    v = np.arange(10, dtype=float)  # mean 4.5, sd = sqrt(110/12); t_{0.975, 9} = 2.262157
    m, lo, hi = t_interval(v, 0.05)
    half = 2.262157 * math.sqrt(110 / 12) / math.sqrt(10)
    assert m == 4.5 and abs(lo - (4.5 - half)) < 1e-5 and abs(hi - (4.5 + half)) < 1e-5


def test_min_of_means_interval_covers_at_nominal_rate():
    """Coverage of the simultaneous interval for min_k mu_k over 400 synthetic experiments: at least
    95% nominal (Bonferroni is conservative); a naive pointwise interval at the argmin undercovers."""
    rng = np.random.default_rng(1)
    Kk, S = 30, 40
    mu = 1.0 + np.linspace(0.05, 0.0, Kk)  # the minimum is at the last k, the others close to it
    cover = naive_cover = 0
    reps = 400
    for _ in range(reps):
        x = mu[:, None] + rng.standard_normal((Kk, S))
        est, lo, hi = min_of_means_interval(x.mean(1), x.std(1, ddof=1), S, 0.05)
        cover += lo <= mu.min() <= hi
        j = int(np.argmin(x.mean(1)))
        _, nlo, nhi = t_interval(x[j], 0.05)
        naive_cover += nlo <= mu.min() <= nhi
    assert cover / reps >= 0.95
    assert naive_cover / reps < cover / reps  # the correction matters


def test_verdict_rules():
    assert verdict(0.2, 0.3, 0.1) == "violated"
    assert verdict(0.2, 0.3, 0.3) == "consistent"
    assert verdict(0.2, 0.3, 0.25) == "inconclusive"
    assert verdict(0.2, math.inf, 0.25) == "inconclusive"
    assert verdict(0.2, 0.3, None) == "unchecked"
    assert verdict(0.0, 0.3, -1.0) == "violated" and verdict(0.0, 0.3, -math.inf) == "violated"


def _stationary_gap(gamma_, V):
    """lim_k E[f(x_k) - f*] for SGD on the quadratic: 1/2 gamma^2 V / (1 - (1 - gamma)^2)."""
    return 0.5 * gamma_ ** 2 * V / (1 - (1 - gamma_) ** 2)


def test_theorem1_is_consistent_and_a_too_small_bound_is_violated():
    p = quadratic()
    g_ = 0.3
    ok = cross_check("sgd", p, THEOREM1, {"gamma": g_}, seeds=400, iters=150)
    assert ok.verdict == "consistent" and ok.diverged == 0
    assert ok.quantity == "min_expected_gap" and "Bonferroni" in ok.ci_method
    # the estimate agrees with the closed-form limit (reached after 150 steps) within its interval
    limit = _stationary_gap(g_, p.params["V"])
    assert ok.ci_low <= limit * 1.0 + 1e-12 and limit <= ok.ci_high * 1.15
    assert ok.bound == pytest.approx(18.0 / (150 * g_) + 2 * g_ * p.sigma_int)
    assert ok.ratio == pytest.approx(ok.estimate / ok.bound)
    # a "bound" at half the true limit must be refuted
    too_small = sp.Float(0.5 * limit)
    bad = cross_check("sgd", p, too_small, {"gamma": g_}, seeds=400, iters=150)
    assert bad.verdict == "violated" and bad.ci_low > bad.bound
    assert "lower confidence bound" in bad.evidence
    # a bound right at the limit cannot be decided
    mid = cross_check("sgd", p, sp.Float(limit), {"gamma": g_}, seeds=400, iters=150)
    assert mid.verdict in ("inconclusive", "consistent")


def test_avg_and_dist2_quantities_match_closed_form():
    p = quadratic()
    g_, Kk = 0.3, 60
    cc = cross_check("sgd", p, None, {"gamma": g_}, seeds=2000, iters=Kk, quantity="avg_expected_gap")
    V, D = p.params["V"], 18.0
    r = (1 - g_) ** 2
    exact_avg = np.mean([0.5 * (r ** k_ * D + g_ ** 2 * V * (1 - r ** k_) / (1 - r)) for k_ in range(Kk)])
    assert cc.ci_low <= exact_avg <= cc.ci_high
    assert cc.verdict == "unchecked" and cc.bound is None
    e = cc.other_estimates["expected_dist2"]
    exact_d = r ** Kk * D + g_ ** 2 * V * (1 - r ** Kk) / (1 - r)
    assert e["ci_low"] <= exact_d <= e["ci_high"]


def test_json_fields_and_records():
    cc = cross_check("sgd", quadratic(), THEOREM1, {"gamma": 0.3}, seeds=50, iters=20, seed=5)
    d = json.loads(cc.to_json())
    for f in ("verdict", "estimate", "ci_low", "ci_high", "bound", "ratio", "seeds", "iterations", "diverged",
              "quantity", "ci_method", "seed", "params", "abcheck_version"):
        assert f in d
    assert d["seed"] == 5 and d["params"] == {"gamma": 0.3} and d["seeds"] == 50 and d["iterations"] == 20
    assert d["bound_inputs"]["D0"] == 18.0 and d["bound_inputs"]["K"] == 20.0


def test_divergence_makes_the_upper_side_unknown():
    p = quadratic()
    cc = cross_check("sgd", p, sp.Float(1e9), {"gamma": 3.5}, seeds=20, iters=300)
    assert cc.diverged == 20 and cc.ci_high == math.inf and cc.verdict == "inconclusive"
    assert "diverged" in cc.evidence and cc.divergence["first_bad_step"] > 0
    assert json.loads(cc.to_json())["ci_high"] == "inf"


def test_bound_overrides_and_missing_symbols():
    p = quadratic()
    assert evaluate_bound(D0 + sigma_int, {"D0": 1.0, "sigma_int": 2.0}) == 3.0
    with pytest.raises(InputError, match="no value for"):
        cross_check("sgd", p, D0 + sp.Symbol("zeta", real=True), {"gamma": 0.3}, seeds=5, iters=5)
    # alpha/beta overrides reach the bound (and the residuals)
    cc = cross_check("sgd", p, alpha + beta, {"gamma": 0.3, "alpha": 3.0, "beta": 0.25}, seeds=50, iters=20)
    assert cc.bound == 3.25 and cc.min_residual < 0  # alpha = 3 fails on this problem


def test_adversarial_search_finds_a_false_claim_and_spares_a_true_one():
    p = quadratic()
    false_claim = sp.Float(0.5) * _stationary_gap(0.3, p.params["V"]) * gamma / sp.Float(0.3)
    found = adversarial_search("sgd", p, false_claim, {"gamma": 0.3}, param_ranges={"gamma": (0.05, 0.3)},
                               batches=[1], seeds=300, iters=80, max_runs=6)
    assert found, "a bound at half the stationary gap must be refuted somewhere"
    f0 = found[0]
    assert f0.ci_low > f0.bound and f0.problem == p.name and len(f0.x0) == 2 and f0.iterations == 80
    assert f0.level == pytest.approx(0.05 / 6)
    none = adversarial_search("sgd", p, THEOREM1, {"gamma": 0.3}, param_ranges={"gamma": (0.05, 0.5)},
                              batches=[1, 3], seeds=200, iters=60, max_runs=6)
    assert none == []


def test_edge_values():
    assert edge_values(0.01, 1.0) == pytest.approx([0.01, 0.1, 1.0])
    assert edge_values(0.0, 1.0)[0] == pytest.approx(1e-3)
    with pytest.raises(InputError):
        edge_values(1.0, float("nan"))


def test_ranges_from_claim_conditions():
    """gamma in (0, (alpha - beta)/(2L)] = (0, 0.125] at alpha = 1, beta = 0.5, L = 2; c > 1/(2(alpha - beta)) = 1."""
    from numerics.adversarial import ranges_from_conditions
    from theory.parse import parse_condition
    from theory.symbols import c
    names = {"gamma", "alpha", "beta", "L", "c"}
    conds = {gamma: parse_condition("0 < gamma <= (alpha - beta)/(2*L)", names),
             c: parse_condition("c > 1/(2*(alpha - beta))", names)}
    r = ranges_from_conditions(conds, {"alpha": 1.0, "beta": 0.5, "L": 2.0})
    assert r["gamma"] == pytest.approx((0.0, 0.125))
    assert r["c"][0] == pytest.approx(1.0) and r["c"][1] > 1.0
    assert r["c"][0] > 1.0                  # the strict end c > 1 is nudged inside: the edge value is admissible
    assert ranges_from_conditions({gamma: parse_condition("0 < gamma < 1/L", names)}, {"L": 2.0})["gamma"][1] < 0.5
    # a condition with a symbol that has no value is skipped, not guessed
    assert ranges_from_conditions(conds, {"alpha": 1.0}) == {}


def test_bound_inputs_for_ngn_include_sigma_pos():
    """On the shifted quadratic f_i^* = c_i = (0.5, 1.0, 0.25): sigma_pos = mean c_i = 7/12, sigma_int = V/2 = 2/3."""
    from theory.symbols import sigma_pos
    from simulate_problems import shifted_quadratic
    cc = cross_check("ngn", shifted_quadratic(), sigma_pos + sigma_int, {"gamma": 1.0}, seeds=20, iters=10)
    assert cc.bound_inputs["sigma_pos"] == pytest.approx(7 / 12)
    assert cc.bound_inputs["sigma_int"] == pytest.approx(2 / 3)
    assert cc.bound == pytest.approx(7 / 12 + 2 / 3)


def test_claim_style_method_uses_class_constants():
    """A claim's step may use alpha, beta, L without declaring them, and its conditions may involve them:
    they take the problem's values (or the ones passed in params). Step (alpha - beta)/(4 L) = 1/4 here."""
    from theory.methods import Method
    from theory.parse import parse_condition
    from theory.symbols import c
    m = Method("claim", "claim", (alpha - beta) / (4 * L),
               {c: parse_condition("c > 1/(2*(alpha - beta))", {"c", "alpha", "beta", "L"})})
    p = quadratic()
    cc = cross_check(m, p, D0 / K + sigma_int, {"c": 0.8}, seeds=100, iters=40, quantity="expected_dist2")
    r = 0.75 ** 2
    exact = r ** 40 * 18.0 + 0.25 ** 2 * p.params["V"] * (1 - r ** 40) / (1 - r)
    assert cc.ci_low <= exact <= cc.ci_high
    with pytest.raises(InputError, match="violates"):
        cross_check(m, p, D0 / K, {"c": 0.3}, seeds=5, iters=5)
