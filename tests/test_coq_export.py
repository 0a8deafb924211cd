"""Coq export: kernel-certified lemmas compile with coqc; wrong certificates and false lemmas do not.

Each lemma below is first checked by the kernel (so the certificate is the kernel's), then exported and
compiled: a certificate that coqc accepts has been re-proved from Coq's axioms of the reals. The negative
tests change one number of a valid certificate, or the lemma, and expect coqc to reject the proof.
Tests that run coqc use ``require_coqc()`` (skipped without coqc locally, failing when CI is set).
"""
from __future__ import annotations

import functools
import re
import shutil

import pytest
import sympy as sp

from tests.conftest import require_coqc
from proofs.certificate import Certificate, EqTerm, Fact, Lemma, Square, Term
from proofs.coq_export import COQ_PREAMBLE, CoqExportError, CoqResult, coq_check, coq_identifier, coq_script
from proofs.kernel import check, lyapunov_goal, split_cases
from theory.conditions import ALPHA_BETA, REALIZABILITY, SMOOTH
from theory.methods import NGN, SPS_MAX
from theory.symbols import L, alpha, beta, c, f, f_star, g2, gamma, gamma_b, step

ONE = sp.Integer(1)
x, y, z = sp.symbols("x y z", real=True)


def sgd(scale_A=1) -> tuple[Lemma, dict[str, Certificate]]:
    """THEORY.md section 4: goal - 2 gamma (alpha-beta hypothesis) - gamma^2 (smoothness) == 0."""
    A = 2 * gamma * (alpha - beta - L * gamma) * scale_A
    B = 2 * gamma * (beta + L * gamma)
    lemma = Lemma("sgd_one_step", lyapunov_goal(step, A, B, 0),
                  hypotheses=(("alpha_beta", ALPHA_BETA.expr), ("smooth", SMOOTH.expr))
                  + tuple((h.name, h.expr) for h in REALIZABILITY),
                  positive=(gamma, L, alpha - beta), nonnegative=(beta,), definitions=((step, gamma),))
    cert = Certificate(terms=(Term(2 * gamma, (ALPHA_BETA.expr,)), Term(gamma**2, (SMOOTH.expr,))))
    return lemma, {"step: main": cert}


def sgd_capped() -> tuple[Lemma, dict[str, Certificate]]:
    """The SGD identity with step := Min(gamma, gamma_b) and A, B written in the step: one certificate per
    branch of the Min (the SGD one with gamma replaced by the branch's value)."""
    A, B = 2 * step * (alpha - beta - L * step), 2 * step * (beta + L * step)
    lemma = Lemma("sgd_capped", lyapunov_goal(step, A, B, 0),
                  hypotheses=(("alpha_beta", ALPHA_BETA.expr), ("smooth", SMOOTH.expr)),
                  positive=(gamma, gamma_b, L, alpha - beta), nonnegative=(beta,),
                  definitions=((step, sp.Min(gamma, gamma_b)),))
    certs = {f"step: Min={v}": Certificate(terms=(Term(2 * v, (ALPHA_BETA.expr,)), Term(v**2, (SMOOTH.expr,))))
             for v in (gamma, gamma_b)}
    return lemma, certs


def sps(with_fact=False) -> tuple[Lemma, dict[str, Certificate]]:
    """THEORY.md section 5: step^2 g2 <= step (f - f_star)/c for the SPS_max step (Piecewise and Min).
    Per case: g2 = 0 (equality term), Min = gamma_b (the branch condition times gamma_b g2), Min = the Polyak
    ratio (both sides equal). ``with_fact``: f - f_star >= 0 enters through a certified fact instead."""
    lemma = Lemma("sps_step_sq", step * (f - f_star) / c - step**2 * g2,
                  hypotheses=(("f_above_star", f - f_star),), positive=(c, gamma_b), nonnegative=(g2,),
                  definitions=((step, SPS_MAX.step),))
    zero, capped, polyak = (cs.label for cs in split_cases(lemma.goal, lemma.definitions))
    if with_fact:
        first = Certificate(terms=(Term(gamma_b * (f - f_star) / c, ()),), eq_terms=(EqTerm(-gamma_b**2, g2),),
                            facts=(Fact(f - f_star, Certificate(terms=(Term(ONE, (f - f_star,)),))),))
    else:
        first = Certificate(terms=(Term(gamma_b / c, (f - f_star,)),), eq_terms=(EqTerm(-gamma_b**2, g2),))
    cond = (f - f_star) / (c * g2) - gamma_b
    return lemma, {zero: first, capped: Certificate(terms=(Term(gamma_b * g2, (cond,)),)), polyak: Certificate()}


