"""SGD with the schedule gamma_k = gamma0/sqrt(k+1): lemmas, certificates and rate (untrusted derivation).

Every statement below is either a kernel-checked lemma (``proofs.kernel.check``) or a conclusion of a
trusted rule in ``proofs.rules`` applied to kernel-checked lemmas. With s_k = sqrt(k+1), gamma_k = gamma0/s_k:

1. one-step (kernel, k >= 0): ||x - gamma_k grad f_i - x_p||^2 <= d2 - A_k (f - f_p) + B_k (f_p - f_star),
   A_k = 2 gamma_k (alpha - beta - L gamma_k), B_k = 2 gamma_k (beta + L gamma_k)  (derived by
   ``derive_lyapunov`` for a constant step gamma, then gamma := gamma_k and re-checked);
2. (kernel) gamma0 <= (alpha - beta)/(2L) implies A_k - a_k >= 0 with a_k = (alpha - beta) gamma_k, and a_k > 0;
3. (kernel + rule telescoping_sum) 1/s_k >= 2 (s_{k+1} - s_k), hence S_K := sum_{k<K} 1/s_k >= 2 (sqrt(K+1) - 1);
   (kernel + rule) 1/(k+1) >= 0, hence H_K := sum_{k<K} 1/(k+1) >= 0.  H_K is kept exact in the rate;
   H_K <= 1 + ln K is a classical remark, NOT kernel-checked;
4. (rule weighted_telescoping) min_{k<K} E[f(x_k) - f*] <= (D0 + sigma_int sum B_k)/sum a_k
   = (D0 + sigma_int (2 beta gamma0 S_K + 2 L gamma0^2 H_K)) / ((alpha - beta) gamma0 S_K);
5. (kernel + rule instantiate_sums) that is <= the rate
   (D0 + 2 L gamma0^2 sigma_int H_K) / (2 gamma0 (alpha - beta) (sqrt(K+1) - 1)) + 2 beta sigma_int/(alpha - beta).
Also here: ``desqrt``, the sqrt-free restatement used by the z3/Coq cross-checks.
See docs/schedules.md.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy as sp

from proofs.certificate import Certificate, Fact, KernelResult, Lemma, Square, Term
from proofs.context import one_step_context, parameter_context
from proofs.derive import derive_lyapunov
from proofs.implication import condition_from_relational
from proofs.kernel import certificate_exprs, check, lyapunov_goal, split_cases
from proofs.rules import Conclusion, instantiate_sums, telescoping_sum, weighted_telescoping
from theory.methods import get_method
from theory.symbols import D0, K, L, alpha, beta, gamma, gamma0, k, sigma_int, step as STEP, sym

S_K, H_K = sym("S_K"), sym("H_K")      # sum_{k<K} 1/sqrt(k+1), sum_{k<K} 1/(k+1)
ASSUMPTIONS = ("alpha_beta", "smooth")
s_k, s_next, s_K = sp.sqrt(k + 1), sp.sqrt(k + 2), sp.sqrt(K + 1)
gamma_k = get_method("sgd_decreasing").step     # gamma0/sqrt(k+1), the method's own expression
a_k = (alpha - beta) * gamma_k
#: gamma0 <= (alpha - beta)/(2L), as conditions expr >= 0
STEP_CONDITION = sp.Le(gamma0, (alpha - beta) / (2 * L))
SUM_LOWER = 2 * s_K - 2                 # proved lower bound of S_K


def rate_for(P: sp.Expr) -> sp.Expr:
    """The rate obtained from S_K >= P:
    (D0 + 2 L gamma0^2 sigma_int H_K)/(gamma0 (alpha - beta) P) + 2 beta sigma_int/(alpha - beta)."""
    return (D0 + 2 * L * gamma0**2 * sigma_int * H_K) / (gamma0 * (alpha - beta) * P) \
        + 2 * beta * sigma_int / (alpha - beta)


#: the stated rate (H_K kept exact)
RATE = rate_for(SUM_LOWER)


@dataclass
class Proved:
    """(lemma, certificates, kernel result) triple, the shape ``TheoremResult.lemmas`` lists."""
    lemma: Lemma
    certificates: dict
    kernel: KernelResult


def _params_ctx():
    ctx = parameter_context((gamma0,))
    conds = condition_from_relational(STEP_CONDITION, set(ctx.positive), set(ctx.nonnegative))
    for e, strict in conds:
        ctx.add_condition(e, strict)
    return ctx, conds


#: conditions every theorem carries (alpha > beta >= 0, L > 0); the rest are shown as the theorem's conditions
STANDING = ((L, True), (alpha - beta, True), (alpha, True), (beta, False))


def shown_conditions(conclusion: Conclusion) -> list:
    """The final rule's parameter conditions, less the standing ones."""
    return [c for c in conclusion.conditions if c not in STANDING]


