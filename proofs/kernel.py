"""The trusted kernel: the only code that decides whether a certificate proves a lemma.

Everything else (search, derivations, z3, Coq) only proposes or cross-checks. Exact arithmetic only:
SymPy together/cancel/Poly over QQ, no floats, no simplify. Per case of the lemma (cases generated here
from Min/Max/Piecewise nodes), a certificate passes when (1) every atom is a symbol or a rational,
(2) multipliers and square weights are manifestly >= 0, factors are case hypotheses (or manifestly
>= 0), the slack is manifestly > 0 for strict goals and 0 otherwise, (3) every denominator and sqrt
base is manifestly signed, (4) target - certificate has a zero numerator. "Manifestly" = by ``sign``
from declared atoms. Sound: the identity holds wherever the denominators are nonzero, and there each
summand is >= 0. See proofs/certificate.py for the data.
"""
from __future__ import annotations

import sympy as sp

from proofs.certificate import (Case, CaseResult, Certificate, Condition, EqTerm, KernelResult, Lemma, Square,
                                Term, ZERO)
from theory.symbols import D0, K, sigma_int, sigma_pos, d2, f, f_p, f_star, g2, gd

_BRANCHING = (sp.Min, sp.Max, sp.Piecewise)


def sign(e: sp.Expr, pos: set, nonneg: set) -> str | None:
    """'pos' if e > 0, 'nonneg' if e >= 0 follows syntactically from the declared atoms, else None."""
    if e in pos or e in nonneg:
        return "pos" if e in pos else "nonneg"
    if e.is_Rational:
        return "pos" if e > 0 else ("nonneg" if e == 0 else None)
    if isinstance(e, sp.Add):
        q, rest = e.primitive()   # e = q * rest: 2a - 2b is signed like a - b
        if q > 0 and q != 1 and rest != e and sign(rest, pos, nonneg):
            return sign(rest, pos, nonneg)
        num, den = sp.fraction(sp.together(e))   # e = num/den: 2a - 1/c is signed like 2ac - 1 when c > 0
        if den != 1 and sign(den, pos, nonneg) == "pos":
            return sign(sp.expand(num), pos, nonneg)
    if isinstance(e, (sp.Add, sp.Mul)):
        signs = [sign(a, pos, nonneg) for a in e.args]
        if None in signs:
            return None
        if isinstance(e, sp.Add):
            return "pos" if "pos" in signs else "nonneg"
        return "pos" if all(s == "pos" for s in signs) else "nonneg"
    if isinstance(e, sp.Abs):   # |b| >= 0, and > 0 when b > 0 (sqrt(b0^2) evaluates to Abs(b0))
        return "pos" if sign(e.args[0], pos, nonneg) == "pos" else "nonneg"
    if isinstance(e, sp.Pow) and e.exp.is_Rational and e.exp.q in (1, 2):   # b^n and sqrt(b)^n
        s = sign(e.base, pos, nonneg)
        if s == "pos" or (e.exp > 0 and (s == "nonneg" or (e.exp.q == 1 and e.exp.p % 2 == 0))):
            return s if s == "pos" else "nonneg"
    return None


def _condition_of(cond: sp.Basic, holds: bool) -> list[Condition]:
    """The conditions meaning ``cond`` (holds=True) or ``not cond`` (holds=False)."""
    if cond is sp.true:
        return [] if holds else [Condition("false", ZERO)]
    if isinstance(cond, sp.And) and holds:
        return [c for a in cond.args for c in _condition_of(a, True)]
    if isinstance(cond, sp.Or) and not holds:
        return [c for a in cond.args for c in _condition_of(a, False)]
    if isinstance(cond, sp.Not):
        return _condition_of(cond.args[0], not holds)
    kinds = {sp.Eq: ("eq", "ne"), sp.Ne: ("ne", "eq"), sp.Ge: ("ge", "gt'"), sp.Gt: ("gt", "ge'"),
             sp.Le: ("ge'", "gt"), sp.Lt: ("gt'", "ge")}
    for cls, (yes, no) in kinds.items():
        if isinstance(cond, cls):
            kind = yes if holds else no
            diff = cond.lhs - cond.rhs
            return [Condition(kind.rstrip("'"), -diff if kind.endswith("'") else diff)]
    raise ValueError(f"unsupported case condition {cond}")