def ngn() -> tuple[Lemma, dict[str, Certificate]]:
    """THEORY.md section 5: the NGN step is <= gamma; on f != 0,
    gamma - gamma/D = gamma^2 g2 / (2 f D) with D = 1 + gamma g2/(2 f) (nested denominators)."""
    lemma = Lemma("ngn_step_le_gamma", gamma - step, hypotheses=(("g2_nonneg", g2),), positive=(gamma,),
                  nonnegative=(f, g2), definitions=((step, NGN.step),))
    at_zero, other = (cs.label for cs in split_cases(lemma.goal, lemma.definitions))
    D = 1 + gamma * g2 / (2 * f)
    return lemma, {at_zero: Certificate(), other: Certificate(terms=(Term(gamma**2 / (2 * f * D), (g2,)),))}


def ngn_positive() -> tuple[Lemma, dict[str, Certificate]]:
    """A strict lemma: the NGN step is > 0 (slack = the step itself on each branch)."""
    lemma = Lemma("ngn_step_positive", step, positive=(gamma,), nonnegative=(f, g2), strict=True,
                  definitions=((step, NGN.step),))
    at_zero, other = (cs.label for cs in split_cases(lemma.goal, lemma.definitions))
    return lemma, {at_zero: Certificate(slack=gamma), other: Certificate(slack=gamma / (1 + gamma * g2 / (2 * f)))}


def abs_and_max() -> list[tuple[Lemma, dict[str, Certificate]]]:
    """|x| >= 0 written as a Piecewise with an inequality condition; Max(gamma, gamma_b) >= gamma."""
    ab = Lemma("abs_nonneg", sp.Piecewise((x, x >= 0), (-x, True)))
    mx = Lemma("max_above", step - gamma, positive=(gamma, gamma_b), definitions=((step, sp.Max(gamma, gamma_b)),))
    return [(ab, {"[x >= 0]": Certificate(terms=(Term(ONE, (x,)),)), "[True]": Certificate(terms=(Term(ONE, (-x,)),))}),
            (mx, {"step: Max=gamma": Certificate(),
                  "step: Max=gamma_b": Certificate(terms=(Term(ONE, (gamma_b - gamma,)),))})]


def lt_and_ne_conditions() -> tuple[Lemma, dict[str, Certificate]]:
    """|x| + [y != 0] >= 0 with Piecewise conditions x < 0 (Rlt_dec) and y != 0 (Req_EM_T, swapped)."""
    lemma = Lemma("lt_ne", sp.Piecewise((-x, x < 0), (x, True)) + sp.Piecewise((1, sp.Ne(y, 0)), (0, True)))
    neg, nonneg_x = Certificate(terms=(Term(ONE, (-x,)),)), Certificate(terms=(Term(ONE, (x,)),))
    one = Term(ONE, ())
    return lemma, {"[Ne(y, 0)], [x < 0]": Certificate(terms=neg.terms + (one,)),
                   "[Ne(y, 0)], [True]": Certificate(terms=nonneg_x.terms + (one,)),
                   "[True], [x < 0]": neg, "[True], [True]": nonneg_x}


def min_of_three() -> tuple[Lemma, dict[str, Certificate]]:
    """x - Min(x, y, z) >= 0: the Coq side nests Rmin x (Rmin y z), the kernel has three cases."""
    lemma = Lemma("min3", x - step, definitions=((step, sp.Min(x, y, z)),))
    return lemma, {"step: Min=x": Certificate(), "step: Min=y": Certificate(terms=(Term(ONE, (x - y,)),)),
                   "step: Min=z": Certificate(terms=(Term(ONE, (x - z,)),))}


def square_and_equality() -> tuple[Lemma, dict[str, Certificate]]:
    """x^2 + y^2 - 2xy + 3 y (z - x) >= 0 given z = x: a square and an equality term."""
    lemma = Lemma("sq_eq", x**2 + y**2 - 2 * x * y + 3 * (z - x) * y, equalities=(("zx", z - x),))
    return lemma, {"main": Certificate(squares=(Square(ONE, x - y),), eq_terms=(EqTerm(3 * y, z - x),))}


