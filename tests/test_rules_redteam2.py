"""Red-team tests (second round) for the NEW trusted parts: the rules ``potential_sum`` and ``scaled_telescoping``
(proofs/rules.py; used by proofs/adagrad_bounded.py and proofs/decsps.py), ``instantiate_sums`` on a scaled premise
(Dmax2 >= 0), the kernel's sign rule for Abs (proofs/kernel.py ``sign``), and ``desqrt`` (proofs/schedules.py), whose
sqrt/Abs-free restatements are what z3 and Coq check.

Every premise is a lemma the kernel really accepts (``proofs.kernel.check``); no KernelResult or Conclusion is built
by hand. Each attack states something FALSE, shown false by a concrete counterexample computed in the test (a numeric
point, or a run of the method's own recursion).

- Holes found by this review, all closed now (desqrt restating roots of unsigned or branching bases, symbols with
  SymPy sign assumptions, Coq's summary skipping refused restatements); each test asserts the fixed behaviour,
  next to its counterexample.
  1. desqrt adds r^2 = b for EVERY sqrt(b) it meets (in a certificate, in one branch of a Piecewise), i.e. the
     extra hypothesis b >= 0: z3 proves, and the kernel re-check accepts (so Coq is run on), restatements of
     FALSE lemmas, e.g. "x >= 0".
  2. SymPy assumptions on symbols: the kernel (through ``definitions``) and the rules (through their own xreplace)
     let SymPy evaluate Abs(n) = -n for a Symbol declared negative=True, and read the result for all real n.
  3. run_backends reports Coq "proved" for adagrad_bounded_iterates although 7 of its 23 lemmas never reach Coq
     (their restatements lose the Max of the step, so the kernel refuses them and run_backends skips them).
- Attacks the rules / kernel refuse correctly: plain tests (scaled_telescoping: a wrong previous step, a W that is
  not an invariant, random a/b/W, a non-strict or mis-defined step lemma, a DecSPS step that may be 0, foreign
  remainders; potential_sum: T, V, w reading what they may not; instantiate_sums: D0 for Dmax2 W(K), Dmax2 > 0, Dmax2
  without bounded iterates; the kernel's Abs sign; desqrt's Abs translation).
"""
from __future__ import annotations

import math
import shutil
from dataclasses import replace
from types import SimpleNamespace

import pytest
import sympy as sp
from conftest import kernel_proved, lemma_in

from proofs import adagrad as ada
from proofs import adagrad_bounded as ab
from proofs import decsps as ds
from proofs.certificate import Certificate, Fact, Lemma, Square, Term
from proofs.context import parameter_context
from proofs.kernel import check, split_cases
from proofs.rules import instantiate_sums, potential_sum, scaled_telescoping, state_induction, telescoping_sum
from proofs.schedules import desqrt
from theory.methods import b0, b2_prev, c2_prev, c_prev, gamma_prev
from theory.symbols import D0, Dmax2, G, K, L, alpha, beta, c, f, f_star, g2, gamma, k, sigma_int, step as STEP

ONE = sp.Integer(1)
_b, _c2 = b2_prev, c2_prev
x, y = sp.symbols("x y", real=True)


# ------------------------------------------------------------------------------------------------- helpers

_lem, _proved = lemma_in, kernel_proved   # shared helpers (tests/conftest.py)


def _upd(method):
    return method.at_start(), method.after_step()


def pseudo_huber_run(x0, delta, gamma_v, b0_v, iters):
    """AdaGrad-norm-max (theory/methods.py recursion) on f(x) = delta^2 (sqrt(1 + (x/delta)^2) - 1), n = 1 (so
    E = the run itself, sigma_int = 0). f is convex (alpha = 1, beta = 0), min 0 at S = {0}, |f'| < delta (G =
    delta^2). Returns the iterates x_0..x_iters and f(x_k)."""
    fn = lambda v: delta**2 * (math.sqrt(1 + (v / delta)**2) - 1)          # noqa: E731
    grad = lambda v: v / math.sqrt(1 + (v / delta)**2)                     # noqa: E731
    xs, c2, b2 = [x0], 0.0, b0_v**2
    for _ in range(iters):
        g = grad(xs[-1])
        M = max(c2, g * g)
        xs.append(xs[-1] - gamma_v / math.sqrt(b2 + M) * g)
        c2, b2 = M, b2 + M
    return xs, [fn(v) for v in xs]


