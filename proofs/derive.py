"""Derivation of one-step Lyapunov lemmas and rates for any step size (untrusted; the kernel decides).

Template (THEORY.md section 4, with the positivity error of NGN), written with E = A + B:

    ||x - step grad f_i(x) - x_p||^2 <= d2 - A (f - f_p) + B (f_p - f_star) + C f_star
                                      = d2 - A (f - f_star) + E (f_p - f_star) + C f_star

Procedure:
  1. split the template into the kernel's cases (branches of the step's Min/Piecewise);
  2. in each case maximise A (then minimise E, C) by LP + exact re-solve (``proofs.search``);
     A* = min over cases, with dominated entries dropped and common nonnegative factors pulled out;
  3. with A = A* fixed, minimise E per case; E* = max over cases; B* = E* - A*; then C likewise;
  4. search a certificate for every case of the final lemma; the kernel checks them;
  5. A* > 0 as a strict parameter-only lemma, checked by the kernel; the rate follows by the kernel's
     averaging-and-telescoping rule ``lyapunov_rate``.
When a case resists the direct search (NGN), the step is *lifted*: a variable s with its defining equality
s * den - num == 0 and range facts s_lo <= s <= s_hi (each proved on its own and carried as a certificate
fact), with candidate squares (s - m)^2 centred at the bounds and at the midpoints of a lower and an upper
bound, times at most one hypothesis (NGN's gamma_k (gamma - gamma_k) f_star <= gamma^2 f_star / 4 is
(gamma_k - gamma/2)^2 f_star >= 0); the certificate found in (oracle, s) is mapped back by substituting s.
A certificate found at one parameter point is often valid only near it; the lifted search, and the plain
search when its certificate comes with conditions, therefore ask for the cheapest certificate structure
that fits several points of the case at once (``proofs.lp.common_support``).
Multipliers that are not manifestly nonnegative give *derived parameter conditions*; the strict ones needed
for A* > 0 are added in step 5. They are the theorem's parameter conditions.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

import sympy as sp

from proofs.certificate import Certificate, EqTerm, Fact, KernelResult, Lemma, Term
from proofs.context import ORACLE_VARIABLES, Context, one_step_context
from proofs.kernel import check, lyapunov_goal, lyapunov_rate, sign, split_cases
from proofs.sampling import EmptyRegion, make_sampler
from proofs.search import SearchResult, find_certificate, signed_form
from theory.symbols import step as STEP

A_, E_, C_, T_ = sp.symbols("A_ E_ C_ T_", real=True)
S_ = sp.Symbol("s_", real=True)     # the lifted step
JOINT_POINTS = 3   # parameter points a lifted (or retried) certificate must fit at once


class DerivationError(RuntimeError):
    pass


@dataclass
class Derivation:
    name: str
    step: sp.Expr
    assumptions: tuple[str, ...]
    A: sp.Expr
    B: sp.Expr
    C: sp.Expr
    conditions: list[tuple[sp.Expr, bool]]          # derived parameter conditions (expr, strict)
    lemma: Lemma
    certificates: dict[str, Certificate]
    kernel: KernelResult
    positivity: KernelResult                        # A > 0
    positivity_certificates: dict[str, Certificate]
    rate: sp.Expr
    context: Context
    notes: list[str] = field(default_factory=list)

    @property
    def proved(self) -> bool:
        return self.kernel.proved and self.positivity.proved


def case_setting(ctx: Context, conditions, params: set):
    """Hypotheses, equalities, sign sets and a parameter sampler for one case."""
    hyps = [h for _, h in ctx.hypotheses] + list(ctx.positive) + list(ctx.nonnegative)
    eqs = [e for _, e in ctx.equalities]
    pos, nonneg = set(ctx.positive), set(ctx.nonnegative)
    s_pos, s_nonneg = list(ctx.positive), list(ctx.nonnegative)
    for cd in conditions:
        if cd.kind in ("ge", "gt"):
            hyps.append(cd.expr)
            (pos if cd.kind == "gt" else nonneg).add(cd.expr)
            num, den = sp.fraction(sp.together(cd.expr))   # mirrors the kernel's rule
            if sign(den, pos, nonneg) == "pos" and isinstance(num, sp.Add) and num.primitive()[0] > 0:
                (pos if cd.kind == "gt" else nonneg).add(num.primitive()[1])
            (s_pos if cd.kind == "gt" else s_nonneg).append(cd.expr)
        elif cd.kind == "eq":
            eqs.append(cd.expr)
        elif cd.kind == "ne" and sign(cd.expr, pos, nonneg):
            pos.add(cd.expr)
    sampler = make_sampler(params, [e for e in s_nonneg if e.free_symbols <= params],
                           [e for e in s_pos if e.free_symbols <= params])
    return hyps, eqs, pos, nonneg, sampler


def combine(values: list[sp.Expr], pos: set, nonneg: set, kind) -> sp.Expr:
    """Min (kind=sp.Min) or Max of values, dropping entries manifestly dominated by another one and
    pulling a common nonnegative factor out (A = X * Min(m1, m2) rather than Min(X m1, X m2))."""
    uniq: list[sp.Expr] = []
    for v in values:
        if not any(sp.cancel(sp.together(v - u)) == 0 for u in uniq):
            uniq.append(v)
    keep = []
    for i, v in enumerate(uniq):
        dominated = any(
            sign(sp.factor(sp.together(v - u if kind is sp.Min else u - v)), pos, nonneg) is not None
            for j, u in enumerate(uniq) if j != i)
        if not dominated:
            keep.append(v)
    if not keep:   # all equal up to manifest order: keep the first
        keep = uniq[:1]
    if len(keep) == 1:
        return keep[0]
    fracs = [sp.fraction(sp.factor(sp.together(v))) for v in keep]
    g = fracs[0][0]
    for n, _ in fracs[1:]:
        g = sp.gcd(g, n)
    g = sp.factor(g)
    if g != 1 and sign(g, pos, nonneg) is not None:
        return g * kind(*[sp.factor(sp.cancel(v / g)) for v in keep], evaluate=False)
    return kind(*keep, evaluate=False)


def _step_bounds(value, hyps, eqs, pos, nonneg, sampler):
    """Certified lower/upper bounds s_lo <= value <= s_hi in the parameters, as facts (or None)."""
    facts = []
    for sense in ("lower", "upper"):
        goal = value - T_ if sense == "lower" else T_ - value
        res = find_certificate(goal, hyps, eqs, pos, nonneg, ORACLE_VARIABLES, sampler, (T_,),
                               maximize=T_ if sense == "lower" else None,
                               minimize=() if sense == "lower" else (T_,), samples=1)
        if res.certificate is None or res.conditions:
            continue
        bound = signed_form(res.values[T_], pos, nonneg)[0]
        expr = value - bound if sense == "lower" else bound - value
        facts.append((expr, res.certificate, bound, sense))
    return facts


def step_squares(lower: list[sp.Expr], upper: list[sp.Expr]) -> tuple[sp.Expr, ...]:
    """Candidate square bases for the lifted step s with bounds lower <= s <= upper (0 among the lower ones):
    s - a for every bound a, and s - (a + b)/2 for every lower a and upper b.

    (s - a)^2 h and (s - a)(s - b) h = (s - b)^2 h + (b - a)(s - b) h stand in for products of two bounds;
    (s - a)(b - s) = (b - a)^2/4 - (s - (a + b)/2)^2, so the midpoint square is what bounds such a product
    from above: NGN's gamma_k (gamma - gamma_k) <= gamma^2/4 is (gamma_k - gamma/2)^2 >= 0. Every base is
    sound (a square is >= 0); these are only the search's candidates."""
    lows = list(dict.fromkeys([sp.Integer(0)] + [sp.sympify(a) for a in lower]))
    ups = list(dict.fromkeys(sp.sympify(b) for b in upper))
    return tuple(S_ - a for a in lows + ups) + tuple(S_ - (a + b) / 2 for a in lows for b in ups)