def split_cases(goal: sp.Expr, definitions: tuple = ()) -> list[Case]:
    """All piecewise-free instances of ``goal``, one per branch choice of each Min/Max/Piecewise node.

    ``definitions`` ((symbol, expression), ...) are split first, in order, and substituted branch by branch,
    so that one definition (a step size used as step and step^2) takes the same branch everywhere."""
    if definitions:
        (name, expr), rest = definitions[0], definitions[1:]
        cases = []
        for br in split_cases(sp.sympify(expr)):
            rest_ = tuple((t, e.xreplace({name: br.goal})) for t, e in rest)
            for sub in split_cases(goal.xreplace({name: br.goal}), rest_):
                label = f"{name}: {br.label}" + ("" if sub.label == "main" else f", {sub.label}")
                cases.append(Case(label, sub.goal, br.conditions + sub.conditions))
        return cases
    # outermost first (preorder meets a parent before its children): an inner node's branch conditions
    # are only meaningful on the outer branch that selects it
    node = next((n for n in sp.preorder_traversal(goal) if isinstance(n, _BRANCHING)), None)
    if node is None:
        return [Case("main", goal, ())]
    branches = []
    if isinstance(node, (sp.Min, sp.Max)):
        args = sorted(node.args, key=sp.default_sort_key)
        for j, a in enumerate(args):
            conds = [Condition("ge", (b - a) if isinstance(node, sp.Min) else (a - b))
                     for i, b in enumerate(args) if i != j]
            branches.append((f"{type(node).__name__}={a}", a, conds))
    else:
        earlier: list[Condition] = []
        for value, cond in node.args:
            branches.append((f"[{cond}]", value, earlier + _condition_of(cond, True)))
            if cond is not sp.true:
                earlier = earlier + _condition_of(cond, False)
        if node.args[-1].cond is not sp.true:   # no default branch: undefined there, never provable
            branches.append(("[otherwise]", sp.nan, earlier))
    cases = []
    for label, value, conds in branches:
        for sub in split_cases(goal.xreplace({node: value})):
            label_ = label if sub.label == "main" else f"{label}, {sub.label}"
            cases.append(Case(label_, sub.goal, tuple(conds) + sub.conditions))
    return cases


def _denominators(e: sp.Expr) -> list[sp.Expr]:
    return [n.base for n in sp.preorder_traversal(e) if isinstance(n, sp.Pow) and n.exp.is_negative]


def _roots(e: sp.Expr) -> set:
    """sqrt(b) atoms: b^(1/2), from any b^(n/2)."""
    return {sp.sqrt(n.base) for n in sp.preorder_traversal(e) if isinstance(n, sp.Pow) and n.exp.is_Rational
            and n.exp.q == 2}


def _is_zero_rational_function(e: sp.Expr) -> bool:
    """Zero as a rational function of the symbols and of the sqrt atoms taken as independent generators
    (stronger than zero under r^2 = b, hence sound)."""
    num, _ = sp.fraction(sp.cancel(sp.together(e)))
    gens = sorted(num.free_symbols, key=lambda s: s.name) + sorted(_roots(num), key=sp.default_sort_key)
    return sp.Poly(num, *(gens or [sp.Dummy("z")]), domain=sp.QQ).is_zero


def _sympified(c: Certificate) -> Certificate:
    S = sp.sympify
    return Certificate(tuple(Term(S(t.multiplier), tuple(map(S, t.factors))) for t in c.terms),
                       tuple(EqTerm(S(q.multiplier), S(q.equality)) for q in c.eq_terms),
                       tuple(Square(S(q.weight), S(q.base)) for q in c.squares), c.facts, S(c.slack))


