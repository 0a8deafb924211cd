"""The families against hand derivations and second methods (THEORY.md §7; docstrings of each module)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from numerics.families import get_problem, list_problems
from numerics.problem import DTYPE
from theory.errors import InputError, UnknownNameError

T = lambda *v: torch.tensor(v, dtype=DTYPE)  # noqa: E731


def grad_f(p, x):
    return p.full_grad(torch.as_tensor(x, dtype=DTYPE))[1]


def test_registry_lists_every_required_family():
    names = {r["name"] for r in list_problems()}
    required = {"paper-ex1", "paper-ex2", "paper-ex3", "paper-ex3-printed", "paper-ex4", "paper-ex5", "paper-ex6",
                "halfspace", "convex-gap", "saddle-tight", "localmin-tight", "highdim", "pseudo-huber",
                "quadratic-interp"}
    assert required <= names
    from numerics.families import FEATURES
    for r in list_problems():
        assert r["summary"] and isinstance(r["params"], dict) and r["features"]
        assert set(r["features"]) <= set(FEATURES), r


def test_paper_ex1_hand_facts():
    p = get_problem("paper-ex1")
    # S is the line x + y = -1/2: phi(-1/2) = phi(1/2) = (1/4)/(5/4) = 1/5, f* = 1/5, f_i^* = 0
    assert p.f_star == pytest.approx(0.2, abs=1e-14)
    assert p.sigma_int == pytest.approx(0.2, abs=1e-14)
    assert p.L == 4.0                                    # |phi''| <= 2 times |1 1^T| = 2
    x = T(3.0, -1.0)                                     # s = 2: nearest point of the line is x - 1.25 (1, 1)
    assert torch.allclose(p.project(x), T(1.75, -2.25), atol=1e-14)
    assert float(grad_f(p, p.project(x)).norm()) < 1e-14
    # the bound of §2: far away T -> -alpha (1 - 1/5) + beta, so beta >= 0.8 alpha is necessary
    m = p.membership
    assert m.beta >= 0.8 * m.alpha and m.min_margin >= 0


def test_paper_ex1_generalisation_outside_the_class_is_refused():
    # 7 evenly spaced shifts: the middle f_i is minimised on S and bounded, so beta >= alpha far away
    with pytest.raises(InputError, match="not in the alpha-beta class"):
        get_problem("paper-ex1", n=7, spread=3.0)


def test_paper_ex2_symmetry_and_saddle():
    p = get_problem("paper-ex2")
    a, b = p.minimizers[0], p.minimizers[1]
    assert torch.allclose(a + b, T(2.0, 2.0), atol=1e-12)      # symmetric about (1, 1)
    assert abs(float(a[0] - a[1])) < 1e-12                       # on the diagonal
    for z in p.minimizers:
        assert float(grad_f(p, z).norm()) < 1e-12
    # 1-D stationarity along the diagonal (t, t): t e^{-2t^2} = (2 - t) e^{-2(2-t)^2}
    t = float(a[0]) if float(a[0]) < 1 else float(b[0])
    assert t * math.exp(-2 * t * t) == pytest.approx((2 - t) * math.exp(-2 * (2 - t) ** 2), abs=1e-14)
    (sp,) = p.stationary_points
    assert sp.kind == "saddle" and sp.location == pytest.approx((1.0, 1.0), abs=1e-12)
    assert sp.height == pytest.approx((1 - math.exp(-2)) - p.f_star, abs=1e-13)
    assert p.L == 2.0 and list(p.f_star_i) == [0.0, 0.0]


def test_paper_ex6_saddle_and_minima():
    p = get_problem("paper-ex6")
    (sp,) = p.stationary_points
    # at the midpoint q_1 = q_2 = 1/2, f = (1/2)/(3/2) = 1/3
    assert sp.location == pytest.approx((0.5, 0.5), abs=1e-12) and sp.kind == "saddle"
    assert sp.height == pytest.approx(1 / 3 - p.f_star, abs=1e-13)
    a, b = p.minimizers
    assert torch.allclose(a + b, T(1.0, 1.0), atol=1e-12)
    assert p.f_star < 1 / 3


def test_paper_ex3_intended_and_printed():
    p = get_problem("paper-ex3")
    assert p.f_star_i.tolist() == [0.25, 0.0] and p.L == pytest.approx(0.5)   # 2(c - a)/c^2: 6/16, 8/16
    kinds = sorted(s.kind for s in p.stationary_points)
    assert kinds == ["local_min", "saddle"]
    lm = [s for s in p.stationary_points if s.kind == "local_min"][0]
    assert float(grad_f(p, lm.location).norm()) < 1e-10 and lm.height > 0
    q = get_problem("paper-ex3-printed")
    x = T(0.3, 4.0)
    u, v = 0.3 - 2.5, 4.0 - 2.5
    assert float(q.losses(x)[1]) == pytest.approx((u * u + v * v) / (4 + 2 * v * v), rel=1e-14)
    assert q.domain is not None and float(q.value(q.minimizers[0])) == pytest.approx(q.f_star, abs=1e-14)


def test_saddle_tight_closed_forms_and_tightness():
    A, tight = 3.0, 0.95
    p = get_problem("saddle-tight", A=A, tightness=tight)
    m = math.sqrt(2 * math.log(A))
    assert p.f_star == pytest.approx(1 + math.log(A), abs=1e-14)
    assert float(p.value(T(m, 0.0))) == pytest.approx(p.f_star, abs=1e-14)
    assert float(grad_f(p, T(m, 0.0)).norm()) < 1e-13
    (sp,) = p.stationary_points
    h = A - 1 - math.log(A)
    assert sp.height == pytest.approx(h, abs=1e-14) and float(grad_f(p, sp.location).norm()) == 0.0
    a, b = p.membership.alpha, p.membership.beta
    bound = b * p.sigma_int / (a - b)
    assert h == pytest.approx(tight * bound, rel=1e-12)
    # f_i^* by a second method: a dense grid of w(x) + eps x
    xs = np.linspace(-6, 6, 2_000_001)
    w = 0.5 * xs ** 2 + A * np.exp(-0.5 * xs ** 2)
    assert float(p.f_star_i[0]) == pytest.approx((w + 0.3 * xs).min(), abs=1e-10)
    # at the saddle, with x_p = (m, 0), T_i = beta (h + sigma) - h for both i (alpha = 1): the bound's slack
    T0 = p.ab_residuals(T(0.0, 0.0), a, b)
    assert torch.allclose(T0, torch.full((2,), b * (h + p.sigma_int) - h, dtype=DTYPE), atol=1e-12)


def test_saddle_tight_at_tightness_one_is_exactly_on_the_bound():
    p = get_problem("saddle-tight", tightness=1.0)
    T0 = p.ab_margin(T(0.0, 0.0), p.membership.alpha, p.membership.beta)
    assert abs(float(T0)) < 1e-12                    # the condition holds with equality at the saddle
    assert p.membership.min_margin > -1e-12


def test_localmin_tight_is_tight_and_consistent():
    p = get_problem("localmin-tight")
    kinds = {s.kind: s for s in p.stationary_points}
    assert set(kinds) == {"saddle", "local_min"}
    for s in p.stationary_points:
        assert float(grad_f(p, s.location).norm()) < 1e-10
    a, b = p.membership.alpha, p.membership.beta
    bound = b * p.sigma_int / (a - b)
    assert kinds["saddle"].height <= bound and kinds["local_min"].height <= kinds["saddle"].height
    assert kinds["local_min"].height >= 0.85 * bound          # documented tightness ~0.90 at the defaults
    assert p.sigma_int == pytest.approx(p.eps ** 2 / 2, rel=1e-12)   # eps^2/(2c), c = 1


def test_convex_gap_matches_numpy_least_squares():
    p = get_problem("convex-gap", n=30, d=4, noise=0.7, seed=3)
    A, b = p.A.numpy(), p.b.numpy()
    xs = np.linalg.lstsq(A, b, rcond=None)[0]
    assert np.allclose(p.x_star.numpy(), xs, atol=1e-10)
    assert p.f_star == pytest.approx(0.5 * np.mean((A @ xs - b) ** 2), rel=1e-12)
    assert p.sigma_int > 0 and p.membership.alpha == 1.0 and p.membership.beta == 0.0
    q = get_problem("convex-gap", lam=0.5, seed=1)
    i = 3
    a_i, b_i = q.A[i].numpy(), float(q.b[i])
    t = np.linspace(-5, 5, 200001)            # on the line x = t a_i / |a_i|
    vals = 0.5 * (t * np.linalg.norm(a_i) - b_i) ** 2 + 0.25 * t ** 2
    assert float(q.f_star_i[i]) == pytest.approx(vals.min(), abs=1e-8)


def test_highdim_closed_form_gradients_match_autograd():
    p = get_problem("highdim", d=7, n=6)
    x = torch.randn(5, 7, dtype=DTYPE, generator=torch.Generator().manual_seed(1))
    idx = torch.tensor([[0, 5, 2]] * 5)
    from numerics.problem import Problem
    v1, g1 = p.grad_at(x, idx)
    v2, g2 = Problem.grad_at(p, x, idx)
    assert torch.allclose(v1, v2, atol=1e-14) and torch.allclose(g1, g2, atol=1e-14)
    assert p.f_star == pytest.approx(1 + math.log(3.0), abs=1e-14)
    s = torch.full((7,), math.sqrt(2 * math.log(3.0)), dtype=DTYPE)
    assert float(p.value(s)) == pytest.approx(p.f_star, abs=1e-14)
    # the origin: height A - 1 - ln A; a point with one zero coordinate: (A - 1 - ln A)/d
    heights = sorted(sp.height for sp in p.stationary_points)
    h = 3.0 - 1 - math.log(3.0)
    assert heights == pytest.approx([h / 7, h], abs=1e-13)


def test_paper_ex4_projection_against_brute_force():
    p = get_problem("paper-ex4")
    g = torch.Generator().manual_seed(2)
    x = torch.randn(4, p.d, generator=g, dtype=DTYPE)
    pr = p.project(x)
    s1 = float(p.s[0])
    cs = np.concatenate([np.linspace(-20, -1e-3, 400001), np.linspace(1e-3, 20, 400001)])
    for k in range(4):
        pts = np.concatenate([np.outer(cs, p.p1.numpy()), np.outer(s1 / cs, p.q1.numpy())], 1)
        dmin = np.linalg.norm(pts - x[k].numpy(), axis=1).min()
        assert float((x[k] - pr[k]).norm()) <= dmin + 1e-9
        assert float(p.value(pr[k])) == pytest.approx(p.f_star, abs=1e-13)
    # f* by Eckart-Young equals the minimum of a direct descent
    from scipy.optimize import minimize
    r = minimize(lambda z: float(p.value(torch.tensor(z))), np.ones(p.d) * 0.5, method="BFGS", options={"gtol": 1e-10})
    assert r.fun == pytest.approx(p.f_star, abs=1e-8)


def test_paper_ex5_f_star_i_closed_form_against_minimisation():
    p = get_problem("paper-ex5")
    from scipy.optimize import minimize
    assert math.isinf(p.L)
    for i in (0, 3):
        f = lambda z: float(p.losses(torch.tensor(z))[i])  # noqa: E731
        best = min(minimize(f, z0, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000}).fun
                   for z0 in np.random.default_rng(i).uniform(-2, 2, size=(4, p.d)))
        assert float(p.f_star_i[i]) <= best + 1e-12
        assert best - float(p.f_star_i[i]) < 1e-4


def test_halfspace_f_star_i_and_L():
    p = get_problem("halfspace")
    assert p.n == 40 and p.d == 2
    i = 5
    a, b = p.a[i].numpy(), float(p.b[i])
    t = np.linspace(0, 3000, 3_000_001)
    vals = 1 / (1 + np.exp(np.clip(t * np.linalg.norm(a), -700, 700))) + 0.5e-5 * t * t
    assert float(p.f_star_i[i]) == pytest.approx(vals.min(), abs=1e-9)
    assert p.L == pytest.approx(float((p.a ** 2).sum(1).max()) / (6 * math.sqrt(3)) + 1e-5)
    for z in p.minimizers:
        assert float(grad_f(p, z).norm()) < 1e-9


@pytest.mark.parametrize("name,params,msg", [
    ("saddle-tight", {"A": 1.0}, "parameter A"),
    ("saddle-tight", {"n": 3}, "even"),
    ("saddle-tight", {"A": "abc"}, "must be float"),
    ("saddle-tight", {"A": float("nan")}, "finite"),
    ("paper-ex2", {"zzz": 1}, "unknown parameter"),
    ("localmin-tight", {"kappa": 5.0}, "three stationary points"),
    ("convex-gap", {"n": 2, "d": 5}, "n >= d"),
    ("highdim", {"d": 0}, "parameter d"),
    ("pseudo-huber", {"n": 6, "d": 6}, "n < d"),
    ("pseudo-huber", {"d": 1, "n": 1}, "parameter d"),
    ("quadratic-interp", {"low": 0.8, "high": 0.5}, "low <= high"),
])
def test_bad_parameters_are_input_errors(name, params, msg):
    with pytest.raises(InputError, match=msg):
        get_problem(name, **params)


def test_unknown_family():
    with pytest.raises(UnknownNameError, match="known: "):
        get_problem("paper-ex99")


def test_string_parameters_are_converted():
    p = get_problem("saddle-tight", A="4", d="3", n="4")
    assert p.params["A"] == 4.0 and p.d == 3 and p.n == 4
    assert get_problem("paper-ex2", seed="none").params["seed"] is None
