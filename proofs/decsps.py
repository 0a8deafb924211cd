"""DecSPS (a method with memory) under the alpha-beta-condition, smoothness and bounded iterates (untrusted
derivation; every statement is a kernel-checked lemma or a trusted rule of ``proofs.rules``).

gamma_k = min{(f_i - f_i^*)/||grad f_i||^2, c_{k-1} gamma_{k-1}}/c_k, c_k = c sqrt(k+1), c_{-1} = c, gamma_{-1} = gamma_b
(theory/methods.py; gamma_k = c_{k-1} gamma_{k-1}/c_k when grad f_i = 0). State before step k: gamma_prev = gamma_{k-1},
c_prev = c_{k-1}. Let mu be any number with 0 < mu <= 1/(2L) and mu <= c gamma_b (best: mu = min{1/(2L), c gamma_b}),
a = 2(alpha - beta) - 1/c > 0 (i.e. c > 1/(2(alpha - beta))), b = 2 beta + 1/c:

1. (rule state_induction) at every k: c_prev > 0, c sqrt(k+1) - c_prev >= 0, gamma_prev > 0,
   c_prev gamma_prev - mu >= 0 (smoothness gives (f - f_star)/g2 >= 1/(2L) >= mu), c sqrt(k+1)/mu - 1/gamma_prev >= 0;
2. (kernel, per case of the step) (d2 - ||x - gamma_k grad f_i - x_p||^2)/gamma_k >= a (f - f_p) - b (f_p - f_star):
   2 x [alpha-beta] plus gamma_k g2 <= (f - f_star)/c_k <= (f - f_star)/c; gamma_k > 0; 1/gamma_k >= 1/gamma_prev;
3. (rule scaled_telescoping with W(K) = c sqrt(K+1)/mu, then instantiate_sums) for every K >= 1:
   min_{k<K} E[f(x_k) - f*] <= Dmax2 c sqrt(K+1)/(mu K a) + b sigma_int/a
                             = Dmax2 c sqrt(K+1)/(mu K (2(alpha-beta) - 1/c)) + (2 beta c + 1) sigma_int/(2 (alpha-beta) c - 1).
   O(1/sqrt K) plus a neighbourhood that tends to beta sigma_int/(alpha - beta) as c grows (THEORY.md section 6:
   DecSPS needs bounded iterates).
"""
from __future__ import annotations

import time

import sympy as sp

from proofs.certificate import Certificate, EqTerm, Fact, Term
from proofs.context import one_step_context, parameter_context
from proofs.kernel import check, lyapunov_goal, split_cases
from proofs.rules import instantiate_sums, scaled_telescoping, state_induction
from proofs.schedules import Proved, ScheduleDerivation, ScheduleTheoremResult, _lemma, shown_conditions, sqrt_ge_one
from theory.methods import c_prev, gamma_prev, get_method
from theory.symbols import D0, Dmax2, K, L, alpha, beta, c, f, f_p, f_star, g2, gamma_b, k, sigma_int, step as STEP, sym

METHOD = get_method("dec_sps")
ASSUMPTIONS = ("alpha_beta", "smooth", "bounded_iterates")
mu = sym("mu")                                               # a lower bound of c_k gamma_k along the run
C_COND = 2 * alpha * c - 2 * beta * c - 1                    # > 0: c > 1/(2(alpha - beta))
MU_CONDS = ((1 - 2 * L * mu, False), (c * gamma_b - mu, False))   # mu <= 1/(2L), mu <= c gamma_b
c_k = c * sp.sqrt(k + 1)
A_CONST, B_CONST = 2 * (alpha - beta) - 1 / c, 2 * beta + 1 / c
W = c_k / mu
INVARIANTS = ((c_prev, True), (c_k - c_prev, False), (gamma_prev, True), (c_prev * gamma_prev - mu, False),
              (W - 1 / gamma_prev, False))
RATE = Dmax2 * W.xreplace({k: K}) / (K * A_CONST) + B_CONST * sigma_int / A_CONST
ONE = sp.Integer(1)
_PARAMS = (c, gamma_b, mu)


def _pctx():
    return parameter_context(_PARAMS, ((C_COND, True),) + MU_CONDS)


def _ctx():
    ctx = one_step_context(("alpha_beta", "smooth"), _PARAMS + (c_prev, gamma_prev), ((C_COND, True),) + MU_CONDS)
    ctx.nonnegative.append(k)
    ctx.hypotheses += [(f"invariant_{j}", P) for j, (P, _) in enumerate(INVARIANTS)]
    return ctx


