"""SGD with gamma0/sqrt(k+1): per-term sum lemmas, trusted sum rules, the kernel-checked rate."""
import json
import math

import pytest
import sympy as sp

from proofs import adagrad as ada
from proofs import schedules as sch
from proofs.rules import instantiate_sums, telescoping_sum, weighted_telescoping
from theory.symbols import D0, K, L, alpha, beta, gamma0, k, sigma_int

H_K, S_K = sch.H_K, sch.S_K


@pytest.fixture(scope="module")
def result():
    return sch.prove_sgd_decreasing()


def test_per_term_lemma_certified_and_perturbed_rejected():
    assert sch.per_term_sqrt().kernel.proved
    perturbed = sch.per_term_sqrt(sp.Rational(11, 5))
    assert not perturbed.kernel.proved
    # the perturbed statement is false (so rejecting it is right): at k = 100, 1/s < 2.2 (s' - s)
    assert perturbed.lemma.goal.subs(k, 100).evalf() < 0
    assert sch.per_term_sqrt().lemma.goal.subs(k, 100).evalf() > 0


def test_sum_bound_holds_by_direct_summation(result):
    lower = next(r for r in result.rules if r.rule == "telescoping_sum" and r.data["term"] == 1 / sp.sqrt(k + 1))
    assert lower.holds
    P = sp.lambdify(K, lower.data["lower"], "math")
    total = 0.0
    for KK in range(1, 1001):
        total += 1 / math.sqrt(KK)
        # bound holds, and is tight up to a constant (S_K - 2 sqrt(K+1) -> zeta(1/2) + 2 ~ 0.54)
        assert P(KK) <= total <= P(KK) + 0.6


def test_one_step_constants_match_hand_derivation(result):
    gk = gamma0 / sp.sqrt(k + 1)
    assert sp.simplify(result.derivation.A - 2 * gk * (alpha - beta - L * gk)) == 0
    assert sp.simplify(result.derivation.B - 2 * gk * (beta + L * gk)) == 0


def test_rate_is_proved_and_equals_hand_derivation(result):
    assert result.proved
    assert all(p.kernel.proved for p in result.proofs) and all(r.holds for r in result.rules)
    # by hand: (D0 + sigma sum B_k)/sum a_k with a_k = (alpha-beta) gamma_k, sum 1/sqrt(k+1) >= 2(sqrt(K+1)-1)
    hand = D0 / (2 * gamma0 * (alpha - beta) * (sp.sqrt(K + 1) - 1)) + 2 * beta * sigma_int / (alpha - beta) \
        + L * gamma0 * sigma_int * H_K / ((alpha - beta) * (sp.sqrt(K + 1) - 1))
    assert sp.simplify(result.bound - hand) == 0
    final = result.rules[-1]
    assert final.rule == "instantiate_sums" and final.data["sums"][H_K] == sp.Sum(1 / (k + 1), (k, 0, K - 1))


@pytest.mark.parametrize("which", ["D0", "beta", "H_K"])
def test_strengthened_rates_are_not_proved(which):
    terms = {"D0": D0 / (2 * gamma0 * (alpha - beta) * (sp.sqrt(K + 1) - 1)),
             "beta": 2 * beta * sigma_int / (alpha - beta),
             "H_K": 2 * L * gamma0**2 * sigma_int * H_K / (2 * gamma0 * (alpha - beta) * (sp.sqrt(K + 1) - 1))}
    claimed = sum(v * (sp.Rational(99, 100) if n == which else 1) for n, v in terms.items())
    assert sp.simplify(sum(terms.values()) - sch.RATE) == 0
    parts = dict(A_sum=(alpha - beta) * gamma0 * S_K, B_sum=2 * beta * gamma0 * S_K + 2 * L * gamma0**2 * H_K)
    proof = sch.rate_lemma(claimed, **parts)
    assert not proof.kernel.proved
    # and it is false at a point meeting all its hypotheses: S_K = 2 sqrt(K+1) - 2 (K = 3), H_K = 1
    point = {K: 3, S_K: 2, H_K: 1, D0: 1, sigma_int: 1, alpha: 1, beta: sp.Rational(1, 4), L: 1,
             gamma0: sp.Rational(1, 4)}
    assert proof.lemma.goal.xreplace(point) < 0
    assert sch.rate_lemma(sch.RATE, **parts).lemma.goal.xreplace(point) == 0


