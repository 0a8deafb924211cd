"""Certification of the alpha-beta-condition: exact decisions checked against hand facts and autograd."""
from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pytest
import sympy as sp
import torch

from numerics.certify import certify, check_pair, ex1_reduction
from numerics.exact_ex1 import S_SYM, decide, nonneg_on_R, residual_poly
from numerics.families import get_problem
from numerics.problem import FunctionProblem, Membership
from theory.errors import InputError

s = S_SYM


@pytest.mark.parametrize("expr,expected", [
    ((s - 1) ** 2, True), (s ** 2 - 1, False), (s ** 4 + 1, True), (-s ** 2, False),
    ((s - 1) ** 2 * (s + 2) ** 2, True), ((s - 1) ** 3, False), (sp.Integer(0), True), (sp.Integer(-1), False),
    ((s - sp.Rational(1, 3)) ** 2 * (s ** 2 + 1) - sp.Rational(1, 10 ** 9), False),
])
def test_nonneg_on_R_hand(expr, expected):
    P = sp.Poly(sp.expand(expr), s, domain="QQ")
    ok, w = nonneg_on_R(P)
    assert ok is expected
    if not ok:
        assert P.eval(w) < 0                      # the witness is a real counterexample


@pytest.fixture(scope="module")
def ex1():
    return get_problem("paper-ex1")


def test_ex1_reduction_exists(ex1):
    red = ex1_reduction(ex1)
    assert red is not None and red["s_p"] == -0.5 and red["shifts"] == [0.0, 1.0]


def test_residual_poly_matches_autograd(ex1):
    """P_i(s) / (u^2+1)^2 equals T_i computed by torch autograd through the problem (second method)."""
    alpha, beta = 1.7, 0.9
    for s_val in (-3.2, -0.5, 0.1, 2.75):
        x = torch.tensor([[s_val / 2, s_val / 2]], dtype=torch.float64)
        T = ex1.ab_residuals(x, alpha, beta)[0]
        for i, a_i in enumerate((0.0, 1.0)):
            P = residual_poly(a_i, -0.5, alpha, beta)
            u = s_val + a_i
            assert float(P.eval(sp.Rational(s_val))) / (u * u + 1) ** 2 == pytest.approx(float(T[i]), abs=1e-12)


@pytest.mark.parametrize("alpha", [1.0, 2.0, 5.0])
def test_ex1_far_field_fact(ex1, alpha):
    """Hand fact: phi -> 1 far away, so T_i -> -alpha(1 - phi(s_p + a_i)) + beta with phi(+-1/2) = 1/5:
    beta >= 0.8 alpha is necessary. Just below fails (witness confirmed by autograd); for alpha >= 1 just
    above holds (exact), and a dense sampled check agrees."""
    below = certify(ex1, alpha, 0.8 * alpha * (1 - 1e-3))
    assert below.status == "certified" and not below.holds
    x = torch.tensor([below.worst_point], dtype=torch.float64)
    assert float(ex1.ab_residuals(x, alpha, 0.8 * alpha * (1 - 1e-3)).min()) < 0
    above = certify(ex1, alpha, 0.8 * alpha + 1e-3)
    assert above.status == "certified" and above.holds
    samp = certify(ex1, alpha, 0.8 * alpha + 1e-3, samples=2000, exact=False)
    assert samp.status == "sampled" and samp.holds and samp.min_margin >= 0


def test_ex1_small_alpha_fails_near_minimizer_of_f1(ex1):
    """alpha = 0.3 < 0.56: no beta < alpha works (exact), while the far-field bound alone would allow it."""
    r = certify(ex1, 0.3, 0.29)
    assert not r.holds and r.status == "certified"
    x = torch.tensor([r.worst_point], dtype=torch.float64)
    assert float(ex1.ab_residuals(x, 0.3, 0.29)[0, r.worst_sample]) < 0


