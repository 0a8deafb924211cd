"""AdaGrad-norm-max, a method with memory: lemmas, invariants by induction, and its rate (untrusted derivation).

State before step k: c2_prev = c_{k-1}^2, b2_prev = b_{k-1}^2 (c_{-1}^2 = 0, b_{-1}^2 = b0^2 > 0). With
M = max{c2_prev, g2}: gamma_k = gamma/sqrt(b2_prev + M), c_k^2 = M, b_k^2 = b2_prev + M (theory/methods.py).
Assumptions: the alpha-beta-condition and bounded gradients g2 <= G (G > 0). Every statement is a kernel-checked
lemma or a conclusion of a trusted rule of ``proofs.rules`` applied to kernel-checked lemmas:

1. (rule state_induction; 5 base + 5 step lemmas) at every k: c2_prev >= 0, G - c2_prev >= 0, b2_prev > 0,
   b2_prev >= b0^2, b2_prev <= b0^2 + k G;
2. (kernel) one step, with X_k = b0^2 + (k+1) G, a_k = 2 (alpha - beta) gamma/sqrt(X_k), B_k = 2 alpha gamma/b0 - a_k:
   ||x - gamma_k grad f_i - x_p||^2 <= d2 - a_k (f - f_p) + B_k (f_p - f_star) + R,  R = gamma^2 - b2_prev gamma_k^2
   (gamma_k is between gamma/sqrt(X_k) and gamma/b0 by the invariants; R = gamma^2 c_k^2/b_k^2);
3. (rule log_potential) R = gamma^2 (b_k^2 - b_{k-1}^2)/b_k^2, so sum_{k<K} R_k <= gamma^2 ln(1 + K G/b0^2);
4. (kernel + rule telescoping_sum) 1/sqrt(X_k) >= (2/G)(sqrt(X_{k+1}) - sqrt(X_k)), so
   S_K := sum_{k<K} 1/sqrt(X_k) >= P_K := (2/G)(sqrt(b0^2 + (K+1) G) - sqrt(b0^2 + G));
5. (rules weighted_telescoping, instantiate_sums; kernel rate lemma) for every K >= 1
   min_{k<K} E[f(x_k) - f*] <= (D0 + gamma^2 ln(1 + K G/b0^2))/(2 (alpha - beta) gamma P_K)
                               + sigma_int (alpha K/((alpha - beta) b0 P_K) - 1).
   Under interpolation (sigma_int = 0) this is O(ln K/sqrt K). With sigma_int > 0 the last term grows like
   sqrt K: the argument bounds gamma_k by deterministic constants and loses the neighbourhood (docs/schedules.md).
Also ``adagrad_lemmas``: the earlier per-step facts (state-dependent bounds gamma_lo <= gamma_k <= gamma_hi).
"""
from __future__ import annotations

import time
from pathlib import Path

import sympy as sp

from proofs.certificate import Certificate, Fact, Lemma, Square, Term
from proofs.context import one_step_context, parameter_context
from proofs.kernel import check, lyapunov_goal, sign, split_cases
from proofs.rules import instantiate_sums, log_potential, state_induction, telescoping_sum, weighted_telescoping
from proofs.schedules import Proved, ScheduleDerivation, ScheduleTheoremResult, _lemma, shown_conditions
from theory.methods import b0, b2_prev, c2_prev, get_method
from theory.symbols import D0, G, K, alpha, beta, f, f_p, f_star, g2, gamma, k, sigma_int, step as STEP, sym

ADAGRAD_ASSUMPTIONS = ("alpha_beta", "bounded_gradients")
_b, _c2 = b2_prev, c2_prev
f_, fs_, fp_, g2_ = f, f_star, f_p, g2
_M = sp.Max(_c2, g2_)
gamma_lo = gamma / sp.sqrt(_b + G)                     # F_k-measurable lower bound of gamma_k
gamma_hi = gamma / sp.sqrt(_b + _c2)                   # F_k-measurable upper bound of gamma_k


def _adagrad_ctx():
    ctx = one_step_context(ADAGRAD_ASSUMPTIONS, (gamma, _b))
    ctx.nonnegative += [_c2, G]
    ctx.hypotheses += [("state_invariant", G - _c2)]
    return ctx


