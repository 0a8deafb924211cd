"""Red-team tests for the NEW parts of the trusted rules (proofs/rules.py): ``state_induction``, ``log_potential``,
the ``memory=``/``remainder=`` extension of ``weighted_telescoping``, the ``const=``/``log_symbol=`` extension of
``instantiate_sums``, ``_premise(invariants=...)`` and ``_same``.

Every premise below is a lemma the kernel really accepts (``proofs.kernel.check``); no KernelResult or Conclusion
is built by hand. Each attack states a FALSE conclusion, shown false by a concrete counterexample computed in the
test (a trajectory of the method, run by the same recursion as theory/methods.py).

- Holes found by this review (a rule returned holds=True for a false conclusion, or crashed), all closed now: `step`
  read as a parameter, log_potential dropping its memory's conditions and assumptions, look-alike methods, and
  malformed premises raising. Each test asserts what the fixed rule does, next to the counterexample.
- Attacks the rules refuse correctly: plain tests.
"""
from __future__ import annotations

import math
from dataclasses import replace

import pytest
import sympy as sp
from conftest import kernel_proved, lemma_in

from proofs import adagrad as ada
from proofs.certificate import Certificate, Lemma, Square, Term
from proofs.context import parameter_context
from proofs.kernel import check, sign, split_cases
from proofs.rules import _same, instantiate_sums, log_potential, state_induction, weighted_telescoping
from theory.methods import DEC_SPS, StateVar, b0, b2_prev, c2_prev, c_prev, gamma_prev
from theory.symbols import D0, G, K, L, alpha, beta, c, d2, g2, gamma, gamma_b, k, sigma_int, step as STEP

ONE = sp.Integer(1)
_b, _c2 = b2_prev, c2_prev


# ------------------------------------------------------------------------------------------------- helpers

_lem, _proved = lemma_in, kernel_proved   # shared helpers (tests/conftest.py)


def _boundary_certs(lem: Lemma) -> dict:
    """Per case of the Max splits: 0, or a signed multiple of a case condition (the boundary cases c2_prev = g2)."""
    pos, nonneg = set(lem.positive), set(lem.nonnegative)
    certs = {}
    for case in split_cases(lem.goal, lem.definitions):
        if sp.cancel(sp.together(case.goal)) == 0:
            certs[case.label] = Certificate()
            continue
        for cond in case.conditions:
            lam = sp.factor(sp.cancel(sp.together(case.goal / cond.expr)))
            if sign(lam, pos, nonneg):
                certs[case.label] = Certificate(terms=(Term(lam, (cond.expr,)),))
                break
    return certs


def adagrad_run(g2s, gamma_v, b0_v):
    """AdaGrad-norm-max state recursion (theory/methods.py) on given squared gradient norms g2_0, g2_1, ...:
    entry k = the state before step k (c2_prev, b2_prev), the step gamma_k and the next b2."""
    c2, b2, out = 0.0, b0_v**2, []
    for j, g in enumerate(g2s):
        M = max(c2, g)
        out.append({"k": j, "c2": c2, "b2": b2, "step": gamma_v / math.sqrt(b2 + M), "b2_next": b2 + M})
        c2, b2 = M, b2 + M
    out.append({"k": len(g2s), "c2": c2, "b2": b2})
    return out


def decsps_run(x0, c_v, gb_v, iters):
    """DecSPS (theory/methods.py) on f(x) = x^2/2 (n = 1, f_i^* = 0): states (gamma_prev, c_prev) before each step."""
    x, gp, cp, out = x0, gb_v, c_v, []
    for j in range(iters):
        fv, g2v, ck = x * x / 2, x * x, c_v * math.sqrt(j + 1)
        out.append({"k": j, "gamma_prev": gp, "c_prev": cp})
        st = (cp * gp / ck) if g2v == 0 else min(fv / g2v, cp * gp) / ck
        x, gp, cp = x - st * x, st, ck
    out.append({"k": iters, "gamma_prev": gp, "c_prev": cp})
    return out


@pytest.fixture(scope="module")
def A():
    """The AdaGrad-norm-max theorem's lemmas (kernel results) and rule conclusions, built once."""
    r = ada.prove_adagrad_norm_max()
    assert r.proved
    P = {p.lemma.name: p for p in r.proofs}
    bases = tuple(P[f"adagrad_invariant_{j}_base"].kernel for j in range(5))
    steps = tuple(P[f"adagrad_invariant_{j}_step"].kernel for j in range(5))
    mem, rem, tele, total, inst = r.rules
    return {"r": r, "P": P, "bases": bases, "steps": steps, "mem": mem, "rem": rem, "tele": tele,
            "total": total, "inst": inst, "pctx": parameter_context(ada._PARAMS)}