def test_full_pipeline_rejects_a_stronger_claim():
    r = sch.prove_sgd_decreasing(claimed=sch.RATE * sp.Rational(99, 100))
    assert not r.proved and not r.rules[-1].holds


def test_rules_reject_wrong_premises(result):
    sq = sch.per_term_sqrt()
    assert not telescoping_sum(sq.kernel, 1 / sp.sqrt(k + 1), 3 * sp.sqrt(k + 1)).holds   # not the proved lemma
    assert not telescoping_sum(sch.per_term_sqrt(sp.Rational(11, 5)).kernel, 1 / sp.sqrt(k + 1),
                               sp.Rational(11, 5) * sp.sqrt(k + 1)).holds                  # not proved
    one, a_low, a_pos = (p.kernel for p in result.proofs[:3])
    A, B, a = result.derivation.A, result.derivation.B, sch.a_k
    assert weighted_telescoping(one, a_low, a_pos, sch.gamma_k, A, B, a).holds
    assert not weighted_telescoping(one, a_low, a_pos, sch.gamma_k, A, B / 2, a).holds     # B not the lemma's
    assert not weighted_telescoping(one, a_low, a_low, sch.gamma_k, A, B, a).holds          # a > 0 missing
    # a final lemma resting on an unestablished sum bound (S_K >= 2 sqrt(K+1)) is certified but refused
    parts = ((S_K, result.rules[0], (alpha - beta) * gamma0, 2 * beta * gamma0),
             (H_K, result.rules[1], sp.Integer(0), 2 * L * gamma0**2))
    sums = dict(A_sum=(alpha - beta) * gamma0 * S_K, B_sum=2 * beta * gamma0 * S_K + 2 * L * gamma0**2 * H_K)
    stronger = sch.rate_for(2 * sp.sqrt(K + 1))
    bad = sch.rate_lemma(stronger, **sums, P=2 * sp.sqrt(K + 1))
    assert bad.kernel.proved
    tele = next(r for r in result.rules if r.rule == "weighted_telescoping")
    assert not instantiate_sums(tele, parts, bad.kernel, stronger).holds
    good = sch.rate_lemma(sch.RATE, **sums)
    assert instantiate_sums(tele, parts, good.kernel, sch.RATE).holds


