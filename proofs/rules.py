"""Trusted rules about sums over iterations k = 0..K-1. A rule never searches: it checks that its premises say exactly
what it needs (else holds=False, with the reason). Premises may use k only as k >= 0, so they hold at every k."""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from proofs.certificate import KernelResult
from proofs.kernel import _is_zero_rational_function, lyapunov_goal
from theory.conditions import ASSUMPTIONS, REALIZABILITY
from theory.methods import METHODS
from theory.symbols import D0, K, ORACLE, k, sigma_int, step as STEP

_STATE = {s.symbol for m in METHODS.values() for s in m.state}
_ORACLE_FACTS = {h.expr: h.name for h in (*REALIZABILITY, *ASSUMPTIONS.values()) if not h.equality}
_NOT_PARAM = set(ORACLE) | _STATE | {k, K, D0, sigma_int}

@dataclass(frozen=True)
class Conclusion:
    """A rule's verdict; only this module constructs it (as only the kernel constructs KernelResult)."""
    rule: str
    holds: bool
    statement: str
    reason: str = ""
    data: dict = field(default_factory=dict, compare=False)
    conditions: tuple = ()
    assumptions: tuple = ()


def _same(a, b) -> bool:
    return _is_zero_rational_function(sp.sympify(a) - sp.sympify(b))


def _decls(lem) -> list[tuple[sp.Expr, bool]]:   # (e, strict): the lemma assumes e > 0 (strict) or e >= 0
    return [(h, False) for _, h in lem.hypotheses] + [(e, True) for e in lem.positive] + \
        [(e, False) for e in lem.nonnegative]


def _premise(res: KernelResult, oracle_ok: bool = False) -> tuple[list, list, str]:
    """(parameter conditions (e, strict), names of per-iterate oracle facts used, error) of a premise lemma."""
    lem, conds, names = res.lemma, [], []
    for e, strict in _decls(lem):
        if oracle_ok and e in _ORACLE_FACTS and not strict:     # d2 > 0 would leave out d2 = 0
            names.append(_ORACLE_FACTS[e])
        elif e.free_symbols & _NOT_PARAM and not (e == k and not strict):   # k > 0 would leave out k = 0
            return [], [], f"{lem.name}: {e} >= 0 is not k >= 0, a parameter condition or a per-iterate fact"
        elif e != k:
            conds.append((e, strict))
    why = "" if res.proved else f"{lem.name} is not proved by the kernel"
    return conds, names, why or (f"{lem.name} has equalities" if lem.equalities else "")


def telescoping_sum(res: KernelResult, term: sp.Expr, T: sp.Expr) -> Conclusion:
    """From the kernel lemma term(k) - (T(k+1) - T(k)) >= 0 for all real k >= 0, conclude for every integer
    K >= 0: sum_{k<K} term(k) >= T(K) - T(0) (add the instances k = 0..K-1; the right sides telescope)."""
    conds, _, why = _premise(res)
    if not why and (res.lemma.definitions or not _same(res.lemma.goal, term - (T.xreplace({k: k + 1}) - T))):
        why = f"{res.lemma.name} is not term(k) >= T(k+1) - T(k)"
    lower = T.xreplace({k: K}) - T.xreplace({k: 0})
    return Conclusion("telescoping_sum", not why, f"sum_{{k<K}} {term} >= {lower}", why,
                      {"term": term, "lower": lower}, tuple(conds))