def _gap() -> Fact:
    """f - f_star >= g2/(2L) > 0 where g2 != 0 (smoothness)."""
    return Fact(f - f_star, Certificate(terms=(Term(1 / (2 * L), (2 * L * (f - f_star) - g2,)),)), g2 / (2 * L), True)


def _kind(case) -> str:
    """'eq' (g2 = 0), 'prev' (the min took c_prev gamma_prev) or 'polyak' (it took (f - f_star)/g2)."""
    if any(cd.kind == "eq" for cd in case.conditions):
        return "eq"
    return "prev" if f"Min={c_prev * gamma_prev}" in case.label else "polyak"


def _min_cond(case) -> sp.Expr:
    """The case condition of the min's branch (>= 0): the other argument minus the chosen one."""
    return next(cd.expr for cd in case.conditions if cd.kind == "ge")


def _by_cases(lem, make) -> Proved:
    certs = {cs.label: make(cs, _kind(cs)) for cs in split_cases(lem.goal, lem.definitions)}
    return Proved(lem, certs, check(lem, certs))


def _polyak_ge_mu() -> Fact:
    """(f - f_star)/g2 - mu = [2L (f - f_star) - g2]/(2 L g2) + (1 - 2 L mu)/(2L) >= 0."""
    return Fact((f - f_star) / g2 - mu, Certificate(terms=(Term(1 / (2 * L * g2), (2 * L * (f - f_star) - g2,)),
                                                          Term(1 / (2 * L), (1 - 2 * L * mu,)))))


def _step_cert(j: int):
    """Certificates of the invariants after one step (X := c_k gamma_k = the min, or c_prev gamma_prev if g2 = 0)."""
    sqgap = Fact(c * sp.sqrt(k + 2) - c_k, Certificate(terms=(Term(c / (sp.sqrt(k + 2) + sp.sqrt(k + 1)), ()),)))

    def make(case, kind):
        if j in (0, 2):                       # c sqrt(k+2) > 0; gamma_k > 0
            return Certificate(slack=case.goal, facts=(_gap(),) if kind == "polyak" and j == 2 else ())
        if j == 1:                            # c sqrt(k+2) - c sqrt(k+1) >= 0
            return Certificate(terms=(Term(ONE, (sqgap.expr,)),), facts=(sqgap,))
        X = (f - f_star) / g2 if kind == "polyak" else c_prev * gamma_prev
        x_ge = [_gap(), _polyak_ge_mu()] if kind == "polyak" else []
        xm = x_ge[-1].expr if kind == "polyak" else c_prev * gamma_prev - mu      # X - mu >= 0
        if j == 3:
            return Certificate(terms=(Term(ONE, (xm,)),), facts=tuple(x_ge))
        # j == 4: c sqrt(k+2)/mu - c_k/X = (c sqrt(k+2) - c_k)/mu + c_k (X - mu)/(mu X)
        return Certificate(terms=(Term(1 / mu, (sqgap.expr,)), Term(c_k / (mu * X), (xm,))), facts=(sqgap, *x_ge))
    return make


def invariant_lemmas() -> tuple[list[Proved], list[Proved]]:
    init, upd = METHOD.at_start(), METHOD.after_step()
    pctx, ctx, defs = _pctx(), _ctx(), ((STEP, METHOD.step),)
    # bases: c > 0; 0; gamma_b > 0; c gamma_b - mu >= 0 (a condition); c/mu - 1/gamma_b = (c gamma_b - mu)/(mu gamma_b)
    base_certs = [Certificate(slack=c), Certificate(), Certificate(slack=gamma_b),
                  Certificate(terms=(Term(ONE, (c * gamma_b - mu,)),)),
                  Certificate(terms=(Term(1 / (mu * gamma_b), (c * gamma_b - mu,)),))]
    bases, steps = [], []
    for j, ((P, strict), bc) in enumerate(zip(INVARIANTS, base_certs)):
        lem = _lemma(f"decsps_invariant_{j}_base", P.xreplace(init), pctx, strict=strict)
        bases.append(Proved(lem, {"main": bc}, check(lem, {"main": bc})))
        goal = P.xreplace(upd)              # c_prev's update does not read the step: no definition needed
        steps.append(_by_cases(_lemma(f"decsps_invariant_{j}_step", goal, ctx, strict=strict,
                                      definitions=defs if goal.has(STEP) else ()), _step_cert(j)))
    return bases, steps


