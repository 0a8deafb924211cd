"""Squares times hypotheses and one certificate structure for several parameter points (proofs/search.py,
proofs/lp.py, proofs/derive.py): NGN's one-step lemma in the paper's form is certified, and nothing false is."""
import copy
import random
import tomllib
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from abcheck import claim_verdict
from abcheck.claim_verdict import decide_claim
from proofs.certificate import Certificate, Lemma, Term
from proofs.derive import S_, DerivationError, step_squares
from proofs.kernel import check
from proofs.lp import common_support, lexicographic
from proofs.search import find_certificate
from theory.claims import claim_from_dict
from theory.symbols import f_star, gamma

PAPER = Path(__file__).resolve().parent.parent / "examples" / "claims" / "ngn_paper_one_step.toml"
t = sp.Symbol("t", real=True)


def _paper() -> dict:
    return tomllib.loads(PAPER.read_text())


def test_square_times_hypothesis_found_and_checked():
    """gamma^2/4 f* - t (gamma - t) f* = (t - gamma/2)^2 f*: found only with the square base t - gamma/2."""
    goal = gamma**2 / 4 * f_star - t * (gamma - t) * f_star
    hyps = [f_star, t, gamma - t]
    pos, nonneg = {gamma}, {f_star, t, gamma - t}

    def point(_rng):
        return {gamma: sp.Rational(3, 2)}
    plain = find_certificate(goal, hyps, [], pos, nonneg, (t, f_star), point, max_products=3)
    assert plain.certificate is None or plain.conditions
    res = find_certificate(goal, hyps, [], pos, nonneg, (t, f_star), point, squares=(t - gamma / 2,))
    assert res.certificate is not None and not res.conditions
    assert any(isinstance(m, sp.Pow) and m.exp == 2 for term in res.certificate.terms
               for m in sp.Mul.make_args(term.multiplier))
    lemma = Lemma("amgm", goal, (("f_star", f_star), ("t", t), ("up", gamma - t)), positive=(gamma,),
                  nonnegative=(f_star, t, gamma - t))
    assert check(lemma, {"main": res.certificate}).proved


@pytest.mark.parametrize("factor", [sp.Rational(1, 5), sp.Rational(99, 400)])
def test_false_amgm_bound_not_certified(factor):
    """gamma^2 f*/5 >= t (gamma - t) f* is false at t = gamma/2: no search result, and the kernel rejects
    the square certificate that would prove the true bound."""
    goal = factor * gamma**2 * f_star - t * (gamma - t) * f_star
    hyps = [f_star, t, gamma - t]
    pos, nonneg = {gamma}, {f_star, t, gamma - t}
    res = find_certificate(goal, hyps, [], pos, nonneg, (t, f_star), lambda _r: {gamma: sp.Integer(2)},
                           squares=(t - gamma / 2,))
    assert res.certificate is None or res.conditions
    lemma = Lemma("amgm_false", goal, (("f_star", f_star),), positive=(gamma,), nonnegative=(f_star, t, gamma - t))
    forged = Certificate(terms=(Term((t - gamma / 2) ** 2, (f_star,)),))
    assert not check(lemma, {"main": forged}).proved


def test_kernel_signs_only_even_powers_of_unsigned_bases():
    """A multiplier b^2 with b of unknown sign is >= 0; b^3 is not, even when the identity holds."""
    b = t - gamma / 2
    goal = b**3 * f_star
    lemma = Lemma("cube", goal, (("f_star", f_star),), positive=(gamma,), nonnegative=(f_star,))
    assert not check(lemma, {"main": Certificate(terms=(Term(b**3, (f_star,)),))}).proved
    square = Lemma("square", b**2 * f_star, (("f_star", f_star),), positive=(gamma,), nonnegative=(f_star,))
    assert check(square, {"main": Certificate(terms=(Term(b**2, (f_star,)),))}).proved


def test_step_squares_centres():
    lo, hi = gamma / 3, gamma
    bases = set(step_squares([lo], [hi]))
    assert {S_, S_ - lo, S_ - hi, S_ - hi / 2, S_ - (lo + hi) / 2} <= bases
    assert S_ - lo / 2 not in bases   # two lower bounds: (s - lo/2)^2 = s (s - lo) + lo^2/4, nothing new


