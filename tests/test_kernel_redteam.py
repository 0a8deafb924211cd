"""Red-team tests: each builds a FALSE statement (checked false by a concrete numeric counterexample) and
asserts that the trusted kernel (proofs.kernel.check / rate_theorem) or proofs.rules REJECTS it.
A test here fails exactly when a hole is found; the eight holes it found were closed in the kernel, and their tests now pass."""
import math

import pytest
import sympy as sp

from proofs.certificate import Certificate, EqTerm, Fact, Lemma, Square, Term
from proofs.kernel import check, lyapunov_goal, lyapunov_rate, rate_theorem
from theory.conditions import ALPHA_BETA, SMOOTH
from theory.symbols import D0, K, L, alpha, beta, gamma, sigma_int, step

x, y = sp.symbols("x y", real=True)
ONE = sp.Integer(1)


def _num(e, subs):
    """Numeric value (SymPy principal branch) of e at subs; nan when undefined."""
    return complex(sp.N(sp.sympify(e).xreplace({k: sp.sympify(v) for k, v in subs.items()})))


def _proved(lemma, certs):
    try:
        return check(lemma, certs).proved
    except Exception:   # an exception is not an acceptance
        return False


# ----------------------------------------------------------------------------------------- holes found by the red team, now closed

def test_partial_piecewise_rejected():
    goal = sp.Piecewise((x, x > 0))          # claim: for all real x, goal >= 0
    assert math.isnan(_num(goal, {x: -1}).real)   # false: undefined (nan) at x = -1
    assert not _proved(Lemma("partial", goal), {"[x > 0]": Certificate(terms=(Term(ONE, (x,)),))})


def test_odd_root_square_base_rejected():
    goal = x**sp.Rational(1, 3) * y**sp.Rational(2, 3)   # claim: >= 0 for all real x, y
    v = _num(goal, {x: -1, y: -1})
    assert abs(v - (-1)) < 1e-12                        # principal branch: -1 < 0
    assert (-1.0) * (1.0) < 0                           # real-cube-root convention: cbrt(-1)*cbrt(1) = -1 < 0
    cert = Certificate(squares=(Square(ONE, x**sp.Rational(1, 6) * y**sp.Rational(1, 3)),))
    assert not _proved(Lemma("cbrt", goal), {"main": cert})


def test_fourth_root_square_base_rejected():
    z, w = sp.symbols("z w", real=True)
    q = sp.Rational(1, 4)
    goal = x**q * y**q * z**q * w**q
    assert abs(_num(goal, {x: -1, y: -1, z: -1, w: -1}) - (-1)) < 1e-12
    cert = Certificate(squares=(Square(ONE, (x * 1)**(q / 2) * y**(q / 2) * z**(q / 2) * w**(q / 2)),))
    assert not _proved(Lemma("root4", goal), {"main": cert})


# --- rate_theorem: SGD, A = 2 gamma (alpha - beta - L gamma), B = 2 gamma (beta + L gamma), C = 0
A = 2 * gamma * (alpha - beta - L * gamma)
B = 2 * gamma * (beta + L * gamma)
HYPS = (("alpha_beta", ALPHA_BETA.expr), ("smooth", SMOOTH.expr))
POS, NONNEG = (gamma, L, alpha - beta), (beta,)
GOOD = Certificate(terms=(Term(2 * gamma, (ALPHA_BETA.expr,)), Term(gamma**2, (SMOOTH.expr,))))
CLAIMED = lyapunov_rate(A, B, 0)


def _one_step():
    r = check(Lemma("sgd", lyapunov_goal(step, A, B, 0), HYPS, (), POS, NONNEG, definitions=((step, gamma),)),
              {"step: main": GOOD})
    assert r.proved
    return r


def _rate():   # claimed - rate = 0, on the region gamma > 0, L > 0, alpha > beta, beta >= 0 (no step upper bound)
    r = check(Lemma("rate", CLAIMED - lyapunov_rate(A, B, 0), positive=POS, nonnegative=NONNEG), {"main": Certificate()})
    assert r.proved
    return r


