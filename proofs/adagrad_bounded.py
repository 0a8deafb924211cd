"""AdaGrad-norm-max under bounded gradients AND bounded iterates: the paper-type rate with neighbourhood
beta sigma_int/(alpha - beta) (untrusted derivation; every statement is a kernel-checked lemma or a trusted rule).

Assumptions: the alpha-beta-condition, ||grad f_i|| ^2 <= G, and dist(x_k, S)^2 <= Dmax2 along the run. The step is
divided out (rule ``scaled_telescoping``), so the coefficients of the one-step inequality are deterministic even
though gamma_k depends on i_k:

1. (rule state_induction) the five invariants of ``proofs.adagrad`` plus
   sqrt(b0^2 + kG) - sqrt(b2_prev) >= 0, (sqrt(b0^2 + kG) - sqrt(b2_prev))/gamma >= 0 and g_{k-1} := gamma/sqrt(b2_prev) > 0;
2. (kernel) (d2 - ||x - gamma_k grad f_i - x_p||^2)/gamma_k >= 2(alpha - beta)(f - f_p) - 2 beta (f_p - f_star) - gamma_k g2:
   the goal is exactly 2 x [alpha-beta hypothesis];  gamma_k > 0;  1/gamma_k >= 1/g_{k-1} = sqrt(b2_prev)/gamma;
3. (rule potential_sum) R_k = gamma_k g2 <= 2 gamma (b_k - b_{k-1}) (per branch: (sqrt x - sqrt y)^2 gamma/sqrt x plus a
   multiple of c2_prev - g2 >= 0), so sum_{k<K} R_k <= 2 gamma (sqrt(b0^2 + KG) - sqrt(b0^2));
4. (rule scaled_telescoping, with W(K) = sqrt(b0^2 + KG)/gamma >= 1/g_{K-1}) then (kernel rate lemma + instantiate_sums):
   min_{k<K} E[f(x_k) - f*] <= (Dmax2/gamma + 2 gamma) sqrt(b0^2 + K G)/(2 (alpha - beta) K) + beta sigma_int/(alpha - beta).
This is O(1/sqrt K) plus the neighbourhood beta sigma_int/(alpha - beta) of THEORY.md section 2, for every K >= 1.
"""
from __future__ import annotations

import time

import sympy as sp

from proofs import adagrad as ada
from proofs.certificate import Certificate, Square, Term
from proofs.context import parameter_context
from proofs.kernel import check, lyapunov_goal
from proofs.rules import instantiate_sums, potential_sum, scaled_telescoping, state_induction
from proofs.schedules import Proved, ScheduleDerivation, ScheduleTheoremResult, _lemma, shown_conditions
from theory.methods import b0
from theory.symbols import D0, Dmax2, G, K, alpha, beta, f, f_p, f_star, g2, gamma, k, sigma_int, step as STEP

METHOD, _b, _c2, _M = ada.METHOD, ada._b, ada._c2, ada._M
ASSUMPTIONS = ("alpha_beta", "bounded_gradients", "bounded_iterates")
ROOT_GAP = sp.sqrt(b0**2 + k * G) - sp.sqrt(_b)              # >= 0: b2_prev <= b0^2 + kG, in square roots
PREV = gamma / sp.sqrt(_b)                                    # the previous step g_{k-1} (g_{-1} = gamma/b0)
W = sp.sqrt(b0**2 + k * G) / gamma                            # >= 1/g_{k-1}
INVARIANTS = ada.INVARIANTS + ((ROOT_GAP, False), (ROOT_GAP / gamma, False), (PREV, True))
A_CONST, B_CONST = 2 * (alpha - beta), 2 * beta
R_K = STEP * g2
RATE = (Dmax2 / gamma + 2 * gamma) * sp.sqrt(b0**2 + K * G) / (2 * (alpha - beta) * K) + beta * sigma_int / (alpha - beta)


def _ctx():
    ctx = ada._state_ctx()
    ctx.hypotheses += [(f"invariant_{5 + j}", P) for j, (P, _) in enumerate(INVARIANTS[5:7])]
    return ctx


