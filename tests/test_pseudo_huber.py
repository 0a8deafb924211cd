"""Bounded gradients (``Problem.grad_sq_bound``) for paper-ex1 and the ``pseudo-huber`` family: the stated G
against symbolic maximisation and sampled gradients, and pseudo-huber's hand-proved facts (interpolation,
alpha = 1 / beta = 0, projection onto null(A), L) against second methods."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch

from numerics.families import get_problem, list_problems
from numerics.problem import DTYPE, Problem


def _far_and_near_points(d: int, seed: int, centre: torch.Tensor | None = None) -> torch.Tensor:
    """Gaussian clouds at scales 1e-3 .. 1e6 (around ``centre``) plus a uniform box."""
    g = torch.Generator().manual_seed(seed)
    c = torch.zeros(d, dtype=DTYPE) if centre is None else centre
    parts = [c + s * torch.randn(2000, d, generator=g, dtype=DTYPE) for s in (1e-3, 0.1, 0.5, 1.0, 3.0, 10.0, 1e3, 1e6)]
    parts.append(c + 8.0 * (2 * torch.rand(4000, d, generator=g, dtype=DTYPE) - 1))
    return torch.cat(parts)


def _max_grad_sq(p: Problem, x: torch.Tensor) -> float:
    idx = torch.arange(p.n).expand(x.shape[0], p.n)
    _, g = p.grad_at(x, idx)
    return float((g * g).sum(-1).max())


# -- paper-ex1: G = 27 d/64 -------------------------------------------------------------------------
def test_paper_ex1_bound_by_symbolic_maximisation():
    """max_u phi'(u)^2 over R, phi(u) = u^2/(u^2 + 1), decided symbolically: 27/64, at u = +-1/sqrt 3; with
    ||grad f_i||^2 = d phi'^2 this gives 27/32 for the paper's d = 2."""
    u = sp.symbols("u", real=True)
    dphi = sp.diff(u ** 2 / (u ** 2 + 1), u)
    assert sp.simplify(dphi - 2 * u / (u ** 2 + 1) ** 2) == 0
    h = dphi ** 2
    crit = sp.solve(sp.diff(h, u), u)                               # 0 and +-1/sqrt(3)
    assert set(crit) == {0, 1 / sp.sqrt(3), -1 / sp.sqrt(3)}
    cands = [sp.nsimplify(sp.simplify(h.subs(u, c))) for c in crit]
    cands += [sp.limit(h, u, sp.oo), sp.limit(h, u, -sp.oo)]        # h is continuous: max over these
    best = max(cands)
    assert best == sp.Rational(27, 64)
    assert sp.simplify(dphi.subs(u, 1 / sp.sqrt(3)) - sp.Rational(9, 8) / sp.sqrt(3)) == 0
    assert sp.simplify(sp.calculus.util.maximum(h, u, sp.S.Reals) - sp.Rational(27, 64)) == 0
    assert 2 * best == sp.Rational(27, 32)
    assert get_problem("paper-ex1").grad_sq_bound == float(sp.Rational(27, 32)) == 0.84375


@pytest.mark.parametrize("params", [{}, {"d": 1}, {"d": 4}, {"n": 4, "spread": 1.5}, {"n": 5, "spread": 1.5, "seed": 2}])
def test_paper_ex1_bound_holds_on_samples_and_is_attained(params):
    p = get_problem("paper-ex1", **params)
    assert p.grad_sq_bound == pytest.approx(27 * p.d / 64, rel=1e-15)
    x = _far_and_near_points(p.d, 0, p.project(torch.zeros(p.d, dtype=DTYPE)))
    assert _max_grad_sq(p, x) <= p.grad_sq_bound * (1 + 1e-14)
    # the maximum is attained where s + a_i = +-1/sqrt 3 (s = sum_j x_j)
    for sign in (1.0, -1.0):
        s = sign / math.sqrt(3) - float(p.a[0])
        z = torch.full((1, p.d), s / p.d, dtype=DTYPE)
        _, g = p.grad_at(z, torch.tensor([[0]]))
        assert float((g * g).sum()) == pytest.approx(p.grad_sq_bound, rel=1e-13)


# -- pseudo-huber ------------------------------------------------------------------------------------
PH = [{}, {"n": 1, "d": 2}, {"n": 3, "d": 8, "seed": 7}, {"n": 9, "d": 10, "seed": 11}]


def test_registered_with_interpolation_feature():
    (row,) = [r for r in list_problems() if r["name"] == "pseudo-huber"]
    assert {"interpolation", "convex", "unbounded_S"} <= set(row["features"])
    assert row["params"] == {"n": 4, "d": 6, "seed": 0}


def test_symbolic_facts_of_psi():
    """psi(t) = sqrt(1 + t^2) - 1: sup psi'^2 = 1 (not attained), max psi'' = 1 at 0, and the exact residual
    t psi'(t) - psi(t) = psi/(1 + psi) used in the module docstring."""
    t = sp.symbols("t", real=True)
    psi = sp.sqrt(1 + t ** 2) - 1
    d1, d2 = sp.diff(psi, t), sp.diff(psi, t, 2)
    assert sp.limit(d1 ** 2, t, sp.oo) == 1 and sp.simplify(1 - d1 ** 2 - 1 / (1 + t ** 2)) == 0   # < 1
    assert sp.simplify(d2 - (1 + t ** 2) ** sp.Rational(-3, 2)) == 0 and d2.subs(t, 0) == 1
    assert sp.simplify(t * d1 - psi - psi / (1 + psi)) == 0