def _sqrt_gap(x: sp.Expr, y: sp.Expr, diff: sp.Expr) -> Term:
    """gamma/sqrt(y) - gamma/sqrt(x) = gamma (x - y)/(sqrt(x) sqrt(y) (sqrt(x) + sqrt(y))), diff = x - y >= 0."""
    return Term(gamma / (sp.sqrt(x) * sp.sqrt(y) * (sp.sqrt(x) + sp.sqrt(y))), (diff,))


def adagrad_lemmas() -> list[Proved]:
    """Kernel-checked, per case of the max (certificates in the comments of each block):
    one step: ||x+ - x_p||^2 <= d2 - 2(alpha-beta) gamma_lo (f - f_star) + 2 alpha gamma_hi (f_p - f_star)
              + gamma^2 - b2_prev gamma_k^2      [the last two = gamma^2 (b_k^2 - b_{k-1}^2)/b_k^2];
    gamma_k <= gamma_{k-1} = gamma/sqrt(b2_prev);  gamma_lo <= gamma_k <= gamma_hi;
    c_{k-1}^2 <= c_k^2 <= G;  0 <= b_k^2 - b_{k-1}^2 <= G."""
    ctx = _adagrad_ctx()
    step_def = ((STEP, get_method("adagrad_norm_max").step),)
    hyp_ab = ctx.hypotheses[[n for n, _ in ctx.hypotheses].index("alpha_beta")][1]
    one = _lemma("adagrad_one_step", lyapunov_goal(STEP, 0, 0, 0) - 2 * (alpha - beta) * gamma_lo * (f_ - fs_)
                 + 2 * alpha * gamma_hi * (fp_ - fs_) + gamma**2 - _b * STEP**2, ctx, definitions=step_def)
    lo_gap, hi_gap = lambda m: gamma / sp.sqrt(_b + m) - gamma_lo, lambda m: gamma_hi - gamma / sp.sqrt(_b + m)
    certs_one, certs_mono, certs_range = {}, {}, {}
    for m in (_c2, g2_):
        label = f"step: Max={m}"
        st = gamma / sp.sqrt(_b + m)
        # goal = 2 step [alpha-beta hyp] + 2(alpha-beta)(step - gamma_lo)(f - f_star)
        #        + 2 alpha (gamma_hi - step)(f_p - f_star) + gamma^2 (m - g2)/(b + m)
        facts = [Fact(lo_gap(m), Certificate(terms=(_sqrt_gap(_b + G, _b + m, G - m),)))]
        terms = [Term(2 * st, (hyp_ab,)), Term(2 * (alpha - beta), (lo_gap(m), f_ - fs_))]
        if m == g2_:
            facts.append(Fact(hi_gap(m), Certificate(terms=(_sqrt_gap(_b + g2_, _b + _c2, g2_ - _c2),))))
            terms.append(Term(2 * alpha, (hi_gap(m), fp_ - fs_)))
        else:
            terms.append(Term(gamma**2 / (_b + m), (_c2 - g2_,)))
        certs_one[label] = Certificate(terms=tuple(terms), facts=tuple(facts))
        # gamma/sqrt(b) - gamma/sqrt(b + m) = gamma m /(...) >= 0
        certs_mono[label] = Certificate(terms=(_sqrt_gap(_b + m, _b, m),))
        certs_range[label] = certs_one[label].facts
    mono = _lemma("adagrad_step_nonincreasing", gamma / sp.sqrt(_b) - STEP, ctx, definitions=step_def)
    out = [Proved(one, certs_one, check(one, certs_one)), Proved(mono, certs_mono, check(mono, certs_mono))]
    lo = _lemma("adagrad_step_lower", STEP - gamma_lo, ctx, definitions=step_def)
    hi = _lemma("adagrad_step_upper", gamma_hi - STEP, ctx, definitions=step_def)
    lo_c = {lab: Certificate(terms=(Term(sp.Integer(1), (fs[0].expr,)),), facts=fs[:1])
            for lab, fs in certs_range.items()}
    hi_c = {lab: (Certificate(terms=(Term(sp.Integer(1), (fs[1].expr,)),), facts=fs[1:]) if len(fs) > 1
                  else Certificate()) for lab, fs in certs_range.items()}
    out += [Proved(lo, lo_c, check(lo, lo_c)), Proved(hi, hi_c, check(hi, hi_c))]
    # state (no step involved): c_k^2 - c_{k-1}^2 = M - c2_prev >= 0; G - c_k^2 = G - M >= 0 (the invariant, and
    # b_k^2 - b_{k-1}^2 = M <= G); b_k^2 - b_{k-1}^2 = M >= 0. Per case each goal is 0, a hypothesis or a case
    # condition: certificate 1 * goal (the kernel checks that the goal is one of these).
    for name, goal in (("adagrad_c2_nondecreasing", _M - _c2), ("adagrad_c2_invariant", G - _M),
                       ("adagrad_b2_nondecreasing", _M)):
        lem = _lemma(name, goal, ctx)
        certs = {case.label: Certificate() if case.goal == 0 else
                 Certificate(terms=(Term(sp.Integer(1), (case.goal,)),)) for case in split_cases(goal)}
        out.append(Proved(lem, certs, check(lem, certs)))
    return out + adagrad_invariant_lemmas()