#: the point of the counterexamples below: x0 = 1, delta = 0.1, gamma = b0 = 0.001, K = 1
PH = {"x0": 1.0, "delta": 0.1, "gamma": 1e-3, "b0": 1e-3}


def _ph_point():
    xs, fs = pseudo_huber_run(PH["x0"], PH["delta"], PH["gamma"], PH["b0"], 50)
    assert all(abs(v) <= PH["x0"] for v in xs)            # bounded iterates with Dmax2 = x0^2 = 1
    pt = {alpha: 1, beta: 0, sigma_int: 0, gamma: sp.Rational(1, 1000), b0: sp.Rational(1, 1000),
          G: sp.Rational(1, 100), Dmax2: 1, K: 1, L: 1}
    return pt, fs[0]                                       # min_{k<1} E[f(x_k) - f*] = f(x_0)


@pytest.fixture(scope="module")
def AB():
    """The AdaGrad-bounded theorem (lemmas and rules), built once."""
    r = ab.prove_adagrad_bounded()
    assert r.proved
    P = {p.lemma.name: p for p in r.proofs}
    mem, rem, tele, inst = r.rules
    return SimpleNamespace(r=r, P=P, mem=mem, rem=rem, tele=tele, inst=inst,
                           bases=tuple(p.kernel for p in r.proofs if "invariant" in p.lemma.name
                                       and p.lemma.name.endswith("_base")),
                           steps=tuple(p.kernel for p in r.proofs if "invariant" in p.lemma.name
                                       and p.lemma.name.endswith("_step")),
                           one=P["adagrad_bi_one_step"].kernel, pos=P["adagrad_bi_step_positive"].kernel,
                           mono=P["adagrad_bi_step_nonincreasing"].kernel, a_pos=P["adagrad_bi_a_positive"].kernel,
                           pot=P["adagrad_bi_potential"].kernel, wl=P["adagrad_bi_weight_nonneg"].kernel)


@pytest.fixture(scope="module")
def DS():
    r = ds.prove_decsps()
    assert r.proved
    P = {p.lemma.name: p for p in r.proofs}
    return SimpleNamespace(r=r, P=P, mem=r.rules[0], tele=r.rules[1], inst=r.rules[2])


def _st(A, one=None, pos=None, mono=None, a_pos=None, mem=None, a=ab.A_CONST, b=ab.B_CONST, prev=ab.PREV, W=ab.W,
        rem="genuine"):
    return scaled_telescoping(one or A.one, pos or A.pos, mono or A.mono, a_pos or A.a_pos, mem or A.mem, ab.METHOD,
                              a, b, prev, W, A.rem if rem == "genuine" else rem)


# ========================================================================================= HOLES (open)

# --- hole 1: desqrt assumes b >= 0 for every sqrt(b) it meets -------------------------------------------------

def _restated(lem, certs):
    from proofs.z3_backend import z3_prove
    l2, c2 = desqrt(lem, certs)
    return check(l2, c2), z3_prove(l2, 5000)


def test_desqrt_does_not_prove_x_nonnegative():
    """Lemma x >= 0 (false at x = -1). Certificate: (sqrt x)^2, which the kernel refuses (sqrt of an unsigned base).
    desqrt restates it as 'r0 >= 0, r0^2 - x = 0 => x >= 0' (true, but not the lemma): the kernel accepts the
    restatement (so run_backends also hands it to Coq) and z3 answers 'proved'."""
    lem = Lemma("x_nonneg", x)
    certs = {"main": Certificate(squares=(Square(ONE, sp.sqrt(x)),))}
    assert float(lem.goal.subs(x, -1)) < 0 and not check(lem, certs).proved
    kr, z = _restated(lem, certs)
    assert not kr.proved and z.status != "proved"