@pytest.mark.parametrize("params", PH)
def test_interpolation_and_minimizers(params):
    p = get_problem("pseudo-huber", **params)
    assert p.f_star == 0.0 and torch.equal(p.f_star_i, torch.zeros(p.n, dtype=DTYPE))
    assert abs(p.sigma_int) < 1e-12
    x = _far_and_near_points(p.d, 1)
    xp = p.project(x)
    assert float(p.losses(xp).abs().max()) < 1e-12 * max(1.0, float(x.norm(dim=-1).max()) ** 2)
    assert float(p.losses(x).min()) >= 0.0
    assert p.stationary_points == () and p.membership.beta * p.sigma_int == 0.0


@pytest.mark.parametrize("params", PH)
def test_projection_is_idempotent_orthogonal_and_lands_in_S(params):
    p = get_problem("pseudo-huber", **params)
    x = _far_and_near_points(p.d, 2)
    xp = p.project(x)
    scale = x.norm(dim=-1).clamp_min(1.0)
    assert float(((xp @ p.A.T).norm(dim=-1) / scale).max()) < 1e-12                 # A x_p = 0
    assert float(((p.project(xp) - xp).norm(dim=-1) / scale).max()) < 1e-13         # idempotent
    # x - x_p lies in the row space of A (orthogonal to S): it equals its least-squares reconstruction
    A = p.A.numpy()
    r = (x - xp).numpy()
    coef = np.linalg.lstsq(A.T, r.T, rcond=None)[0]
    assert np.abs(A.T @ coef - r.T).max() / float(scale.max()) < 1e-12
    # dim S = d - n for Gaussian rows; x0 is at distance 3 from S and its projection is not the origin
    assert p.rank == p.n
    assert float((p.x0 - p.project(p.x0)).norm()) == pytest.approx(3.0, abs=1e-12)
    assert float(p.project(p.x0).norm()) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("params", PH)
