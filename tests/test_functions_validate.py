"""numerics.validate and load_factory on deliberately broken user problems: each defect is found and
located; a correct problem passes."""
from __future__ import annotations

import textwrap

import pytest
import torch

from numerics.families import get_problem, load_factory
from numerics.problem import DTYPE, FunctionProblem, Membership
from numerics.validate import validate_problem
from theory.errors import InputError

C = torch.tensor([[0.0, 0.0], [2.0, 0.0]], dtype=DTYPE)


def quad_losses(x):
    # f_i = |x - c_i|^2 / 2: S = {(1, 0)}, f_i^* = 0, f* = 1/2, sigma_int = 1/2, convex: alpha = 1, beta = 0
    return 0.5 * ((x.unsqueeze(-2) - C) ** 2).sum(-1)


def good_project(x):
    return torch.tensor([1.0, 0.0], dtype=DTYPE).expand_as(x).clone()


def make(**over):
    kw = dict(name="user-quad", d=2, n=2, losses=quad_losses, project=good_project, f_star_i=[0.0, 0.0],
              f_star=0.5, L=1.0, membership=Membership(alpha=1.0, beta=0.0, status="claimed"), x0=[3.0, 1.0])
    kw.update(over)
    return FunctionProblem(**kw)


def by_name(rep):
    return {c.name: c for c in rep.checks}


def test_a_correct_user_problem_passes():
    rep = validate_problem(make())
    assert rep.ok, rep.text()


def test_wrong_gradient_is_located():
    class Bad(FunctionProblem):
        def grad_at(self, x, idx):
            v, g = super().grad_at(x, idx)
            return v, 1.1 * g                      # 10% off
    p = Bad(name="bad-grad", d=2, n=2, losses=quad_losses, project=good_project, f_star_i=[0, 0], f_star=0.5,
            L=1.0, membership=Membership(alpha=1.0, beta=0.0))
    c = by_name(validate_problem(p))["gradient"]
    assert not c.ok and c.point is not None and c.component in (0, 1) and c.size > 1e-3


def test_projection_not_a_minimizer():
    rep = validate_problem(make(project=lambda x: torch.zeros_like(x)))
    c = by_name(rep)["projection"]
    assert not c.ok and "not a minimizer" in c.detail and c.point is not None


def test_projection_not_nearest_on_a_line():
    # f_i = (x1 + x2 + a_i)^2/2 has S = {x1 + x2 = -1/2}; a projection moving only x1 is a minimizer but not
    # the nearest point (that is x - (s + 1/2)/2 (1, 1))
    a = torch.tensor([0.0, 1.0], dtype=DTYPE)
    losses = lambda x: 0.5 * (x.sum(-1, keepdim=True) + a) ** 2  # noqa: E731

    def proj(x):
        p = x.clone()
        p[..., 0] = -0.5 - x[..., 1]
        return p
    p = FunctionProblem(name="line", d=2, n=2, losses=losses, project=proj, f_star_i=[0, 0], f_star=0.125, L=2.0,
                        membership=Membership(alpha=1.0, beta=0.0), x0=[1.0, 1.0])
    c = by_name(validate_problem(p))["projection"]
    assert not c.ok and "closer" in c.detail


def test_grad_sq_bound_is_checked_only_when_stated_and_a_false_one_is_located():
    assert "grad_bound" not in by_name(validate_problem(make()))       # None: nothing claimed, nothing checked
    assert make().grad_sq_bound is None and make().describe()["grad_sq_bound"] is None
    # |grad f_i|^2 = |x - c_i|^2 is unbounded on R^2: any stated G is false, and far samples show it
    c = by_name(validate_problem(make(grad_sq_bound=100.0)))["grad_bound"]
    assert not c.ok and c.size > 100.0 and c.point is not None and c.component in (0, 1)


@pytest.mark.parametrize("G", [-1.0, float("nan"), float("inf"), "abc"])
def test_bad_grad_sq_bound_is_an_input_error(G):
    with pytest.raises(InputError, match="grad_sq_bound"):
        make(grad_sq_bound=G)


def test_f_star_i_too_high():
    c = by_name(validate_problem(make(f_star_i=[0.0, 0.01])))["f_star_i"]
    assert not c.ok and c.component == 1 and c.size < 0 and c.point is not None


def test_claimed_condition_violated():
    # alpha = 3 > 2 + beta fails for quadratics (T = (1 - alpha/2)|x - c|^2-type terms go negative)
    c = by_name(validate_problem(make(membership=Membership(alpha=3.0, beta=0.0))))["condition"]
    assert not c.ok and c.size < 0 and c.point is not None


def test_every_family_validates():
    for name in ("paper-ex1", "paper-ex2", "saddle-tight", "localmin-tight", "convex-gap", "pseudo-huber",
                 "quadratic-interp"):
        rep = validate_problem(get_problem(name))
        assert rep.ok, rep.text()


USER_FILE = textwrap.dedent('''
    import torch
    from numerics.problem import FunctionProblem, Membership
    C = torch.tensor([[0.0, 0.0], [2.0, 0.0]], dtype=torch.float64)

    def factory(shift="0.0"):
        s = float(shift)
        return FunctionProblem(name="mine", d=2, n=2,
            losses=lambda x: 0.5 * ((x.unsqueeze(-2) - C) ** 2).sum(-1),
            project=lambda x: torch.tensor([1.0, 0.0], dtype=torch.float64).expand_as(x).clone(),
            f_star_i=[0.0, s], f_star=0.5, L=1.0, membership=Membership(alpha=1.0, beta=0.0))

    def not_a_problem():
        return 42

    def raises():
        raise RuntimeError("boom")
''')


def test_load_factory(tmp_path):
    f = tmp_path / "mine.py"
    f.write_text(USER_FILE)
    p = load_factory(f"{f}:factory")
    assert p.name == "mine" and float(p.value(torch.tensor([1.0, 0.0], dtype=DTYPE))) == 0.5
    assert load_factory(f"{f}:factory", shift="0.2").f_star_i.tolist() == [0.0, 0.2]
    for spec, msg in [(f"{f}", "path/to/module.py:factory"), (f"{f}:nope", "no callable"),
                      (f"{f}:not_a_problem", "not a numerics.problem.Problem"), (f"{f}:raises", "RuntimeError"),
                      (f"{tmp_path}/missing.py:factory", "not found"), (f"{f}:factory x", "path/to/module.py:factory")]:
        with pytest.raises(InputError, match=msg):
            load_factory(spec)
    with pytest.raises(InputError, match="bad parameters"):
        load_factory(f"{f}:factory", nope="1")
    (tmp_path / "syntax.py").write_text("def factory(:\n")
    with pytest.raises(InputError, match="cannot import"):
        load_factory(f"{tmp_path}/syntax.py:factory")