def adagrad_invariant_lemmas() -> list[Proved]:
    """Kernel-checked, with k >= 0 and the trajectory invariants b0^2 <= b2_prev <= b0^2 + k G as hypotheses
    (they hold at k = 0, where b2_prev = b0^2; the induction step is the first lemma):
    b_k^2 <= b0^2 + (k+1) G;  gamma_lo >= gamma/sqrt(b0^2 + (k+1) G);  gamma_hi <= gamma/b0."""
    ctx = _adagrad_ctx()
    ctx.positive.append(b0)
    ctx.nonnegative.append(k)
    upper, lower = b0**2 + k * G - _b, _b - b0**2
    ctx.hypotheses += [("b2_upper_invariant", upper), ("b2_lower_invariant", lower)]
    out = []
    growth = _lemma("adagrad_b2_growth_step", b0**2 + (k + 1) * G - (_b + _M), ctx)
    certs = {c.label: Certificate(terms=(Term(sp.Integer(1), (upper,)), Term(sp.Integer(1), (G - m,))))
             for c, m in zip(split_cases(growth.goal), sorted((_c2, g2_), key=sp.default_sort_key))}
    # (b0^2 + kG - b2_prev) + (G - M) with G - M a hypothesis; cases labelled in the kernel's sorted order
    out.append(Proved(growth, certs, check(growth, certs)))
    X = b0**2 + (k + 1) * G
    lo = _lemma("adagrad_step_lower_deterministic", gamma_lo - gamma / sp.sqrt(X), ctx)
    cert = Certificate(terms=(_sqrt_gap(X, _b + G, upper),))   # X - (b2_prev + G) = upper
    out.append(Proved(lo, {"main": cert}, check(lo, {"main": cert})))
    hi = _lemma("adagrad_step_upper_deterministic", gamma / b0 - gamma_hi, ctx)
    w = gamma / (b0 * sp.sqrt(_b + _c2) * (sp.sqrt(_b + _c2) + b0))   # gamma (b2 + c2 - b0^2) / (...)
    cert = Certificate(terms=(Term(w, (lower,)), Term(w, (_c2,))))
    out.append(Proved(hi, {"main": cert}, check(hi, {"main": cert})))
    return out




# ---------------------------------------------------------------------------------------------------------
# The theorem (steps 1-5 of the module docstring).

METHOD = get_method("adagrad_norm_max")
#: Coq proof of (v - u)/v <= ln v - ln u for u, v > 0, the one fact about ln the rule log_potential uses
LN_FACT = Path(__file__).resolve().parent / "coq" / "log_potential.v"
X_k = b0**2 + (k + 1) * G                             # b_k^2 <= X_k on every trajectory
a_k = 2 * (alpha - beta) * gamma / sp.sqrt(X_k)       # deterministic lower bound of 2 (alpha - beta) gamma_k
B_k = 2 * alpha * gamma / b0 - a_k                    # a_k + B_k = 2 alpha gamma/b0 >= 2 alpha gamma_k
R_k = gamma**2 - _b * STEP**2                         # = gamma^2 c_k^2/b_k^2
INVARIANTS = ((_c2, False), (G - _c2, False), (_b, True), (_b - b0**2, False), (b0**2 + k * G - _b, False))
S_ADA, LOG_K = sym("S_ada"), sym("Lambda_K")         # sum_{k<K} 1/sqrt(X_k);  ln(1 + K G/b0^2)
P_K = 2 * (sp.sqrt(b0**2 + (K + 1) * G) - sp.sqrt(b0**2 + G)) / G     # proved lower bound of S_ada
_PARAMS = (gamma, b0, G)


