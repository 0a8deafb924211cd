"""Aiming, relaxed-PL and QCvx statistics (numerics.landscape.stats) against hand facts and properties."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.landscape.stats import aiming_stats, pl_stats, qcvx_stats


def test_pl_constant_of_a_quadratic_is_mu_for_delta_two():
    # f(x) = mu/2 |x|^2 with f* = 0: |grad f|^2 = mu^2 |x|^2 = 2 mu f, so the PL (delta = 2) constant is mu
    mu = 0.37
    r = np.linspace(0.1, 3.0, 50)
    out = pl_stats(grad_norm=mu * r, b=0.5 * mu * r ** 2)
    assert out["mu_min"]["2"] == pytest.approx(mu, rel=1e-12)
    assert set(out["mu_min"]) == {"1", "1.25", "1.5", "1.75", "2"}
    assert out["n_defined"] == 50
    # delta = 1: |grad f|^2 >= 2 mu' f^2, i.e. mu' = min mu^2 r^2 / (2 (mu r^2 / 2)^2) = min 2 / r^2 = 2 / 9
    assert out["mu_min"]["1"] == pytest.approx(2 / 9, rel=1e-12)
    d = 1.5
    hand = np.min((mu * r) ** 2 / (2 * (0.5 * mu * r ** 2) ** (2 / d)))
    assert pl_stats(mu * r, 0.5 * mu * r ** 2, deltas=(d,))["mu_min"]["1.5"] == pytest.approx(hand, rel=1e-12)


def test_pl_undefined_steps_and_zero_gradient():
    out = pl_stats(np.array([1.0, 2.0, 0.0]), np.array([-1.0, 0.0, 0.5]))
    # steps 0, 1 have b <= 0 (undefined); step 2 has b > 0 with zero gradient: no mu > 0 works
    assert out["n_undefined"] == 3 and out["mu_min"]["1"] == 0.0


def test_aiming_counts_and_angle():
    a = np.array([1.0, -1.0, 0.0, -2.0])
    out = aiming_stats(a, c=np.ones(4), grad_norm=np.array([1.0, 1.0, 1.0, 2.0]), dist=np.array([1.0, 2.0, 1.0, 1.0]),
                       step_frac=np.array([0.0, 0.1, 0.5, 0.9]))
    assert out["fraction_negative"] == 0.5 and out["n_negative"] == 2
    assert out["cos_angle"]["min"] == pytest.approx(-1.0) and out["cos_angle"]["max"] == pytest.approx(1.0)
    assert out["angle_deg"]["max"] == pytest.approx(180.0)
    assert out["fraction_negative_first_20pct"] == 0.5 and out["fraction_negative_last_20pct"] == 1.0


def test_qcvx_of_a_convex_quadratic():
    # f = |x|^2 / 2, x* = 0: <grad f, x - x*> = |x|^2 = 2 (f - f*): a / b = 2, every theta in (0, 1] works
    x = np.linspace(0.5, 2, 10)
    out = qcvx_stats(a=x ** 2, b=0.5 * x ** 2)
    assert out["theta_max"] == pytest.approx(2.0) and out["feasible"] and out["theta_range"] == [0.0, 1.0]
    # one step with a < 0 < b: no theta > 0
    assert not qcvx_stats(np.array([1.0, -0.1]), np.array([1.0, 1.0]))["feasible"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.floats(-5, 5).filter(lambda v: v == 0 or abs(v) > 1e-6)] * 2),
                min_size=1, max_size=30))
def test_qcvx_range_is_exactly_the_feasible_thetas(pairs):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    out = qcvx_stats(a, b)
    grid = np.linspace(1e-3, 1.0, 400)
    ok = [bool(np.all(a - t * b >= -1e-12)) for t in grid]
    if out["feasible"]:
        lo, hi = out["theta_range"]
        for t, good in zip(grid, ok):
            if lo + 1e-9 < t < hi - 1e-9:
                assert good
            if t < lo - 1e-9 or t > hi + 1e-9:
                assert not good
    else:
        # no grid theta works, except possibly within rounding of an empty/degenerate interval
        assert sum(ok) <= 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=40))
def test_fraction_negative_is_the_count(a):
    a = np.array(a)
    out = aiming_stats(a, np.ones_like(a), np.ones_like(a), np.ones_like(a))
    assert out["fraction_negative"] == pytest.approx(sum(v < 0 for v in a) / len(a))
    assert math.isclose(out["cos_angle"]["min"], float(np.clip(a.min(), -1, 1)))


def test_assessment_trends_and_verdicts():
    from numerics.landscape.assess import _trend, assess
    assert _trend([0.07, 0.0, 0.0]) == "decreasing" and _trend([1, 2, 3]) == "increasing"
    assert _trend([1, 3, 2]) == "rises then falls" and _trend([2, 1, 3]) == "not monotone"
    assert _trend([None, 1.0]) == "undetermined"

    def cfg(label, empty, nb):
        reg = {"empty": empty, "vertices": [], "best": {"min_alpha": None if empty else {"alpha": 1.0, "beta": 0.5}}}
        return {"label": label, "region": reg, "neighbourhood": nb}
    s = {"experiment": "batch_size", "quick": False, "configs": [cfg("b=16", False, 0.3), cfg("b=64", False, 0.1)]}
    assert assess(s)["agrees"] == "yes"
    s["configs"][1]["neighbourhood"] = 0.5
    assert assess(s)["agrees"] == "partly"
    s["configs"][0] = cfg("b=16", True, None)
    a = assess(s)
    assert a["agrees"] == "no" and "fails (empty region) for 1 configuration" in a["sentence"]
