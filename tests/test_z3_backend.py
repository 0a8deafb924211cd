"""z3 backend: proofs by refutation, exactly re-checked counterexamples, time limits.

Independent facts used: the SGD identity of THEORY.md section 4 (true lemma); the explicit formulas of the
goals, evaluated here by hand with fractions.Fraction at the counterexamples z3 returns; the sign pattern
of linear forms over the nonnegative orthant (property test).
"""
from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from proofs.certificate import Lemma
from proofs.kernel import lyapunov_goal
from proofs.z3_backend import (Z3Result, exact_value, recheck_counterexample, substituted_goal, with_realizability,
                               z3_find_violation, z3_prove)
from theory.conditions import ALPHA_BETA, REALIZABILITY, SMOOTH
from theory.methods import SPS_MAX
from theory.symbols import L, alpha, beta, c, d2, f, f_p, f_star, g2, gamma, gamma_b, gd, step

x, y = sp.symbols("x y", real=True)


def sgd_lemma(scale_A=1, scale_B=1) -> Lemma:
    """THEORY.md section 4: with A = 2 gamma (alpha - beta - L gamma), B = 2 gamma (beta + L gamma) the SGD
    one-step inequality holds; scaling A up or B down makes the claim false."""
    A = 2 * gamma * (alpha - beta - L * gamma) * scale_A
    B = 2 * gamma * (beta + L * gamma) * scale_B
    return Lemma("sgd_one_step", lyapunov_goal(step, A, B, 0),
                 hypotheses=(("alpha_beta", ALPHA_BETA.expr), ("smooth", SMOOTH.expr))
                 + tuple((h.name, h.expr) for h in REALIZABILITY),
                 positive=(gamma, L, alpha - beta), nonnegative=(beta,), definitions=((step, gamma),))


def Q(s: str) -> Fraction:
    return Fraction(s)


def sgd_by_hand(v: dict[str, Fraction], scale_A: Fraction, scale_B: Fraction) -> tuple[list[Fraction], Fraction]:
    """(hypothesis values, goal value) of the SGD lemma, written out by hand from THEORY.md section 4."""
    g, a, b, l = v["gamma"], v["alpha"], v["beta"], v["L"]
    A = 2 * g * (a - b - l * g) * scale_A
    B = 2 * g * (b + l * g) * scale_B
    rhs = v["d2"] - A * (v["f"] - v["f_p"]) + B * (v["f_p"] - v["f_star"])
    lhs = v["d2"] - 2 * g * v["gd"] + g * g * v["g2"]
    hyps = [v["gd"] - a * (v["f"] - v["f_p"]) + b * (v["f"] - v["f_star"]),   # alpha-beta
            2 * l * (v["f"] - v["f_star"]) - v["g2"],                         # smoothness
            v["d2"], v["g2"], v["d2"] * v["g2"] - v["gd"] ** 2,               # realizability
            v["f"] - v["f_star"], v["f_p"] - v["f_star"],
            g, l, a - b, b]                                                   # parameters (g, l, a - b > 0)
    return hyps, rhs - lhs


def test_sgd_lemma_is_proved():
    r = z3_prove(sgd_lemma())
    assert isinstance(r, Z3Result)
    assert (r.status, r.reason, r.counterexample) == ("proved", "unsat", None)
    assert r.seconds >= 0


@pytest.mark.parametrize("scale_A, scale_B", [(Fraction(101, 100), 1), (1, Fraction(99, 100))])
def test_strengthened_sgd_is_refuted_with_a_real_counterexample(scale_A, scale_B):
    r = z3_find_violation(sgd_lemma(sp.Rational(scale_A), sp.Rational(scale_B)))
    assert r.status == "refuted", r
    assert r.counterexample is not None
    v = {k: Q(s) for k, s in r.counterexample.items()}
    assert {"gamma", "alpha", "beta", "L", "d2", "gd", "g2", "f", "f_p", "f_star"} <= set(v)
    assert v["step"] == v["gamma"]                      # the definition's value is reported too
    hyps, goal = sgd_by_hand(v, Fraction(scale_A), Fraction(scale_B))
    assert all(h >= 0 for h in hyps[:-4]) and all(h > 0 for h in hyps[-4:-1]) and hyps[-1] >= 0
    assert goal < 0
    # and the same point satisfies the original (true) lemma
    assert sgd_by_hand(v, Fraction(1), Fraction(1))[1] >= 0


def test_counterexample_values_are_exact_rational_strings():
    r = z3_prove(sgd_lemma(sp.Rational(101, 100)))
    for s in r.counterexample.values():
        assert Fraction(s) == sp.Rational(s)          # parseable both ways, no floats
        assert "." not in s and "e" not in s.lower()