def _sgd_counterexample():
    """f(x) = x^2/2 (n = 1, L = 1, alpha = 2, beta = 0 satisfy the alpha-beta condition and smoothness; f* = 0,
    S = {0}, sigma_int = 0), gamma = 3 > 0, x0 = 1 (D0 = 1): x_k = (-2)^k, so min_{k<K} f(x_k) = 1/2, while the
    'claimed' bound D0/(A K) + B sigma_int/A is negative (A = -6)."""
    vals = {gamma: 3, L: 1, alpha: 2, beta: 0, D0: 1, sigma_int: 0}
    for KK in (1, 2, 5):
        xs, xk = [], 1.0
        for _ in range(KK):
            xs.append(xk)
            xk = xk - 3 * xk
        true_min = min(v * v / 2 for v in xs)
        bound = float(CLAIMED.xreplace({**{s: sp.Integer(v) for s, v in vals.items()}, K: sp.Integer(KK)}))
        assert true_min > bound        # the conclusion is false at these parameters
    # and the parameters lie in the rate lemma's region
    assert 3 > 0 and 1 > 0 and 2 - 0 > 0 and 0 >= 0


def test_rate_theorem_positivity_hypothesis_ignored():
    _sgd_counterexample()
    h = alpha - beta - 2 * L * gamma
    pos = check(Lemma("A>0", A, (("small_step", h),), (), POS, NONNEG, strict=True),
                {"main": Certificate(terms=(Term(2 * gamma, (h,)),), slack=2 * L * gamma**2)})
    assert pos.proved
    assert not rate_theorem(gamma, A, B, 0, CLAIMED, _one_step(), pos, _rate())


def test_rate_theorem_positivity_equality_ignored():
    _sgd_counterexample()
    pos = check(Lemma("A>0", A, (), (("absurd", ONE),), POS, NONNEG, strict=True),
                {"main": Certificate(eq_terms=(EqTerm(A - 1, ONE),), slack=ONE)})
    assert pos.proved
    assert not rate_theorem(gamma, A, B, 0, CLAIMED, _one_step(), pos, _rate())


def test_rate_theorem_positivity_definitions_ignored():
    _sgd_counterexample()
    pos = check(Lemma("A>0", A, (), (), POS, NONNEG, strict=True, definitions=((gamma, (alpha - beta) / (2 * L)),)),
                {"gamma: main": Certificate(slack=(alpha - beta)**2 / (2 * L))})
    assert pos.proved
    assert not rate_theorem(gamma, A, B, 0, CLAIMED, _one_step(), pos, _rate())


def test_rate_theorem_rate_equality_ignored():
    h = alpha - beta - 2 * L * gamma
    pos_ = POS + (h, K)
    claimed = -ONE                         # min_k E[f(x_k) - f*] <= -1: false for every problem (f >= f*)
    goal = claimed - lyapunov_rate(A, B, 0)
    rate = check(Lemma("rate", goal, (), (("absurd", ONE),), pos_ + (alpha - beta - L * gamma,), NONNEG),
                 {"main": Certificate(eq_terms=(EqTerm(goal, ONE),))})
    assert rate.proved
    pos = check(Lemma("A>0", A, (), (), POS + (alpha - beta - L * gamma,), NONNEG, strict=True),
                {"main": Certificate(slack=A)})
    assert pos.proved
    assert not rate_theorem(gamma, A, B, 0, claimed, _one_step(), pos, rate)


# ----------------------------------------------------------------------------------------- rejected attempts

def test_rate_theorem_unconditioned_positivity_condition_rejected():
    _sgd_counterexample()
    h = alpha - beta - 2 * L * gamma   # stated as a positive atom: rate_theorem sees it and rejects
    pos = check(Lemma("A>0", A, (), (), POS + (h,), NONNEG, strict=True),
                {"main": Certificate(terms=(Term(2 * gamma, (h,)),), slack=2 * L * gamma**2)})
    assert pos.proved
    assert not rate_theorem(gamma, A, B, 0, CLAIMED, _one_step(), pos, _rate())


def test_piecewise_negation_of_strict_condition_rejected():
    goal = sp.Piecewise((0, x > 0), (x, True))   # false at x = -1
    assert _num(goal, {x: -1}).real < 0
    certs = {"[x > 0]": Certificate(), "[True]": Certificate(terms=(Term(ONE, (x,)),))}
    assert not _proved(Lemma("pw", goal), certs)
    certs["[True]"] = Certificate(terms=(Term(sp.Rational(-1), (-x,)),))
    assert not _proved(Lemma("pw", goal), certs)