def _lemma(name, goal, ctx, extra_nonneg=(), hyps=(), strict=False, definitions=()) -> Lemma:
    return Lemma(name, goal, tuple(ctx.hypotheses) + tuple(hyps), tuple(ctx.equalities), tuple(ctx.positive),
                 tuple(ctx.nonnegative) + tuple(extra_nonneg), strict, definitions)


def one_step() -> tuple[Proved, sp.Expr, sp.Expr]:
    """Step 1: derive A(gamma), B(gamma) for a constant step, substitute gamma := gamma_k, re-check."""
    d = derive_lyapunov("sgd", gamma, ASSUMPTIONS, (gamma,))
    sub = {gamma: gamma_k}
    A, B = sp.factor(d.A.xreplace(sub)), sp.factor(d.B.xreplace(sub))
    certs = {lab: Certificate(tuple(Term(t.multiplier.xreplace(sub), tuple(x.xreplace(sub) for x in t.factors))
                                    for t in c.terms), c.eq_terms, c.squares, c.facts, c.slack)
             for lab, c in d.certificates.items()}
    lem = _lemma("sgd_decreasing_one_step", lyapunov_goal(STEP, A, B, 0), one_step_context(ASSUMPTIONS, (gamma0,)),
                 (k,), definitions=((STEP, gamma_k),))
    return Proved(lem, certs, check(lem, certs)), A, B


def sqrt_ge_one(x: sp.Symbol) -> Fact:
    """sqrt(x+1) - 1 >= 0 for x >= 0: sqrt(x+1) - 1 = x/(sqrt(x+1) + 1)."""
    return Fact(sp.sqrt(x + 1) - 1, Certificate(terms=(Term(1 / (sp.sqrt(x + 1) + 1), (x,)),)))


def a_lower(A: sp.Expr) -> Proved:
    """Step 2: A_k - a_k = (gamma0/s)(alpha - beta - 2 L gamma0) + (2 L gamma0^2/s^2)(s - 1) >= 0."""
    ctx, conds = _params_ctx()
    h = conds[-1][0]                                   # alpha - beta - 2 L gamma0 (primitive form)
    lem = _lemma("sgd_decreasing_A_lower", A - a_k, ctx, (k,))
    scale = sp.cancel((alpha - beta - 2 * L * gamma0) / h)
    cert = Certificate(terms=(Term(scale * gamma0 / s_k, (h,)), Term(2 * L * gamma0**2 / (k + 1), (s_k - 1,))),
                       facts=(sqrt_ge_one(k),))
    return Proved(lem, {"main": cert}, check(lem, {"main": cert}))


def a_positive() -> Proved:
    ctx, _ = _params_ctx()
    lem = _lemma("sgd_decreasing_a_positive", a_k, ctx, (k,), strict=True)
    return Proved(lem, {"main": Certificate(slack=a_k)}, check(lem, {"main": Certificate(slack=a_k)}))


def per_term_sqrt(factor: sp.Expr = sp.Integer(2)) -> Proved:
    """1/s_k - factor (s_{k+1} - s_k) >= 0; for factor 2 the certificate is (1/s_k) (s_{k+1} - s_k)^2:
    (s_{k+1} - s_k)^2/s_k = (2k + 3 - 2 s_k s_{k+1})/s_k = 1/s_k - 2 (s_{k+1} - s_k)."""
    lem = Lemma("sum_inv_sqrt_per_term", 1 / s_k - factor * (s_next - s_k), nonnegative=(k,))
    cert = Certificate(squares=(Square(1 / s_k, s_next - s_k),))
    return Proved(lem, {"main": cert}, check(lem, {"main": cert}))


def per_term_harmonic() -> Proved:
    lem = Lemma("sum_harmonic_per_term", 1 / (k + 1), nonnegative=(k,))
    cert = Certificate(terms=(Term(1 / (k + 1), ()),))
    return Proved(lem, {"main": cert}, check(lem, {"main": cert}))