def step_lemmas() -> list[Proved]:
    """The scaled one-step inequality, gamma_k > 0 and 1/gamma_k >= 1/gamma_prev, per case of the step."""
    ctx, defs = _ctx(), ((STEP, METHOD.step),)
    hyp_ab = dict(ctx.hypotheses)["alpha_beta"]
    s1 = sqrt_ge_one(k)                                       # sqrt(k+1) - 1 >= 0
    one = _lemma("decsps_one_step", lyapunov_goal(STEP, 0, 0, 0) / STEP - A_CONST * (f - f_p)
                 + B_CONST * (f_p - f_star), ctx, definitions=defs)

    def one_cert(case, kind):
        # goal - 2 [alpha-beta] = (f - f_star)/c - gamma_k g2
        base = [Term(sp.Integer(2), (hyp_ab,))]
        lost = Term(1 / (c * sp.sqrt(k + 1)), (s1.expr, f - f_star))      # (f - f_star)(1/c - 1/c_k)
        if kind == "eq":
            st = c_prev * gamma_prev / c_k
            return Certificate(terms=(*base, Term(1 / c, (f - f_star,))), eq_terms=(EqTerm(-st, g2),))
        if kind == "polyak":
            return Certificate(terms=(*base, lost), facts=(s1, _gap()))
        # gamma_k g2 = c_prev gamma_prev g2/c_k <= (f - f_star)/c_k: the case condition (f - f_star)/g2 - c_prev gamma_prev
        return Certificate(terms=(*base, lost, Term(g2 / c_k, (_min_cond(case),))), facts=(s1,))
    pos = _lemma("decsps_step_positive", STEP, ctx, strict=True, definitions=defs)
    mono = _lemma("decsps_step_nonincreasing", 1 / STEP - 1 / gamma_prev, ctx, definitions=defs)

    def mono_cert(case, kind):
        inc = Term(1 / (c_prev * gamma_prev), (c_k - c_prev,))          # (c_k - c_prev)/(c_prev gamma_prev)
        if kind in ("eq", "prev"):
            return Certificate(terms=(inc,))
        # c_k g2/(f - f_star) - c_k/(c_prev gamma_prev) = c_k g2 (c_prev gamma_prev - (f - f_star)/g2)/((f - f_star) c_prev gamma_prev)
        return Certificate(terms=(inc, Term(c_k * g2 / ((f - f_star) * c_prev * gamma_prev), (_min_cond(case),))),
                           facts=(_gap(),))
    return [_by_cases(one, one_cert),
            _by_cases(pos, lambda cs, kind: Certificate(slack=cs.goal, facts=(_gap(),) if kind == "polyak" else ())),
            _by_cases(mono, mono_cert)]


def rate_lemma(claimed: sp.Expr) -> Proved:
    ctx = _pctx()
    ctx.positive.append(K)
    lem = _lemma("decsps_rate", claimed - (Dmax2 * W.xreplace({k: K}) + sigma_int * B_CONST * K) / (A_CONST * K), ctx,
                 (sigma_int, Dmax2, D0))
    return Proved(lem, {"main": Certificate()}, check(lem, {"main": Certificate()}))


def prove_decsps(spec=None, claimed: sp.Expr = RATE) -> ScheduleTheoremResult:
    t0 = time.perf_counter()
    bases, steps = invariant_lemmas()
    memory = state_induction(METHOD, INVARIANTS, tuple(p.kernel for p in bases), tuple(p.kernel for p in steps))
    one, pos, mono = step_lemmas()
    a_pos = _lemma("decsps_a_positive", A_CONST, _pctx(), strict=True)
    a_cert = {"main": Certificate(slack=A_CONST)}
    a_pos_p = Proved(a_pos, a_cert, check(a_pos, a_cert))
    tele = scaled_telescoping(one.kernel, pos.kernel, mono.kernel, a_pos_p.kernel, memory, METHOD, A_CONST, B_CONST,
                              gamma_prev, W)
    final = rate_lemma(claimed)
    inst = instantiate_sums(tele, (), final.kernel, claimed, const=(A_CONST, B_CONST))
    rate = (tele.data["numerator"] + sigma_int * B_CONST * K) / (A_CONST * K)
    return ScheduleTheoremResult(spec, METHOD, ScheduleDerivation(A_CONST, B_CONST, sp.Integer(0), rate, []),
                                 bases + steps + [one, pos, mono, a_pos_p, final], [memory, tele, inst],
                                 inst.data["bound"], shown_conditions(inst), time.perf_counter() - t0,
                                 stated_assumptions=ASSUMPTIONS)
