"""The ``quadratic-interp`` family (numerics/families/quadratic_interp.py) against hand derivations, and the
``refuted_numerically`` verdict it enables (abcheck/claim_verdict.py ``_numeric_refutation``)."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
import torch

from numerics.certify import certify
from numerics.families import get_problem, list_problems
from numerics.problem import DTYPE
from numerics.validate import validate_problem
from theory.errors import InputError

EX = Path(__file__).resolve().parent.parent / "examples" / "claims"


@pytest.fixture(scope="module")
def q():
    return get_problem("quadratic-interp")


def test_registry_and_hand_facts(q):
    (row,) = [r for r in list_problems() if r["name"] == "quadratic-interp"]
    assert "interpolation" in row["features"] and "finite_S" in row["features"]
    assert (q.n, q.d, q.L) == (2, 2, 1.0)
    assert q.H.tolist() == [[1.0, 0.3], [1.0, 0.6]]          # h_i1 = L for every i: the shared top curvature
    assert q.f_star == 0.0 and q.f_star_i.tolist() == [0.0, 0.0]
    assert q.sigma_int == 0.0 and float(q.f_star_i.mean()) == 0.0   # interpolation; sigma_pos = 0
    assert q.grad_sq_bound is None and q.stationary_points == () and q.domain is None
    assert q.x0.tolist() == [1.0, 1.0]
    m = q.membership
    assert (m.alpha, m.beta, m.status, m.min_margin) == (2.0, 0.0, "certified", 0.0)
    # L is the largest Hessian eigenvalue of any f_i (the Hessians are diag(h_i))
    x = torch.tensor([0.3, -1.7], dtype=DTYPE, requires_grad=True)
    for i in range(q.n):
        Hs = torch.autograd.functional.hessian(lambda z, i=i: q.losses(z)[i], x)
        assert torch.allclose(Hs, torch.diag(q.H[i]), atol=1e-15)
    assert float(q.H.max()) == q.L


@pytest.mark.parametrize("params", [{}, {"n": 5, "d": 4, "seed": 3}, {"n": 3, "d": 6, "L": 7.5, "low": 0.1, "high": 0.9}])
def test_residual_is_identically_zero_at_random_points(params):
    """T_i = <grad f_i, x - 0> - 2 (f_i - 0) + 0 = 0 (Euler's identity); exactly 0 in float64 too."""
    p = get_problem("quadratic-interp", **params)
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.randn(2000, p.d, generator=g, dtype=DTYPE) * s for s in (1e-3, 1.0, 1e2, 1e4)])
    T = p.ab_residuals(x, 2.0, 0.0)
    assert float(T.abs().max()) == 0.0
    # for any other pair, T_i = (2 - alpha + beta) f_i
    f = p.losses(x)
    for a, b in ((1.0, 0.0), (2.5, 0.5), (3.0, 0.2), (2.7, 0.0)):
        err = (p.ab_residuals(x, a, b) - (2 - a + b) * f).abs()
        assert bool((err <= 1e-14 * (2 + a + b) * f).all())        # float64 rounding only


def test_sympy_identity_independently():
    """An independent symbolic check (sympy expressions, not the family's ring code) for d = 3."""
    xs = sp.symbols("x1:4", real=True)
    hs = sp.symbols("h1:4", positive=True)
    a, b = sp.symbols("alpha beta", real=True)
    f = sum(h * x ** 2 for h, x in zip(hs, xs)) / 2
    T = sum(sp.diff(f, x) * x for x in xs) - a * f + b * f
    assert sp.expand(T - (2 - a + b) * f) == 0
    from numerics.families.quadratic_interp import residual_identity
    assert residual_identity(3)[0] and residual_identity(1)[0]


def test_exact_check_and_certify(q):
    """The condition holds iff alpha - beta <= 2 (exact); a failing pair comes with a witness."""
    assert q.exact_check(2.0, 0.0)["holds"] and q.exact_check(2.5, 0.5)["holds"]
    assert not q.exact_check(2.5, 0.4)["holds"] and not q.exact_check(2.0 + 1e-12, 0.0)["holds"]
    ok = certify(q, 2.0, 0.0)
    assert ok.status == "certified" and ok.holds and ok.min_margin == 0.0
    bad = certify(q, 3.0, 0.5)
    assert bad.status == "certified" and not bad.holds and bad.min_margin < 0
    x = torch.tensor([bad.worst_point], dtype=DTYPE)
    assert float(q.ab_residuals(x, 3.0, 0.5)[0, bad.worst_sample]) == pytest.approx(bad.min_margin)
    assert bad.min_margin == pytest.approx(-0.5 * float(q.losses(x)[0, bad.worst_sample]))   # (2 - 3 + 0.5) f_i
    samp = certify(q, 2.0, 0.0, samples=2000, exact=False)
    assert samp.status == "sampled" and samp.holds