def rate_lemma(claimed: sp.Expr, A_sum: sp.Expr, B_sum: sp.Expr, P: sp.Expr = SUM_LOWER) -> Proved:
    """claimed - (D0 + sigma_int B_sum)/A_sum >= 0 given S_K >= P (default 2 sqrt(K+1) - 2), H_K >= 0, K > 0.
    Certificate: the difference divided by (S_K - P), split into its additive terms, as multipliers of the
    hypothesis S_K - P >= 0 (for the stated rate: (D0 + 2 L gamma0^2 sigma_int H_K)/((alpha - beta) gamma0 P S_K))."""
    ctx, _ = _params_ctx()
    hyp = S_K - P
    ctx.positive.append(K)
    lem = _lemma("sgd_decreasing_rate", claimed - (D0 + sigma_int * B_sum) / A_sum, ctx,
                 (D0, sigma_int, H_K), hyps=(("sum_inv_sqrt_lower", hyp),))
    r = sp.Dummy("r", positive=True)                    # r = sqrt(K+1), K = r^2 - 1: rational in r
    ratio = sp.factor(sp.cancel(sp.together((lem.goal / hyp).xreplace({s_K: r, K: r**2 - 1}))))
    num, den = sp.fraction(ratio)
    terms = tuple(Term((t / den).xreplace({r: s_K}), (hyp,)) for t in sp.Add.make_args(sp.expand(num)))
    facts = (Fact(s_K - 1, Certificate(), K / (s_K + 1), True),          # sqrt(K+1) - 1 = K/(sqrt(K+1) + 1) > 0
             Fact(S_K, Certificate(terms=(Term(sp.Integer(1), (hyp,)),)), P, True))   # S_K >= P > 0
    cert = Certificate(terms=terms, facts=facts)
    return Proved(lem, {"main": cert}, check(lem, {"main": cert}))


@dataclass
class ScheduleDerivation:
    A: sp.Expr
    B: sp.Expr
    C: sp.Expr
    rate: sp.Expr
    conditions: list = field(default_factory=list)
    #: a random term added to the one-step inequality's right side, summed along the trajectory by a rule
    remainder: sp.Expr = sp.Integer(0)


@dataclass
class ScheduleTheoremResult:
    """Quacks like ``proofs.theorems.TheoremResult``; ``rules`` are the trusted-rule conclusions used."""
    spec: object
    method: object
    derivation: ScheduleDerivation
    proofs: list[Proved]
    rules: list[Conclusion]
    bound: sp.Expr
    conditions: list
    seconds: float
    backends: dict = field(default_factory=dict)
    implications: list = field(default_factory=list)
    rate_proof: None = None
    #: hand-written Coq files proving the facts the trusted rules used (compiled by ``run_backends``)
    coq_facts: tuple = ()
    #: the assumptions the theorem states when it is built without a spec (a spec's own list wins)
    stated_assumptions: tuple = ()

    @property
    def lemmas(self) -> list[tuple[Lemma, dict, KernelResult]]:
        return [(p.lemma, p.certificates, p.kernel) for p in self.proofs]

    @property
    def proved(self) -> bool:
        """Every lemma proved, every rule holds, and the final rule used no assumption the theorem does not state."""
        from theory.conditions import REALIZABILITY
        stated = set(self.spec.assumptions if self.spec is not None else self.stated_assumptions)
        used = set(self.rules[-1].assumptions) if self.rules else set()
        return all(p.kernel.proved for p in self.proofs) and all(r.holds for r in self.rules) and \
            used <= stated | {h.name for h in REALIZABILITY}

    @property
    def backend_lemmas(self) -> list[tuple[Lemma, dict, KernelResult]]:
        """Sqrt-free restatements (``desqrt``), kernel-checked again, for the z3 and Coq cross-checks."""
        if not hasattr(self, "_backend"):
            self._backend = [(lem, certs, check(lem, certs)) for p in self.proofs
                             for lem, certs in backend_restatements(p.lemma, p.certificates)]
        return self._backend

    def bound_inputs(self, iterations: int) -> dict[str, float]:
        """Numeric value of the exact sum kept in the bound: H_K = sum_{k<K} 1/(k+1)."""
        return {"H_K": float(sum(1.0 / (j + 1) for j in range(iterations)))}


