"""AdaGrad-norm-max under bounded iterates (proofs/adagrad_bounded.py) and the rules scaled_telescoping and
potential_sum. Independent facts: a hand derivation of the rate, direct runs of the state recursion, direct
summation, the kernel's refusal of stronger statements, and a Monte-Carlo cross-check on a function with
sigma_int > 0."""
from __future__ import annotations

import math
import random

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from proofs import adagrad_bounded as ab
from proofs.certificate import Certificate, Lemma, Term
from proofs.kernel import check
from proofs.rules import potential_sum, scaled_telescoping
from theory.methods import b0
from theory.symbols import Dmax2, G, K, alpha, beta, gamma, k, sigma_int


@pytest.fixture(scope="module")
def result():
    return ab.prove_adagrad_bounded()


def _pt(rng):
    a = rng.uniform(0.2, 3)
    return {alpha: a, beta: a * rng.uniform(0, 0.9), gamma: rng.uniform(0.05, 3), b0: rng.uniform(0.1, 3),
            G: rng.uniform(0.1, 5), Dmax2: rng.uniform(0, 20), sigma_int: rng.uniform(0, 1)}


def test_proved_with_bounded_iterates_recorded(result):
    assert result.proved and all(p.kernel.proved for p in result.proofs)
    assert [c.rule for c in result.rules] == ["state_induction", "potential_sum", "scaled_telescoping",
                                              "instantiate_sums"]
    assert "bounded_iterates" in result.rules[-1].assumptions


def test_rate_equals_hand_derivation(result):
    """By hand: 2(alpha-beta) K min E X <= Dmax2 sqrt(b0^2+KG)/gamma + 2 beta sigma K + 2 gamma sqrt(b0^2+KG)."""
    rng = random.Random(5)
    for _ in range(20):
        pt, Kv = _pt(rng), rng.randint(1, 10**4)
        a, b, g, bb, Gv, D, s = (float(pt[x]) for x in (alpha, beta, gamma, b0, G, Dmax2, sigma_int))
        hand = (D / g + 2 * g) * math.sqrt(bb * bb + Kv * Gv) / (2 * (a - b) * Kv) + b * s / (a - b)
        assert float(result.bound.xreplace({**pt, K: Kv})) == pytest.approx(hand, rel=1e-12)


def test_neighbourhood_is_the_papers(result):
    """As K -> oo the bound tends to beta sigma_int/(alpha - beta) (THEORY.md section 2)."""
    assert sp.limit(result.bound, K, sp.oo) == beta * sigma_int / (alpha - beta)


@pytest.mark.parametrize("claimed", [
    ab.RATE * sp.Rational(99, 100),
    ab.RATE - beta * sigma_int / (100 * (alpha - beta)),                   # neighbourhood x 0.99
    ab.RATE.xreplace({Dmax2 / gamma + 2 * gamma: Dmax2 / gamma + gamma}),  # the remainder halved
])
def test_strengthened_rates_are_not_proved(claimed):
    assert claimed != ab.RATE
    res = ab.prove_adagrad_bounded(claimed=claimed)
    assert not res.proved and not res.rules[-1].holds


@settings(max_examples=200, deadline=None)
@given(g=st.floats(0.05, 3), bb=st.floats(0.05, 3), Gv=st.floats(0.01, 10),
       fr=st.lists(st.floats(0, 1), min_size=1, max_size=60))
def test_recursion_meets_the_potential_and_step_facts(g, bb, Gv, fr):
    """Any gradient norms in [0, G]: steps never increase, 1/gamma_{K-1} <= sqrt(b0^2 + KG)/gamma, and
    sum_k gamma_k g2_k <= 2 gamma (sqrt(b0^2 + KG) - b0) (what potential_sum concludes)."""
    c2, b2, prev, total = 0.0, bb * bb, g / bb, 0.0
    for fv in fr:
        g2v = fv * Gv
        M = max(c2, g2v)
        step = g / math.sqrt(b2 + M)
        assert step <= prev * (1 + 1e-12)
        total += step * g2v
        c2, b2, prev = M, b2 + M, step
    Kv = len(fr)
    assert 1 / prev <= math.sqrt(bb * bb + Kv * Gv) / g * (1 + 1e-12)
    assert total <= 2 * g * (math.sqrt(bb * bb + Kv * Gv) - bb) * (1 + 1e-9) + 1e-12