def min_step_lemma(kind=sp.Min) -> Lemma:
    """gamma - step >= 0 for step := kind(gamma, gamma_b): true for Min, false for Max."""
    return Lemma("capped", gamma - step, positive=(gamma, gamma_b), definitions=((step, kind(gamma, gamma_b)),))


def test_min_step_lemma():
    assert z3_prove(min_step_lemma()).status == "proved"
    r = z3_prove(min_step_lemma(sp.Max))
    assert r.status == "refuted"
    v = {k: Q(s) for k, s in r.counterexample.items()}
    assert v["gamma"] > 0 and v["gamma_b"] > 0
    assert v["gamma"] - max(v["gamma"], v["gamma_b"]) < 0     # by hand: needs gamma_b > gamma
    assert v["step"] == max(v["gamma"], v["gamma_b"])


def sps_lemma(denominator=1) -> Lemma:
    """THEORY.md section 5: the SPS_max step satisfies step^2 g2 <= step (f - f_star)/c (true); with c
    replaced by 2c (denominator=2) it is false."""
    return Lemma("sps_step_sq", step * (f - f_star) / (denominator * c) - step**2 * g2,
                 hypotheses=(("f_above_star", f - f_star),), positive=(c, gamma_b), nonnegative=(g2,),
                 definitions=((step, SPS_MAX.step),))


def test_sps_piecewise_min_step():
    assert z3_prove(sps_lemma()).status == "proved"
    r = z3_prove(sps_lemma(2))
    assert r.status == "refuted"
    v = {k: Q(s) for k, s in r.counterexample.items()}
    # the SPS_max step by hand, then the claim by hand
    s = v["gamma_b"] if v["g2"] == 0 else min((v["f"] - v["f_star"]) / (v["c"] * v["g2"]), v["gamma_b"])
    assert v["c"] > 0 and v["gamma_b"] > 0 and v["g2"] >= 0 and v["f"] >= v["f_star"]
    assert s * (v["f"] - v["f_star"]) / (2 * v["c"]) - s * s * v["g2"] < 0
    assert v["step"] == s


def test_time_limit_gives_unknown_never_proved():
    # a true but hard lemma: (sum x_i^2)^3 >= sum x_i^6 in six variables (z3 needs many seconds)
    xs = sp.symbols("x1:7", real=True)
    hard = Lemma("hard", sum(t**2 for t in xs) ** 3 - sum(t**6 for t in xs))
    r = z3_prove(hard, timeout_ms=50)
    assert r.status == "unknown"
    assert r.reason == "timeout after 50 ms"
    assert r.counterexample is None


def test_bad_timeout_is_rejected():
    with pytest.raises(ValueError):
        z3_prove(min_step_lemma(), timeout_ms=0)


def test_irrational_model_is_not_reported_as_counterexample():
    # the only points satisfying x^2 = 2 are irrational: the rounded model fails the exact re-check
    lemma = Lemma("irrational", sp.Integer(-1), equalities=(("sq", x**2 - 2),), positive=(x,))
    r = z3_prove(lemma)
    assert r.status == "unknown"
    assert "re-check" in r.reason and r.counterexample is None


def test_untranslatable_lemma_is_unknown():
    r = z3_prove(Lemma("sqrt", sp.sqrt(x), nonnegative=(x,)))
    assert r.status == "unknown" and "not translatable" in r.reason


def test_recheck_decides_exactly():
    lemma = sgd_lemma(sp.Rational(101, 100))
    point = {gamma: 1, alpha: 1, beta: 0, L: 102, d2: 0, gd: 0, g2: 0, f: 0, f_p: 1, f_star: 0}
    point = {k: sp.Rational(v) for k, v in point.items()}
    # by hand: A = 2(1 - 102) = -202, B = 204, goal = 1.01 * A * (f_p - f) ... = -2.02 + ... < 0
    assert sgd_by_hand({k.name: Fraction(int(v)) for k, v in point.items()}, Fraction(101, 100), Fraction(1))[1] < 0
    assert recheck_counterexample(lemma, point)
    assert not recheck_counterexample(sgd_lemma(), point)                 # the true lemma holds there
    assert not recheck_counterexample(lemma, {**point, L: sp.Integer(-1)})  # violates L > 0
    missing = dict(point)
    del missing[gd]
    assert not recheck_counterexample(lemma, missing)


def test_recheck_boundary_strict_versus_nonstrict():
    zero_goal = {x: sp.Integer(0)}
    assert not recheck_counterexample(Lemma("ge", x), zero_goal)            # 0 >= 0 holds
    assert recheck_counterexample(Lemma("gt", x, strict=True), zero_goal)   # 0 > 0 fails