def _tele_args(A):
    P = A["P"]
    return (P["adagrad_one_step_deterministic"].kernel, P["adagrad_A_lower"].kernel, P["adagrad_a_positive"].kernel,
            ada.METHOD.step, ada.a_k, ada.B_k, ada.a_k)


def _log_args(A):
    P = A["P"]
    return (P["adagrad_remainder_log_potential"].kernel, P["adagrad_log_weight_nonneg"].kernel,
            P["adagrad_log_argument"].kernel)


def _upd(method):
    return method.at_start(), method.after_step()


# ================================================================================ HOLES (found by the review, closed)

# --- hole 1: the symbol `step` counts as a parameter (it is missing from rules._NOT_PARAM) -----------------------

P_STEP = k * (STEP**2 * _b - gamma**2)     # "k (b2_prev step^2 - gamma^2) >= 0": true for the PREVIOUS step only


@pytest.fixture(scope="module")
def step_memory(A):
    """state_induction accepts P_STEP as a sixth AdaGrad invariant: base 0 (k = 0), step lemma with the method's step
    substituted: (k+1)(b_k^2 gamma_k^2 - gamma^2) = 0 (a multiple of a case condition on the boundary cases)."""
    init, upd = _upd(ada.METHOD)
    base = _proved(_lem("step_inv_base", P_STEP.xreplace(init), A["pctx"]), {"main": Certificate()})
    lem = _lem("step_inv_step", P_STEP.xreplace(upd), ada._state_ctx(), definitions=((STEP, ada.METHOD.step),))
    stp = _proved(lem, _boundary_certs(lem))
    return state_induction(ada.METHOD, ada.INVARIANTS + ((P_STEP, False),), A["bases"] + (base,), A["steps"] + (stp,))


def _counterexample_step_invariant():
    """gamma = b0 = G = 1, ||grad||^2 = 1 at every step: at k = 1, b2_prev = 2 and gamma_1 = 1/sqrt(3), so
    P_STEP = 1 * (2/3 - 1) < 0 with step := the step of iteration 1 (and with step := 0 it is -1 < 0: false read
    either way). It holds only with step := gamma_0 = 1/sqrt(2), the step of the previous iteration."""
    run = adagrad_run([1.0, 1.0, 1.0], 1.0, 1.0)
    s1 = run[1]
    p_now = s1["k"] * (s1["b2"] * s1["step"]**2 - 1.0)
    p_prev = s1["k"] * (s1["b2"] * run[0]["step"]**2 - 1.0)
    assert p_now == pytest.approx(-1 / 3) and p_now < 0 and abs(p_prev) < 1e-12
    return run


def test_invariant_mentioning_the_step_symbol_is_refused(step_memory):
    _counterexample_step_invariant()
    assert not step_memory.holds      # currently holds: "k (b2_prev step^2 - gamma^2) >= 0 at every k", false at k = 1


def test_log_potential_with_a_step_invariant_is_refused(A, step_memory):
    run = _counterexample_step_invariant()
    mem = step_memory
    R = -P_STEP                                     # R_k = k (gamma^2 - b_{k-1}^2 gamma_k^2) >= 0 on every trajectory
    res = _proved(_lem("bogus_remainder", -R, ada._state_ctx(), hyps=(("inv_step", P_STEP),)),
                  {"main": Certificate(terms=(Term(ONE, (P_STEP,)),))})        # w = 0: 0 - R = P_STEP >= 0
    w0 = _proved(_lem("w_zero", sp.Integer(0), A["pctx"]), {"main": Certificate()})
    out = log_potential(res, w0, _log_args(A)[2], mem, ada.METHOD, _b, b0**2 + k * G, R, sp.Integer(0))
    # the conclusion: sum_{k<K} R_k <= 0 * ln(...) = 0. At K = 2: R_0 + R_1 = 0 + 1/3 > 0.
    total = sum(e["k"] * (1.0 - e["b2"] * e["step"]**2) for e in run[:2])
    assert total == pytest.approx(1 / 3) and total > 0
    assert not out.holds


