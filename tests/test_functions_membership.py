"""Stored and constructed membership measurements, re-measured (sampled, never "certified")."""
from __future__ import annotations

import pytest
import torch

from numerics.families import get_problem
from numerics.families.measure import measure_family
from numerics.problem import DTYPE


def _check_same(name):
    p = get_problem(name)
    fresh = measure_family(name)
    m = p.membership
    assert m.status == fresh["status"] == "sampled"
    assert fresh["alpha"] == m.alpha and fresh["beta"] == pytest.approx(m.beta, rel=1e-12)
    assert fresh["min_margin"] == pytest.approx(m.min_margin, rel=1e-6, abs=1e-12)
    assert fresh["samples"] == m.samples and fresh["min_margin"] >= 0


@pytest.mark.parametrize("name", ["paper-ex6", "paper-ex3"])
def test_stored_measurements_reproduce(name):
    _check_same(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["paper-ex2", "paper-ex3-printed", "halfspace", "paper-ex4", "paper-ex5"])
def test_stored_measurements_reproduce_slow(name):
    _check_same(name)


@pytest.mark.parametrize("name", ["saddle-tight", "localmin-tight"])
def test_one_variable_reduction_agrees_with_the_generic_residual(name):
    """The 1-D margin (exact reduction, tight.py) vs min_i T_i from Problem.ab_residuals on a 2-D grid:
    the grid can only see margins >= the reduced minimum, and gets close to it."""
    p = get_problem(name)
    m = p.membership
    xs = torch.linspace(-6, 6, 1201, dtype=DTYPE)
    ys = torch.linspace(-2, 2, 81, dtype=DTYPE)
    if name == "localmin-tight":           # the worst y is -beta eps_i/(c (1 + beta)): include it
        ys = torch.cat([ys, torch.tensor(m.worst_point[1:2], dtype=DTYPE)])
    X, Y = torch.meshgrid(xs, ys, indexing="ij")
    P = torch.stack([X.flatten(), Y.flatten()], -1)
    marg = p.ab_margin(P, m.alpha, m.beta)
    assert float(marg.min()) >= m.min_margin - 1e-9
    assert float(marg.min()) <= m.min_margin + 5e-3


def test_paper_ex1_reduction_agrees_in_higher_dimension():
    p = get_problem("paper-ex1", d=4)
    m = p.membership
    g = torch.Generator().manual_seed(0)
    x = torch.randn(20000, 4, generator=g, dtype=DTYPE) * 3
    assert float(p.ab_margin(x, m.alpha, m.beta).min()) >= m.min_margin - 1e-12
    # the worst point of the reduction is a point of R^4 with the reported margin
    w = torch.tensor(m.worst_point, dtype=DTYPE)
    assert float(p.ab_margin(w, m.alpha, m.beta)) == pytest.approx(m.min_margin, abs=1e-12)


def test_highdim_margin_equals_the_one_dimensional_margin():
    p = get_problem("highdim", d=5, n=4)
    m = p.membership
    w = torch.tensor(m.worst_point, dtype=DTYPE)
    assert float(p.ab_margin(w, m.alpha, m.beta)) == pytest.approx(m.min_margin, abs=1e-12)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(5000, 5, generator=g, dtype=DTYPE) * 2
    assert float(p.ab_margin(x, m.alpha, m.beta).min()) >= m.min_margin - 1e-12


def test_membership_is_never_called_certified_by_the_library():
    for name in ("paper-ex1", "paper-ex2", "saddle-tight", "convex-gap", "highdim", "pseudo-huber"):
        assert get_problem(name).membership.status == "sampled"