def test_desqrt_does_not_prove_a_branch_local_root():
    """Piecewise((sqrt x, x >= 0), (x, True)) >= 0 is false at x = -1 (the second branch, -1). The restatement assumes
    r0^2 = x everywhere, i.e. x >= 0 on the second branch too."""
    goal = sp.Piecewise((sp.sqrt(x), x >= 0), (x, True))
    lem = Lemma("branch_root", goal)
    assert float(goal.subs(x, -1)) == -1.0
    certs = {"[x >= 0]": Certificate(terms=(Term(ONE, (sp.sqrt(x),)),)),
             "[True]": Certificate(squares=(Square(ONE, sp.sqrt(x)),))}
    assert [c_.label for c_ in split_cases(goal)] == list(certs) and not check(lem, certs).proved
    kr, z = _restated(lem, certs)
    assert not kr.proved and z.status != "proved"


# --- hole 2: SymPy sign assumptions on symbols let Abs evaluate; the kernel/rules read the result for all reals ---

NEG = sp.Symbol("n", negative=True)     # SymPy evaluates Abs(n) = -n; the kernel's lemmas speak of every real n


def test_kernel_definition_with_an_assumption_symbol():
    lem = Lemma("neg_def", -sp.Abs(STEP) - STEP, definitions=((STEP, NEG),))
    r = check(lem, {c_.label: Certificate() for c_ in split_cases(lem.goal, lem.definitions)})
    nv = 1                                                  # a real n: -|1| - 1 = -2 < 0
    assert -abs(nv) - nv < 0
    assert not r.proved


def test_telescoping_sum_with_an_assumption_symbol():
    """term(k) = |k+1+n| - |k+n|, T(k) = |k+n|: the lemma term - (T(k+1) - T(k)) is 0. The rule concludes
    sum_{k<K} term >= |K+n| + n with no condition; at n = 1, K = 1: 1 >= 3 is false."""
    T = sp.Abs(k + NEG)
    term = sp.Abs(k + 1 + NEG) - sp.Abs(k + NEG)
    res = _proved(Lemma("tel", term - (T.xreplace({k: k + 1}) - T), nonnegative=(k,)), {"main": Certificate()})
    out = telescoping_sum(res, term, T)
    nv, Kv = 1, 1
    lhs = sum(abs(j + 1 + nv) - abs(j + nv) for j in range(Kv))
    lower = abs(Kv + nv) + nv                               # what the rule would state: n + |K + n|
    assert lhs == 1 and lower == 3 and lhs < lower
    assert not out.holds and "not a plain real symbol" in out.reason


# --- hole 3: Coq's summary covers only the restatements the kernel re-accepts ------------------------------------

def test_coq_summary_covers_every_lemma(AB, monkeypatch, tmp_path):
    import proofs.coq_export as ce
    from proofs.theorems import run_backends
    given = []

    def fake_coq(lem, certs, out_dir):                     # every restatement it is given "compiles"
        given.append(lem.name)
        return SimpleNamespace(status="proved", path=lem.name, reason="", seconds=0.0)
    monkeypatch.setattr(ce, "coq_check", fake_coq)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/coqc")
    res = replace(AB.r)                                    # a copy: run_backends writes result.backends
    out = run_backends(res, z3=False, coq=True, out_dir=tmp_path)
    refused = [lem.name for lem, _, kr in res.backend_lemmas if not kr.proved]
    assert not refused                                     # branching roots are restated case by case
    covered = {name.split("_case")[0].removesuffix("_nosqrt") for name in given}
    assert out["coq"]["status"] == "proved" and covered == {p.lemma.name for p in res.proofs}


# ============================================================================== attacks refused correctly

def test_genuine_theorems_hold_and_record_bounded_iterates(AB, DS):
    for t in (AB, DS):
        assert t.tele.holds and t.inst.holds and t.tele.rule == "scaled_telescoping"
        assert "bounded_iterates" in t.tele.assumptions and "bounded_iterates" in t.inst.assumptions
    assert _st(AB).holds                                   # the helper rebuilds the genuine call


def test_genuine_bound_holds_at_the_counterexample_point(AB):
    """Control for the attacks below: at the pseudo-Huber point the theorem's own bound is far above f(x_0)."""
    pt, f0 = _ph_point()
    assert float(AB.r.bound.xreplace(pt)) > 10 * f0


# --- scaled_telescoping: the previous step and W ---------------------------------------------------------------

LAM = sp.Integer(1000)