def test_condition_on_the_step_symbol_is_not_a_parameter_condition():
    """DecSPS (its state update gamma_prev := step uses the step symbol): 'gamma_prev - gamma_b >= 0 at every k' with
    the step lemma 'step - gamma_b >= 0 assuming step - gamma_b >= 0' (no definitions). The rule records
    step - gamma_b >= 0 as a parameter condition; taking it as one (step = gamma_b = 1, c = 1), the conclusion fails
    on f(x) = x^2/2, x0 = 1: gamma_0 = min(1/2, 1)/1 = 1/2, so gamma_prev = 1/2 < gamma_b at k = 1."""
    run = decsps_run(1.0, 1.0, 1.0, 2)
    assert run[1]["gamma_prev"] == pytest.approx(0.5) and run[1]["gamma_prev"] - 1.0 < 0
    pctx = parameter_context((c, gamma_b))
    P = gamma_prev - gamma_b
    init, upd = _upd(DEC_SPS)
    base = _proved(_lem("dec_base", P.xreplace(init), pctx), {"main": Certificate()})
    h = STEP - gamma_b
    stp = _proved(_lem("dec_step", P.xreplace(upd), pctx, hyps=(("h", h),)),
                  {"main": Certificate(terms=(Term(ONE, (h,)),))})
    out = state_induction(DEC_SPS, ((P, False),), (base,), (stp,))
    assert not out.holds or not any(e.has(STEP) for e, _ in out.conditions)


# --- hole 2: log_potential does not carry its memory's conditions and assumptions ------------------------------

def _memory_with_extra(A, extra_inv, extra_base_hyps):
    """AdaGrad invariants plus extra_inv (a parameter-only invariant whose base lemma assumes extra_base_hyps)."""
    pctx = A["pctx"]
    base = _proved(_lem("extra_base", extra_inv, pctx, hyps=extra_base_hyps),
                   {"main": Certificate(terms=(Term(ONE, (extra_inv,)),))})
    ctx = ada._state_ctx()
    stp = _proved(_lem("extra_step", extra_inv, ctx, hyps=(("extra_inv", extra_inv),)),
                  {"main": Certificate(terms=(Term(ONE, (extra_inv,)),))})
    return state_induction(ada.METHOD, ada.INVARIANTS + ((extra_inv, False),), A["bases"] + (base,),
                           A["steps"] + (stp,))


def test_log_potential_keeps_the_conditions_of_its_memory(A):
    """Invariant 1 - G >= 0 (base assumes the parameter condition 1 - G >= 0; the state_induction conclusion records
    it). The remainder lemma assumes that invariant to bound R = R_ada + (G - 1) gamma^2. log_potential concludes
    sum_{k<K} R_k <= gamma^2 ln(1 + K G/b0^2) under conditions that do not include G <= 1. At G = 3, gamma = b0 = 1,
    zero gradients (a stationary start), K = 1: R_0 = 0 + 2 > ln 4."""
    mem = _memory_with_extra(A, 1 - G, (("G_le_1", 1 - G),))
    assert mem.holds and any(_same(e, 1 - G) for e, _ in mem.conditions)
    rem_l, wl, al = _log_args(A)
    R = ada.R_k + (G - 1) * gamma**2
    goal = rem_l.lemma.goal - (G - 1) * gamma**2             # old goal - extra = old goal + (1 - G) gamma^2
    lem = replace(rem_l.lemma, name="laundered_remainder", goal=goal,
                  hypotheses=rem_l.lemma.hypotheses + (("inv_extra", 1 - G),))
    certs = {lab: Certificate(terms=cert.terms + (Term(gamma**2, (1 - G,)),)) for lab, cert in
             A["P"]["adagrad_remainder_log_potential"].certificates.items()}
    res = _proved(lem, certs)
    out = log_potential(res, wl, al, mem, ada.METHOD, _b, b0**2 + k * G, R, gamma**2)
    run = adagrad_run([0.0], 1.0, 1.0)
    r0 = (1.0 - run[0]["b2"] * run[0]["step"]**2) + (3 - 1) * 1.0
    assert r0 > 1.0 * math.log(1 + 1 * 3 / 1.0)                        # false at G = 3 (K = 1)
    assert not out.holds or any(_same(e, 1 - G) for e, _ in out.conditions)


