"""DecSPS under bounded iterates (proofs/decsps.py). Independent facts: a hand derivation of the rate and its
limit, runs of the DecSPS recursion on arbitrary oracle values meeting smoothness (Hypothesis), the kernel's
refusal of stronger rates, Monte-Carlo cross-checks."""
from __future__ import annotations

import math
import random

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from proofs import decsps as ds
from theory.symbols import Dmax2, K, alpha, beta, c, sigma_int


@pytest.fixture(scope="module")
def result():
    return ds.prove_decsps()


def test_proved_with_its_assumptions_and_conditions(result):
    assert result.proved and all(p.kernel.proved for p in result.proofs)
    assert [r.rule for r in result.rules] == ["state_induction", "scaled_telescoping", "instantiate_sums"]
    assert set(result.rules[-1].assumptions) >= {"alpha_beta", "smooth", "bounded_iterates"}
    conds = {sp.sstr(e) for e, _ in result.conditions}
    assert {"2*alpha*c - 2*beta*c - 1", "-2*L*mu + 1", "c*gamma_b - mu"} <= conds


def test_rate_equals_hand_derivation_and_its_limit(result):
    """By hand: (2(alpha-beta) - 1/c) K min E X <= Dmax2 c sqrt(K+1)/mu + (2 beta + 1/c) sigma_int K."""
    rng = random.Random(7)
    for _ in range(20):
        a = rng.uniform(0.2, 3)
        b_ = a * rng.uniform(0, 0.9)
        cc = rng.uniform(1.01, 5) / (2 * (a - b_))
        pt = {alpha: a, beta: b_, c: cc, ds.mu: rng.uniform(0.01, 1), Dmax2: rng.uniform(0, 10),
              sigma_int: rng.uniform(0, 1)}
        Kv = rng.randint(1, 10**4)
        A = 2 * (a - b_) - 1 / cc
        hand = float(pt[Dmax2]) * cc * math.sqrt(Kv + 1) / (float(pt[ds.mu]) * Kv * A) + (2 * b_ + 1 / cc) * float(pt[sigma_int]) / A
        assert float(result.bound.xreplace({**pt, K: Kv})) == pytest.approx(hand, rel=1e-12)
    lim = sp.limit(result.bound, K, sp.oo)
    assert sp.simplify(lim - (2 * beta * c + 1) * sigma_int / (2 * (alpha - beta) * c - 1)) == 0
    assert sp.simplify(sp.limit(lim, c, sp.oo) - beta * sigma_int / (alpha - beta)) == 0


@pytest.mark.parametrize("claimed", [
    ds.RATE * sp.Rational(99, 100),
    ds.RATE - sigma_int / 100,
    ds.RATE.xreplace({ds.mu: 2 * ds.mu}),
])
def test_strengthened_rates_are_not_proved(claimed):
    assert not ds.prove_decsps(claimed=claimed).proved


@settings(max_examples=200, deadline=None)
@given(Lv=st.floats(0.1, 10), cv=st.floats(0.05, 5), gb=st.floats(0.01, 5),
       pts=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 10)), min_size=1, max_size=50))
def test_recursion_meets_the_invariants(Lv, cv, gb, pts):
    """Any oracle values with g2 <= 2L (f - f*): c_k gamma_k >= mu = min(1/(2L), c gamma_b), steps never increase,
    1/gamma_{k-1} <= c sqrt(k+1)/mu, and gamma_k g2 <= (f - f*)/c_k."""
    mu = min(1 / (2 * Lv), cv * gb)
    g_prev, c_prev = gb, cv
    for j, (frac, gap) in enumerate(pts):
        assert 1 / g_prev <= cv * math.sqrt(j + 1) / mu * (1 + 1e-9)
        g2v = frac * 2 * Lv * gap
        ck = cv * math.sqrt(j + 1)
        step = c_prev * g_prev / ck if g2v == 0 else min(gap / g2v, c_prev * g_prev) / ck
        assert ck * step >= mu * (1 - 1e-9) and step <= g_prev * (1 + 1e-12)
        assert step * g2v <= gap / ck * (1 + 1e-9) + 1e-15
        g_prev, c_prev = step, ck


def test_verify_cross_checks(capsys):
    import json
    from abcheck.cli import main
    rc = main(["verify", "--theorem", "dec_sps", "--json", "--no-z3", "--no-coq", "--seeds", "200", "--iters", "50"])
    js = json.loads(capsys.readouterr().out)["theorems"][0]
    assert rc == 0 and js["numerics"]["verdict"] == "consistent" and js["status"] == "proved"


def test_mu_outside_its_conditions_is_bad_input():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "abcheck.cli", "verify", "--theorem", "dec_sps", "--no-z3",
                          "--no-coq", "--seeds", "10", "--iters", "5", "--param", "mu=1"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "-2*L*mu + 1 >= 0" in out.stderr and "Traceback" not in out.stderr


def test_cross_check_on_a_problem_with_sigma_int_positive():
    from numerics.crosscheck import cross_check
    from numerics.families import get_problem
    from proofs.theorems import prove
    r, p = prove("dec_sps"), get_problem("paper-ex1")
    a, b_ = p.membership.alpha, p.membership.beta
    cv = 1 / (a - b_)
    params = {"alpha": a, "beta": b_, "L": p.L, "c": cv, "gamma_b": 1.0, "mu": min(1 / (2 * p.L), cv)}
    cc = cross_check(r.method, p, r.bound, params, seeds=300, iters=20)
    assert cc.verdict == "consistent"