def _root_step(m: sp.Expr, scale: sp.Expr) -> Certificate:
    """scale (sqrt(X) - sqrt(Y)) with X = b0^2 + (k+1)G, Y = b2_prev + m: (X - Y)/(sqrt X + sqrt Y), X - Y =
    (b0^2 + kG - b2_prev) + (G - m)."""
    w = scale / (sp.sqrt(b0**2 + (k + 1) * G) + sp.sqrt(_b + m))
    return Certificate(terms=(Term(w, (b0**2 + k * G - _b,)), Term(w, (G - m,))))


def invariant_lemmas() -> tuple[list[Proved], list[Proved]]:
    bases, steps = ada.invariant_lemmas()
    init, upd = METHOD.at_start(), METHOD.after_step()
    pctx, ctx = parameter_context(ada._PARAMS), _ctx()
    makers = [lambda c, m: _root_step(m, sp.Integer(1)), lambda c, m: _root_step(m, 1 / gamma),
              lambda c, m: Certificate(slack=c.goal)]
    for j, ((P, strict), make) in enumerate(zip(INVARIANTS[5:], makers), start=5):
        lem = _lemma(f"adagrad_bi_invariant_{j}_base", P.xreplace(init), pctx, strict=strict)
        cert = {"main": Certificate(slack=lem.goal) if strict else Certificate()}   # 0, 0 and gamma/sqrt(b0^2)
        bases.append(Proved(lem, cert, check(lem, cert)))
        steps.append(ada._by_cases(_lemma(f"adagrad_bi_invariant_{j}_step", P.xreplace(upd), ctx, strict=strict), make))
    return bases, steps


def step_lemmas() -> list[Proved]:
    """Step 2: the scaled one-step inequality (certificate 2 x alpha-beta), gamma_k > 0, 1/gamma_k >= 1/g_{k-1}."""
    ctx, defs = _ctx(), ((STEP, METHOD.step),)
    hyp_ab = dict(ctx.hypotheses)["alpha_beta"]
    one = _lemma("adagrad_bi_one_step", lyapunov_goal(STEP, 0, 0, 0) / STEP - A_CONST * (f - f_p)
                 + B_CONST * (f_p - f_star) + R_K, ctx, definitions=defs)
    pos = _lemma("adagrad_bi_step_positive", STEP, ctx, strict=True, definitions=defs)
    mono = _lemma("adagrad_bi_step_nonincreasing", 1 / STEP - 1 / PREV, ctx, definitions=defs)
    out = [ada._by_cases(one, lambda c, m: Certificate(terms=(Term(sp.Integer(2), (hyp_ab,)),))),
           ada._by_cases(pos, lambda c, m: Certificate(slack=c.goal)),
           # sqrt(b2 + m)/gamma - sqrt(b2)/gamma = m/(gamma (sqrt(b2 + m) + sqrt(b2)))
           ada._by_cases(mono, lambda c, m: Certificate(terms=(
               Term(1 / (gamma * (sp.sqrt(_b + m) + sp.sqrt(_b))), (m,)),)))]
    return out


def _potential_cert(case, _m) -> Certificate:
    """goal = 2 gamma (z - y) - gamma g2/x, x = sqrt(b2 + M_step), z = sqrt(b2 + M_goal), y = sqrt(b2) (the step and
    the updated state may take different branches of the max on the boundary c2_prev = g2):
    = gamma (z - y)^2/z + gamma (M_goal - g2)/z + gamma g2 (1/z - 1/x)."""
    m_step = _c2 if case.label.split(",")[0].endswith(f"Max={_c2}") else g2
    m_goal = _c2 if case.label.endswith(f"Max={_c2}") else g2
    x, z, y = sp.sqrt(_b + m_step), sp.sqrt(_b + m_goal), sp.sqrt(_b)
    sq = Square(gamma / z, z - y)          # 2 gamma (z - y) - gamma (z^2 - y^2)/z = gamma (z - y)^2/z
    terms = []
    if m_goal == _c2:                      # the remaining gamma (m_goal - g2)/z, and the step's own branch
        terms.append(Term(gamma / z, (_c2 - g2,)))
    if m_step != m_goal:                   # boundary cases (c2_prev = g2 there): gamma g2 (1/z - 1/x) is a multiple
        d = g2 - _c2 if m_step == g2 else _c2 - g2          # of the step branch's condition, x^2 - z^2 = +-d
        terms.append(Term(gamma * g2 / (x * z * (x + z)), (d,)))
    return Certificate(terms=tuple(terms), squares=(sq,))


