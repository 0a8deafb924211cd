"""Property tests over the families with the public strategies (numerics/strategies.py)."""
from __future__ import annotations

import math

import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from numerics.problem import DTYPE
from numerics.strategies import (ab_params, cached_problem, points, points_equidistant, points_far,
                                 points_near_stationary, problems)

SET = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# all families with a stored or constructed membership (default parameters for the slow ones)
ALL = ("paper-ex1", "paper-ex2", "paper-ex3", "paper-ex3-printed", "paper-ex4", "paper-ex5", "paper-ex6",
       "halfspace", "convex-gap", "saddle-tight", "localmin-tight", "highdim", "pseudo-huber", "quadratic-interp")


@SET
@given(st.data())
def test_condition_holds_at_generated_points(data):
    """Members whose sampled margin is >= 0 satisfy T >= 0 at fresh adversarial points too. The 1-D reduced
    families (saddle-tight, localmin-tight, highdim, paper-ex1) reduce exactly; the others are sampled."""
    p = data.draw(problems())
    x = data.draw(points(p))
    m = p.membership
    assert m.status in ("sampled", "certified") and m.min_margin >= -1e-12 * max(1.0, abs(p.f_star))
    margin = float(p.ab_margin(x.unsqueeze(0), m.alpha, m.beta))
    assert margin >= -1e-9 * max(1.0, abs(p.f_star)), (p.name, p.params, x.tolist(), margin)


@settings(max_examples=len(ALL), deadline=None)
@given(st.sampled_from(ALL))
def test_every_stationary_point_is_below_the_bound(name):
    """§2: f(xbar) - f* <= beta sigma_int/(alpha - beta) for every stationary point xbar."""
    p = cached_problem(name)
    m = p.membership
    bound = m.beta * p.sigma_int / (m.alpha - m.beta)
    for sp in p.stationary_points:
        assert sp.height <= bound + 1e-12, (name, sp, bound)
        v = float(p.value(torch.tensor(sp.location, dtype=DTYPE))) - p.f_star
        assert abs(v - sp.height) <= 1e-9 * max(1.0, abs(v))


@SET
@given(st.data())
def test_projection_is_a_nearest_point_of_S(data):
    """Against independent descriptions of S: brute force over the finite S, the hyperplane distance for
    paper-ex1, the coordinatewise rule for highdim, least squares for pseudo-huber's null space."""
    p = data.draw(problems())
    x = data.draw(points(p))
    pr = p.project(x)
    assert abs(float(p.value(pr)) - p.f_star) <= 1e-10 * max(1.0, abs(p.f_star))
    d = float((x - pr).norm())
    if p.name == "paper-ex1":
        dist = min(abs(float(x.sum()) - s) for s in p.s_star.tolist()) / math.sqrt(p.d)
        assert d == __import__("pytest").approx(dist, abs=1e-9 * max(1, dist))
    elif p.name == "highdim":
        m = math.sqrt(2 * math.log(p.A))
        assert d == __import__("pytest").approx(float((x.abs() - m).norm()), abs=1e-9 * max(1, d))
    elif p.name == "pseudo-huber":       # dist(x, null A) = |z| for the min-norm z with A z = A x
        A = p.A.numpy()
        z = __import__("numpy").linalg.lstsq(A, A @ x.numpy(), rcond=None)[0]
        dist = float(__import__("numpy").linalg.norm(z))
        assert d == __import__("pytest").approx(dist, abs=1e-9 * max(1, dist))
    else:
        mins = p.minimizers
        assert d <= float((mins - x).norm(dim=-1).min()) + 1e-9 * max(1.0, d)


@SET
@given(st.data())
def test_equidistant_points_have_tied_candidates_that_both_serve(data):
    p = data.draw(problems(names=("paper-ex2", "paper-ex6", "saddle-tight"), vary=False))
    x = data.draw(points_equidistant(p))
    c = p.project_candidates(x.unsqueeze(0))[0]
    dists = (c - x).norm(dim=-1)
    assert float(dists.max() - dists.min()) <= 1e-9 * max(1.0, float(dists.max()))


@SET
@given(st.data())
def test_losses_are_above_f_star_i(data):
    p = data.draw(problems(names=ALL, vary=False) | problems())
    x = data.draw(points(p))
    gap = p.losses(x) - p.f_star_i
    assert float(gap.min()) >= -1e-12 * max(1.0, float(p.f_star_i.abs().max())), (p.name, x.tolist())


@SET
@given(st.data())
def test_gradients_match_finite_differences(data):
    p = data.draw(problems(names=ALL, vary=False) | problems())
    x = data.draw(st.one_of(points_near_stationary(p), points_far(p), points(p)))
    i = data.draw(st.integers(0, p.n - 1))
    v = torch.tensor(data.draw(st.lists(st.floats(-1, 1), min_size=p.d, max_size=p.d)), dtype=DTYPE)
    if float(v.norm()) < 1e-3:
        v = torch.ones(p.d, dtype=DTYPE)
    v = v / v.norm()
    idx = torch.tensor([i])
    _, g = p.grad_at(x, idx)
    h = 1e-6 * max(1.0, float(x.abs().max()))
    fd = (p.loss_at(x + h * v, idx) - p.loss_at(x - h * v, idx))[0] / (2 * h)
    gv = float(g[0] @ v)
    if p.name == "paper-ex5":   # ReLU kinks: a difference straddling a kink is not a derivative
        return
    assert abs(gv - float(fd)) <= 1e-5 * (1 + abs(gv)), (p.name, x.tolist(), i, gv, float(fd))


@SET
@given(st.data())
def test_stated_gradient_bounds_hold_at_generated_points(data):
    """A stated grad_sq_bound G (a proof in the family's docstring) is >= ||grad f_i||^2 at fresh points,
    far ones included, for every i (up to float64 rounding)."""
    p = data.draw(problems())
    if p.grad_sq_bound is None:
        return
    x = data.draw(st.one_of(points(p), points_far(p)))
    idx = torch.arange(p.n).unsqueeze(0)
    _, g = p.grad_at(x.unsqueeze(0), idx)
    worst = float((g * g).sum(-1).max())
    assert worst <= p.grad_sq_bound * (1 + 1e-12), (p.name, p.params, x.tolist(), worst, p.grad_sq_bound)


@SET
@given(ab_params())
def test_ab_params_strategy_is_valid(t):
    alpha, beta, L = t
    assert alpha > beta >= 0 and L > 0
    from numerics.problem import Membership
    Membership(alpha=alpha, beta=beta)     # accepted by the protocol


def test_averaged_condition_identity():
    """Averaging T_i over i gives <grad f, x - x_p> - (alpha - beta)(f - f*) + beta sigma_int (THEORY §2)."""
    p = cached_problem("saddle-tight")
    g = torch.Generator().manual_seed(5)
    x = torch.randn(50, 2, generator=g, dtype=DTYPE) * 2
    a, b = 1.3, 0.4
    T = p.ab_residuals(x, a, b).mean(-1)
    val, gr = p.full_grad(x)
    xp = p.project(x)
    rhs = (gr * (x - xp)).sum(-1) - (a - b) * (val - p.f_star) + b * p.sigma_int
    off = x[:, 0].abs() > 1e-9            # away from the tie, the candidate is the projection
    assert torch.allclose(T[off], rhs[off], atol=1e-12)