def test_log_potential_keeps_the_assumptions_of_its_memory(A):
    """The AdaGrad remainder lemma without the bounded_gradients declaration (its certificate never uses it) still
    proves; log_potential then concludes sum R_k <= gamma^2 ln(1 + KG/b0^2) with assumptions that omit
    bounded_gradients, though the invariant b2_prev <= b0^2 + kG it rests on needs it. Without it the conclusion is
    false: G = gamma = b0 = 1, ||grad||^2 = 100 at step 0: R_0 = 100/101 > ln 2."""
    rem_l, wl, al = _log_args(A)
    lem = replace(rem_l.lemma, name="remainder_no_bg",
                  hypotheses=tuple(h for h in rem_l.lemma.hypotheses if h[0] != "bounded_gradients"))
    res = _proved(lem, A["P"]["adagrad_remainder_log_potential"].certificates)
    out = log_potential(res, wl, al, A["mem"], ada.METHOD, _b, b0**2 + k * G, ada.R_k, gamma**2)
    assert "bounded_gradients" in A["mem"].assumptions
    run = adagrad_run([100.0], 1.0, 1.0)
    r0 = 1.0 - run[0]["b2"] * run[0]["step"]**2
    assert r0 == pytest.approx(100 / 101) and r0 > math.log(2)
    assert not out.holds or "bounded_gradients" in out.assumptions


# --- hole 3: the rules trust the caller's Method object (only its name is compared) --------------------------

def test_state_induction_refuses_a_counterfeit_method(A):
    fake = replace(ada.METHOD, state=(ada.METHOD.state[0], StateVar(_b, b0**2, _b)))
    P = b0**2 - _b
    init, upd = _upd(fake)
    base = _proved(_lem("fake_base", P.xreplace(init), A["pctx"]), {"main": Certificate()})
    stp = _proved(_lem("fake_step", P.xreplace(upd), A["pctx"], hyps=(("inv", P),)),
                  {"main": Certificate(terms=(Term(ONE, (P,)),))})
    out = state_induction(fake, ((P, False),), (base,), (stp,))
    run = adagrad_run([1.0], 1.0, 1.0)          # the real method: b2_prev = b0^2 + 1 at k = 1
    assert 1.0 - run[1]["b2"] < 0
    assert not out.holds or out.statement.split(":")[0] != "adagrad_norm_max"


def test_log_potential_refuses_a_counterfeit_method(A):
    fake = replace(ada.METHOD, state=(ada.METHOD.state[0], StateVar(_b, b0**2, _b + G)))
    R = gamma**2 * G / (_b + G)
    res = _proved(_lem("fake_rem", gamma**2 * (_b + G - _b) / (_b + G) - R, A["pctx"]), {"main": Certificate()})
    _, wl, al = _log_args(A)
    out = log_potential(res, wl, al, A["mem"], fake, _b, b0**2 + k * G, R, gamma**2)
    # real AdaGrad from a stationary point (all gradients 0): b2_prev = b0^2 forever, R_k = 1/2 (gamma = b0 = G = 1)
    run = adagrad_run([0.0] * 10, 1.0, 1.0)
    total = sum(1.0 / (e["b2"] + 1.0) for e in run[:10])
    assert total == pytest.approx(5.0) and total > math.log(1 + 10)
    assert not out.holds


# --- hole 4: exceptions escape from the rules (a rule must answer holds=False) -------------------------------

def _crash_cases():
    def wt_memory_wrong_kind(A):       # a telescoping_sum conclusion passed as memory: KeyError 'invariants'
        return weighted_telescoping(*_tele_args(A), memory=A["total"], remainder=A["rem"])

    def wt_remainder_wrong_kind(A):    # KeyError 'R'
        return weighted_telescoping(*_tele_args(A), memory=A["mem"], remainder=A["total"])

    def wt_python_int(A):              # B = 0 as a Python int: AttributeError
        a = _tele_args(A)
        return weighted_telescoping(*a[:5], 0, a[6])

    def lp_memory_wrong_kind(A):       # KeyError 'invariants'
        return log_potential(*_log_args(A), A["total"], ada.METHOD, _b, b0**2 + k * G, ada.R_k, gamma**2)

    def lp_u_not_state(A):             # u = gamma (not a state variable): AttributeError on sv.initial
        return log_potential(*_log_args(A), A["mem"], ada.METHOD, gamma, b0**2 + k * G, ada.R_k, gamma**2)

    def is_part_wrong_kind(A):         # a state_induction conclusion as a sum part: KeyError 'lower'
        cc = 2 * (alpha - beta) * gamma
        return instantiate_sums(A["tele"], ((ada.S_ADA, A["mem"], cc, -cc),), A["P"]["adagrad_rate"].kernel, ada.RATE,
                                const=(0, 2 * alpha * gamma / b0), log_symbol=ada.LOG_K)

    def si_invariant_undefined_at_start(A):   # 1/(b2_prev - b0^2) is zoo at the initial state: CoercionFailed in _same
        al = _log_args(A)[2]
        return state_induction(ada.METHOD, ((1 / (_b - b0**2), False),), (al,), (al,))

    return [wt_memory_wrong_kind, wt_remainder_wrong_kind, wt_python_int, lp_memory_wrong_kind, lp_u_not_state,
            is_part_wrong_kind, si_invariant_undefined_at_start]