def test_ex1_boundary_brackets(ex1):
    from numerics.region_problem import ex1_boundary
    rows = ex1_boundary(ex1, [0.7, 1.5, 4.0], precision=1e-5)
    for r in rows:
        assert r["beta_lo"] < r["beta_hi"] < r["alpha"]
        assert r["beta_hi"] - r["beta_lo"] <= 2e-5 * max(1, r["estimate"]) * 16 + 1e-15
        assert decide([0.0, 1.0], -0.5, r["alpha"], r["beta_hi"])[0]
        sw = r["witness_s"]
        T = ex1.ab_residuals(torch.tensor([[sw / 2, sw / 2]], dtype=torch.float64), r["alpha"], r["beta_lo"])
        assert float(T.min()) < 0
    # for alpha >= 1 the far field decides: beta_min = 0.8 alpha (hand fact above)
    assert rows[1]["beta_hi"] == pytest.approx(1.2, rel=1e-4) and rows[2]["beta_hi"] == pytest.approx(3.2, rel=1e-4)


def test_ex1_certified_region_inside(ex1):
    from numerics.region_problem import ex1_certified_region
    R, rows = ex1_certified_region(ex1, window=((0, 4), (0, 4)), min_gap=0.05, n_alpha=9)
    assert not R.empty
    for al, be in R.vertices:                     # every vertex is proved feasible
        assert al - be >= 0.05 - 1e-12
        assert decide([0.0, 1.0], -0.5, al, be)[0]
    for v in R.best.values():
        assert v is not None and v["certified"] == 1.0


def _quadratic_problem(claim=(1.0, 0.0)):
    """n = 1, f_1 = |x|^2 (convex): T = 2|x|^2 - alpha |x|^2 + beta |x|^2 = (2 - alpha + beta)|x|^2."""
    return FunctionProblem(name="quad", d=2, n=1, losses=lambda x: (x ** 2).sum(-1, keepdim=True),
                           project=lambda x: torch.zeros_like(x), f_star_i=[0.0], f_star=0.0, L=2.0,
                           membership=Membership(alpha=claim[0], beta=claim[1], status="claimed"))


def test_sampled_hand_quadratic():
    p = _quadratic_problem()
    ok = certify(p, 1.0, 0.0, samples=2000)
    assert ok.holds and ok.status == "sampled" and ok.min_margin >= 0
    bad = certify(p, 2.5, 0.1, samples=2000)         # 2 - 2.5 + 0.1 < 0: fails everywhere but x = 0
    assert not bad.holds and bad.status == "sampled"
    x = np.array(bad.worst_point)
    assert bad.min_margin == pytest.approx(-0.4 * float(x @ x), rel=1e-9)
    assert bad.worst_sample == 0


@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (0.5, 1.0), (1.0, -0.1), (math.nan, 0.0), (math.inf, 1.0), ("a", 1)])
def test_check_pair_rejects(alpha, beta):
    with pytest.raises(InputError):
        check_pair(alpha, beta)


# -- command line ---------------------------------------------------------------------------------
def _run(capsys, argv):
    from abcheck.cli import main
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_certify_json(capsys):
    rc, out, _ = _run(capsys, ["functions", "certify", "paper-ex1", "--alpha", "2", "--beta", "1.5", "--json"])
    d = json.loads(out)
    assert rc == 1 and d["holds"] is False and d["status"] == "certified" and d["min_margin"] < 0
    assert d["worst_point"] and d["violation"] > 0
    rc, out, _ = _run(capsys, ["functions", "certify", "paper-ex1", "--alpha", "2", "--beta", "1.7", "--json"])
    assert rc == 0 and json.loads(out)["holds"] is True


@pytest.mark.parametrize("argv", [
    ["functions", "certify", "paper-ex1", "--alpha", "1", "--beta", "2"],
    ["functions", "certify", "paper-ex1", "--alpha", "nan", "--beta", "0"],
    ["functions", "certify", "no-such", "--alpha", "2", "--beta", "1"],
    ["functions", "region", "paper-ex6", "--samples", "0"],
    ["functions", "region", "paper-ex6", "--window", "1", "0", "0", "1"],
    ["functions", "region", "paper-ex6", "--plot", "out.txt"],
    ["functions", "region", "/nonexistent/mod.py:make"],
])
def test_cli_bad_input_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as e:
        from abcheck.cli import main
        raise SystemExit(main(argv))
    out, err = capsys.readouterr()
    assert e.value.code == 2 and "Traceback" not in err and err.startswith("abcheck: error:")