def potential_lemmas() -> tuple[Proved, Proved]:
    """Step 3: 2 gamma (sqrt(b_k^2) - sqrt(b2_prev)) - gamma_k g2 >= 0, and 2 gamma >= 0."""
    ctx, T = _ctx(), sp.sqrt(_b)
    u_next = METHOD.state[1].update
    lem = _lemma("adagrad_bi_potential", 2 * gamma * (sp.sqrt(u_next) - T) - R_K, ctx,
                 definitions=((STEP, METHOD.step),))
    res = ada._by_cases(lem, _potential_cert)
    wl = _lemma("adagrad_bi_weight_nonneg", 2 * gamma, parameter_context(ada._PARAMS))
    wc = {"main": Certificate(terms=(Term(sp.Integer(2), (gamma,)),))}
    return res, Proved(wl, wc, check(wl, wc))


def rate_lemma(claimed: sp.Expr) -> Proved:
    """claimed - (Dmax2 W(K) + 2 beta sigma_int K + 2 gamma (sqrt(b0^2 + KG) - sqrt(b0^2)))/(2 (alpha - beta) K) >= 0;
    for the stated rate the difference is gamma sqrt(b0^2)/((alpha - beta) K)."""
    ctx = parameter_context(ada._PARAMS)
    ctx.positive.append(K)
    num = Dmax2 * W.xreplace({k: K}) + sigma_int * B_CONST * K + 2 * gamma * (sp.sqrt(b0**2 + K * G) - sp.sqrt(b0**2))
    lem = _lemma("adagrad_bi_rate", claimed - num / (A_CONST * K), ctx, (sigma_int, Dmax2, D0))
    cert = {"main": Certificate(terms=(Term(gamma / ((alpha - beta) * K), (sp.sqrt(b0**2),)),))}
    return Proved(lem, cert, check(lem, cert))



def prove_adagrad_bounded(spec=None, claimed: sp.Expr = RATE) -> ScheduleTheoremResult:
    t0 = time.perf_counter()
    bases, steps = invariant_lemmas()
    memory = state_induction(METHOD, INVARIANTS, tuple(p.kernel for p in bases), tuple(p.kernel for p in steps))
    one, pos, mono = step_lemmas()
    pot, wl = potential_lemmas()
    remainder = potential_sum(pot.kernel, wl.kernel, memory, METHOD, sp.sqrt(_b), sp.sqrt(b0**2 + k * G), R_K,
                              2 * gamma)
    a_pos = _lemma("adagrad_bi_a_positive", A_CONST, parameter_context(ada._PARAMS), strict=True)
    a_pos_p = Proved(a_pos, {"main": Certificate(slack=A_CONST)}, check(a_pos, {"main": Certificate(slack=A_CONST)}))
    tele = scaled_telescoping(one.kernel, pos.kernel, mono.kernel, a_pos_p.kernel, memory, METHOD, A_CONST, B_CONST,
                              PREV, W, remainder)
    final = rate_lemma(claimed)
    inst = instantiate_sums(tele, (), final.kernel, claimed, const=(A_CONST, B_CONST))
    rate = (tele.data["numerator"] + sigma_int * B_CONST * K) / (A_CONST * K)
    proofs = bases + steps + [one, pos, mono, pot, wl, a_pos_p, final]
    return ScheduleTheoremResult(spec, METHOD, ScheduleDerivation(A_CONST, B_CONST, sp.Integer(0), rate, [], R_K),
                                 proofs, [memory, remainder, tele, inst], inst.data["bound"], shown_conditions(inst),
                                 time.perf_counter() - t0, stated_assumptions=ASSUMPTIONS)