def test_common_support_prefers_one_structure():
    """Columns c1 = (1, 0), c2 = (0, 1), c3 = (1, 1) with costs 1, 1, 1.5. At b = (1, 1) alone the cheapest
    support is {c3}; at b = (2, 1) it is {c1, c3}; the cheapest support valid at both is {c1, c2}."""
    A = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    costs = np.array([1.0, 1.0, 1.5])
    targets = [np.array([1.0, 1.0]), np.array([2.0, 1.0])]
    sols = [lexicographic(A, b, 3, [costs]) for b in targets]
    assert {j for j in range(3) if sols[0][0][j] > 1e-9} == {2}
    joint = common_support([(A, b, s_[1]) for b, s_ in zip(targets, sols)], 3, costs, [s_[0] for s_ in sols])
    assert joint is not None
    xs, support = joint
    assert support == {0, 1}
    for x, b in zip(xs, targets):
        assert np.allclose(A @ x, b) and np.all(x >= -1e-9) and abs(x[2]) < 1e-9


def test_paper_ngn_one_step_proved():
    v = decide_claim(claim_from_dict(_paper()), numerics=False)
    assert v.status == "proved", (v.reason, v.notes)
    assert v.backends["z3"]["status"] == "proved"
    _, certs, kernel = v.lemmas[0]
    assert kernel.proved
    squared = [term for c in certs.values() for term in c.terms
               if any(isinstance(m, sp.Pow) and m.exp == 2 for m in sp.Mul.make_args(term.multiplier))]
    assert any(term.factors == (f_star,) for term in squared)   # (gamma_k - gamma/2)^2 times f_star >= 0


@pytest.fixture
def no_best_lemma(monkeypatch):
    """Skip the derivation of the best certified lemma (about 30 s for NGN): a one-step claim is proved only
    by its own certificate, so the verdict does not depend on it."""
    def skipped(*_args):
        raise DerivationError("skipped in this test")
    monkeypatch.setattr(claim_verdict, "_derive_cached", skipped)


A0 = "(" + _paper()["one_step"]["A"] + ")"
STRENGTHENED = [{"C": "99/100*gamma/2"},                                              # C * 0.99
                {"A": f"101/100*{A0}"},                                               # A * 1.01
                {"A": f"101/100*{A0}", "B": f"2*alpha*gamma - 101/100*{A0}"}]         # A * 1.01, A + B kept


@pytest.mark.parametrize("change", STRENGTHENED, ids=["C*0.99", "A*1.01", "A*1.01,A+B"])
def test_soundness_strengthened_paper_ngn_never_proved(change, no_best_lemma):
    data = copy.deepcopy(_paper())
    data["one_step"].update(change)
    v = decide_claim(claim_from_dict(data), numerics=False)
    assert v.status != "proved", (change, v.status, v.reason)
    assert v.backends["z3"]["status"] == "refuted"


def test_soundness_weaker_condition_never_proved(no_best_lemma):
    """alpha >= beta + 1 is needed for C = gamma/2: with alpha >= beta + 1/2 the claim is false."""
    data = copy.deepcopy(_paper())
    data["parameters"]["gamma"] = "gamma > 0 and alpha >= beta + 1/2"
    v = decide_claim(claim_from_dict(data), numerics=False)
    assert v.status != "proved", (v.status, v.reason)
    assert v.backends["z3"]["status"] == "refuted"


def test_paper_claim_holds_on_random_points():
    """Independent numeric check of the certified lemma on random oracle values (tight at gamma_k = gamma/2)."""
    rng = random.Random(0)
    for _ in range(2000):
        a_b1 = rng.uniform(0, 2)
        beta = rng.uniform(0, 2)
        alpha = beta + 1 + a_b1
        L, g = rng.uniform(0.01, 5), rng.uniform(0.01, 5)
        fs = rng.uniform(0, 2)
        u = rng.expovariate(1)
        f = fs + u
        g2 = 2 * L * u * rng.random()
        v_ = rng.expovariate(1)
        fp = fs + v_
        gd = alpha * (f - fp) - beta * (f - fs) + rng.expovariate(1) * (rng.random() < 0.5)
        step = g / (1 + g * g2 / (2 * f))
        A = 2 * g * (alpha - beta - 1 + 1 / (1 + g * L)) / (1 + g * L)
        B = 2 * alpha * g - A
        lhs = -2 * step * gd + step**2 * g2
        rhs = -A * (f - fp) + B * (fp - fs) + g / 2 * fs
        assert lhs <= rhs + 1e-9 * (1 + abs(lhs) + abs(rhs))