def test_min_with_its_own_negation_rejected():
    goal = sp.Min(x, -x)   # false at x = 1
    assert _num(goal, {x: 1}).real < 0
    r = check(Lemma("min", goal), {})
    certs = {c.label: Certificate(terms=(Term(sp.Rational(-1, 2), (-2 * c.label.count("x") * x,)),)) for c in r.cases}
    assert not _proved(Lemma("min", goal), certs)


def test_zero_division_and_zoo_rejected():
    goal = -ONE   # false everywhere
    for cert in (Certificate(terms=(Term(ONE, (1 / (x - x),)),)), Certificate(squares=(Square(sp.zoo, ONE),)),
                 Certificate(squares=(Square(ONE, sp.I),)), Certificate(terms=(Term(sp.nan, (ONE,)),))):
        assert not _proved(Lemma("z", goal), {"main": cert})


def test_sqrt_and_abs_of_unsigned_rejected():
    assert _num(x, {x: -1}).real < 0   # claim x >= 0 is false
    for base in (sp.sqrt(x), sp.sqrt(sp.Abs(x)), sp.sqrt(x**2) * sp.sqrt(x) / sp.sqrt(sp.Abs(x)), (x**2)**sp.Rational(1, 4)):
        assert not _proved(Lemma("sq", x), {"main": Certificate(squares=(Square(ONE, base),))})
    assert not _proved(Lemma("sq", x), {"main": Certificate(terms=(Term(ONE, (sp.sqrt(x)**2,)),))})


def test_sympy_assumption_symbols_rejected():
    xp = sp.Symbol("xp", positive=True)   # SymPy simplifies with xp > 0, the kernel must not
    for base in (sp.sqrt(xp), (xp**2)**sp.Rational(1, 4), sp.sqrt(sp.Abs(xp))):
        assert not _proved(Lemma("p", xp), {"main": Certificate(squares=(Square(ONE, base),))})
    assert not _proved(Lemma("p", xp), {"main": Certificate(terms=(Term(ONE, (sp.Abs(xp),)),))})
    xn = sp.Symbol("xn", negative=True)   # sqrt(xn**2) auto-evaluates to -xn
    assert not _proved(Lemma("n", xn), {"main": Certificate(terms=(Term(ONE, (-sp.sqrt(xn**2),)),))})


def test_odd_powers_and_unsigned_multipliers_rejected():
    assert _num(x**3, {x: -1}).real < 0
    for cert in (Certificate(terms=(Term(ONE, (x**3,)),)), Certificate(terms=(Term(x, (x**2,)),)),
                 Certificate(squares=(Square(x, x),)), Certificate(terms=(Term(ONE, (x, x**2)),))):
        assert not _proved(Lemma("cube", x**3), {"main": cert})


def test_strict_without_positive_slack_rejected():
    for cert in (Certificate(squares=(Square(ONE, x),)), Certificate(squares=(Square(ONE, x),), slack=0 * x),
                 Certificate(slack=x**2), Certificate(facts=(Fact(x**2, Certificate(squares=(Square(ONE, x),)),
                                                                  strict=True),), slack=x**2)):
        assert not _proved(Lemma("s", x**2, strict=True), {"main": cert})   # false at x = 0


def test_fact_strict_with_zero_lower_rejected():
    lem = Lemma("f", x, nonnegative=(x,), strict=True)   # false at x = 0
    cert = Certificate(facts=(Fact(x, Certificate(terms=(Term(ONE, (x,)),)), lower=sp.Integer(0), strict=True),),
                       slack=x)
    assert not _proved(lem, {"main": cert})
    cert2 = Certificate(facts=(Fact(x + 1, Certificate(terms=(Term(ONE, (x,)),), slack=0 * ONE), lower=ONE,
                                    strict=True),), slack=x + 1 - 1)
    assert not _proved(lem, {"main": cert2})


def test_ne_condition_does_not_sign_unsigned():
    goal = sp.Piecewise((1 / x, sp.Ne(x, 0)), (0, True))   # false at x = -1
    assert _num(goal, {x: -1}).real < 0
    r = check(Lemma("ne", goal), {})
    certs = {c.label: Certificate(terms=(Term(ONE, (1 / x,)),)) for c in r.cases}
    certs.update({c.label: Certificate() for c in r.cases if "True" in c.label})
    assert not _proved(Lemma("ne", goal), certs)