def _lifted_search(case_goal_s, value, hyps, eqs, pos, nonneg, points, unknowns, maximize, minimize):
    """Search with the step as a variable s (see module docstring); map the certificate back. The bounds
    are found at ``points[0]``; the certificate is the cheapest structure that fits every point of
    ``points`` at once (``proofs.lp.common_support``): products of at most two hypotheses (the products
    (s - a)(b - s) of a lower and an upper bound count as one), and the ``step_squares`` times at most one."""
    num, den = sp.fraction(sp.together(value))
    bounds = _step_bounds(value, hyps, eqs, pos, nonneg, lambda _r: points[0])
    lifted_hyps = list(hyps) + [S_]
    lifted_nonneg = set(nonneg) | {S_}
    facts, back = [], {S_: (value,)}
    for expr, cert, bound, sense in bounds:
        h = S_ - bound if sense == "lower" else bound - S_
        lifted_hyps.append(h)
        lifted_nonneg.add(h)
        back[h] = (expr,)
        facts.append(Fact(expr, cert))
    lows = [S_] + [S_ - b for _, _, b, sense in bounds if sense == "lower"]
    for hi in [b - S_ for _, _, b, sense in bounds if sense == "upper"]:
        for lo in lows:   # (s - a)(b - s) >= 0: a product of two bounds, as one hypothesis of degree 2
            lifted_hyps.append(lo * hi)
            back[lo * hi] = back[lo] + back[hi]
    step_eq = sp.expand(S_ * den - num)
    squares = step_squares([b for _, _, b, sense in bounds if sense == "lower"],
                           [b for _, _, b, sense in bounds if sense == "upper"])
    res = find_certificate(case_goal_s, lifted_hyps, eqs + [step_eq], pos, lifted_nonneg,
                           ORACLE_VARIABLES + (S_,), _cycling(points), unknowns, maximize, minimize,
                           samples=len(points), max_products=2, squares=squares)
    if res.certificate is None:
        return res
    sub = {S_: value}
    terms = tuple(Term(t.multiplier.xreplace(sub), sum((back.get(fa, (fa.xreplace(sub),)) for fa in t.factors), ()))
                  for t in res.certificate.terms)
    eq_terms = tuple(EqTerm(q.multiplier.xreplace(sub), q.equality) for q in res.certificate.eq_terms
                     if q.equality != step_eq)
    cert = Certificate(terms=terms, eq_terms=eq_terms, facts=tuple(facts) + res.certificate.facts)
    return SearchResult(cert, res.values, res.conditions, res.reason)