def scaled_atom() -> tuple[Lemma, dict[str, Certificate]]:
    """The kernel signs 2 alpha - 2 beta as 2 * (alpha - beta) when alpha - beta > 0 is declared."""
    lemma = Lemma("scaled", (2 * alpha - 2 * beta) * x + sp.Rational(1, 2) * (alpha - beta),
                  positive=(alpha - beta,), nonnegative=(x,), strict=True)
    return lemma, {"main": Certificate(terms=(Term(2 * alpha - 2 * beta, (x,)),),
                                       slack=sp.Rational(1, 2) * alpha - sp.Rational(1, 2) * beta)}


def numerator_condition() -> tuple[Lemma, dict[str, Certificate]]:
    """x (gamma_b/c - step) >= 0 for step := Min(gamma_b/c, 1/(2 L c^2)). On the branch where the Min is
    1/(2 L c^2) the kernel knows gamma_b/c - 1/(2 L c^2) >= 0, hence (numerator over a positive
    denominator) 2 L c gamma_b - 1 >= 0, which signs the multiplier below."""
    cap = 1 / (2 * L * c**2)
    lemma = Lemma("numerator", x * (gamma_b / c - step), positive=(L, c, gamma_b), nonnegative=(x,),
                  definitions=((step, sp.Min(gamma_b / c, cap)),))
    first, second = (cs.label for cs in split_cases(lemma.goal, lemma.definitions))
    multiplier = (2 * L * c * gamma_b - 1) * x / (2 * L * c**2)
    certs = {first: Certificate(), second: Certificate(terms=(Term(multiplier, ()),))}
    if "Min=gamma_b/c" not in first:
        certs = {first: certs[second], second: certs[first]}
    return lemma, certs


k = sp.Symbol("k", real=True)


def fraction_sign() -> tuple[Lemma, dict[str, Certificate]]:
    """Kernel rule: a sum over a positive common denominator is signed like its numerator. With c > 0 and
    2 alpha c - 2 beta c - 1 > 0 declared, m = 2 alpha - 2 beta - 1/c is positive (used as a multiplier
    and as the strict slack)."""
    m = 2 * alpha - 2 * beta - 1 / c
    lemma = Lemma("fraction_sign", m * x + m, positive=(c, 2 * alpha * c - 2 * beta * c - 1), nonnegative=(x,),
                  strict=True)
    return lemma, {"main": Certificate(terms=(Term(m, (x,)),), slack=m)}


def per_term(factor=2, weight=None) -> tuple[Lemma, dict[str, Certificate]]:
    """1/sqrt(k+1) - 2 (sqrt(k+2) - sqrt(k+1)) = (sqrt(k+2) - sqrt(k+1))^2 / sqrt(k+1): true only with
    sqrt(b)^2 = b (Coq: sqrt_sqrt), the square roots otherwise being free atoms."""
    lemma = Lemma("per_term", 1 / sp.sqrt(k + 1) - factor * (sp.sqrt(k + 2) - sp.sqrt(k + 1)), nonnegative=(k,))
    w = 1 / sp.sqrt(k + 1) if weight is None else weight
    return lemma, {"main": Certificate(squares=(Square(w, sp.sqrt(k + 2) - sp.sqrt(k + 1)),))}


def sqrt_powers() -> tuple[Lemma, dict[str, Certificate]]:
    """Sign rules for b^(n/2): sqrt(k+1) > 0 (slack), (k+1)^(3/2), (k+1)^(-3/2) and sqrt(x) >= 0."""
    b = k + 1
    lemma = Lemma("sqrt_powers", sp.sqrt(b) + x * b**sp.Rational(3, 2) + x / b**sp.Rational(3, 2) + sp.sqrt(x),
                  nonnegative=(k, x), strict=True)
    return lemma, {"main": Certificate(terms=(Term(b**sp.Rational(3, 2), (x,)), Term(b**sp.Rational(-3, 2), (x,)),
                                              Term(sp.sqrt(x), ())), slack=sp.sqrt(b))}


def sqrt_step() -> tuple[Lemma, dict[str, Certificate]]:
    """A square root in a definition: step := gamma/sqrt(k+1). SymPy's case goal has step^2 = gamma^2/(k+1);
    the Coq statement keeps (gamma / sqrt(k+1))^2, so the bridge to the branch also needs sqrt_sqrt."""
    lemma = Lemma("sqrt_step", gamma**2 / (k + 1) - step**2 + x * step, positive=(gamma,), nonnegative=(k, x),
                  definitions=((step, gamma / sp.sqrt(k + 1)),))
    return lemma, {"step: main": Certificate(terms=(Term(gamma / sp.sqrt(k + 1), (x,)),))}


