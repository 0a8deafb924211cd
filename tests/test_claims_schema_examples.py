"""The example claim files in examples/claims/: each loads, and its content matches the facts stated in
its comments, checked independently (a hand-derived identity, sampled oracle points that satisfy the
hypotheses, and the explicit one-dimensional counterexample f(x) = L x^2 / 2). These tests check the
files, not the verdict logic; sampled checks are evidence, not proofs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from theory.claims import load_claim
from theory.compile import compile_expr
from theory.symbols import L, alpha, beta, c, f, f_star, g2, gamma, gamma_b, sym

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "claims"
D0, K, sigma_int, sigma_pos = sym("D0"), sym("K"), sym("sigma_int"), sym("sigma_pos")
NAMES = ["sgd", "sps_max", "ngn", "ngn_paper_one_step", "false_sgd_factor", "false_sgd_missing_neighbourhood", "false_sgd_range"]


@pytest.mark.parametrize("name", NAMES)
def test_example_loads(name):
    claim = load_claim(EXAMPLES / f"{name}.toml")
    assert claim.one_step is not None or claim.rate is not None
    assert "alpha_beta" in claim.assumptions and "smooth" in claim.assumptions
    assert (EXAMPLES / f"{name}.toml").read_text().lstrip().startswith("#")   # each says why, in a comment


def test_sgd_certificate_identity():
    """THEORY.md section 4: goal - 2 gamma (alpha-beta) - gamma^2 (smooth) == 0 with the file's A, B."""
    claim = load_claim(EXAMPLES / "sgd.toml")
    d2, gd, f_p = sym("d2"), sym("gd"), sym("f_p")
    A, B = claim.one_step["A"], claim.one_step["B"]
    step = claim.step
    goal = (d2 - A * (f - f_p) + B * (f_p - f_star)) - (d2 - 2 * step * gd + step**2 * g2)  # >= 0 wanted
    ab = gd - alpha * (f - f_p) + beta * (f - f_star)
    smooth = 2 * L * (f - f_star) - g2
    assert sp.expand(goal - 2 * gamma * ab - gamma**2 * smooth) == 0


def _sample_oracle(rng, n, a, b, l, nonneg):
    """Oracle points satisfying realizability, alpha-beta and smoothness (often tight)."""
    fs = rng.uniform(0, 2, n) if nonneg else rng.uniform(-2, 2, n)
    s = rng.exponential(1, n) * (rng.random(n) < 0.8)           # f_p - f_star
    t = rng.exponential(1, n) + 1e-3                              # f - f_star
    g = 2 * l * t * rng.choice([1.0, 0.5, 0.0, 1e-3], n) * rng.uniform(0.5, 1, n)
    lower = a * (t - s) - b * t                                   # alpha (f - f_p) - beta (f - f_star)
    gd = lower + rng.exponential(1, n) * (rng.random(n) < 0.5)
    keep = (g > 0) | (lower <= 0)
    gd = np.where(g > 0, gd, np.minimum(0, gd) * 0)               # g2 = 0 forces gd = 0
    return fs[keep], s[keep], t[keep], g[keep], gd[keep]