def _cycling(points: list[dict]):
    """A sampler returning ``points`` in turn (each search round of ``find_certificate`` draws them all)."""
    it = itertools.cycle(points)
    return lambda _rng: next(it)


def _cases(goal_s: sp.Expr, step: sp.Expr):
    """(label, conditions, goal with the step substituted, goal with the step as S_, step value) per
    kernel case, labelled as ``split_cases(goal, ((STEP, step),))`` labels them."""
    out = []
    for br in split_cases(step):
        for sub in split_cases(goal_s):
            label = f"step: {br.label}" + ("" if sub.label == "main" else f", {sub.label}")
            out.append((label, br.conditions + sub.conditions, sub.goal.xreplace({STEP: br.goal}),
                        sub.goal.xreplace({STEP: S_}), br.goal))
    return out


def _search_case(case, ctx, params, unknowns, maximize, minimize, positive_objective):
    label, conds, goal, goal_s, value = case
    hyps, eqs, pos, nonneg, sampler = case_setting(ctx, conds, params)
    rng = random.Random(0)
    try:
        probes = [sampler(rng) for _ in range(40)]
    except EmptyRegion:
        return SearchResult(None, {}, [], "empty region")
    candidates, unbounded = [], 0
    for attempt in range(4):
        point = probes[attempt * 7]
        fixed = lambda _r, p=point: p  # noqa: E731
        joint = [probes[(attempt * 7 + 13 * i) % len(probes)] for i in range(JOINT_POINTS)]   # point first
        for lifted in (False, True):
            if lifted and not (value.free_symbols & set(ORACLE_VARIABLES)):
                continue
            res = (_lifted_search(goal_s, value, hyps, eqs, pos, nonneg, joint, unknowns, maximize, minimize)
                   if lifted else
                   find_certificate(goal, hyps, eqs, pos, nonneg, ORACLE_VARIABLES, fixed, unknowns,
                                    maximize, minimize, samples=1))
            if not lifted and not unknowns and res.certificate is not None and res.conditions:
                # a plain certificate valid only near this point: ask for one structure that fits several
                again = find_certificate(goal, hyps, eqs, pos, nonneg, ORACLE_VARIABLES, _cycling(joint), (),
                                         None, (), samples=len(joint))
                if again.certificate is not None and not again.conditions:
                    res = again
            if res.reason == "unbounded":   # at this point; maybe the case is empty only here
                unbounded += 1
                break
            if res.certificate is None:
                continue
            obj = maximize if maximize is not None else (minimize[0] if minimize else None)
            if positive_objective and obj is not None and float(res.values[obj].xreplace(point)) <= 0:
                continue
            conds_ = [c for c in res.conditions if c != -1]
            breadth = sum(all(c.xreplace(p) >= 0 for c in conds_) for p in probes) / len(probes)
            if -1 in res.conditions:
                breadth = -1
            if breadth == 1:
                return res
            candidates.append((breadth, -attempt, res))
            break
    if unbounded == 4:
        return SearchResult(None, {}, [], "unbounded")
    if candidates:   # the proposal whose derived conditions hold on most of the case's region
        return max(candidates, key=lambda t: (t[0], t[1]))[2]
    return SearchResult(None, {}, [], f"no certificate found in case {label}")