def prove_sgd_decreasing(spec=None, claimed: sp.Expr = RATE) -> ScheduleTheoremResult:
    """Steps 1-5 of the module docstring; ``claimed`` may be replaced to test stronger statements."""
    t0 = time.perf_counter()
    step1, A, B = one_step()
    step2, step2b = a_lower(A), a_positive()
    sq, hm = per_term_sqrt(), per_term_harmonic()
    sum_sqrt = telescoping_sum(sq.kernel, 1 / s_k, 2 * s_k)
    sum_harm = telescoping_sum(hm.kernel, 1 / (k + 1), sp.Integer(0))
    tele = weighted_telescoping(step1.kernel, step2.kernel, step2b.kernel, gamma_k, A, B, a_k)
    parts = ((S_K, sum_sqrt, (alpha - beta) * gamma0, 2 * beta * gamma0),
             (H_K, sum_harm, sp.Integer(0), 2 * L * gamma0**2))
    final = rate_lemma(claimed, sum(p[2] * p[0] for p in parts), sum(p[3] * p[0] for p in parts))
    inst = instantiate_sums(tele, parts, final.kernel, claimed)
    _, conds = _params_ctx()
    rate = (D0 + sigma_int * sp.Sum(B, (k, 0, K - 1))) / sp.Sum(a_k, (k, 0, K - 1))
    deriv = ScheduleDerivation(A, B, sp.Integer(0), rate, [])
    return ScheduleTheoremResult(spec, get_method("sgd_decreasing"), deriv, [step1, step2, step2b, sq, hm, final],
                                 [sum_sqrt, sum_harm, tele, inst], claimed, conds[:1], time.perf_counter() - t0,
                                 stated_assumptions=ASSUMPTIONS)


# ---------------------------------------------------------------------------------------------------------
# Sqrt-free restatement for the z3 and Coq cross-checks (neither reads b**(1/2)); untrusted, re-checked by the
# kernel. Each atom sqrt(b) becomes a fresh symbol r with r >= 0 (r > 0 when b is manifestly positive) and the
# equality r^2 - b == 0; for b >= 0 these say exactly r = sqrt(b), so the statement is the same. Certificate
# identities that held with sqrt(b)^2 = b now need equality terms: divide the residual's numerator by r^2 - b.

def _roots_of(exprs) -> list[sp.Expr]:
    """Bases b of the atoms sqrt(b), and a^2 for the atoms |a| (|a| is the nonnegative root of a^2)."""
    out: list[sp.Expr] = []
    for e in exprs:
        for n in sp.preorder_traversal(sp.sympify(e)):
            b = n.base if isinstance(n, sp.Pow) and n.exp.is_Rational and n.exp.q == 2 else \
                (n.args[0] ** 2 if isinstance(n, sp.Abs) else None)
            if b is not None and b not in out:
                out.append(b)
    return sorted(out, key=sp.default_sort_key)


def _eq_terms(target, cert: Certificate, roots: dict) -> tuple:
    """Equality terms mu_j (r_j^2 - b_j) making ``cert`` an identity for ``target`` (both already translated)."""
    from proofs.certificate import EqTerm
    res = target - cert.slack - sum(t.multiplier * sp.Mul(*t.factors) for t in cert.terms) \
        - sum(q.multiplier * q.equality for q in cert.eq_terms) - sum(s.weight * s.base**2 for s in cert.squares)
    num, den = sp.fraction(sp.cancel(sp.together(res)))
    out = []
    for b, r in roots.items():
        q, num = sp.div(sp.Poly(sp.expand(num), r), sp.Poly(r**2 - b, r))
        q, num = q.as_expr(), num.as_expr()
        if q != 0:
            out.append(EqTerm(sp.cancel(q / den), r**2 - b))
    return tuple(out)