@pytest.mark.parametrize("name", ["sgd", "sps_max", "ngn_paper_one_step"])
def test_one_step_holds_on_sampled_oracle_points(name):
    claim = load_claim(EXAMPLES / f"{name}.toml")
    rng = np.random.default_rng(0)
    extra = [p for p in claim.parameters]
    args = [f, f_star, g2, alpha, beta, L, *extra]
    step_fn = compile_expr(claim.step, args, backend="numpy")
    coef = {key: compile_expr(claim.one_step[key], [alpha, beta, L, *extra], backend="numpy") for key in "ABC"}
    checked = 0
    for _ in range(40):
        b = rng.uniform(0, 2)
        a = b + (1 + rng.exponential(1) if name.startswith("ngn") else rng.exponential(1) + 0.05)
        l = rng.uniform(0.1, 3)
        values = {gamma: rng.uniform(0, (a - b) / (2 * l)) if name == "sgd" else rng.exponential(1),
                  c: (1 + rng.exponential(1)) / (2 * (a - b)), gamma_b: rng.exponential(1)}
        pv = [values[p] for p in extra]
        fs, s, t, g, gd = _sample_oracle(rng, 500, a, b, l, nonneg=(name.startswith("ngn")))
        if name == "sps_max":
            g = np.where(g == 0, 1e-300, g)   # the file's step has no zero-division branch; the lead adds it
        fx = fs + t
        step = step_fn(fx, fs, g, a, b, l, *pv)
        change = -2 * step * gd + step**2 * g                      # d2' - d2
        A, B, C = (np.broadcast_to(coef[k](a, b, l, *pv), fx.shape) for k in "ABC")
        allowed = -A * (t - s) + B * s + C * fs
        scale = 1 + np.abs(allowed) + np.abs(change)
        assert np.all(change <= allowed + 1e-9 * scale), name
        checked += fx.size
    assert checked > 10_000


def _gd_run_min(l, x0, step, K_):
    """min_{k<K} f(x_k) for gradient descent on f(x) = l x^2 / 2, exactly in rationals."""
    x, best = x0, None
    for _ in range(K_):
        fx = l * x * x / 2
        best = fx if best is None else min(best, fx)
        x = x - step * l * x
    return best


@pytest.mark.parametrize("name, gamma_of, holds", [
    ("sgd", lambda l: 1 / l, True),                       # gamma = (alpha - beta)/(2L) with alpha = 2
    ("false_sgd_factor", lambda l: 1 / l, False),
    ("false_sgd_range", lambda l: 2 / l, False),          # gamma = (alpha - beta)/L
])
def test_quadratic_counterexample(name, gamma_of, holds):
    """f(x) = L x^2/2 (n = 1, sigma_int = 0, S = {0}) satisfies the alpha-beta-condition with alpha = 2,
    beta = 0: <f'(x), x> - 2 f(x) = 0. Evaluate the claimed bound at K = 1..4 against gradient descent."""
    x = sym("x")
    assert sp.expand(L * x * x - 2 * (L * x**2 / 2)) == 0
    claim = load_claim(EXAMPLES / f"{name}.toml")
    l, x0 = sp.Integer(3), sp.Rational(7, 5)
    gam = gamma_of(l)
    assert all(bool(r.subs({alpha: 2, beta: 0, L: l, gamma: gam})) for r in claim.all_conditions())
    results = []
    for K_ in range(1, 5):
        bound = claim.rate.subs({alpha: 2, beta: 0, L: l, gamma: gam, D0: x0**2, K: K_, sigma_int: 0})
        results.append(_gd_run_min(l, x0, gam, K_) <= bound)
    assert all(results) if holds else not results[0]


def test_missing_neighbourhood_oracle_point():
    """The comment's oracle point g2 = gd = 0, f - f_p = beta s/(alpha - beta) satisfies the hypotheses and
    forces B/A >= beta/(alpha - beta); the file's rate corresponds to B/A = L gamma/(alpha - beta)."""
    a, b, l, s = sp.Integer(3), sp.Integer(1), sp.Integer(2), sp.Integer(1)
    t = b * s / (a - b)
    assert 0 - a * t + b * (t + s) >= 0                   # alpha-beta with gd = 0
    assert 2 * l * (t + s) - 0 >= 0                       # smoothness with g2 = 0
    claim = load_claim(EXAMPLES / "false_sgd_missing_neighbourhood.toml")
    gam = sp.Rational(1, 10)                              # 2 L gamma = 2/5 < beta = 1; gamma <= (a - b)/(2l)
    neighbourhood = claim.rate.subs({alpha: a, beta: b, L: l, gamma: gam, sigma_int: 1, D0: 0})
    assert neighbourhood < b / (a - b)
    true_sgd = load_claim(EXAMPLES / "sgd.toml").rate.subs({alpha: a, beta: b, L: l, gamma: gam, sigma_int: 1, D0: 0})
    assert true_sgd >= b / (a - b)