def test_cli_prove_sgd_decreasing(capsys):
    from abcheck.cli import main
    assert main(["prove", "sgd_decreasing", "--json", "--no-z3", "--no-coq"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["status"] == "proved" and "H_K" in js["bound"]
    assert {x["lemma"] for x in js["backends"]["sympy"]["lemmas"]} >= {"sum_inv_sqrt_per_term", "sgd_decreasing_rate"}


# --- AdaGrad-norm-max: the one-step inequality with state variables and the state's monotonicity ---------

@pytest.fixture(scope="module")
def adagrad():
    return {p.lemma.name: p for p in ada.adagrad_lemmas()}


def test_adagrad_lemmas_certified(adagrad):
    assert set(adagrad) == {"adagrad_one_step", "adagrad_step_nonincreasing", "adagrad_step_lower",
                            "adagrad_step_upper", "adagrad_c2_nondecreasing", "adagrad_c2_invariant",
                            "adagrad_b2_nondecreasing", "adagrad_b2_growth_step", "adagrad_step_lower_deterministic",
                            "adagrad_step_upper_deterministic"}
    for p in adagrad.values():
        assert p.kernel.proved, (p.lemma.name, p.kernel.reason)
        if "deterministic" not in p.lemma.name:   # one case per branch of max{c_{k-1}^2, ||g||^2}
            assert len(p.kernel.cases) == 2


def test_adagrad_growth_invariant_is_tight(adagrad):
    """b_k^2 <= b0^2 + k G (one G fewer) is false when M = G > 0; the proved lemma's certificates do not carry."""
    from proofs.certificate import Lemma
    from proofs.kernel import check
    good = adagrad["adagrad_b2_growth_step"]
    lem = Lemma("too_strong", good.lemma.goal - ada.G, good.lemma.hypotheses, (), good.lemma.positive,
                good.lemma.nonnegative)
    assert not check(lem, good.certificates).proved
    from theory.methods import b0
    point = {sp.Symbol("b2_prev", real=True): 1, sp.Symbol("c2_prev", real=True): 0, sp.Symbol("g2", real=True): 2,
             ada.G: 2, b0: 1, k: 0}
    assert lem.goal.xreplace(point) < 0 and good.lemma.goal.xreplace(point) >= 0
    assert all(h.xreplace(point) >= 0 for _, h in lem.hypotheses if h.free_symbols <= set(point))


def test_adagrad_one_step_holds_on_sampled_vectors(adagrad):
    """Second method: actual vectors, the alpha-beta inequality imposed by choosing f_p, then the claim."""
    import numpy as np
    from theory.symbols import d2, f, f_p, f_star, g2, gd, gamma
    rng = np.random.default_rng(0)
    lem = adagrad["adagrad_one_step"].lemma
    b2, c2, Gs = sp.Symbol("b2_prev", real=True), sp.Symbol("c2_prev", real=True), ada.G
    from theory.methods import ADAGRAD_NORM_MAX
    goal = lem.goal.xreplace({sch.STEP: ADAGRAD_NORM_MAX.step})
    fn = sp.lambdify((d2, gd, g2, f, f_p, f_star, alpha, beta, gamma, b2, c2, Gs), goal, "math")
    for _ in range(300):
        x, xp, g = rng.normal(size=(3, 4))
        a, bt = rng.uniform(0.5, 2), rng.uniform(0, 0.4)
        fs = rng.uniform(-1, 1)
        fv = fs + rng.uniform(0, 2)
        gdv = float(g @ (x - xp))
        # largest f_p allowed by alpha-beta: gd >= alpha (f - f_p) - beta (f - f*), and f_p >= f*
        fpv = max(fs, fv - (gdv + bt * (fv - fs)) / a) + rng.uniform(0, 0.5)
        G2 = float(g @ g) * rng.uniform(1, 3)
        val = fn(float((x - xp) @ (x - xp)), gdv, float(g @ g), fv, fpv, fs, a, bt, 0.7, rng.uniform(0.1, 3),
                 G2 * rng.uniform(0, 1), G2)
        assert val >= -1e-9


def test_adagrad_false_variants_rejected(adagrad):
    """Claiming gamma_k >= gamma_hi (instead of gamma_lo) is false when g2 > c2_prev; the certificates of the
    true lower bound gamma_k >= gamma_lo do not carry over to it."""
    from proofs.certificate import Lemma
    from proofs.kernel import check
    from theory.methods import ADAGRAD_NORM_MAX
    from theory.symbols import g2, gamma
    lem = Lemma("wrong", sch.STEP - ada.gamma_hi, definitions=((sch.STEP, ADAGRAD_NORM_MAX.step),),
                positive=(gamma, sp.Symbol("b2_prev", real=True)), nonnegative=(sp.Symbol("c2_prev", real=True), g2))
    certs = adagrad["adagrad_step_lower"].certificates
    assert set(certs) == {"step: Max=c2_prev", "step: Max=g2"}
    lem = Lemma("wrong", sch.STEP - ada.gamma_hi, adagrad["adagrad_step_lower"].lemma.hypotheses,
                positive=adagrad["adagrad_step_lower"].lemma.positive,
                nonnegative=adagrad["adagrad_step_lower"].lemma.nonnegative, definitions=lem.definitions)
    assert not check(lem, certs).proved
    point = {sp.Symbol("b2_prev", real=True): 1, sp.Symbol("c2_prev", real=True): 0, g2: 3, gamma: 1}
    assert (ADAGRAD_NORM_MAX.step - ada.gamma_hi).xreplace(point) < 0


def test_sqrt_free_restatements_are_certified_and_z3_agrees(result):
    """desqrt: sqrt(b) -> r with r >= 0, r^2 = b; the kernel re-checks, and z3 (which reads no sqrt) proves the
    restated per-term and rate lemmas and finds a model violating the perturbed per-term lemma (factor 2.2)."""
    from proofs.kernel import check
    from proofs.z3_backend import z3_prove
    backend = {lem.name: (lem, kr) for lem, _, kr in result.backend_lemmas}
    assert all(kr.proved for _, kr in backend.values()) and len(backend) == len(result.proofs)
    for name in ("sum_inv_sqrt_per_term_nosqrt", "sgd_decreasing_rate_nosqrt"):
        lem = backend[name][0]
        assert not any(isinstance(n, sp.Pow) and n.exp.q == 2 for n in sp.preorder_traversal(lem.goal) if n.is_Pow
                       and n.exp.is_Rational)
        assert z3_prove(lem, 5000).status == "proved"
    bad = sch.per_term_sqrt(sp.Rational(11, 5))
    lem, certs = sch.desqrt(bad.lemma, bad.certificates)
    assert not check(lem, certs).proved
    z = z3_prove(lem, 5000)   # z3's model is algebraic (r^2 = k + 2); its rational re-check cannot confirm it
    assert z.status == "refuted" or (z.status == "unknown" and "found a model" in z.reason)


def test_rate_dominates_the_exact_sum_form_numerically(result):
    """Second method: (D0 + sigma sum_k B_k)/sum_k a_k with the sums added up numerically never exceeds the
    proved rate (H_K exact), for K = 1..300 at sampled admissible parameters."""
    import random
    rng = random.Random(3)
    rate = sp.lambdify((D0, K, sigma_int, gamma0, alpha, beta, L, H_K), result.bound, "math")
    for _ in range(5):
        a_, b_ = rng.uniform(0.5, 2), rng.uniform(0, 0.4)
        b_ *= a_
        L_ = rng.uniform(0.5, 3)
        g0 = rng.uniform(0.05, 1) * (a_ - b_) / (2 * L_)
        d0, sg = rng.uniform(0, 5), rng.uniform(0, 2)
        sa = sb = h = 0.0
        for KK in range(1, 301):
            gk = g0 / math.sqrt(KK)
            sa += (a_ - b_) * gk
            sb += 2 * gk * (b_ + L_ * gk)
            h += 1 / KK
            assert (d0 + sg * sb) / sa <= rate(d0, KK, sg, g0, a_, b_, L_, h) * (1 + 1e-12)


def test_adagrad_one_step_z3_agrees(adagrad):
    from proofs.z3_backend import z3_prove
    p = adagrad["adagrad_one_step"]
    restated = sch.backend_restatements(p.lemma, p.certificates)     # per case: the root's base branches
    assert len(restated) == 2 and all(z3_prove(lem, 10000).status == "proved" for lem, _ in restated)


def test_rules_refuse_premises_that_assume_too_much(result):
    """Soundness of the rules' side conditions: a premise assuming k > 0 (leaves out k = 0), a one-step lemma
    assuming d2 > 0 (leaves out d2 = 0) and a final lemma assuming S_K > bound (only >= is established)."""
    from dataclasses import replace
    from proofs.kernel import check
    from theory.symbols import d2
    sq = sch.per_term_sqrt()
    lem_kpos = replace(sq.lemma, positive=(k,), nonnegative=())
    kr = check(lem_kpos, sq.certificates)
    assert kr.proved and not telescoping_sum(kr, 1 / sp.sqrt(k + 1), 2 * sp.sqrt(k + 1)).holds
    one = result.proofs[0]
    lem_d2 = replace(one.lemma, positive=one.lemma.positive + (d2,),
                     nonnegative=tuple(e for e in one.lemma.nonnegative if e != d2))
    kr = check(lem_d2, one.certificates)
    assert kr.proved
    a_low, a_pos = result.proofs[1].kernel, result.proofs[2].kernel
    args = (sch.gamma_k, result.derivation.A, result.derivation.B, sch.a_k)
    assert weighted_telescoping(one.kernel, a_low, a_pos, *args).holds
    assert not weighted_telescoping(kr, a_low, a_pos, *args).holds
    final = result.proofs[-1]
    hyp = S_K - sch.SUM_LOWER
    lem_strict = replace(final.lemma, hypotheses=tuple(h for h in final.lemma.hypotheses if h[1] != hyp),
                         positive=final.lemma.positive + (hyp,))
    kr = check(lem_strict, final.certificates)
    assert kr.proved
    tele, parts = result.rules[2], ((S_K, result.rules[0], (alpha - beta) * gamma0, 2 * beta * gamma0),
                                    (H_K, result.rules[1], sp.Integer(0), 2 * L * gamma0**2))
    assert instantiate_sums(tele, parts, final.kernel, sch.RATE).holds
    assert not instantiate_sums(tele, parts, kr, sch.RATE).holds