@pytest.fixture(scope="module")
def scaled_prev_memory(AB):
    """AdaGrad invariants plus two TRUE ones: P1 = 1000 gamma/sqrt(b2_prev) > 0 and W/1000 - 1/P1 >= 0 (= ROOT_GAP/(1000
    gamma)). P1 is 1000 times the previous step, so P1 at the updated state is NOT the step."""
    init, upd = _upd(ab.METHOD)
    P1, P2 = LAM * ab.PREV, ab.W / LAM - 1 / (LAM * ab.PREV)
    pctx, ctx = parameter_context(ada._PARAMS), ab._ctx()
    b1 = _proved(_lem("p1_base", P1.xreplace(init), pctx, strict=True), {"main": Certificate(slack=P1.xreplace(init))})
    b2 = _proved(_lem("p2_base", P2.xreplace(init), pctx), {"main": Certificate()})
    s1 = ada._by_cases(_lem("p1_step", P1.xreplace(upd), ctx, strict=True), lambda c_, m: Certificate(slack=c_.goal))
    s2 = ada._by_cases(_lem("p2_step", P2.xreplace(upd), ctx), lambda c_, m: ab._root_step(m, 1 / (LAM * gamma)))
    assert s1.kernel.proved and s2.kernel.proved
    mem = state_induction(ab.METHOD, ab.INVARIANTS + ((P1, True), (P2, False)), AB.bases + (b1, b2),
                          AB.steps + (s1.kernel, s2.kernel))
    assert mem.holds
    # 1/step - 1/P1 >= 0: the genuine monotonicity plus (1 - 1/1000) sqrt(b2_prev)/gamma >= 0
    mono = _lem("mono_p1", 1 / STEP - 1 / P1, ctx, definitions=((STEP, ab.METHOD.step),))
    certs = {lab: Certificate(terms=cert.terms + (Term((LAM - 1) * sp.sqrt(_b) / (LAM * gamma), ()),))
             for lab, cert in AB.P["adagrad_bi_step_nonincreasing"].certificates.items()}
    return mem, P1, _proved(mono, certs)


def test_prev_that_is_not_the_step_one_iteration_later_is_refused(AB, scaled_prev_memory):
    """With prev := 1000 x the previous step and W/1000 (both genuine invariants, and 1/step >= 1/prev proved), the
    conclusion would be min E X <= (Dmax2 W(K)/1000 + 2 gamma (sqrt(b0^2 + KG) - b0))/(2 (alpha - beta) K): at the
    pseudo-Huber point that is ~0.05 < f(x_0) ~0.0905. The rule refuses: prev at the updated state is not the step."""
    mem, P1, mono = scaled_prev_memory
    assert _st(AB, mem=mem).holds                                         # the extended memory itself is fine
    out = _st(AB, mem=mem, mono=mono, prev=P1, W=ab.W / LAM)
    assert not out.holds and "one iteration later" in out.reason
    pt, f0 = _ph_point()
    would_be = (Dmax2 * (ab.W / LAM).xreplace({k: K}) + AB.rem.data["bound"]) / (ab.A_CONST * K)
    assert float(would_be.xreplace(pt)) < f0


def test_W_that_is_not_an_invariant_is_refused(AB):
    """W = sqrt(b0^2 + kG) (the 1/gamma dropped): W - 1/g_{k-1} >= 0 is false for gamma < 1 and not an invariant of
    the memory. Accepted, the bound at the pseudo-Huber point would be ~0.05 < f(x_0)."""
    Wbad = sp.sqrt(b0**2 + k * G)
    out = _st(AB, W=Wbad)
    assert not out.holds and "invariants" in out.reason
    pt, f0 = _ph_point()
    would_be = (Dmax2 * Wbad.xreplace({k: K}) + AB.rem.data["bound"]) / (ab.A_CONST * K)
    assert float(would_be.xreplace(pt)) < f0
    # at k = 0 (gamma = 1/1000, b0 = 1/1000) the 'invariant' is b0 - b0/gamma < 0
    assert float((Wbad - 1 / ab.PREV).xreplace({k: 0, _b: b0**2}).xreplace(pt)) < 0


@pytest.mark.parametrize("which,bad", [("a", ab.A_CONST * sp.sqrt(_b) / b0),     # reads the state
                                       ("b", ab.B_CONST + g2 + STEP),             # reads the oracle and the step
                                       ("b", ab.B_CONST * Dmax2 + K),             # Dmax2 and K
                                       ("W", ab.W + D0 * sigma_int)])             # D0 and sigma_int
