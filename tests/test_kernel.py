"""The trusted kernel accepts the SGD certificate of THEORY.md section 4 and rejects wrong ones."""
import sympy as sp
from hypothesis import given, settings, strategies as st

from proofs.certificate import Certificate, Fact, Lemma, Square, Term
from proofs.kernel import check, lyapunov_goal, sign, split_cases
from theory.conditions import ALPHA_BETA, SMOOTH
from theory.methods import NGN, SPS_MAX
from theory.symbols import L, alpha, beta, gamma, step, gd, g2

A = 2 * gamma * (alpha - beta - L * gamma)
B = 2 * gamma * (beta + L * gamma)
HYPS = (("alpha_beta", ALPHA_BETA.expr), ("smooth", SMOOTH.expr))
POS, NONNEG = (gamma, L, alpha - beta), (beta,)


def sgd_lemma(a=A, b=B):
    return Lemma("sgd", lyapunov_goal(step, a, b, 0), HYPS, (), POS, NONNEG, definitions=((step, gamma),))


GOOD = Certificate(terms=(Term(2 * gamma, (ALPHA_BETA.expr,)), Term(gamma**2, (SMOOTH.expr,))))


def test_sgd_certificate_accepted():
    assert check(sgd_lemma(), {"step: main": GOOD}).proved


def test_perturbed_multiplier_rejected():
    bad = Certificate(terms=(Term(2 * gamma, (ALPHA_BETA.expr,)), Term(gamma**2 * sp.Rational(101, 100), (SMOOTH.expr,))))
    r = check(sgd_lemma(), {"step: main": bad})
    assert not r.proved and "identity" in r.reason


def test_wrong_goal_rejected():
    assert not check(sgd_lemma(a=A * sp.Rational(101, 100)), {"step: main": GOOD}).proved
    assert not check(sgd_lemma(b=B * sp.Rational(99, 100)), {"step: main": GOOD}).proved


def test_negative_multiplier_rejected():
    # goal' = goal - 2*(gamma**2)*smooth ... written with a negative multiplier that makes the identity hold
    lemma = Lemma("x", lyapunov_goal(step, A, B, 0) - gamma**2 * SMOOTH.expr * 2, HYPS, (), POS, NONNEG,
                  definitions=((step, gamma),))
    cert = Certificate(terms=(Term(2 * gamma, (ALPHA_BETA.expr,)), Term(-gamma**2, (SMOOTH.expr,))))
    r = check(lemma, {"step: main": cert})
    assert not r.proved and "not manifestly nonnegative" in r.reason


def test_remainder_must_be_a_sum_of_squares():
    x = sp.Symbol("x", real=True)
    lemma = Lemma("sq", x**2 - 2 * x + 1)
    assert check(lemma, {"main": Certificate(squares=(Square(sp.Integer(1), x - 1),))}).proved
    # a "square" with a negative weight is not a sum of squares
    lemma2 = Lemma("neg", -(x - 1)**2)
    assert not check(lemma2, {"main": Certificate(squares=(Square(sp.Integer(-1), x - 1),))}).proved
    # a non-square remainder cannot be smuggled in as an unknown factor
    assert not check(lemma2, {"main": Certificate(terms=(Term(sp.Integer(1), (-(x - 1)**2,)),))}).proved


def test_floats_and_unsigned_denominators_rejected():
    lemma = Lemma("f", sp.Float(0.5) * gamma, positive=(gamma,))
    r = check(lemma, {"main": Certificate(terms=(Term(sp.Float(0.5), (gamma,)),))})
    assert not r.proved   # a float is never manifestly signed nor allowed in the identity
    y = sp.Symbol("y", real=True)
    lemma = Lemma("d", (y**2 + 1) / y - y - 1 / y)   # identically zero, but y may be 0 or negative
    r = check(lemma, {"main": Certificate()})
    assert not r.proved and "denominator" in r.reason


def test_fact_with_negative_lower_bound_rejected():
    x = sp.Symbol("x", real=True)
    lemma = Lemma("fx", x, hypotheses=(("h", x + 1),))
    cert = Certificate(facts=(Fact(x, Certificate(terms=(Term(sp.Integer(1), (x + 1,)),)), lower=sp.Integer(-1)),),
                       terms=(Term(sp.Integer(1), (x,)),))
    assert not check(lemma, {"main": cert}).proved


def test_cases_cover_min_and_zero_division_branches():
    labels = [c.label for c in split_cases(lyapunov_goal(step, A, B, 0), ((step, SPS_MAX.step),))]
    assert len(labels) == 3 and any("Eq(g2, 0)" in s for s in labels)
    assert len(split_cases(sp.Min(alpha, beta, L))) == 3
    ngn = split_cases(lyapunov_goal(step, A, B, 0), ((step, NGN.step),))
    assert {tuple(c.kind for c in cs.conditions) for cs in ngn} == {("eq",), ("ne",)}


def test_missing_case_certificate_rejected():
    lemma = Lemma("m", sp.Min(alpha, 1) , positive=(alpha,), strict=True)
    certs = {c.label: Certificate(slack=c.goal) for c in split_cases(lemma.goal)}
    assert check(lemma, certs).proved
    certs.pop(next(iter(certs)))
    assert not check(lemma, certs).proved


def test_sign_rules():
    a_b = alpha - beta
    assert sign(2 * a_b, {a_b}, set()) == "pos"
    assert sign(-a_b, {a_b}, set()) is None
    assert sign(gd**2, set(), set()) == "nonneg"
    assert sign(1 / g2, set(), {g2}) is None      # g2 >= 0 does not make 1/g2 defined


@settings(max_examples=300, deadline=None)
@given(st.floats(0.1, 5), st.floats(0, 0.95), st.floats(0.1, 5), st.floats(0.01, 1),
       st.floats(-5, 5), st.floats(0, 5), st.floats(0, 5), st.floats(-3, 3), st.floats(0, 1))
def test_sgd_lemma_holds_on_random_oracle_values(a, bfrac, Lv, gfrac, gdv, fs_gap, fp_gap, dd, g2frac):
    """Independent check: the inequality itself (not the certificate) at random points satisfying the hypotheses."""
    b = a * bfrac
    g = gfrac * (a - b) / Lv
    fstar = 0.0
    fp = fstar + fp_gap
    fv = fstar + fs_gap
    g2v = g2frac * 2 * Lv * (fv - fstar)                 # smoothness consequence holds
    gd_min = a * (fv - fp) - b * (fv - fstar)            # alpha-beta holds for gd >= gd_min
    gdv = gd_min + abs(gdv)
    d2v = 1.0
    new_d2 = d2v - 2 * g * gdv + g**2 * g2v
    Av, Bv = 2 * g * (a - b - Lv * g), 2 * g * (b + Lv * g)
    assert new_d2 <= d2v - Av * (fv - fp) + Bv * (fp - fstar) + 1e-9 * (1 + abs(new_d2))


def test_constant_remainder_identity():
    """x^2 - x + 1 = (x - 1/2)^2 + 3/4; a wrong constant is rejected."""
    x = sp.Symbol("x", real=True)
    good = Certificate(terms=(Term(sp.Rational(3, 4), ()),), squares=(Square(sp.Integer(1), x - sp.Rational(1, 2)),))
    bad = Certificate(terms=(Term(sp.Rational(4, 5), ()),), squares=(Square(sp.Integer(1), x - sp.Rational(1, 2)),))
    assert check(Lemma("c", x**2 - x + 1), {"main": good}).proved
    assert not check(Lemma("c", x**2 - x + 1), {"main": bad}).proved