def plain_numbers() -> tuple[Lemma, dict[str, Certificate]]:
    """Certificates with plain Python numbers (int, Fraction), which the kernel sympifies."""
    from fractions import Fraction
    lemma = Lemma("plain_numbers", x**2 - x * y + y**2 / 4 + 3 * z / 4 + 2, nonnegative=(z,), strict=True)
    return lemma, {"main": Certificate(squares=(Square(1, x - Fraction(1, 2) * y),),
                                       terms=(Term(Fraction(3, 4), (z,)),), slack=2)}


VALID = {"sgd": sgd, "sgd_capped": sgd_capped, "sps": sps, "sps_fact": lambda: sps(True), "ngn": ngn,
         "ngn_positive": ngn_positive, "abs": lambda: abs_and_max()[0], "max": lambda: abs_and_max()[1],
         "square_equality": square_and_equality, "scaled": scaled_atom,
         "numerator": numerator_condition, "lt_ne": lt_and_ne_conditions,
         "min3": min_of_three, "fraction_sign": fraction_sign, "per_term": per_term,
         "sqrt_powers": sqrt_powers, "sqrt_step": sqrt_step, "plain_numbers": plain_numbers}

NO_ADMIT = re.compile(r"\b(Admitted|admit|Axiom|Parameter|Hypothesis|Variable|Conjecture)\b")


@pytest.mark.parametrize("name", sorted(VALID))
def test_kernel_accepts_the_test_certificates(name):
    lemma, certs = VALID[name]()
    assert check(lemma, certs).proved, check(lemma, certs).reason


@pytest.mark.parametrize("name", sorted(VALID))
def test_script_is_self_contained_and_admits_nothing(name):
    lemma, certs = VALID[name]()
    text = coq_script(lemma, certs)
    assert text.startswith("Require Import Reals Lra Psatz.\nOpen Scope R_scope.")
    assert not NO_ADMIT.search(text)
    assert text.count("Proof.") == text.count("Qed.")
    assert f"Lemma {lemma.name} :" in text
    n_cases = len(split_cases(lemma.goal, lemma.definitions))
    assert len(re.findall(rf"^Lemma {lemma.name}_case_\d+ :", text, re.M)) == n_cases


def test_statement_states_the_definitions_and_premises():
    lemma, certs = sps()
    text = coq_script(lemma, certs)
    main = text[text.index("Lemma sps_step_sq :"):]
    assert "let step := (if Req_EM_T g2 0 then gamma_b else (Rmin " in main
    assert "0 < c ->" in main and "0 < gamma_b ->" in main and "0 <= g2 ->" in main
    assert "0 <= (f - f_star) ->" in main


@pytest.mark.coq
@pytest.mark.parametrize("name", sorted(VALID))
def test_certified_lemmas_compile(name, tmp_path):
    require_coqc()
    lemma, certs = VALID[name]()
    r = coq_check(lemma, certs, tmp_path)
    assert isinstance(r, CoqResult)
    assert r.status == "proved", r.reason
    assert r.path == str(tmp_path / f"{lemma.name}.v")
    assert not NO_ADMIT.search((tmp_path / f"{lemma.name}.v").read_text())


@pytest.mark.coq
def test_wrong_multiplier_is_rejected_by_coq(tmp_path):
    require_coqc()
    lemma, _ = sgd()
    wrong = Certificate(terms=(Term(3 * gamma, (ALPHA_BETA.expr,)), Term(gamma**2, (SMOOTH.expr,))))
    assert not check(lemma, {"step: main": wrong}).proved
    r = coq_check(lemma, {"step: main": wrong}, tmp_path)
    assert r.status == "failed" and "coqc exit" in r.reason


@pytest.mark.coq
def test_false_lemma_with_the_old_certificate_is_rejected_by_coq(tmp_path):
    require_coqc()
    lemma, certs = sgd(sp.Rational(101, 100))          # A * 1.01: false (z3 refutes it)
    r = coq_check(lemma, certs, tmp_path)
    assert r.status == "failed" and "coqc exit" in r.reason


