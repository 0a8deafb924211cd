"""Parameter-only implications and rate implications (untrusted search; the kernel checks).

* ``prove_condition``: from parameter conditions, prove ``expr >= 0`` (or ``> 0``), e.g.
  gamma <= (alpha - beta)/(2L)  implies  alpha - beta - L gamma > 0.
* ``prove_rate``: from a certified one-step lemma with (A, B, C), prove that a claimed rate is implied:
  claimed - (D0/(A K) + (B sigma_int + C sigma_pos)/A) >= 0 for every parameter value in the region and all
  D0, sigma_int, sigma_pos >= 0, K > 0.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from proofs.certificate import Certificate, KernelResult, Lemma, Term
from proofs.context import RATE_VARIABLES, Context, rate_context
from proofs.kernel import check, lyapunov_rate, sign, split_cases
from proofs.sampling import EmptyRegion, make_sampler
from proofs.search import find_certificate, signed_form


@dataclass
class Proof:
    lemma: Lemma
    certificates: dict[str, Certificate]
    kernel: KernelResult


def condition_from_relational(rel: sp.Basic, pos: set, nonneg: set) -> list[tuple[sp.Expr, bool]]:
    """``a > b`` -> [(a - b, True)] plus the primitive numerator when the denominator is manifestly positive."""
    if isinstance(rel, (sp.StrictGreaterThan, sp.GreaterThan)):
        diff, strict = rel.lhs - rel.rhs, isinstance(rel, sp.StrictGreaterThan)
    elif isinstance(rel, (sp.StrictLessThan, sp.LessThan)):
        diff, strict = rel.rhs - rel.lhs, isinstance(rel, sp.StrictLessThan)
    else:
        raise ValueError(f"unsupported parameter condition {rel}")
    out = [(sp.expand(diff) if not sp.fraction(sp.together(diff))[1].free_symbols else diff, strict)]
    num, den = sp.fraction(sp.together(diff))
    if sign(den, pos, nonneg) == "pos":
        num = sp.expand(num)
        prim = num.primitive()[1] if isinstance(num, sp.Add) and num.primitive()[0] > 0 else num
        if prim != out[0][0]:
            out.append((prim, strict))
    return out


def _params(ctx: Context, *exprs) -> set:
    syms = set()
    for e in list(ctx.positive) + list(ctx.nonnegative) + list(exprs):
        syms |= sp.sympify(e).free_symbols
    return syms - set(RATE_VARIABLES)


def _slack_candidates(goal: sp.Expr, pos: set) -> list[sp.Expr]:
    """Positive quantities to try as the slack of a strict goal: negated negative terms, then goal/2."""
    cands = []
    for t in sp.Add.make_args(sp.expand(sp.fraction(sp.together(goal))[0])):
        if t.could_extract_minus_sign() and sign(-t, pos, set()) == "pos":
            cands.append(-t / sp.fraction(sp.together(goal))[1])
    return cands


def _prove(name: str, goal: sp.Expr, ctx: Context, variables, strict: bool) -> Proof:
    lemma = Lemma(name, goal, tuple(ctx.hypotheses), tuple(ctx.equalities), tuple(ctx.positive),
                  tuple(ctx.nonnegative), strict=strict)
    certs: dict[str, Certificate] = {}
    params = _params(ctx, goal) - set(variables)
    for case in split_cases(goal):
        pos, nonneg = set(ctx.positive), set(ctx.nonnegative)
        hyps = [h for _, h in ctx.hypotheses] + list(ctx.positive) + list(ctx.nonnegative)
        s_nonneg = list(ctx.nonnegative)
        for cd in case.conditions:
            if cd.kind in ("ge", "gt"):
                hyps.append(cd.expr)
                (pos if cd.kind == "gt" else nonneg).add(cd.expr)
                s_nonneg.append(cd.expr)
        sampler = make_sampler(params, [e for e in s_nonneg if e.free_symbols <= params],
                               [e for e in ctx.positive if e.free_symbols <= params])
        try:
            sampler(random.Random(0))
        except EmptyRegion:
            continue   # no certificate: the kernel reports the case
        slacks = _slack_candidates(case.goal, pos) if strict else [sp.Integer(0)]
        if strict:   # goal = h + (something manifestly positive) for a hypothesis h
            direct = [h for h in hyps if sign(sp.together(case.goal - h), pos, nonneg) == "pos"]
            if direct:
                certs[case.label] = Certificate(terms=(Term(sp.Integer(1), (direct[0],)),),
                                                slack=sp.together(case.goal - direct[0]))
                continue
        if strict and sign(signed_form(case.goal, pos, nonneg)[0], pos, nonneg) == "pos":
            certs[case.label] = Certificate(slack=signed_form(case.goal, pos, nonneg)[0])
            continue
        all_vars = tuple(variables) or tuple(sorted(params, key=lambda s: s.name))
        for slack in slacks:
            try:
                res = find_certificate(case.goal - slack, hyps, [], pos, nonneg, all_vars, sampler,
                                       max_products=2 if variables else 3)
            except ValueError:   # a denominator of unknown sign: no certificate from this search
                break
            if res.certificate is not None and not res.conditions:
                cert = res.certificate
                certs[case.label] = Certificate(cert.terms, cert.eq_terms, cert.squares, cert.facts, slack)
                break
    return Proof(lemma, certs, check(lemma, certs))


def prove_condition(name: str, expr: sp.Expr, strict: bool, ctx: Context) -> Proof:
    """Prove the parameter-only statement expr >= 0 (> 0 if strict) from the conditions in ``ctx``."""
    return _prove(name, expr, ctx, (), strict)


def prove_rate(name: str, claimed: sp.Expr, A: sp.Expr, B: sp.Expr, C: sp.Expr, param_ctx: Context) -> Proof:
    """Prove claimed >= D0/(A K) + (B sigma_int + C sigma_pos)/A over the region of ``param_ctx``."""
    ctx = rate_context(param_ctx)
    return _prove(name, claimed - lyapunov_rate(A, B, C), ctx, RATE_VARIABLES, False)