def rate_for(P: sp.Expr) -> sp.Expr:
    """The rate obtained from S_ada >= P (Lambda_K standing for ln(1 + K G/b0^2))."""
    return (D0 + gamma**2 * LOG_K) / (2 * (alpha - beta) * gamma * P) \
        + sigma_int * (alpha * K / ((alpha - beta) * b0 * P) - 1)


#: the stated rate, with Lambda_K read as ln(1 + K G/b0^2)
RATE = rate_for(P_K)


def _state_ctx():
    """Per-iterate facts, parameters and the invariants of step 1 as hypotheses (k >= 0)."""
    ctx = one_step_context(ADAGRAD_ASSUMPTIONS, _PARAMS + (_b,))
    ctx.nonnegative += [_c2, k]
    ctx.hypotheses += [(f"invariant_{j}", P) for j, (P, _) in enumerate(INVARIANTS)]
    return ctx


def _by_cases(lem: Lemma, make) -> Proved:
    """One certificate per case; ``make(case, m)`` with m the branch of the first Max(c2_prev, g2) split."""
    certs = {c.label: make(c, _c2 if c.label.split(",")[0].endswith(f"Max={_c2}") else g2_)
             for c in split_cases(lem.goal, lem.definitions)}
    return Proved(lem, certs, check(lem, certs))


def invariant_lemmas() -> tuple[list[Proved], list[Proved]]:
    """Base (initial state, k = 0; parameters only) and step (updated state, k + 1) lemma of each invariant."""
    init, upd = METHOD.at_start(), METHOD.after_step()
    pctx, ctx = parameter_context(_PARAMS), _state_ctx()
    one = sp.Integer(1)
    base_certs = [Certificate(), Certificate(terms=(Term(one, (G,)),)), Certificate(slack=b0**2), Certificate(), Certificate()]
    step_certs = [lambda c, m: Certificate(terms=(Term(one, (m,)),)),                       # M >= 0
                  lambda c, m: Certificate(terms=(Term(one, (G - m,)),)),                   # G - M >= 0
                  lambda c, m: Certificate(terms=(Term(one, (m,)),), slack=_b),             # b2 + M > 0
                  lambda c, m: Certificate(terms=(Term(one, (_b - b0**2,)), Term(one, (m,)))),
                  lambda c, m: Certificate(terms=(Term(one, (b0**2 + k * G - _b,)), Term(one, (G - m,))))]
    bases, steps = [], []
    for j, ((P, strict), bc, sc) in enumerate(zip(INVARIANTS, base_certs, step_certs)):
        lem = _lemma(f"adagrad_invariant_{j}_base", P.xreplace(init), pctx, strict=strict)
        bases.append(Proved(lem, {"main": bc}, check(lem, {"main": bc})))
        steps.append(_by_cases(_lemma(f"adagrad_invariant_{j}_step", P.xreplace(upd), ctx, strict=strict), sc))
    return bases, steps