@pytest.mark.coq
def test_wrong_case_certificate_is_rejected_by_coq(tmp_path):
    require_coqc()
    lemma, certs = sps()
    capped = next(k for k in certs if "Min=gamma_b" in k)
    cond = (f - f_star) / (c * g2) - gamma_b
    certs = {**certs, capped: Certificate(terms=(Term(2 * gamma_b * g2, (cond,)),))}   # factor 2 too many
    assert coq_check(lemma, certs, tmp_path).status == "failed"


def test_missing_case_is_an_export_failure(tmp_path):
    lemma, certs = sps()
    certs.pop(next(iter(certs)))
    with pytest.raises(CoqExportError, match="no certificate for case"):
        coq_script(lemma, certs)
    r = coq_check(lemma, certs, tmp_path)
    assert (r.status, r.path) == ("failed", None) and "no certificate" in r.reason


def test_multiplier_without_manifest_sign_is_an_export_failure():
    lemma, _ = sgd()
    bad = Certificate(terms=(Term(2 * gamma - L, (ALPHA_BETA.expr,)),))
    with pytest.raises(CoqExportError, match="not manifestly nonnegative"):
        coq_script(lemma, {"step: main": bad})


def test_unsupported_expression_is_an_export_failure():
    with pytest.raises(CoqExportError, match="exponent other than n or n/2"):
        coq_script(Lemma("cube_root", x**sp.Rational(1, 3), nonnegative=(x,)), {"main": Certificate()})
    with pytest.raises(CoqExportError, match="nested square root"):
        coq_script(Lemma("nested", sp.sqrt(1 + sp.sqrt(x)) - 1, nonnegative=(x,)),
                   {"main": Certificate(terms=(Term(sp.sqrt(x) / (sp.sqrt(1 + sp.sqrt(x)) + 1), ()),))})


def test_square_root_of_an_unsigned_base_is_an_export_failure():
    """The kernel rejects sqrt(b) unless b is manifestly >= 0 (Coq's sqrt is 0 below 0): so does the export."""
    lemma = Lemma("bad_root", x * sp.sqrt(y - 1), nonnegative=(x,))
    certs = {"main": Certificate(terms=(Term(sp.sqrt(y - 1), (x,)),))}
    assert not check(lemma, certs).proved
    with pytest.raises(CoqExportError, match="not manifestly nonnegative"):
        coq_script(lemma, certs)


def test_square_root_identities_use_sqrt_sqrt_only_when_needed():
    """per_term holds only modulo sqrt(b)^2 = b: its script rewrites with sqrt_sqrt (0 <= k+1, 0 <= k+2 by
    the sign rules); sqrt_powers is an identity with the roots as free atoms: plain field."""
    text = coq_script(*per_term())
    assert "rewrite (sqrt_sqrt (1 + k))" in text and "rewrite (sqrt_sqrt (2 + k))" in text
    assert "sqrt_sqrt" not in coq_script(*sqrt_powers())