@pytest.mark.parametrize("attack", [pytest.param(fn, id=fn.__name__) for fn in _crash_cases()])
def test_rules_never_crash(A, attack):
    out = attack(A)
    assert not out.holds


# ============================================================================== attacks the rules refuse correctly

def test_the_genuine_theorem_still_holds(A):
    assert all(c.holds for c in A["r"].rules)


def _mini_ctx():
    """Per-iterate facts (AdaGrad's assumptions), parameters, k >= 0, and the invariants c2_prev >= 0, b2_prev > 0."""
    from proofs.context import one_step_context
    ctx = one_step_context(ada.ADAGRAD_ASSUMPTIONS, ada._PARAMS + (_b,))
    ctx.nonnegative += [_c2, k]
    return ctx


@pytest.fixture(scope="module")
def mini(A):
    """A two-invariant AdaGrad induction (c2_prev >= 0, b2_prev > 0) to which one invariant is added per test."""
    P = A["P"]
    steps = tuple(_proved(replace(P[f"adagrad_invariant_{j}_step"].lemma, hypotheses=_mini_ctx().hypotheses),
                          P[f"adagrad_invariant_{j}_step"].certificates) for j in (0, 2))
    bases = (A["bases"][0], A["bases"][2])
    invs = (ada.INVARIANTS[0], ada.INVARIANTS[2])
    assert state_induction(ada.METHOD, invs, bases, steps).holds

    def induct(P_, base, stp, strict=False):
        return state_induction(ada.METHOD, invs + ((P_, strict),), bases + (base,), steps + (stp,))
    return induct


def _grow_certs(lem, mult, extra=()):
    """goal = mult (b2_prev + M) (+ extra hypotheses), per case of M = max(c2_prev, g2)."""
    return {case.label: Certificate(terms=tuple(Term(ONE, (h,)) for h in extra) + (
        Term(mult, (_b,)), Term(mult, (_c2 if case.label.startswith(f"Max={_c2}") else g2,))))
        for case in split_cases(lem.goal)}


def test_invariant_may_not_mention_K_D0_sigma_oracle_or_another_state(A, mini):
    """Even a trivially true invariant b2_prev * X^2 >= 0 is refused when X is K, D0, sigma_int, an oracle symbol or
    the state of another method; the same with X = gamma (a parameter) is accepted."""
    init, upd = _upd(ada.METHOD)
    for bad in (K, D0, sigma_int, g2, c_prev, gamma):
        P = _b * bad**2
        base = _proved(_lem("b", P.xreplace(init), A["pctx"]), {"main": Certificate(squares=(Square(b0**2, bad),))})
        lem = _lem("s", P.xreplace(upd), _mini_ctx())
        out = mini(P, base, _proved(lem, _grow_certs(lem, bad**2)))
        assert out.holds if bad == gamma else "may use only" in out.reason


def test_base_lemma_at_a_wrong_initial_state_is_refused(A, mini):
    """'b2_prev - 2 b0^2 >= 0' is false at k = 0 (b2_prev = b0^2); a base lemma at b2_prev = 2 b0^2 (0 >= 0) and a
    sound step lemma do not make it an invariant."""
    P = _b - 2 * b0**2
    base = _proved(_lem("wrong_init", P.xreplace({_b: 2 * b0**2}), A["pctx"]), {"main": Certificate()})
    lem = _lem("s", P.xreplace(_upd(ada.METHOD)[1]), _mini_ctx(), hyps=(("inv", P),))
    certs = {case.label: Certificate(terms=(Term(ONE, (P,)), Term(ONE, (_c2 if case.label.startswith(
        f"Max={_c2}") else g2,)))) for case in split_cases(lem.goal)}
    stp = _proved(lem, certs)
    assert 1.0 - 2.0 < 0                       # b0 = 1: P = -1 at k = 0
    assert "initial state" in mini(P, base, stp).reason