def _optimise(goal_s, step, ctx, params, unknowns, maximize, minimize, positive_objective, notes):
    found, conds = [], []
    for case in _cases(goal_s, step):
        res = _search_case(case, ctx, params, unknowns, maximize, minimize, positive_objective)
        if res.reason == "unbounded":
            notes.append(f"case {case[0]}: objective unbounded, no constraint")
            continue
        if res.certificate is None:
            raise DerivationError(res.reason)
        found.append(res.values)
        conds += [c for c in res.conditions if c != -1]
        notes.append(f"case {case[0]}: " + ", ".join(f"{k} = {v}" for k, v in res.values.items()))
    return found, conds


def derive_lyapunov(name: str, step: sp.Expr, assumptions: tuple[str, ...], positive_params=(),
                    conditions=(), use_C: bool = False) -> Derivation:
    """Derive the tightest (A, B[, C]) of the template for ``step`` and certify it; see module docstring."""
    ctx = one_step_context(assumptions, positive_params, conditions)
    oracle = set(ORACLE_VARIABLES)
    params = ({s for e in ctx.positive + ctx.nonnegative for s in e.free_symbols} | step.free_symbols) - oracle
    notes: list[str] = []
    C0 = C_ if use_C else sp.Integer(0)

    def template(A, E, C):
        return lyapunov_goal(STEP, A, E - A, C)

    later = (E_, C_) if use_C else (E_,)
    found, conds = _optimise(template(A_, E_, C0), step, ctx, params, (A_,) + later, A_, later, True, notes)
    for c_ in conds:
        ctx.add_condition(c_, False)
    pos, nonneg = set(ctx.positive), set(ctx.nonnegative)
    A_star = combine([signed_form(v[A_], pos, nonneg)[0] for v in found], pos, nonneg, sp.Min)
    found, conds = _optimise(template(A_star, E_, C0), step, ctx, params, later, None, later, False, notes)
    for c_ in conds:
        ctx.add_condition(c_, False)
    E_star = combine([sp.factor(v[E_]) for v in found], pos, nonneg, sp.Max)
    C_star = sp.Integer(0)
    if use_C:
        found, conds = _optimise(template(A_star, E_star, C_), step, ctx, params, (C_,), None, (C_,), False, notes)
        for c_ in conds:
            ctx.add_condition(c_, False)
        C_star = combine([sp.factor(v[C_]) for v in found], pos, nonneg, sp.Max) if found else sp.Integer(0)
    B_star = E_star - A_star if (E_star.has(sp.Max) or A_star.has(sp.Min)) else sp.factor(E_star - A_star)
    for case in split_cases(A_star):   # strict conditions for A* > 0
        for c_ in signed_form(case.goal, set(ctx.positive), set())[1]:
            if c_ == -1:
                raise DerivationError(f"A = {case.goal} cannot be positive")
            if c_ in ctx.nonnegative:
                ctx.nonnegative.remove(c_)
            ctx.add_condition(c_, True)
    final_s = lyapunov_goal(STEP, A_star, B_star, C_star)
    lemma = Lemma(f"{name}_one_step", final_s, tuple(ctx.hypotheses), tuple(ctx.equalities),
                  tuple(ctx.positive), tuple(ctx.nonnegative), definitions=((STEP, step),))
    certs = {}
    for case in _cases(final_s, step):
        res = _search_case(case, ctx, params, (), None, (), False)
        if res.certificate is not None and not res.conditions:
            certs[case[0]] = res.certificate
        else:
            notes.append(f"final case {case[0]}: {res.reason or 'unsigned multipliers ' + str(res.conditions)}")
    kernel = check(lemma, certs)
    param_only = lambda atoms: tuple(e for e in atoms if not e.free_symbols & oracle)  # noqa: E731
    positivity = Lemma(f"{name}_A_positive", A_star, (), (), param_only(ctx.positive), param_only(ctx.nonnegative),
                       strict=True)
    pcerts = {case.label: Certificate(slack=signed_form(case.goal, set(ctx.positive), set())[0])
              for case in split_cases(A_star)}
    base = one_step_context(assumptions, positive_params)
    conds_out = [(e, True) for e in ctx.positive if e not in base.positive] + \
                [(e, False) for e in ctx.nonnegative if e not in base.nonnegative]
    return Derivation(name, step, tuple(assumptions), A_star, B_star, C_star, conds_out, lemma, certs, kernel,
                      check(positivity, pcerts), pcerts, lyapunov_rate(A_star, B_star, C_star), ctx, notes)