def test_random_a_b_W_are_refused(AB, which, bad):
    out = _st(AB, **{which: bad})
    assert not out.holds and "deterministic" in out.reason


def test_step_lemmas_must_be_strict_and_for_the_methods_step(AB):
    """A non-strict 'step >= 0', and a positivity or scaled one-step lemma for another step (gamma/b0), are refused."""
    P = AB.P["adagrad_bi_step_positive"]
    nonstrict = _proved(replace(P.lemma, strict=False), {lab: Certificate(terms=(Term(ONE, (cert.slack,)),))
                                                       for lab, cert in P.certificates.items()})
    assert "is not step > 0" in _st(AB, pos=nonstrict).reason
    other = (STEP, gamma / b0)
    pos2 = _proved(replace(P.lemma, definitions=(other,)), {"step: main": Certificate(slack=gamma / b0)})
    assert not _st(AB, pos=pos2).holds
    one = AB.P["adagrad_bi_one_step"]
    one2 = replace(one.lemma, definitions=(other,))
    r2 = check(one2, {c_.label: Certificate(terms=(Term(sp.Integer(2), (dict(one.lemma.hypotheses)["alpha_beta"],)),))
                      for c_ in split_cases(one2.goal, one2.definitions)})
    assert r2.proved and not _st(AB, one=r2).holds


def test_decsps_step_that_may_be_zero_cannot_be_certified_positive(DS):
    """DecSPS's step is 0 at f = f_star with g2 > 0 (the Polyak branch) unless smoothness excludes it. Without the
    smoothness hypothesis the step_pos certificates fail, and a non-strict 'step >= 0' (true there) is refused by
    scaled_telescoping: dividing the one-step inequality by a step that may be 0 is never allowed."""
    val = ds.METHOD.step.xreplace({f: 1, f_star: 1, g2: 1, c_prev: 1, gamma_prev: 1, c: 1, k: 0})
    assert val == 0
    P = DS.P["decsps_step_positive"]
    no_smooth = replace(P.lemma, hypotheses=tuple(h for h in P.lemma.hypotheses if h[0] != "smooth"))
    assert not check(no_smooth, P.certificates).proved
    ge = replace(no_smooth, strict=False)
    # every case's step is a product of signed atoms: c_prev gamma_prev/c_k, or (f - f_star)/(g2 c_k) with g2 != 0
    kr = _proved(ge, {case.label: Certificate(terms=(Term(ONE, (case.goal,)),))
                      for case in split_cases(ge.goal, ge.definitions)})
    out = scaled_telescoping(DS.P["decsps_one_step"].kernel, kr, DS.P["decsps_step_nonincreasing"].kernel,
                             DS.P["decsps_a_positive"].kernel, DS.mem, ds.METHOD, ds.A_CONST, ds.B_CONST, gamma_prev,
                             ds.W)
    assert not out.holds and "is not step > 0" in out.reason


def test_remainders_must_be_about_this_method_and_hold(AB, DS):
    # the AdaGrad remainder with the DecSPS premises
    out = scaled_telescoping(DS.P["decsps_one_step"].kernel, DS.P["decsps_step_positive"].kernel,
                             DS.P["decsps_step_nonincreasing"].kernel, DS.P["decsps_a_positive"].kernel, DS.mem,
                             ds.METHOD, ds.A_CONST, ds.B_CONST, gamma_prev, ds.W, AB.rem)
    assert not out.holds
    # a potential_sum that does not hold (w halved) is not a remainder
    T, V = sp.sqrt(_b), sp.sqrt(b0**2 + k * G)
    bad = potential_sum(AB.pot, AB.wl, AB.mem, ab.METHOD, T, V, ab.R_K, gamma)
    assert not bad.holds and not _st(AB, rem=bad).holds
    # a scaled conclusion is not a remainder
    assert not _st(AB, rem=AB.tele).holds
    # the DecSPS memory with the AdaGrad premises
    assert not _st(AB, mem=DS.mem).holds