def test_step_lemma_with_another_step_definition_is_refused():
    """DecSPS, 'gamma_prev - gamma_b >= 0' (false: gamma_prev = 1/2 < 1 = gamma_b at k = 1 on x^2/2, x0 = 1) with
    the step lemma proved for step := gamma_b instead of the method's step."""
    assert decsps_run(1.0, 1.0, 1.0, 2)[1]["gamma_prev"] < 1.0
    pctx = parameter_context((c, gamma_b))
    P = gamma_prev - gamma_b
    init, upd = _upd(DEC_SPS)
    base = _proved(_lem("b", P.xreplace(init), pctx), {"main": Certificate()})
    stp = _proved(_lem("s", P.xreplace(upd), pctx, definitions=((STEP, gamma_b),)), {"step: main": Certificate()})
    assert not state_induction(DEC_SPS, ((P, False),), (base,), (stp,)).holds


def _b2_lower_pieces(A):
    """The invariant b2_prev - b0^2 >= 0: its base lemma and its step lemma with certificates (per branch of the max)."""
    P = _b - b0**2
    base = _proved(_lem("b", P.xreplace(_upd(ada.METHOD)[0]), A["pctx"]), {"main": Certificate()})
    lem = _lem("s", P.xreplace(_upd(ada.METHOD)[1]), _mini_ctx(), hyps=(("inv", P),))
    certs = {case.label: Certificate(terms=(Term(ONE, (P,)), Term(ONE, (_c2 if case.label.startswith(
        f"Max={_c2}") else g2,)))) for case in split_cases(lem.goal)}
    return P, base, lem, certs


def test_strict_invariant_proved_non_strictly_is_refused(A, mini):
    """'b2_prev - b0^2 > 0' is false at k = 0; its base lemma proves only 0 >= 0."""
    P, base, lem, certs = _b2_lower_pieces(A)
    stp = _proved(lem, certs)
    assert "initial state" in mini(P, base, stp, strict=True).reason
    assert mini(P, base, stp).holds      # control: the non-strict invariant is fine


def test_step_lemma_assuming_the_invariant_after_the_step_is_refused(A, mini):
    """'b0^2 - b2_prev >= 0' (false: b2_prev = 2 at k = 1 with b0 = 1 and one unit gradient) with a step lemma that
    assumes the invariant at the updated state (b0^2 - b2_prev - c2_prev >= 0 and b0^2 - b2_prev - g2 >= 0)."""
    assert 1.0 - adagrad_run([1.0], 1.0, 1.0)[1]["b2"] < 0
    P = b0**2 - _b
    base = _proved(_lem("b", P.xreplace(_upd(ada.METHOD)[0]), A["pctx"]), {"main": Certificate()})
    h1, h2 = b0**2 - _b - _c2, b0**2 - _b - g2
    lem = _lem("s", P.xreplace(_upd(ada.METHOD)[1]), _mini_ctx(), hyps=(("next1", h1), ("next2", h2)))
    certs = {case.label: Certificate(terms=(Term(ONE, (h1 if case.label.startswith(f"Max={_c2}") else h2,)),))
             for case in split_cases(lem.goal)}
    stp = _proved(lem, certs)
    assert "not k >= 0" in mini(P, base, stp).reason


def test_step_lemma_assuming_k_positive_or_a_strict_oracle_fact_is_refused(A, mini):
    """'b2_prev - b0^2 >= 0' (true), its step lemma additionally assuming k > 0, g2 > 0 or d2 > 0 (each would leave
    out a real case: k = 0, a zero gradient, x_k in S): refused; the plain one is accepted."""
    P, base, lem, certs = _b2_lower_pieces(A)
    assert mini(P, base, _proved(lem, certs)).holds
    for extra in (k, g2, d2):
        kr = _proved(replace(lem, positive=lem.positive + (extra,)), certs)
        assert "not k >= 0" in mini(P, base, kr).reason


def test_base_lemma_may_not_use_per_iterate_facts_and_step_lemma_no_equalities(A, mini):
    P, base, lem, certs = _b2_lower_pieces(A)
    stp = _proved(lem, certs)
    kb = _proved(replace(base.lemma, hypotheses=(("g2_nonneg", g2),)), {"main": Certificate()})
    assert "not k >= 0" in mini(P, kb, stp).reason
    ks = _proved(replace(lem, equalities=(("interpolation", ada.fp_ - ada.fs_),)), certs)
    assert "equalities" in mini(P, base, ks).reason