def _pieces():
    bases, steps = ab.invariant_lemmas()
    from proofs.rules import state_induction
    memory = state_induction(ab.METHOD, ab.INVARIANTS, tuple(p.kernel for p in bases), tuple(p.kernel for p in steps))
    one, pos, mono = ab.step_lemmas()
    pot, wl = ab.potential_lemmas()
    return memory, one, pos, mono, pot, wl


@pytest.fixture(scope="module")
def pieces():
    return _pieces()


def test_rules_refuse_wrong_premises(pieces, result):
    memory, one, pos, mono, pot, wl = pieces
    T, V = sp.sqrt(ab._b), sp.sqrt(b0**2 + k * G)
    rem = potential_sum(pot.kernel, wl.kernel, memory, ab.METHOD, T, V, ab.R_K, 2 * gamma)
    assert rem.holds
    assert not potential_sum(pot.kernel, wl.kernel, memory, ab.METHOD, T, V / 2, ab.R_K, 2 * gamma).holds
    assert not potential_sum(pot.kernel, wl.kernel, memory, ab.METHOD, T, V, ab.R_K, gamma).holds
    assert not potential_sum(pot.kernel, wl.kernel, memory, ab.METHOD, T, V, 2 * ab.R_K, 2 * gamma).holds
    a_pos = result.proofs[-2].kernel
    assert a_pos.lemma.name == "adagrad_bi_a_positive"
    args = (one.kernel, pos.kernel, mono.kernel, a_pos, memory, ab.METHOD, ab.A_CONST, ab.B_CONST)
    good = scaled_telescoping(*args, ab.PREV, ab.W, rem)
    assert good.holds and "bounded_iterates" in good.assumptions
    assert not scaled_telescoping(*args, ab.PREV, ab.W).holds                      # R not accounted for
    assert not scaled_telescoping(*args, gamma / sp.sqrt(ab._b + G), ab.W, rem).holds   # not the previous step
    assert not scaled_telescoping(*args, ab.PREV, ab.W / 2, rem).holds             # W not an invariant
    bad_args = (one.kernel, pos.kernel, mono.kernel, a_pos, memory, ab.METHOD, ab.A_CONST * 2, ab.B_CONST)
    assert not scaled_telescoping(*bad_args, ab.PREV, ab.W, rem).holds             # another a
    swapped = (one.kernel, mono.kernel, pos.kernel, a_pos, memory, ab.METHOD, ab.A_CONST, ab.B_CONST)
    assert not scaled_telescoping(*swapped, ab.PREV, ab.W, rem).holds


def test_a_spec_without_bounded_iterates_is_not_proved():
    from dataclasses import replace
    from proofs.theorems import prove
    r = prove("adagrad_bounded_iterates")
    assert r.proved
    r.spec = replace(r.spec, assumptions=("alpha_beta", "bounded_gradients"))
    assert not r.proved


def test_kernel_signs_abs_soundly():
    """sqrt(b0^2) evaluates to Abs(b0): the kernel reads |x| >= 0, and |x| > 0 only when x > 0."""
    x = sp.Symbol("x", real=True)
    assert check(Lemma("abs", sp.Abs(x)), {"main": Certificate(terms=(Term(sp.Integer(1), (sp.Abs(x),)),))}).proved
    assert not check(Lemma("abs", sp.Abs(x), strict=True), {"main": Certificate(slack=sp.Abs(x))}).proved  # x = 0
    assert check(Lemma("abs", sp.Abs(x), positive=(x,), strict=True), {"main": Certificate(slack=sp.Abs(x))}).proved
    # |x| - x >= 0 is true, |x| - 1 >= 0 false (x = 0): neither follows from the sign rule alone
    assert not check(Lemma("abs", sp.Abs(x) - 1), {"main": Certificate(terms=(Term(sp.Integer(1), (sp.Abs(x),)),))}).proved


def test_cross_check_with_sigma_int_positive():
    """paper-ex1 has sigma_int = 0.2 and G = 27/32: a short AdaGrad run stays under the bound evaluated with the
    runs' own Dmax2."""
    from numerics.crosscheck import cross_check
    from numerics.families import get_problem
    from proofs.theorems import prove
    r, p = prove("adagrad_bounded_iterates"), get_problem("paper-ex1")
    params = {"alpha": p.membership.alpha, "beta": p.membership.beta, "L": p.L, "gamma": 1.0, "b0": 1.0,
              "G": p.grad_sq_bound}
    cc = cross_check(r.method, p, r.bound, params, seeds=300, iters=10)
    assert cc.verdict == "consistent" and cc.bound_inputs["Dmax2"] > 0