def test_exact_value_evaluates_only_the_selected_branch():
    step_expr = SPS_MAX.step
    env = {g2: Fraction(0), gamma_b: Fraction(3), f: Fraction(1), f_star: Fraction(0), c: Fraction(1)}
    assert exact_value(step_expr, env) == 3                                # no division by g2 = 0
    env[g2] = Fraction(1)
    assert exact_value(step_expr, env) == 1                                # min(1/1, 3)
    with pytest.raises(ZeroDivisionError):
        exact_value(1 / g2, {g2: Fraction(0)})


def test_definitions_are_substituted_in_order():
    s2 = sp.Symbol("s2", real=True)
    lemma = Lemma("two", s2 - 2 * gamma, positive=(gamma,), definitions=((step, gamma), (s2, 2 * step)))
    assert substituted_goal(lemma) == 0
    assert z3_prove(lemma).status == "proved"


@settings(max_examples=25, deadline=None)
@given(a=st.integers(-3, 3), b=st.integers(-3, 3), k=st.integers(-3, 3), strict=st.booleans())
def test_linear_forms_on_the_orthant(a, b, k, strict):
    """a x + b y + k >= 0 for all x, y >= 0 iff a, b, k >= 0 (> 0 needs k > 0): z3's verdict must agree,
    and every counterexample must violate the claim when evaluated by hand."""
    lemma = Lemma("lin", a * x + b * y + k, nonnegative=(x, y), strict=strict)
    truth = a >= 0 and b >= 0 and (k > 0 if strict else k >= 0)
    r = z3_prove(lemma)
    assert r.status == ("proved" if truth else "refuted")
    if r.status == "refuted":
        vx, vy = Fraction(r.counterexample["x"]), Fraction(r.counterexample["y"])
        value = a * vx + b * vy + k
        assert vx >= 0 and vy >= 0 and (value <= 0 if strict else value < 0)


def test_realizable_violation_satisfies_cauchy_schwarz():
    # the lemma without the Cauchy-Schwarz hypothesis; the realizable search must respect it anyway
    lemma = sgd_lemma(sp.Rational(101, 100))
    lemma = Lemma(lemma.name, lemma.goal, tuple(h for h in lemma.hypotheses if h[0] != "cauchy_schwarz"),
                  positive=lemma.positive, nonnegative=lemma.nonnegative, definitions=lemma.definitions)
    assert "cauchy_schwarz" in [n for n, _ in with_realizability(lemma).hypotheses]
    r = z3_find_violation(lemma, realizable=True)
    assert r.status == "refuted"
    v = {k: Q(s) for k, s in r.counterexample.items()}
    assert v["gd"] ** 2 <= v["d2"] * v["g2"] and v["d2"] >= 0 and v["g2"] >= 0
    assert sgd_by_hand(v, Fraction(101, 100), Fraction(1))[1] < 0
    # a parameter-only lemma gets no oracle hypotheses
    assert with_realizability(Lemma("p", gamma, positive=(gamma,))).hypotheses == ()


def _expressions():
    leaf = st.one_of(st.sampled_from([x, y, gamma]), st.fractions(-3, 3, max_denominator=4).map(sp.Rational))

    def grow(ch):
        return st.one_of(st.tuples(ch, ch).map(lambda t: t[0] + t[1]), st.tuples(ch, ch).map(lambda t: t[0] * t[1]),
                         st.tuples(ch, st.integers(-2, 3)).map(lambda t: t[0] if t[0] == 0 else t[0] ** t[1]),
                         st.tuples(ch, ch).map(lambda t: sp.Min(*t)), st.tuples(ch, ch).map(lambda t: sp.Max(*t)),
                         st.tuples(ch, ch, ch).map(lambda t: sp.Piecewise((t[0], sp.Eq(t[2], 0)), (t[1], True))),
                         st.tuples(ch, ch, ch).map(lambda t: sp.Piecewise((t[0], t[2] < 1), (t[1], True))))
    return st.recursive(leaf, grow, max_leaves=6)


@settings(max_examples=60, deadline=None)
@given(e=_expressions(), vx=st.fractions(-3, 3, max_denominator=5), vy=st.fractions(-3, 3, max_denominator=5),
       vg=st.fractions(-3, 3, max_denominator=5))
def test_translation_agrees_with_exact_evaluation(e, vx, vy, vg):
    """z3's value of the translated expression at a rational point equals the exact SymPy-tree value
    (points where an evaluated division is by zero are skipped: z3 leaves them unspecified)."""
    import z3
    from proofs.z3_backend import to_z3
    env = {x: vx, y: vy, gamma: vg}
    try:
        expected = exact_value(sp.sympify(e), env)
    except ZeroDivisionError:
        return
    variables = {s: z3.Real(s.name) for s in env}
    term = to_z3(e, variables)
    value = z3.simplify(z3.substitute(term, *[(variables[s], z3.RealVal(f"{q.numerator}/{q.denominator}"))
                                              for s, q in env.items()]))
    got = value.as_fraction()
    assert Fraction(got.numerator, got.denominator) == expected