def test_per_iterate_assumptions_used_by_invariants_reach_the_theorem(A):
    """The invariants' step lemmas declare bounded_gradients: it is in the conclusions of state_induction,
    weighted_telescoping and instantiate_sums (so the theorem states it)."""
    for concl in (A["mem"], A["tele"], A["inst"]):
        assert "bounded_gradients" in concl.assumptions and "alpha_beta" in concl.assumptions


def test_empty_induction_is_vacuous_and_gives_the_one_step_lemma_nothing(A):
    empty = state_induction(ada.METHOD, (), (), ())
    assert empty.holds and empty.data["invariants"] == ()      # says nothing, harmless
    rem = log_potential(*_log_args(A), empty, ada.METHOD, _b, b0**2 + k * G, ada.R_k, gamma**2)
    assert not rem.holds                                         # u > 0, U - u >= 0 not established
    assert not weighted_telescoping(*_tele_args(A), memory=empty, remainder=A["rem"]).holds   # invariants assumed
    sgd_like = state_induction(replace(ada.METHOD, state=()), (), (), ())
    assert not sgd_like.holds                                    # a method without state


def test_log_potential_refuses_k_dependent_w_state_dependent_U_and_another_step(A):
    res, wl, al = _log_args(A)
    m = A["mem"]
    assert not log_potential(res, wl, al, m, ada.METHOD, _b, b0**2 + k * G + _c2,
                             ada.R_k, gamma**2).holds                                  # U reads the state
    assert not log_potential(res, wl, al, m, ada.METHOD, _b, b0**2 + k * G, ada.R_k, gamma**2 * (k + 1)).holds
    # the remainder lemma with the step defined as gamma/b0 (not the method's step) is refused
    lem = _lem("rem_other_step", gamma**2 * ada.METHOD.state[1].update - gamma**2 * ada.METHOD.state[1].update,
               ada._state_ctx(), definitions=((STEP, gamma / b0),))
    kr = check(lem, {c_.label: Certificate() for c_ in split_cases(lem.goal, lem.definitions)})
    assert kr.proved
    assert not log_potential(kr, wl, al, m, ada.METHOD, _b, b0**2 + k * G, sp.Integer(0), sp.Integer(0)).holds


def test_log_potential_records_the_conditions_of_its_own_premises(A):
    """An argument lemma U - u_init >= 0 proved only under a parameter condition: the condition is recorded."""
    res, wl, _ = _log_args(A)
    h = G - 1
    al = _proved(_lem("arg_cond", k * G, A["pctx"], hyps=(("G_ge_1", h),), extra_nonneg=(k,)),
                 {"main": Certificate(terms=(Term(G, (k,)),))})
    out = log_potential(res, wl, al, A["mem"], ada.METHOD, _b, b0**2 + k * G, ada.R_k, gamma**2)
    assert out.holds and (h, False) in out.conditions


def test_weighted_telescoping_refuses_state_dependent_A_B_and_foreign_memory(A):
    one, alow, apos, step, a, B, a2 = _tele_args(A)
    m, rem = A["mem"], A["rem"]
    # A reads the state
    assert not weighted_telescoping(one, alow, apos, step, a + _c2, B, a2, memory=m, remainder=rem).holds
    assert not weighted_telescoping(one, alow, apos, step, a, B + _b, a2, memory=m, remainder=rem).holds
    # a memory about DecSPS (c_prev > 0, which does hold) with the AdaGrad step
    pctx = parameter_context((c, gamma_b))
    init, upd = _upd(DEC_SPS)
    kb = _proved(_lem("b", c_prev.xreplace(init), pctx, strict=True), {"main": Certificate(slack=c)})
    ks = _proved(_lem("s", c_prev.xreplace(upd), pctx, strict=True, extra_nonneg=(k,)),
                 {"main": Certificate(slack=c * sp.sqrt(k + 1))})
    dec_mem = state_induction(DEC_SPS, ((c_prev, True),), (kb,), (ks,))
    assert dec_mem.holds
    assert not weighted_telescoping(one, alow, apos, step, a, B, a2, memory=dec_mem, remainder=rem).holds