def test_cli_region_user_violation(tmp_path, capsys):
    mod = tmp_path / "mine.py"
    mod.write_text(textwrap.dedent("""
        import torch
        from numerics.problem import FunctionProblem, Membership
        def make():
            return FunctionProblem(name="quad", d=2, n=1, losses=lambda x: (x ** 2).sum(-1, keepdim=True),
                                   project=lambda x: torch.zeros_like(x), f_star_i=[0.0], f_star=0.0, L=2.0,
                                   membership=Membership(alpha=3.0, beta=0.5, status="claimed"))
        def broken():
            return FunctionProblem(name="bad", d=2, n=1, losses=lambda x: x.sum(),
                                   project=lambda x: x[:, :1], f_star_i=[0.0], f_star=0.0, L=2.0,
                                   membership=Membership(alpha=3.0, beta=0.5, status="claimed"))
    """))
    rc, out, _ = _run(capsys, ["functions", "region", f"{mod}:make", "--samples", "400", "--json"])
    d = json.loads(out)
    assert rc == 1 and d["claim"]["holds_on_samples"] is False
    # hand: T = (2 - alpha + beta)|x|^2, so the region is beta >= alpha - 2 inside the window
    assert d["status"] == "sampled" and not d["empty"]
    best = d["best"]["max_gap"]
    assert best["value"] == pytest.approx(2.0, abs=1e-9)
    assert d["claim"]["worst_point"] is not None and d["claim"]["min_margin_on_samples"] < 0
    with pytest.raises(SystemExit) as e:
        from abcheck.cli import main
        raise SystemExit(main(["functions", "certify", f"{mod}:broken", "--alpha", "2", "--beta", "1"]))
    assert e.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_region_ex1_certified(tmp_path, capsys):
    png = tmp_path / "r.png"
    rc, out, _ = _run(capsys, ["functions", "region", "paper-ex1", "--n-alpha", "5", "--window", "0", "3", "0", "3",
                               "--samples", "2000", "--plot", str(png), "--json"])
    d = json.loads(out)
    assert rc == 0 and d["status"] == "certified"
    for k in ("vertices", "best", "min_margin", "boundary", "sampled_vertices"):
        assert k in d
    assert png.read_bytes()[:4] == b"\x89PNG"
    # the certified inner polygon lies inside the sampled (outer) polygon: its best max_gap is not larger
    assert d["best"]["max_gap"]["value"] <= d["sampled_best"]["max_gap"]["value"] + 1e-9


def test_ex6_sampled_never_certified():
    """paper-ex6 has no exact reduction here: the verdict is 'sampled'. Hand fact: far away f_i -> 1, so
    beta >= alpha (1 - min_i f_i(x_p)) is necessary; with f_i(x_p) <= 1/2 at a minimizer between the wells,
    (2, 0.1) must fail, and the reported point must really violate (checked by autograd residuals)."""
    p = get_problem("paper-ex6")
    m = p.membership
    ok = certify(p, m.alpha, m.beta, samples=2000)
    assert ok.status == "sampled" and ok.holds and ok.min_margin >= 0
    bad = certify(p, 2.0, 0.1, samples=2000)
    assert bad.status == "sampled" and not bad.holds
    x = torch.tensor([bad.worst_point], dtype=torch.float64)
    assert float(p.ab_residuals(x, 2.0, 0.1)[0, bad.worst_sample]) == pytest.approx(bad.min_margin, rel=1e-9)
    assert bad.min_margin < 0


def test_cli_region_nan_problem_exit_2(tmp_path, capsys):
    mod = tmp_path / "nanmod.py"
    mod.write_text(textwrap.dedent("""
        import torch
        from numerics.problem import FunctionProblem, Membership
        def make():
            return FunctionProblem(name="nanny", d=2, n=1, losses=lambda x: torch.sqrt(x[..., :1]),
                                   project=lambda x: torch.zeros_like(x), f_star_i=[0.0], f_star=0.0, L=2.0,
                                   membership=Membership(alpha=2.0, beta=0.5, status="claimed"))
    """))
    from abcheck.cli import main
    rc = main(["functions", "region", f"{mod}:make", "--samples", "200"])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err and err.startswith("abcheck: error:")