def test_equality_multiplier_with_zero_denominator_rejected():
    lem = Lemma("eq", -ONE, equalities=(("x2", x**2),))   # x = 0 and -1 >= 0: false at x = 0
    for m in (-1 / x**2, -1 / x, -ONE / (x**2 - x**2 + x**2)):
        assert not _proved(lem, {"main": Certificate(eq_terms=(EqTerm(m, x**2),))})


def test_floats_python_numbers_and_lookalike_factors_rejected():
    lem = Lemma("h", x - 1, hypotheses=(("h", x - sp.Rational(1, 2)),))   # false at x = 1/2
    for cert in (Certificate(terms=(Term(ONE, (x - 0.5,)),), slack=0), Certificate(terms=(Term(1, (x - 0.5,)),)),
                 Certificate(terms=(Term(ONE, (sp.Symbol("x") - sp.Rational(1, 2),)),)),
                 Certificate(terms=(Term(ONE, (-1,)),), slack=0),
                 Certificate(terms=(Term(sp.Float(1), (x - sp.Rational(1, 2),)),), slack=sp.Float(-0.5))):
        assert not _proved(lem, {"main": cert})


def test_non_polynomial_atoms_rejected():
    goal = sp.floor(x) - x          # false at x = 1/2
    assert _num(goal, {x: sp.Rational(1, 2)}).real < 0
    for cert in (Certificate(terms=(Term(ONE, (goal,)),)), Certificate(squares=(Square(ONE, sp.sqrt(goal)),)),
                 Certificate(squares=(Square(ONE, sp.exp(x / 2) * 0 + sp.sqrt(sp.floor(x) - x)),))):
        assert not _proved(Lemma("fl", goal), {"main": cert})
    goal2 = sp.exp(x) - 2         # false at x = 0
    assert not _proved(Lemma("ex", goal2), {"main": Certificate(squares=(Square(ONE, sp.exp(x / 2)),), slack=0)})


def test_rules_weighted_telescoping_rejects_equality_and_hidden_conditions():
    from proofs.rules import weighted_telescoping
    _sgd_counterexample()
    zero = check(Lemma("A-a", A - A, positive=POS, nonnegative=NONNEG), {"main": Certificate()})
    absurd = check(Lemma("a>0", A, (), (("absurd", ONE),), POS, NONNEG, strict=True),
                   {"main": Certificate(eq_terms=(EqTerm(A - 1, ONE),), slack=ONE)})
    h = alpha - beta - 2 * L * gamma
    hidden = check(Lemma("a>0", A, (("small_step", h),), (), POS, NONNEG, strict=True),
                   {"main": Certificate(terms=(Term(2 * gamma, (h,)),), slack=2 * L * gamma**2)})
    assert zero.proved and absurd.proved and hidden.proved
    assert not weighted_telescoping(_one_step(), zero, absurd, gamma, A, B, A).holds
    concl = weighted_telescoping(_one_step(), zero, hidden, gamma, A, B, A)
    assert not concl.holds or (h, False) in concl.conditions   # the step bound must be carried as a condition


def test_rate_theorem_arbitrary_oracle_assumptions():
    from theory.symbols import f, f_p, g2, gd
    # claim: SGD with any gamma > 0 has min_{k<K} E[f(x_k) - f*] <= D0 / K.  False: f = x^2/2, gamma = 3, x0 = 1,
    # K = 5: x_k = (-2)^k, min_k f(x_k) = 1/2 > 1/5 = D0/K.
    xs = [(-2.0)**i for i in range(5)]
    assert min(v * v / 2 for v in xs) > 1 / 5
    one = check(Lemma("sgd'", lyapunov_goal(step, ONE, 0, 0), (), (), (gamma,), (gd, -g2, f_p - f),
                      definitions=((step, gamma),)),
                {"step: main": Certificate(terms=(Term(ONE, (f_p - f,)), Term(2 * gamma, (gd,)), Term(gamma**2, (-g2,))))})
    pos = check(Lemma("A>0", ONE, strict=True), {"main": Certificate(slack=ONE)})
    claimed = D0 / K
    rate = check(Lemma("rate", claimed - lyapunov_rate(ONE, 0, 0), positive=(gamma,)), {"main": Certificate()})
    assert one.proved and pos.proved and rate.proved
    assert not rate_theorem(gamma, ONE, 0, 0, claimed, one, pos, rate)