def _compile(text: str, tmp_path, name: str):
    import subprocess
    (tmp_path / f"{name}.v").write_text(text)
    return subprocess.run([require_coqc(), "-q", f"{name}.v"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.coq
def test_wrong_fraction_sign_certificates_are_rejected_by_coq(tmp_path):
    """Rule 1 (sum over a positive denominator). (a) A certificate whose multiplier is signed by the rule
    but whose identity is off (1/c where the goal has 1/(2c)): kernel and coqc reject it. (b) The valid
    script with the rule's identity e = num / den tampered (den 2c instead of c): coqc rejects it."""
    require_coqc()
    lemma, certs = fraction_sign()
    m2 = 2 * alpha - 2 * beta - 1 / (2 * c)
    wrong = Lemma(lemma.name, m2 * x + (2 * alpha - 2 * beta - 1 / c), positive=lemma.positive,
                  nonnegative=lemma.nonnegative, strict=True)
    assert not check(wrong, certs).proved
    r = coq_check(wrong, certs, tmp_path)
    assert r.status == "failed" and "coqc exit" in r.reason
    text = coq_script(lemma, certs)
    step_ = "(- 1 - (2 * beta * c) + (2 * alpha * c)) c)"
    assert step_ in text and _compile(text, tmp_path, "fraction_ok").returncode == 0
    tampered = text.replace(step_, "(- 1 - (2 * beta * c) + (2 * alpha * c)) (2 * c))")
    proc = _compile(tampered, tmp_path, "fraction_bad")
    assert proc.returncode != 0 and "not a valid field equation" in proc.stderr + proc.stdout


@pytest.mark.coq
@pytest.mark.parametrize("variant", ["factor_3", "weight_next_root"])
def test_wrong_square_root_certificates_are_rejected_by_coq(variant, tmp_path):
    """Rule 2 (square roots): the per_term certificate for 3 (sqrt(k+2) - sqrt(k+1)), or with weight
    1/sqrt(k+2): false identities, rejected by the kernel and by coqc."""
    require_coqc()
    lemma, certs = per_term(3) if variant == "factor_3" else per_term(weight=1 / sp.sqrt(k + 2))
    assert not check(lemma, certs).proved
    r = coq_check(lemma, certs, tmp_path)
    assert r.status == "failed" and "coqc exit" in r.reason and "not a valid field equation" in r.reason


@pytest.mark.coq
def test_square_root_identity_needs_sqrt_sqrt_in_coq(tmp_path):
    """With sqrt(k+1), sqrt(k+2) as free atoms (field alone) the per_term identity is false: coqc rejects
    the script whose identity step is plain field."""
    require_coqc()
    text = coq_script(*per_term())
    start = text.index("by (assert (abRt")
    end = text.index("rewrite abZ", start)
    plain = text[:start] + "by (field; ab_nz" + text[text.index(").", end):]
    assert "sqrt_sqrt" not in plain
    proc = _compile(plain, tmp_path, "per_term_field_only")
    assert proc.returncode != 0 and "not a valid field equation" in proc.stderr + proc.stdout


def test_without_coqc_the_file_is_written_and_the_check_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    lemma, certs = sgd()
    r = coq_check(lemma, certs, tmp_path / "out")
    assert r.status == "skipped" and "not installed" in r.reason
    assert (tmp_path / "out" / "sgd_one_step.v").read_text() == coq_script(lemma, certs)


@pytest.mark.coq
def test_time_limit_gives_failed(tmp_path):
    require_coqc()
    lemma, certs = sgd()
    r = coq_check(lemma, certs, tmp_path, timeout_s=0.001)
    assert r.status == "failed" and "ran past" in r.reason


def test_identifiers_are_valid_and_distinct():
    ident = re.compile(r"^[A-Za-z][A-Za-z0-9_']*$")
    for raw in ("gamma", "f_p", "x.1", "2x", "R", "Rmin", "abK0", "fun", "_a", "lemma name-1"):
        assert ident.match(coq_identifier(raw)), raw
    assert coq_identifier("gamma") == "gamma"
    assert coq_identifier("R") != "R" and coq_identifier("abK0") != "abK0"
    # two symbols that sanitise alike still get distinct binders
    a, b = sp.Symbol("a.b", real=True), sp.Symbol("a_b", real=True)
    text = coq_script(Lemma("clash", a**2 + b**2), {"main": Certificate(squares=(Square(ONE, a), Square(ONE, b)))})
    binders = re.search(r"Lemma clash : forall (.*) : R,", text).group(1).split()
    assert len(set(binders)) == 2


def test_require_coqc_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_coqc()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_coqc()
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/coqc")
    assert require_coqc() == "/usr/bin/coqc"


P1, P2, N1 = sp.symbols("p1 p2 n1", real=True)
# sqrt(p1 + n1): the square-root rules; 2 p1 - 1/p2: signed through its numerator 2 p1 p2 - 1 > 0
_ATOMS = [P1, P2, N1, P1 - N1, sp.Rational(3, 2), x, sp.sqrt(P1 + N1), 2 * P1 - 1 / P2]


def _signed_expressions():
    """Random expressions over p1, p2 > 0, p1 - n1 > 0, n1 >= 0 (and x of unknown sign, only squared)."""
    from hypothesis import strategies as st
    leaf = st.sampled_from(_ATOMS)

    def grow(children):
        return st.one_of(
            st.tuples(children, children).map(lambda t: t[0] + t[1]),
            st.tuples(children, children).map(lambda t: t[0] * t[1]),
            st.tuples(children, st.integers(2, 3)).map(lambda t: t[0] ** t[1]),
            children.map(lambda e: 1 / e),
            children.map(lambda e: 2 * e))
    return st.recursive(leaf, grow, max_leaves=5)


@pytest.mark.coq
def test_sign_proofs_follow_the_kernel_on_random_expressions(tmp_path):
    """Every expression the kernel signs gets a Coq sign proof that coqc accepts (one file per example:
    the goal is the sum of the expressions, each a certificate term with no factors)."""
    from hypothesis import HealthCheck, given, settings, strategies as st
    from proofs.kernel import sign
    require_coqc()
    pos, nonneg = {P1, P2, P1 - N1, 2 * P1 * P2 - 1}, {N1}
    seen = []

    @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(_signed_expressions(), min_size=4, max_size=8))
    def run(exprs):
        signed = [e for e in exprs if sign(sp.sympify(e), pos, nonneg) is not None and e != 0]
        if not signed:
            return
        lemma = Lemma(f"signs{len(seen)}", sp.Add(*signed), positive=tuple(pos), nonnegative=tuple(nonneg))
        certs = {"main": Certificate(terms=tuple(Term(sp.sympify(e), ()) for e in signed))}
        assert check(lemma, certs).proved
        r = coq_check(lemma, certs, tmp_path)
        assert r.status == "proved", (signed, r.reason)
        seen.append(signed)

    run()
    assert seen


# --------------------------------------------------------------------------------------------------
# lemmas the project derives: built-in theorems and example claims (kernel-proved ones are exported)


@pytest.fixture(scope="module")
def theorem_lemmas():
    """prove(name).lemmas, derived once per module (~10-30 s each)."""
    from proofs.theorems import prove
    return functools.cache(lambda name: prove(name).lemmas)


@pytest.fixture(scope="module")
def claim_lemmas():
    """decide_claim(load_claim(examples/claims/<name>.toml), numerics=False), derived once per module."""
    from abcheck.claim_verdict import decide_claim
    from theory.claims import load_claim
    return functools.cache(lambda name: decide_claim(load_claim(f"examples/claims/{name}.toml"), numerics=False))


def _compile_all(lemmas, tmp_path) -> dict[str, str]:
    """coq_check every kernel-proved lemma; returns {lemma name: script text}."""
    texts = {}
    for lemma, certs, kernel in lemmas:
        if not kernel.proved:
            continue
        r = coq_check(lemma, certs, tmp_path / lemma.name)
        assert r.status == "proved", (lemma.name, r.reason)
        texts[lemma.name] = (tmp_path / lemma.name / f"{coq_identifier(lemma.name)}.v").read_text()
        assert not NO_ADMIT.search(texts[lemma.name])
    return texts


@pytest.mark.slow
@pytest.mark.coq
@pytest.mark.parametrize("name", ["sps_max", "ngn"])
def test_theorem_lemmas_compile(name, theorem_lemmas, tmp_path):
    require_coqc()
    lemmas = theorem_lemmas(name)
    assert lemmas and all(k.proved for _, _, k in lemmas)
    texts = _compile_all(lemmas, tmp_path)
    assert len(texts) == len(lemmas)
    # the one-step lemma carries certified facts (rule: Certificate.facts), replayed in Coq
    assert any(c.facts for c in lemmas[0][1].values())
    assert re.search(r"assert \(abF\d+ :", texts[lemmas[0][0].name])


@pytest.mark.slow
@pytest.mark.coq
@pytest.mark.parametrize("name", ["sps_max", "ngn"])
def test_claim_lemmas_compile(name, claim_lemmas, tmp_path):
    require_coqc()
    verdict = claim_lemmas(name)
    assert verdict.status == "proved", verdict.reason
    texts = _compile_all(verdict.lemmas, tmp_path)
    assert len(texts) == len(verdict.lemmas)
    if name == "sps_max":   # its rate lemma divides by 2 alpha - 2 beta - 1/c: signed by its numerator
        assert any("apply (ab_frac_" in t for t in texts.values())
    else:                   # the one-step lemma's facts
        assert any(c.facts for c in verdict.lemmas[0][1].values())


@pytest.mark.slow
@pytest.mark.coq
def test_schedule_lemmas_with_square_roots_compile(tmp_path):
    """proofs.schedules (SGD with gamma0/sqrt(k+1)): its lemmas as the kernel checks them, square roots
    included (not the sqrt-free restatements), compile."""
    require_coqc()
    from proofs.theorems import prove
    lemmas = prove("sgd_decreasing").lemmas
    texts = _compile_all(lemmas, tmp_path)
    assert len(texts) == len(lemmas)
    rooted = [name for name, t in texts.items() if "(sqrt (" in t[len(COQ_PREAMBLE):]]
    assert "sgd_decreasing_one_step" in rooted and "sum_inv_sqrt_per_term" in rooted