def test_projection_and_validation(q):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(100, 2, generator=g, dtype=DTYPE) * 5
    assert torch.equal(q.project(x), torch.zeros_like(x))
    assert float(q.value(q.project(x)).abs().max()) == 0.0
    assert bool((q.value(x) > 0).all())                       # f > f* = 0 off S = {0}
    assert validate_problem(q).ok


@pytest.mark.parametrize("params,msg", [
    ({"low": 0.0}, "parameter low"), ({"high": 1.5}, "parameter high"), ({"low": 0.7, "high": 0.6}, "low <= high"),
    ({"n": 0}, "parameter n"), ({"d": 101}, "parameter d"), ({"L": -1.0}, "parameter L"),
])
def test_bad_parameters(params, msg):
    with pytest.raises(InputError, match=msg):
        get_problem("quadratic-interp", **params)


def test_sgd_at_two_over_L_keeps_the_first_coordinate(q):
    """By hand: x_{k+1} = x_k - gamma grad f_i(x_k), gamma = 2/L: x_{k+1,1} = (1 - 2) x_{k,1} whatever i is, so
    |x_{k,1}| = |x_{0,1}| and f(x_k) - f* >= L x_{0,1}^2/2 for every k, while x_{k,2} -> 0."""
    gamma = 2.0 / q.L
    rng = random.Random(0)
    x = q.x0.clone()
    for k in range(200):
        i = rng.randrange(q.n)
        _, g = q.grad_at(x, torch.tensor([i]))
        x = x - gamma * g[0]
        assert abs(float(x[0])) == 1.0
        assert float(q.value(x)) >= q.L / 2
    assert abs(float(x[1])) < 1e-30
    # the same in the vectorised runner: min_k E[f(x_k) - f*] stays at L x_{0,1}^2/2
    from numerics.simulate import simulate
    from theory.methods import get_method
    r = simulate(get_method("sgd"), q, {"gamma": gamma}, seeds=50, iters=100)
    assert float(min(r.gap_mean)) == pytest.approx(q.L / 2, rel=1e-12)


def test_false_range_claim_refuted_numerically_cli():
    """abcheck claim on the false range claim: refuted_numerically (exit 1), the finding on quadratic-interp at the
    top edge gamma = (alpha - beta)/L = 2 with its interval above the bound."""
    r = subprocess.run([sys.executable, "-m", "abcheck.cli", "claim", str(EX / "false_sgd_range.toml"), "--json"],
                       check=False, capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    js = json.loads(r.stdout)
    assert js["status"] == "refuted_numerically", js["reason"]
    fd = js["numerics"][0]
    assert fd["function"] == fd["problem"] == "quadratic-interp"
    assert {"seed", "seeds", "iterations", "estimate", "ci_low", "ci_high", "bound", "x0", "params", "level"} <= set(fd)
    assert fd["params"]["gamma"] == 2.0 and fd["iterations"] == 100
    assert fd["ci_low"] > fd["bound"]
    assert fd["estimate"] == pytest.approx(0.5, rel=1e-9)
    # the bound is the claim's D0/(gamma (alpha - beta) K) at D0 = ||x0||^2, K = iterations
    assert fd["bound"] == pytest.approx(sum(v * v for v in fd["x0"]) / (2.0 * 2.0 * fd["iterations"]))


@pytest.mark.parametrize("name", ["sgd", "sps_max", "ngn"])
def test_true_claims_have_no_finding_on_quadratic_interp(name):
    """Soundness the other way: the numerical search (deterministic seeds, Bonferroni level 0.05) reports no
    violation of the true claims on quadratic-interp, and runs without errors (NGN divides by f_i > 0 off S)."""
    from abcheck.claim_verdict import ClaimVerdict, _numeric_refutation
    from theory.claims import load_claim
    claim = load_claim(EX / f"{name}.toml")
    v = ClaimVerdict("not_proved", claim.name, "")
    found = _numeric_refutation(claim, claim.step, v, families=("quadratic-interp",))
    assert found == [] and v.status == "not_proved" and v.notes == []