def test_one_step_lemma_assuming_a_strengthened_invariant_is_refused(A):
    """b2_prev - b0^2 is an invariant >= 0; the one-step lemma may not assume it > 0 (it is 0 at k = 0)."""
    one, *rest = _tele_args(A)
    P = A["P"]["adagrad_one_step_deterministic"]
    kr = _proved(replace(one.lemma, positive=one.lemma.positive + (_b - b0**2,)), P.certificates)
    assert not weighted_telescoping(kr, *rest, memory=A["mem"], remainder=A["rem"]).holds


def _inst(A, final, claimed, const=None, log_symbol=ada.LOG_K):
    cc = 2 * (alpha - beta) * gamma
    return instantiate_sums(A["tele"], ((ada.S_ADA, A["total"], cc, -cc),), final, claimed,
                            const=const or (0, 2 * alpha * gamma / b0), log_symbol=log_symbol)


def test_instantiate_refuses_bad_log_symbols_and_constants(A):
    final = A["P"]["adagrad_rate"].kernel
    assert A["inst"].holds                 # the genuine call (the theorem's own) holds
    for bad in (D0, gamma):
        assert not _inst(A, final, ada.RATE, log_symbol=bad).holds
    assert not _inst(A, final, ada.RATE, log_symbol=None).holds
    assert not _inst(A, final, ada.RATE, const=(0, sp.Mul(2 * alpha * gamma / b0 * K, 1 / K, evaluate=False))).holds


def test_instantiate_refuses_a_strict_log_assumption_and_a_wrong_sign(A):
    P = A["P"]["adagrad_rate"]
    lem = P.lemma
    strict = replace(lem, positive=lem.positive + (ada.LOG_K,),
                     nonnegative=tuple(x for x in lem.nonnegative if x != ada.LOG_K))
    assert not _inst(A, _proved(strict, P.certificates), ada.RATE).holds          # Lambda > 0 is not established
    # the log term with the wrong sign: claimed - (D0 + sigma sum B - gamma^2 Lambda)/sum a; same certificate works
    # for claimed = RATE - 2 gamma^2 Lambda/(c P_K) (the rate lemma's structure), which is below the true rate
    cc = 2 * (alpha - beta) * gamma
    claimed = ada.rate_for(ada.P_K).xreplace({ada.LOG_K: -ada.LOG_K})
    goal = claimed - (D0 + sigma_int * (2 * alpha * gamma * K / b0 - cc * ada.S_ADA) - gamma**2 * ada.LOG_K) \
        / (cc * ada.S_ADA)
    assert _same(goal, lem.goal.xreplace({ada.LOG_K: -ada.LOG_K}))
    wrong = replace(lem, goal=goal)
    certs = {lab: Certificate(terms=tuple(Term(t.multiplier.xreplace({ada.LOG_K: -ada.LOG_K}), t.factors)
                                          for t in cert.terms), facts=cert.facts)
             for lab, cert in P.certificates.items()}
    kr = check(wrong, certs)       # the multiplier -gamma^2 Lambda/... is not signed: the kernel refuses already
    assert not (kr.proved and _inst(A, kr, claimed).holds)


def test_same_is_conservative():
    x, y = sp.symbols("x y", real=True)
    assert not _same(sp.Max(x, y) + sp.Min(x, y), x + y)                   # true identity, but not read: safe
    assert not _same(sp.Max(x, y), sp.Piecewise((x, x >= y), (y, True)))
    assert not _same(sp.sqrt(x * y), sp.sqrt(x) * sp.sqrt(y))              # differ at x = y = -1
    assert not _same(sp.sqrt(x**2), x)                                     # Abs(x) vs x
    assert not _same(x**sp.Rational(1, 3) * y**sp.Rational(1, 3), (x * y)**sp.Rational(1, 3))
    assert not _same(sp.log(x * y), sp.log(x) + sp.log(y))
    assert _same(sp.sqrt(x) * sp.sqrt(x), x) and _same((x**2 - 1) / (x - 1), x + 1)


def test_reported_theorem_states_every_condition_the_rules_recorded(A):
    """The AdaGrad result lists its conditions by hand (proofs/adagrad.py); every condition recorded by the final rule
    must be among them, apart from the standing ones of every theorem (alpha > beta >= 0, L > 0). A guard: a premise
    that gains a parameter condition must not be reported without it."""
    standing = {(alpha - beta, True), (alpha, True), (beta, False), (L, True)}
    recorded = set(A["inst"].conditions) - standing
    assert recorded <= set(A["r"].conditions)
    assert set(A["inst"].assumptions) >= {"alpha_beta", "bounded_gradients"}