def test_one_step_assuming_a_non_fact_is_refused(AB):
    """The scaled one-step lemma assuming g2 <= c2_prev (not a per-iterate fact: false when the gradient grows)."""
    one = AB.P["adagrad_bi_one_step"]
    lem = replace(one.lemma, hypotheses=one.lemma.hypotheses + (("no_growth", _c2 - g2),))
    assert not _st(AB, one=_proved(lem, one.certificates)).holds


# --- potential_sum ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("T,V,w,why", [
    (sp.sqrt(_b) + g2, sp.sqrt(b0**2 + k * G), 2 * gamma, "read"),            # T reads the oracle
    (sp.sqrt(_b) + STEP, sp.sqrt(b0**2 + k * G), 2 * gamma, "read"),  # T reads the step
    (sp.sqrt(_b), sp.sqrt(b0**2 + k * G) + _c2, 2 * gamma, "read"),          # V reads the state
    (sp.sqrt(_b), sp.sqrt(b0**2 + k * G), 2 * gamma * (k + 1), "read"),        # w depends on k
    (sp.sqrt(_b), sp.sqrt(b0**2 + k * G) + Dmax2, 2 * gamma, "read"),         # V reads Dmax2
    (-sp.sqrt(_b), -sp.sqrt(b0**2 + k * G), 2 * gamma, "invariant"),           # T - V >= 0 instead of V - T
])
def test_potential_sum_refuses_what_it_may_not_read(AB, T, V, w, why):
    out = potential_sum(AB.pot, AB.wl, AB.mem, ab.METHOD, T, V, ab.R_K, w)
    assert not out.holds and (why in out.reason or "is not w" in out.reason)


def test_potential_sum_refuses_another_methods_memory_and_step(AB, DS):
    T, V = sp.sqrt(_b), sp.sqrt(b0**2 + k * G)
    assert potential_sum(AB.pot, AB.wl, AB.mem, ab.METHOD, T, V, ab.R_K, 2 * gamma).holds
    assert not potential_sum(AB.pot, AB.wl, DS.mem, ab.METHOD, T, V, ab.R_K, 2 * gamma).holds
    assert not potential_sum(AB.pot, AB.wl, AB.mem, ds.METHOD, T, V, ab.R_K, 2 * gamma).holds
    # the remainder lemma with step := gamma/b0 (an upper bound of the step, not the step)
    lem = replace(AB.pot.lemma, definitions=((STEP, gamma / b0),))
    kr = check(lem, {c_.label: Certificate() for c_ in split_cases(lem.goal, lem.definitions)})
    assert not (kr.proved and potential_sum(kr, AB.wl, AB.mem, ab.METHOD, T, V, ab.R_K, 2 * gamma).holds)


# --- instantiate_sums on a scaled premise ----------------------------------------------------------------------

def _rate_like(claimed, numerator, extra_pos=(), extra_nonneg=(Dmax2, sigma_int, D0)):
    ctx = parameter_context(ada._PARAMS)
    ctx.positive.append(K)
    lem = Lemma("attack_rate", claimed - (numerator + sigma_int * ab.B_CONST * K) / (ab.A_CONST * K),
                tuple(ctx.hypotheses), (), tuple(ctx.positive) + tuple(extra_pos), tuple(ctx.nonnegative) +
                tuple(extra_nonneg))
    return lem


def test_instantiate_refuses_D0_in_place_of_Dmax2_W(AB):
    """min E X <= (D0 sqrt(b0^2+KG)/gamma + 2 gamma sqrt(b0^2+KG))/(2(alpha-beta)K) + ...: a final lemma written for
    the numerator D0 W(K) (D0 <= Dmax2: a stronger claim) is kernel-proved but is not 'claimed - rate'."""
    claimed = ab.RATE.xreplace({Dmax2: D0})
    num = D0 * ab.W.xreplace({k: K}) + 2 * gamma * (sp.sqrt(b0**2 + K * G) - sp.sqrt(b0**2))
    lem = _rate_like(claimed, num)
    cert = {"main": Certificate(terms=(Term(gamma / ((alpha - beta) * K), (sp.sqrt(b0**2),)),))}
    kr = _proved(lem, cert)
    out = instantiate_sums(AB.tele, (), kr, claimed, const=(ab.A_CONST, ab.B_CONST))
    assert not out.holds and "claimed - rate" in out.reason


