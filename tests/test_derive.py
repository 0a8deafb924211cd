"""Derivations: the tool finds the paper's constants by itself and the kernel certifies them."""
import sympy as sp
import pytest

from proofs.derive import derive_lyapunov
from proofs.theorems import prove
from theory.methods import SGD, SPS_MAX
from theory.symbols import L, alpha, beta, c, gamma, gamma_b


def test_sgd_derivation_matches_hand_derivation():
    d = derive_lyapunov("sgd", SGD.step, ("alpha_beta", "smooth"), (gamma,))
    assert d.proved
    # THEORY.md section 4 worked example, derived by hand
    assert sp.simplify(d.A - 2 * gamma * (alpha - beta - L * gamma)) == 0
    assert sp.simplify(d.B - 2 * gamma * (beta + L * gamma)) == 0
    assert d.C == 0


def test_sgd_theorem_proves_theory_rate():
    r = prove("sgd")
    assert r.proved
    expected = sp.Symbol("D0", real=True) / (gamma * (alpha - beta) * sp.Symbol("K", real=True)) \
        + 2 * (L * gamma + beta) * sp.Symbol("sigma_int", real=True) / (alpha - beta)
    assert sp.simplify(r.bound - expected) == 0


@pytest.mark.slow
def test_sps_max_constants_match_hand_derivation():
    """Hand derivation (THEORY.md section 5 facts): A = (2(alpha-beta) - 1/c) min(1/(2cL), gamma_b),
    A + B = 2 alpha gamma_b, admissible c > 1/(2(alpha - beta))."""
    d = derive_lyapunov("sps", SPS_MAX.step, ("alpha_beta", "smooth"), (c, gamma_b))
    assert d.proved
    import random
    rng = random.Random(1)
    for _ in range(20):
        a = sp.Rational(rng.randint(50, 300), 100); b = a * sp.Rational(rng.randint(0, 80), 100)
        Lv = sp.Rational(rng.randint(50, 300), 100); cv = sp.Rational(rng.randint(101, 400), 100) / (2 * (a - b))
        gb = sp.Rational(rng.randint(1, 300), 100)
        subs = {alpha: a, beta: b, L: Lv, c: cv, gamma_b: gb}
        hand = (2 * (a - b) - 1 / cv) * sp.Min(1 / (2 * cv * Lv), gb)
        assert sp.nsimplify(d.A.xreplace(subs)) == hand
        assert (d.A + d.B).xreplace(subs) == 2 * a * gb
    assert any("2*alpha*c - 2*beta*c - 1" in sp.sstr(e) for e, _ in d.conditions)


def test_rate_rule_refuses_mismatched_pieces():
    """The kernel's rate rule accepts the SGD pieces and refuses them when any link is broken."""
    from proofs.context import parameter_context
    from proofs.implication import prove_rate
    from proofs.kernel import rate_theorem
    r = prove("sgd")
    d = r.derivation
    assert rate_theorem(d.step, d.A, d.B, d.C, r.bound, d.kernel, d.positivity, r.rate_proof.kernel)
    # a different A than the one the one-step lemma proves
    assert not rate_theorem(d.step, 2 * d.A, d.B, d.C, r.bound, d.kernel, d.positivity, r.rate_proof.kernel)
    # a different step than the one-step lemma's definition
    assert not rate_theorem(2 * d.step, d.A, d.B, d.C, r.bound, d.kernel, d.positivity, r.rate_proof.kernel)
    # a rate lemma proved on a region where the one-step lemma's condition alpha - beta - L gamma > 0 is not assumed
    loose = prove_rate("loose", d.rate, d.A, d.B, d.C, parameter_context((gamma,)))
    assert not rate_theorem(d.step, d.A, d.B, d.C, d.rate, d.kernel, d.positivity, loose.kernel)