def test_alpha_one_beta_zero_and_the_exact_residual(params):
    p = get_problem("pseudo-huber", **params)
    m = p.membership
    assert (m.alpha, m.beta, m.status) == (1.0, 0.0, "sampled") and m.min_margin >= 0
    x = _far_and_near_points(p.d, 3, p.x0)
    T = p.ab_residuals(x, 1.0, 0.0)
    f = p.losses(x)
    assert float(T.min()) >= -1e-12
    # T_i = f_i/(1 + f_i) exactly; the float64 residual is a difference of terms of size |x| |a_i|
    scale = 1.0 + x.norm(dim=-1, keepdim=True) * p.A.norm(dim=-1)
    assert float(((T - f / (1 + f)).abs() / scale).max()) < 1e-13
    # alpha - beta > 1 fails far along a_i (the docstring's converse): T_i/|t| -> 1 - (alpha - beta)
    i = 0
    far = p.project(p.x0) + 1e4 * p.A[i] / p.A[i].norm()
    assert float(p.ab_residuals(far, 1.05, 0.0)[i]) < 0
    assert float(p.ab_residuals(far, 1.5, 0.5)[i]) >= 0          # only alpha - beta matters (f_i(x_p) = f_i^*)


@pytest.mark.parametrize("params", PH)
def test_gradient_bound_holds_and_is_approached_far_along_a_i(params):
    p = get_problem("pseudo-huber", **params)
    an2 = (p.A ** 2).sum(-1)
    assert p.L == pytest.approx(float(an2.max()), rel=1e-14)
    assert p.grad_sq_bound >= float(an2.max()) and p.grad_sq_bound == pytest.approx(p.L, rel=1e-12)
    x = _far_and_near_points(p.d, 4, p.x0)
    assert _max_grad_sq(p, x) <= p.grad_sq_bound
    i = int(an2.argmax())
    z = (100.0 * p.A[i] / p.A[i].norm()).unsqueeze(0)
    _, g = p.grad_at(z, torch.tensor([[i]]))
    g2 = float((g * g).sum())
    assert 0.99 * p.grad_sq_bound <= g2 < p.grad_sq_bound


def test_closed_form_gradients_match_autograd():
    p = get_problem("pseudo-huber", n=3, d=7, seed=5)
    x = torch.randn(6, 7, dtype=DTYPE, generator=torch.Generator().manual_seed(1)) * 3
    idx = torch.tensor([[0, 2, 1, 2]] * 6)
    v1, g1 = p.grad_at(x, idx)
    v2, g2 = Problem.grad_at(p, x, idx)
    assert torch.allclose(v1, v2, atol=1e-14) and torch.allclose(g1, g2, atol=1e-13)
    assert torch.allclose(p.losses(x), torch.sqrt(1 + (x @ p.A.T) ** 2) - 1, atol=1e-13)


@pytest.mark.parametrize("params", PH[:3])
def test_L_by_finite_difference_hessians(params):
    """The spectral norm of each f_i's Hessian (central differences of the closed-form gradient) is <= L on
    samples, and reaches L (within 1e-5) on S, where psi'' = 1."""
    p = get_problem("pseudo-huber", **params)
    g = torch.Generator().manual_seed(6)
    x = torch.cat([p.project(3 * torch.randn(30, p.d, generator=g, dtype=DTYPE)),
                   3 * torch.randn(60, p.d, generator=g, dtype=DTYPE)])
    h = 1e-5
    E = torch.eye(p.d, dtype=DTYPE)
    worst = 0.0
    for i in range(p.n):
        idx = torch.tensor([[i]])
        for xk in x:
            cols = [(p.grad_at((xk + h * E[j]).unsqueeze(0), idx)[1] - p.grad_at((xk - h * E[j]).unsqueeze(0), idx)[1])[0, 0] / (2 * h)
                    for j in range(p.d)]
            H = torch.stack(cols, -1)
            nrm = float(torch.linalg.eigvalsh(0.5 * (H + H.T)).abs().max())
            worst = max(worst, nrm)
            assert nrm <= p.L * (1 + 1e-6), (i, xk.tolist(), nrm, p.L)
    assert worst == pytest.approx(p.L, rel=1e-5)


def test_seeds_are_deterministic_and_parameters_checked():
    a, b = get_problem("pseudo-huber", seed=3), get_problem("pseudo-huber", seed=3)
    assert torch.equal(a.A, b.A) and a.membership == b.membership
    assert not torch.equal(a.A, get_problem("pseudo-huber", seed=4).A)
    assert get_problem("pseudo-huber", n="2", d="5").params == {"n": 2, "d": 5, "seed": 0}