def test_instantiate_allows_Dmax2_nonneg_only(AB):
    """Dmax2 > 0 is not established (x_k in S for all k gives Dmax2 = 0); Dmax2 >= 0 without bounded iterates is not
    either (the SGD-decreasing theorem's final lemma with Dmax2 >= 0 added)."""
    P = AB.P["adagrad_bi_rate"]
    strict = replace(P.lemma, positive=P.lemma.positive + (Dmax2,),
                     nonnegative=tuple(e for e in P.lemma.nonnegative if e != Dmax2))
    out = instantiate_sums(AB.tele, (), _proved(strict, P.certificates), ab.RATE, const=(ab.A_CONST, ab.B_CONST))
    assert not out.holds and "not established" in out.reason
    assert instantiate_sums(AB.tele, (), P.kernel, ab.RATE, const=(ab.A_CONST, ab.B_CONST)).holds
    from proofs import schedules as sch
    r = sch.prove_sgd_decreasing()
    fin = {p.lemma.name: p for p in r.proofs}["sgd_decreasing_rate"]
    lem = replace(fin.lemma, nonnegative=fin.lemma.nonnegative + (Dmax2,))
    tele, parts = r.rules[2], ((sch.S_K, r.rules[0], (alpha - beta) * sch.gamma0, 2 * beta * sch.gamma0),
                               (sch.H_K, r.rules[1], sp.Integer(0), 2 * L * sch.gamma0**2))
    assert instantiate_sums(tele, parts, fin.kernel, sch.RATE).holds
    out = instantiate_sums(tele, parts, _proved(lem, fin.certificates), sch.RATE)
    assert not out.holds and "bounded_iterates" not in tele.assumptions


# --- the kernel's Abs sign rule -------------------------------------------------------------------------------

def _abs_attacks():
    """(name, lemma, certificates, counterexample point): each lemma is FALSE at its point."""
    out = [
        ("x >= 0 from |x| >= 0", Lemma("a1", x), {"main": Certificate(terms=(Term(ONE, (sp.Abs(x),)),))}, {x: -1}),
        ("x >= 0 from sqrt|x|^2", Lemma("a2", x), {"main": Certificate(squares=(Square(ONE, sp.sqrt(sp.Abs(x))),))},
         {x: -1}),
        ("|x| - x - 1 >= 0", Lemma("a3", sp.Abs(x) - x - 1), {"main": Certificate(terms=(Term(ONE, (sp.Abs(x),)),))},
         {x: 1}),
        ("x/|x| > 0 (denominator |x|)", Lemma("a4", x / sp.Abs(x), strict=True),
         {"main": Certificate(slack=x / sp.Abs(x))}, {x: -1}),
        ("x/|x| >= 0 via the factor 1/|x|", Lemma("a4b", x / sp.Abs(x)),
         {"main": Certificate(terms=(Term(1 / sp.Abs(x), (sp.Abs(x),)),))}, {x: -1}),
        ("|x| - 2x >= 0 via a fact |x| - x >= 0", Lemma("a5", sp.Abs(x) - 2 * x),
         {"main": Certificate(terms=(Term(ONE, (sp.Abs(x) - x,)),),
                              facts=(Fact(sp.Abs(x) - x, Certificate(terms=(Term(ONE, (sp.Abs(x),)),))),))}, {x: 1}),
        ("xy - |xy| >= 0", Lemma("a6", x * y - sp.Abs(x * y)), {"main": Certificate()}, {x: 1, y: -1}),
        ("|x| > 0 for x >= 0", Lemma("a7", sp.Abs(x), nonnegative=(x,), strict=True),
         {"main": Certificate(slack=sp.Abs(x))}, {x: 0}),
        ("|x| - 1 >= 0 with |x| as a fact", Lemma("a8", sp.Abs(x) - 1),
         {"main": Certificate(facts=(Fact(sp.Abs(x), Certificate(terms=(Term(ONE, (sp.Abs(x),)),)), ONE),))}, {x: 0}),
        ("sqrt(|x| - 1) >= 0 (a sqrt of an unsigned base)", Lemma("a9", sp.sqrt(sp.Abs(x) - 1)),
         {"main": Certificate(terms=(Term(ONE, (sp.sqrt(sp.Abs(x) - 1),)),))}, None),
    ]
    g = sp.Max(x, y) - sp.Abs(sp.Max(x, y))
    out.append(("max(x,y) - |max(x,y)| >= 0", Lemma("a10", g),
                {c_.label: Certificate(terms=(Term(ONE, (c_.goal,)),)) for c_ in split_cases(g)}, {x: -1, y: -2}))
    pw = sp.Abs(sp.Piecewise((x, x >= 1), (-x, True))) - 2
    out.append(("|piecewise| - 2 >= 0", Lemma("a11", pw),
                {c_.label: Certificate(terms=(Term(ONE, (sp.Abs(c_.goal + 2),)),)) for c_ in split_cases(pw)}, {x: 1}))
    return out