def check_certificate(target: sp.Expr, strict: bool, hyps: list, eqs: list, pos: set, nonneg: set,
                      cert: Certificate) -> str | None:
    """None if ``cert`` proves target >= 0 (> 0 if strict) in this context; else the reason it does not."""
    target, cert = sp.sympify(target), _sympified(cert)
    for fact in cert.facts:
        why = check_certificate(fact.expr - fact.lower, False, hyps, eqs, pos, nonneg, fact.certificate)
        if why or fact.certificate.facts:
            return f"fact {fact.expr} >= {fact.lower}: {why or 'nested facts are not allowed'}"
        if sign(fact.lower, pos, nonneg) not in (("pos",) if fact.strict else ("pos", "nonneg")):
            return f"fact {fact.expr}: lower bound {fact.lower} is not manifestly {'positive' if fact.strict else 'nonnegative'}"
        (pos if fact.strict else nonneg).add(fact.expr)
        hyps = hyps + [fact.expr]
    used = [target, cert.slack]
    for t in cert.terms:
        if sign(t.multiplier, pos, nonneg) is None:
            return f"multiplier {t.multiplier} is not manifestly nonnegative"
        for h in t.factors:
            if h not in hyps and sign(h, pos, nonneg) is None:
                return f"factor {h} is not a hypothesis of this case"
        used += [t.multiplier, *t.factors]
    for q in cert.eq_terms:
        if q.equality not in eqs:
            return f"{q.equality} == 0 is not an equality of this case"
        used += [q.multiplier, q.equality]
    for s in cert.squares:
        if sign(s.weight, pos, nonneg) is None:
            return f"square weight {s.weight} is not manifestly nonnegative"
        used += [s.weight, s.base]
    if (sign(cert.slack, pos, nonneg) != "pos") if strict else (cert.slack != 0):
        return "slack must be manifestly positive for a strict goal and 0 otherwise"
    for e in used:
        e = sp.sympify(e)
        if e.atoms(sp.Float) or any(not (a.is_Symbol or a.is_Rational) for a in e.atoms()):
            return f"{e} has a float or a non-rational atom"
        if any(isinstance(n, sp.Pow) and not (n.exp.is_Rational and n.exp.q in (1, 2)) for n in sp.preorder_traversal(e)):
            return f"{e} has a power other than an integer or half-integer one"
        for den in _denominators(e):
            if sign(den, pos, nonneg) != "pos":
                return f"denominator {den} is not manifestly positive"
        for root in _roots(e):
            if sign(root.base, pos, nonneg) is None:
                return f"square root of {root.base}, which is not manifestly nonnegative"
    residual = target - cert.slack - sp.Add(*(t.multiplier * sp.Mul(*t.factors) for t in cert.terms)) \
        - sp.Add(*(q.multiplier * q.equality for q in cert.eq_terms)) \
        - sp.Add(*(s.weight * s.base**2 for s in cert.squares))
    if not _is_zero_rational_function(residual):
        return "the certificate identity does not hold"
    return None


def plain(s: sp.Basic) -> bool:
    """A symbol the kernel may read: Symbol(name, real=True) and nothing more."""
    return isinstance(s, sp.Symbol) and s == sp.Symbol(s.name, real=True)


def certificate_exprs(c: Certificate) -> list:
    """Every expression of a certificate: slack, terms, equality terms, squares, facts and their certificates."""
    out = [c.slack, *(x for t in c.terms for x in (t.multiplier, *t.factors)),
           *(x for q in c.eq_terms for x in (q.multiplier, q.equality)), *(x for q in c.squares for x in (q.weight, q.base))]
    return out + [x for f in c.facts for x in (f.expr, f.lower, *certificate_exprs(f.certificate))]


def check(lemma: Lemma, certificates: dict[str, Certificate]) -> KernelResult:
    """Check one certificate per case of ``lemma`` (keys: the case labels of ``split_cases``)."""
    odd = [s for s in lemma.symbols() | {a for c in certificates.values() for e in certificate_exprs(c) for a in sp.sympify(e).free_symbols} if not plain(s)]
    if odd:   # SymPy would simplify with the symbol's assumptions (Abs(n) = -n for n < 0): the lemma speaks of all reals
        return KernelResult(lemma, False, (CaseResult("symbols", False, f"symbol {odd[0]} is not a plain real symbol"),))
    results = []
    for case in split_cases(sp.sympify(lemma.goal), lemma.definitions):
        pos, nonneg = set(lemma.positive), set(lemma.nonnegative)
        hyps = [h for _, h in lemma.hypotheses] + list(lemma.positive) + list(lemma.nonnegative)
        eqs = [e for _, e in lemma.equalities]
        infeasible = False
        for c in case.conditions:
            if c.kind in ("ge", "gt"):
                hyps.append(c.expr)
                (pos if c.kind == "gt" else nonneg).add(c.expr)
                num, den = sp.fraction(sp.together(c.expr))  # e >= 0, den > 0: num/content >= 0 too
                if sign(den, pos, nonneg) == "pos" and isinstance(num, sp.Add) and num.primitive()[0] > 0:
                    (pos if c.kind == "gt" else nonneg).add(num.primitive()[1])
            elif c.kind == "eq":
                eqs.append(c.expr)
            elif c.kind == "ne" and sign(c.expr, pos, nonneg) is not None:
                pos.add(c.expr)  # nonnegative and nonzero: positive
            elif c.kind == "false":
                infeasible = True
        cert = certificates.get(case.label)
        if infeasible:
            results.append(CaseResult(case.label, True, "branch condition is false"))
        elif cert is None:
            results.append(CaseResult(case.label, False, "no certificate for this case"))
        else:
            try:
                why = check_certificate(case.goal, lemma.strict, hyps, eqs, pos, nonneg, cert)
            except (sp.PolynomialError, sp.polys.polyerrors.PolificationFailed, ValueError, TypeError) as exc:
                why = f"not a rational identity: {exc}"
            results.append(CaseResult(case.label, why is None, why or "certified"))
    return KernelResult(lemma, all(r.ok for r in results), tuple(results))