def case_lemmas(lemma: Lemma, certs: dict[str, Certificate]) -> list[tuple[Lemma, dict[str, Certificate]]]:
    """One lemma per feasible case of the kernel's split of ``lemma`` (definitions substituted, the branch
    conditions declared as the kernel declares them), each with its case's certificate under "main". Together they
    state exactly ``lemma``. Used when a root's base contains a Min/Max/Piecewise, which one symbol cannot replace."""
    from proofs.kernel import sign
    out = []
    for i, case in enumerate(split_cases(sp.sympify(lemma.goal), lemma.definitions)):
        if any(cd.kind == "false" for cd in case.conditions):
            continue
        pos, nonneg, eqs = list(lemma.positive), list(lemma.nonnegative), list(lemma.equalities)
        for j, cd in enumerate(case.conditions):
            if cd.kind in ("ge", "gt"):
                (pos if cd.kind == "gt" else nonneg).append(cd.expr)
                num, den = sp.fraction(sp.together(cd.expr))
                if sign(den, set(pos), set(nonneg)) == "pos" and isinstance(num, sp.Add) and num.primitive()[0] > 0:
                    (pos if cd.kind == "gt" else nonneg).append(num.primitive()[1])
            elif cd.kind == "eq":
                eqs.append((f"case_{j}", cd.expr))
            elif cd.kind == "ne" and sign(cd.expr, set(pos), set(nonneg)) is not None:
                pos.append(cd.expr)
        out.append((Lemma(f"{lemma.name}_case{i}", case.goal, lemma.hypotheses, tuple(eqs), tuple(pos), tuple(nonneg),
                          lemma.strict), {"main": certs.get(case.label, Certificate())}))
    return out


def backend_restatements(lemma: Lemma, certs: dict[str, Certificate]) -> list[tuple[Lemma, dict[str, Certificate]]]:
    """What z3 and Coq check for ``lemma``: its sqrt-free restatement, case by case when a root's base branches."""
    bases = _roots_of([lemma.goal, *(e for _, e in lemma.definitions)])
    if any(b.has(sp.Min, sp.Max, sp.Piecewise) for b in bases):
        return [desqrt(cl, cc) for cl, cc in case_lemmas(lemma, certs)]
    return [desqrt(lemma, certs)]


def desqrt(lemma: Lemma, certs: dict[str, Certificate]) -> tuple[Lemma, dict[str, Certificate]]:
    """The restatement described above, with translated certificates (not yet checked)."""
    from proofs.kernel import sign
    pos, nonneg = set(lemma.positive), set(lemma.nonnegative)
    # only roots whose base is manifestly >= 0 under the lemma's own declarations: r^2 = b would otherwise add
    # b >= 0 as a hypothesis (|a| always has r = |a|, so a^2 needs no sign)
    bases = [b for b in _roots_of([lemma.goal, *(e for _, e in lemma.definitions), *(e for _, e in lemma.hypotheses)]
                                  + [x for c in certs.values() for x in certificate_exprs(c)])
             if sign(b, pos, nonneg) is not None or (b.is_Pow and b.exp == 2)]
    if not bases:
        return lemma, certs
    roots = {b: sp.Symbol(f"r{i}", real=True) for i, b in enumerate(bases)}

    def tr(e):
        e = sp.sympify(e).replace(lambda n: isinstance(n, sp.Abs) and n.args[0] ** 2 in roots,
                                  lambda n: roots[n.args[0] ** 2])
        return e.replace(lambda n: isinstance(n, sp.Pow) and n.exp.is_Rational and n.exp.q == 2
                         and n.base in roots, lambda n: roots[n.base] ** n.exp.p)
    new_pos = tuple(r for b, r in roots.items() if sign(b, pos, nonneg) == "pos")
    new_nonneg = tuple(r for r in roots.values() if r not in new_pos)
    eqs = tuple((f"sqrt_{r}", r**2 - b) for b, r in roots.items())
    lem = Lemma(lemma.name + "_nosqrt", tr(lemma.goal), tuple((n, tr(e)) for n, e in lemma.hypotheses),
                lemma.equalities + eqs, lemma.positive + new_pos, lemma.nonnegative + new_nonneg, lemma.strict,
                tuple((s, tr(e)) for s, e in lemma.definitions))

    def tr_cert(c: Certificate, target) -> Certificate:
        facts = tuple(Fact(tr(fa.expr), tr_cert(fa.certificate, tr(fa.expr) - tr(fa.lower)), tr(fa.lower), fa.strict)
                      for fa in c.facts)
        out = Certificate(tuple(Term(tr(t.multiplier), tuple(tr(x) for x in t.factors)) for t in c.terms),
                          tuple(type(q)(tr(q.multiplier), tr(q.equality)) for q in c.eq_terms),
                          tuple(Square(tr(s.weight), tr(s.base)) for s in c.squares), facts, tr(c.slack))
        return Certificate(out.terms, out.eq_terms + _eq_terms(target, out, {b: roots[b] for b in roots}),
                           out.squares, out.facts, out.slack)
    targets = {case.label: case.goal for case in split_cases(lem.goal, lem.definitions)}
    return lem, {lab: tr_cert(c, targets[lab]) for lab, c in certs.items() if lab in targets}