def weighted_telescoping(one_step: KernelResult, a_lower: KernelResult, a_pos: KernelResult,
                         step: sp.Expr, A: sp.Expr, B: sp.Expr, a: sp.Expr) -> Conclusion:
    """Premises: (1) ||x - step grad f_i - x_p||^2 <= d2 - A (f - f_p) + B (f_p - f_star) at every oracle point meeting
    the per-iterate facts, A, B, a functions of k and parameters only; (2) A - a >= 0; (3) a > 0. Conclusion, for
    x_{k+1} = x_k - step grad f_{i_k}(x_k), K >= 1: min_{k<K} E[f(x_k) - f*] <= (D0 + sigma_int sum B(k))/sum a(k).
    Proof: fix x_p in Proj(x_k, S) before drawing i_k; averaging (1) over i_k (THEORY.md section 4),
    E_k dist(x_{k+1}, S)^2 <= dist(x_k, S)^2 - A X_k + B sigma_int, X_k = f(x_k) - f* >= 0, A X_k >= a X_k by (2);
    take expectations, sum over k < K: sum a_k E X_k <= D0 + sigma_int sum B_k; by (3) min_k E X_k sum a_k <= that."""
    (c1, names, why), (c2, _, why2), (c3, _, why3) = _premise(one_step, True), _premise(a_lower), _premise(a_pos)
    why, rnd = why or why2 or why3, _NOT_PARAM - {k}
    if any(e.free_symbols & rnd for e in (A, B, a)) or step.free_symbols & (rnd - set(ORACLE)):
        why = "A, B, a must depend on k and parameters only, the step not on the state"
    elif one_step.lemma.definitions != ((STEP, step),) or not _same(one_step.lemma.goal, lyapunov_goal(STEP, A, B, 0)):
        why = why or f"{one_step.lemma.name} is not the Lyapunov inequality for this step, A and B"
    elif a_lower.lemma.definitions or not _same(a_lower.lemma.goal, A - a):
        why = why or f"{a_lower.lemma.name} is not A - a >= 0"
    elif a_pos.lemma.definitions or not a_pos.lemma.strict or not _same(a_pos.lemma.goal, a):
        why = why or f"{a_pos.lemma.name} is not a > 0"
    bound = f"({D0 + sigma_int * sp.Sum(B, (k, 0, K - 1))})/({sp.Sum(a, (k, 0, K - 1))})"
    return Conclusion("weighted_telescoping", not why, f"step {step}: min_{{k<K}} E[f(x_k) - f*] <= {bound}, K >= 1",
                      why, {"a": a, "B": B, "step": step}, tuple(dict.fromkeys(c1 + c2 + c3)),
                      tuple(dict.fromkeys(names)))


def instantiate_sums(tele: Conclusion, parts: tuple, final: KernelResult, claimed: sp.Expr) -> Conclusion:
    """parts = ((S_j, bound_j, ca_j, cb_j), ...): fresh symbols S_j := sum_{k<K} u_j(k), bound_j a
    telescoping_sum conclusion about u_j, ca_j, cb_j free of k and K with a = sum ca_j u_j, B = sum cb_j u_j,
    so sum a = sum ca_j S_j and sum B = sum cb_j S_j (linearity of finite sums). final: the kernel lemma
    claimed - (D0 + sigma_int sum cb_j S_j)/(sum ca_j S_j) >= 0 assuming only the premises' conditions, K > 0
    (or K - 1 >= 0), D0, sigma_int >= 0, S_j - lower_j(K) >= 0. Conclusion: min_{k<K} E[f(x_k) - f*] <= claimed
    for every integer K >= 1, S_j read as the sums."""
    syms, lem, why = [p[0] for p in parts], final.lemma, ""
    used = set().union(*(sp.sympify(e).free_symbols for e in [tele.data.get("a", 0), tele.data.get("B", 0)] +
                         [c for c, _ in tele.conditions] + [x for p in parts for x in p[2:4]]))
    if not tele.holds or tele.rule != "weighted_telescoping" or \
            not all(p[1].holds and p[1].rule == "telescoping_sum" for p in parts):
        why = "a premise does not hold or is of the wrong kind"
    elif any(sp.sympify(c).free_symbols & {k, K} for p in parts for c in p[2:4]) or claimed.free_symbols & {k} or \
            len(set(syms)) < len(syms) or any(not isinstance(x, sp.Symbol) or x in used | _NOT_PARAM for x in syms):
        why = "coefficients must be free of k and K, the claim free of k, the sum symbols fresh and distinct"
    elif not _same(tele.data["a"], sum(p[2] * p[1].data["term"] for p in parts)) or \
            not _same(tele.data["B"], sum(p[3] * p[1].data["term"] for p in parts)):
        why = "a or B is not the stated combination of the summed terms"
    elif not final.proved or lem.definitions or lem.equalities:
        why = f"{lem.name} is not proved, or has definitions or equalities"
    elif not _same(lem.goal, claimed - (D0 + sigma_int * sum(p[3] * p[0] for p in parts)) /
                   sum(p[2] * p[0] for p in parts)):
        why = f"{lem.name} is not claimed - rate(S)"
    conds = tuple(dict.fromkeys(list(tele.conditions) + [c for p in parts for c in p[1].conditions]))
    allowed = list(conds) + [(K, True), (K - 1, False), (D0, False), (sigma_int, False)] + \
        [(p[0] - p[1].data["lower"], False) for p in parts]
    missing = [e for e, st in _decls(lem) if not any(_same(e, x) and (s or not st) for x, s in allowed)]  # > needs >
    why = why or (f"{lem.name}: its assumption on {missing[0]} is not established" if missing else "")
    return Conclusion("instantiate_sums", not why, f"min_{{k<K}} E[f(x_k) - f*] <= {claimed} for K >= 1", why,
                      {"bound": claimed, "sums": {p[0]: sp.Sum(p[1].data["term"], (k, 0, K - 1)) for p in parts}},
                      conds, tele.assumptions)