def lyapunov_goal(step: sp.Expr, A: sp.Expr, B: sp.Expr, C: sp.Expr) -> sp.Expr:
    """[d2 - A (f - f_p) + B (f_p - f_star) + C f_star] - ||x - step*grad - x_p||^2, with
    ||x - step*grad - x_p||^2 = d2 - 2 step gd + step^2 g2 (THEORY.md section 4)."""
    return (d2 - A * (f - f_p) + B * (f_p - f_star) + C * f_star) - (d2 - 2 * step * gd + step**2 * g2)


def lyapunov_rate(A: sp.Expr, B: sp.Expr, C: sp.Expr) -> sp.Expr:
    """Averaging over i and telescoping over k < K (THEORY.md section 4), valid when A > 0 and A, B, C are
    constants: min_k E[f(x_k) - f*] <= D0/(A K) + (B sigma_int + C sigma_pos)/A."""
    return D0 / (A * K) + (B * sigma_int + C * sigma_pos) / A


def rate_theorem(step, A, B, C, claimed, one_step: KernelResult, positive: KernelResult, rate: KernelResult) -> bool:
    """min_k E[f(x_k) - f*] <= claimed, for the method with this step, follows when: the one-step lemma is
    lyapunov_goal(step, A, B, C) >= 0 under per-sample facts only (realizability, the catalogue's
    assumptions, and positivity of the step's own denominators, where the formula is defined); A > 0 and
    claimed - lyapunov_rate(A, B, C) >= 0 are proved with no equalities or definitions; A, B, C are free of
    oracle symbols, k and the step; and every parameter condition of the first two lemmas is assumed by the
    rate lemma (so they apply on its whole region)."""
    from theory.conditions import ASSUMPTIONS, REALIZABILITY
    from theory.symbols import k, step as STEP
    oracle = {d2, gd, g2, f, f_p, f_star, k, STEP}
    has_oracle = lambda e: bool(sp.sympify(e).free_symbols & oracle)  # noqa: E731
    facts = lambda lem: {e for _, e in lem.hypotheses} | set(lem.positive) | set(lem.nonnegative)  # noqa: E731
    lem1, lem2, lem3 = one_step.lemma, positive.lemma, rate.lemma
    allowed = {h.expr for h in REALIZABILITY} | {h.expr for h in ASSUMPTIONS.values() if not h.equality} | \
        {d2, g2, f - f_star, f_p - f_star} | ({f} if f_star in facts(lem1) else set()) | \
        {n.base for n in sp.preorder_traversal(sp.sympify(step)) if isinstance(n, sp.Pow) and n.exp.is_negative
         and has_oracle(n.base) and n.base in lem1.positive}
    eq_ok = all(e in {h.expr for h in ASSUMPTIONS.values() if h.equality} for _, e in lem1.equalities)
    return (one_step.proved and positive.proved and rate.proved and eq_ok
            and not (lem2.equalities or lem3.equalities or lem2.definitions or lem3.definitions)
            and lem1.goal == lyapunov_goal(STEP, A, B, C) and lem1.definitions == ((STEP, step),)
            and lem2.goal == A and lem2.strict and lem3.goal == claimed - lyapunov_rate(A, B, C)
            and not any(has_oracle(x) for x in (A, B, C))
            and all(e in allowed for e in facts(lem1) if has_oracle(e))
            and not any(has_oracle(e) for e in facts(lem2) | facts(lem3))
            and {e for e in facts(lem1) | facts(lem2) if not has_oracle(e)} <= facts(lem3))