def deterministic_one_step() -> Proved:
    """Step 2. Per branch m of the max, with gamma_m = gamma/sqrt(b2_prev + m): the certificate of
    ``adagrad_one_step`` (d2 - 2(alpha-beta) gamma_lo (f - f_star) + 2 alpha gamma_hi (f_p - f_star) + R) plus
    2(alpha - beta)(gamma_lo - gamma/sqrt(X_k))(f - f_star) + 2 alpha (gamma/b0 - gamma_hi)(f_p - f_star), two facts
    from the invariants: sqrt(X_k) >= sqrt(b2_prev + G) and b0 <= sqrt(b2_prev + c2_prev)."""
    ctx = _state_ctx()
    step_def = ((STEP, METHOD.step),)
    hyp_ab = dict(ctx.hypotheses)["alpha_beta"]
    lem = _lemma("adagrad_one_step_deterministic", lyapunov_goal(STEP, a_k, B_k, 0) + R_k, ctx, definitions=step_def)
    upper, lower = b0**2 + k * G - _b, _b - b0**2
    lo_det = Fact(gamma_lo - gamma / sp.sqrt(X_k), Certificate(terms=(_sqrt_gap(X_k, _b + G, upper),)))
    w = gamma / (b0 * sp.sqrt(_b + _c2) * (sp.sqrt(_b + _c2) + b0))   # gamma/b0 - gamma_hi = w (b2 - b0^2 + c2)
    hi_det = Fact(gamma / b0 - gamma_hi, Certificate(terms=(Term(w, (lower,)), Term(w, (_c2,)))))

    def make(case, m):
        st = gamma / sp.sqrt(_b + m)
        lo_gap = Fact(st - gamma_lo, Certificate(terms=(_sqrt_gap(_b + G, _b + m, G - m),)))
        terms = [Term(2 * st, (hyp_ab,)), Term(2 * (alpha - beta), (lo_gap.expr, f_ - fs_)),
                 Term(2 * (alpha - beta), (lo_det.expr, f_ - fs_)), Term(2 * alpha, (hi_det.expr, fp_ - fs_))]
        facts = [lo_gap, lo_det, hi_det]
        if m == g2_:
            hi_gap = Fact(gamma_hi - st, Certificate(terms=(_sqrt_gap(_b + g2_, _b + _c2, g2_ - _c2),)))
            facts.append(hi_gap)
            terms.append(Term(2 * alpha, (hi_gap.expr, fp_ - fs_)))
        else:
            terms.append(Term(gamma**2 / (_b + m), (_c2 - g2_,)))
        return Certificate(terms=tuple(terms), facts=tuple(facts))
    return _by_cases(lem, make)


def remainder_lemmas() -> tuple[Proved, Proved, Proved]:
    """Step 3: gamma^2 (b_k^2 - b2_prev)/b_k^2 - R = 0 on the consistent branches (b_k^2 = b2_prev + M, gamma_k^2 =
    gamma^2/b_k^2); on the two boundary cases where the step and the update took different branches of the max
    (so c2_prev = g2) the difference is a multiple of the case condition. Plus gamma^2 >= 0 and U(k) - b0^2 = kG >= 0."""
    ctx, pctx = _state_ctx(), parameter_context(_PARAMS)
    u_next = METHOD.state[1].update
    goal = gamma**2 * (u_next - _b) / u_next - R_k
    lem = _lemma("adagrad_remainder_log_potential", goal, ctx, definitions=((STEP, METHOD.step),))
    pos, nonneg = set(lem.positive), set(lem.nonnegative)

    def make(case, _m):
        if sp.cancel(sp.together(case.goal)) == 0:
            return Certificate()
        for cond in case.conditions:          # the boundary cases: goal = lambda * (c2_prev - g2) or (g2 - c2_prev)
            lam = sp.factor(sp.cancel(sp.together(case.goal / cond.expr)))
            if sign(lam, pos, nonneg):
                return Certificate(terms=(Term(lam, (cond.expr,)),))
        return Certificate()
    res = _by_cases(lem, make)
    wl = _lemma("adagrad_log_weight_nonneg", gamma**2, pctx)
    al = _lemma("adagrad_log_argument", k * G, pctx, extra_nonneg=(k,))
    wc, ac = {"main": Certificate(terms=(Term(gamma**2, ()),))}, {"main": Certificate(terms=(Term(G, (k,)),))}
    return res, Proved(wl, wc, check(wl, wc)), Proved(al, ac, check(al, ac))


def per_term_lemma() -> Proved:
    """Step 4: 1/sqrt(X_k) - (2/G)(sqrt(X_{k+1}) - sqrt(X_k)) = (sqrt(X_{k+1}) - sqrt(X_k))^2/(G sqrt(X_k)),
    because X_{k+1} - X_k = G."""
    X1 = X_k.xreplace({k: k + 1})
    lem = _lemma("adagrad_sum_per_term", 1 / sp.sqrt(X_k) - 2 * (sp.sqrt(X1) - sp.sqrt(X_k)) / G,
                 parameter_context(_PARAMS), extra_nonneg=(k,))
    cert = Certificate(squares=(Square(1 / (G * sp.sqrt(X_k)), sp.sqrt(X1) - sp.sqrt(X_k)),))
    return Proved(lem, {"main": cert}, check(lem, {"main": cert}))