@pytest.mark.parametrize("name,lem,certs,point", _abs_attacks(), ids=[a[0] for a in _abs_attacks()])
def test_kernel_abs_attacks_are_refused(name, lem, certs, point):
    if point is not None:
        v = complex(sp.N(lem.goal.xreplace(point)))
        assert v.imag == 0 and (v.real < 0 or (lem.strict and v.real <= 0))
    else:                                   # undefined as a real at x = 0: sqrt(-1)
        assert sp.sqrt(sp.Abs(x) - 1).xreplace({x: 0}).is_real is False
    assert not check(lem, certs).proved


def test_kernel_abs_sign_accepts_only_true_facts():
    """Controls: |x| >= 0, |x| > 0 for x > 0, |x|^2 = x^2, 1/|x| for x > 0, sqrt|x| >= 0: all true and accepted."""
    assert check(Lemma("c1", sp.Abs(x)), {"main": Certificate(terms=(Term(ONE, (sp.Abs(x),)),))}).proved
    assert check(Lemma("c2", 1 / sp.Abs(x), positive=(x,), strict=True),
                 {"main": Certificate(slack=1 / sp.Abs(x))}).proved
    assert check(Lemma("c3", sp.Abs(x)**2 - x**2), {"main": Certificate()}).proved
    assert check(Lemma("c4", sp.sqrt(sp.Abs(x))),
                 {"main": Certificate(terms=(Term(ONE, (sp.sqrt(sp.Abs(x)),)),))}).proved


def test_kernel_abs_with_assumption_symbols_without_definitions_is_refused():
    """Without a definition SymPy evaluates Abs(n) = -n when the lemma is built, so the kernel sees what is stated:
    -n >= 0 (false at n = 1 for a real n) is not certified from |n| >= 0."""
    assert not check(Lemma("n1", -NEG), {"main": Certificate(terms=(Term(ONE, (sp.Abs(NEG),)),))}).proved


# --- desqrt's Abs translation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name,lem,certs,point", [a for a in _abs_attacks() if a[3] is not None],
                         ids=[a[0] for a in _abs_attacks() if a[3] is not None])
def test_desqrt_abs_restatements_of_false_lemmas_are_not_proved(name, lem, certs, point):
    """|a| becomes r >= 0 with r^2 = a^2, which every real a meets (r = |a|): the restatement says the same thing, so
    neither the kernel re-check nor z3 proves any of the false lemmas above."""
    kr, z = _restated(lem, certs)
    assert not kr.proved and z.status != "proved"


def test_desqrt_abs_is_faithful_on_the_true_rate_lemma(AB):
    """The adagrad_bounded rate lemma (sqrt(b0^2) = Abs(b0) in it): restated without Abs, kernel-proved, z3 proves
    it."""
    from proofs.z3_backend import z3_prove
    P = AB.P["adagrad_bi_rate"]
    l2, c2 = desqrt(P.lemma, P.certificates)
    assert not any(isinstance(n, sp.Abs) for n in sp.preorder_traversal(l2.goal))
    assert check(l2, c2).proved and z3_prove(l2, 10000).status == "proved"
    # the restatement minus twice its slack gamma |b0|/((alpha - beta) K) (r standing for |b0|) is false: not proved
    r = next(e.free_symbols.pop() for _, e in l2.equalities if e.free_symbols - {b0} and
             sp.expand(e - list(e.free_symbols - {b0})[0]**2) == -b0**2)
    bad = replace(l2, goal=l2.goal - 2 * gamma * r / ((alpha - beta) * K))
    assert z3_prove(bad, 10000).status == "refuted"