def rate_lemma(claimed: sp.Expr) -> Proved:
    """Step 5: claimed - (D0 + sigma_int (2 alpha gamma K/b0 - 2(alpha - beta) gamma S) + gamma^2 Lambda)/
    (2 (alpha - beta) gamma S) >= 0 given S >= P_K, Lambda >= 0, K > 0. For the stated rate the difference is
    [(D0 + gamma^2 Lambda)/(2 (alpha - beta) gamma) + sigma_int alpha K/((alpha - beta) b0)] (S - P_K)/(P_K S)."""
    ctx = parameter_context(_PARAMS)
    ctx.positive.append(K)
    hyp = S_ADA - P_K
    c = 2 * (alpha - beta) * gamma
    lem = _lemma("adagrad_rate", claimed - (D0 + sigma_int * (2 * alpha * gamma * K / b0 - c * S_ADA)
                                            + gamma**2 * LOG_K) / (c * S_ADA),
                 ctx, (D0, sigma_int, LOG_K), hyps=(("sum_lower", hyp),))
    r1, r2 = sp.sqrt(b0**2 + (K + 1) * G), sp.sqrt(b0**2 + G)
    gap = r1 - r2                                       # = K G/(r1 + r2) > 0;  P_K = 2 gap/G
    facts = (Fact(gap, Certificate(), K * G / (r1 + r2), True),
             Fact(S_ADA, Certificate(terms=(Term(sp.Integer(1), (hyp,)),)), 2 * gap / G, True))
    den = 2 * gap / G * S_ADA
    terms = (Term(D0 / (c * den), (hyp,)), Term(gamma**2 * LOG_K / (c * den), (hyp,)),
             Term(sigma_int * alpha * K / ((alpha - beta) * b0 * den), (hyp,)))
    cert = Certificate(terms=terms, facts=facts)
    return Proved(lem, {"main": cert}, check(lem, {"main": cert}))


def prove_adagrad_norm_max(spec=None, claimed: sp.Expr = RATE) -> ScheduleTheoremResult:
    """Steps 1-5 of the module docstring; ``claimed`` may be replaced to test stronger statements."""
    t0 = time.perf_counter()
    bases, steps = invariant_lemmas()
    memory = state_induction(METHOD, INVARIANTS, tuple(p.kernel for p in bases), tuple(p.kernel for p in steps))
    one = deterministic_one_step()
    rem, wl, al = remainder_lemmas()
    remainder = log_potential(rem.kernel, wl.kernel, al.kernel, memory, METHOD, _b, b0**2 + k * G, R_k, gamma**2)
    a_low = _lemma("adagrad_A_lower", sp.Integer(0), parameter_context(_PARAMS), extra_nonneg=(k,))
    a_pos = _lemma("adagrad_a_positive", a_k, parameter_context(_PARAMS), extra_nonneg=(k,), strict=True)
    a_low_p = Proved(a_low, {"main": Certificate()}, check(a_low, {"main": Certificate()}))
    a_pos_p = Proved(a_pos, {"main": Certificate(slack=a_k)}, check(a_pos, {"main": Certificate(slack=a_k)}))
    tele = weighted_telescoping(one.kernel, a_low_p.kernel, a_pos_p.kernel, METHOD.step, a_k, B_k, a_k,
                                memory=memory, remainder=remainder)
    per = per_term_lemma()
    total = telescoping_sum(per.kernel, 1 / sp.sqrt(X_k), 2 * sp.sqrt(X_k) / G)
    c = 2 * (alpha - beta) * gamma
    final = rate_lemma(claimed)
    inst = instantiate_sums(tele, ((S_ADA, total, c, -c),), final.kernel, claimed,
                            const=(0, 2 * alpha * gamma / b0), log_symbol=LOG_K)
    rate = (D0 + sigma_int * sp.Sum(B_k, (k, 0, K - 1)) + remainder.data["bound"]) / sp.Sum(a_k, (k, 0, K - 1))
    proofs = bases + steps + [one, rem, wl, al, a_low_p, a_pos_p, per, final]
    return ScheduleTheoremResult(spec, METHOD, ScheduleDerivation(a_k, B_k, sp.Integer(0), rate, [], R_k), proofs,
                                 [memory, remainder, tele, total, inst], inst.data["bound"], shown_conditions(inst),
                                 time.perf_counter() - t0, coq_facts=(LN_FACT,),
                                 stated_assumptions=ADAGRAD_ASSUMPTIONS)
