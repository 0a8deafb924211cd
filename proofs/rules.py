"""Trusted rules about sums over iterations k = 0..K-1. A rule never searches: it checks that its premises say exactly
what it needs (else holds=False, with the reason). Premises may use k only as k >= 0, so they hold at every k."""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from proofs.certificate import KernelResult
from proofs.kernel import _is_zero_rational_function, lyapunov_goal, plain
from theory.conditions import ASSUMPTIONS, REALIZABILITY
from theory.methods import METHODS
from theory.symbols import D0, K, ORACLE, Dmax2, f, f_p, f_star, k, sigma_int, step as STEP

_STATE = {s.symbol for m in METHODS.values() for s in m.state}
_ORACLE_FACTS = {h.expr: h.name for h in (*REALIZABILITY, *ASSUMPTIONS.values()) if not h.equality}
_NOT_PARAM = set(ORACLE) | _STATE | {k, K, D0, sigma_int, Dmax2, STEP}
_REMAINDER_RULES = ("log_potential", "potential_sum")

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


def _never_raises(rule):
    """A rule given malformed premises (a conclusion of another kind, a non-expression, ...) does not hold; it
    never raises."""
    import functools

    @functools.wraps(rule)
    def wrapped(*args, **kwargs) -> Conclusion:
        exprs = [a for x in (*args, *kwargs.values()) for a in (x if isinstance(x, (tuple, list)) else (x,))]
        exprs = [y for x in exprs for y in (x if isinstance(x, (tuple, list)) else (x,))]
        odd = [s for e in exprs if isinstance(e, sp.Basic) for s in e.free_symbols if not plain(s)]
        if odd:       # SymPy would evaluate with the symbol's assumptions (Abs(n) = -n): never read such symbols
            return Conclusion(rule.__name__, False, "", f"symbol {odd[0]} is not a plain real symbol")
        try:
            return rule(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            return Conclusion(rule.__name__, False, "", f"malformed premises: {type(exc).__name__}: {exc}")
    return wrapped


def _known(method) -> bool:
    """The method is the registered one of that name (a look-alike with other updates is refused)."""
    return METHODS.get(getattr(method, "name", None)) == method


def _same(a, b) -> bool:
    """a == b as rational functions; anything the check cannot read (e.g. a Max left over) counts as different."""
    try:
        return _is_zero_rational_function(sp.sympify(a) - sp.sympify(b))
    except Exception:  # noqa: BLE001 - CoercionFailed on nan/zoo, PolynomialError on Max, ...: never "same"
        return False


def _decls(lem) -> list[tuple[sp.Expr, bool]]:   # (e, strict): the lemma assumes e > 0 (strict) or e >= 0
    return [(h, False) for _, h in lem.hypotheses] + [(e, True) for e in lem.positive] + \
        [(e, False) for e in lem.nonnegative]


def _premise(res: KernelResult, oracle_ok: bool = False, invariants: tuple = ()) -> tuple[list, list, str]:
    """(parameter conditions (e, strict), names of per-iterate oracle facts used, error) of a premise lemma.
    A declaration may also be one of ``invariants`` ((e, strict) established by ``state_induction``)."""
    lem, conds, names = res.lemma, [], []
    for e, strict in _decls(lem):
        if oracle_ok and e in _ORACLE_FACTS and not strict:     # d2 > 0 would leave out d2 = 0
            names.append(_ORACLE_FACTS[e])
        elif any(_same(e, x) and (s or not strict) for x, s in invariants):
            continue
        elif e.free_symbols & _NOT_PARAM and not (e == k and not strict):   # k > 0 would leave out k = 0
            return [], [], f"{lem.name}: {e} >= 0 is not k >= 0, a parameter condition or a per-iterate fact"
        elif e != k:
            conds.append((e, strict))
    why = "" if res.proved else f"{lem.name} is not proved by the kernel"
    return conds, names, why or (f"{lem.name} has equalities" if lem.equalities else "")


@_never_raises
def telescoping_sum(res: KernelResult, term: sp.Expr, T: sp.Expr) -> Conclusion:
    """From the kernel lemma term(k) - (T(k+1) - T(k)) >= 0 for all real k >= 0, conclude for every integer
    K >= 0: sum_{k<K} term(k) >= T(K) - T(0) (add the instances k = 0..K-1; the right sides telescope)."""
    conds, _, why = _premise(res)
    if not why and (res.lemma.definitions or not _same(res.lemma.goal, term - (T.xreplace({k: k + 1}) - T))):
        why = f"{res.lemma.name} is not term(k) >= T(k+1) - T(k)"
    lower = T.xreplace({k: K}) - T.xreplace({k: 0})
    return Conclusion("telescoping_sum", not why, f"sum_{{k<K}} {term} >= {lower}", why,
                      {"term": term, "lower": lower}, tuple(conds))


@_never_raises
def weighted_telescoping(one_step: KernelResult, a_lower: KernelResult, a_pos: KernelResult,
                         step: sp.Expr, A: sp.Expr, B: sp.Expr, a: sp.Expr,
                         memory: Conclusion | None = None, remainder: Conclusion | None = None) -> Conclusion:
    """Premises: (1) ||x - step grad f_i - x_p||^2 <= d2 - A (f - f_p) + B (f_p - f_star) at every oracle point meeting
    the per-iterate facts, A, B, a functions of k and parameters only; (2) A - a >= 0; (3) a > 0. Conclusion, for
    x_{k+1} = x_k - step grad f_{i_k}(x_k), K >= 1: min_{k<K} E[f(x_k) - f*] <= (D0 + sigma_int sum B(k))/sum a(k).
    Proof: fix x_p in Proj(x_k, S) before drawing i_k; averaging (1) over i_k (THEORY.md section 4),
    E_k dist(x_{k+1}, S)^2 <= dist(x_k, S)^2 - A X_k + B sigma_int, X_k = f(x_k) - f* >= 0, A X_k >= a X_k by (2);
    take expectations, sum over k < K: sum a_k E X_k <= D0 + sigma_int sum B_k; by (3) min_k E X_k sum a_k <= that.
    With memory (``state_induction`` for the method whose step is ``step``) the step may read the state before
    step k (known before i_k is drawn) and (1) may assume the invariants. With remainder (``log_potential`` for
    the same method) (1) has + R on its right; E sum_k R_k <= w ln(arg) adds w ln(arg) to the numerator."""
    inv = memory.data["invariants"] if memory else ()
    (c1, names, why), (c2, _, why2), (c3, _, why3) = _premise(one_step, True, inv), _premise(a_lower), _premise(a_pos)
    why, rnd = why or why2 or why3, _NOT_PARAM - {k}
    state, R = set(memory.data["state"]) if memory else set(), remainder.data["R"] if remainder else sp.Integer(0)
    if (memory and (not memory.holds or memory.rule != "state_induction" or not _same(step, memory.data["step"]))) \
            or (remainder and (not memory or not remainder.holds or remainder.rule not in _REMAINDER_RULES
                               or remainder.data["method"] != memory.data["method"])):
        why = "the invariants or the remainder bound do not hold, or are about another method"
    elif any(e.free_symbols & rnd for e in (A, B, a)) or step.free_symbols & (rnd - set(ORACLE) - state):
        why = "A, B, a must depend on k and parameters only, the step not on the state"
    elif one_step.lemma.definitions != ((STEP, step),) or \
            not _same(one_step.lemma.goal, lyapunov_goal(STEP, A, B, 0) + R):
        why = why or f"{one_step.lemma.name} is not the Lyapunov inequality for this step, A, B (and remainder)"
    elif a_lower.lemma.definitions or not _same(a_lower.lemma.goal, A - a):
        why = why or f"{a_lower.lemma.name} is not A - a >= 0"
    elif a_pos.lemma.definitions or not a_pos.lemma.strict or not _same(a_pos.lemma.goal, a):
        why = why or f"{a_pos.lemma.name} is not a > 0"
    extra = remainder.data["bound"] if remainder else sp.Integer(0)
    bound = f"({D0 + sigma_int * sp.Sum(B, (k, 0, K - 1)) + extra})/({sp.Sum(a, (k, 0, K - 1))})"
    more = [x for c in (memory, remainder) if c for x in c.conditions]
    names += [x for c in (memory, remainder) if c for x in c.assumptions]
    log = remainder.data["log"] if remainder else None
    return Conclusion("weighted_telescoping", not why, f"step {step}: min_{{k<K}} E[f(x_k) - f*] <= {bound}, K >= 1",
                      why, {"a": a, "B": B, "step": step, "log": log,
                            "numerator": D0 + (extra if remainder and log is None else 0)},
                      tuple(dict.fromkeys(c1 + c2 + c3 + more)), tuple(dict.fromkeys(names)))


@_never_raises
def state_induction(method, invariants: tuple, bases: tuple, steps: tuple) -> Conclusion:
    """invariants ((P_j, strict_j), ...): P_j >= 0 (> 0 if strict) in the method's state before step k, k and
    parameters. bases[j]: kernel lemma P_j at the initial state and k = 0, assuming parameter conditions only.
    steps[j]: kernel lemma P_j at the updated state and k + 1, assuming per-iterate facts, k >= 0, parameter
    conditions and the invariants at the old state and k (the step defined as the method's, or not at all).
    Conclusion: along every trajectory of the method every P_j holds at every k = 0, 1, ... (induction on k, all
    at once: the bases give k = 0; if all hold at k, the step lemmas at the oracle point of step k give k + 1)."""
    st = {v.symbol: v for v in method.state}
    init, upd = method.at_start(), method.after_step()
    conds, names, why = [], [], ""
    if not _known(method) or not st or not len(invariants) == len(bases) == len(steps):
        why = "a registered method with state, and one base and one step lemma per invariant, are needed"
    for (P, strict), b, s_ in zip(invariants, bases, steps):
        (cb, _, w1), (cs, nm, w2) = _premise(b), _premise(s_, True, tuple(invariants))
        conds, names, why = conds + cb + cs, names + nm, why or w1 or w2
        if sp.sympify(P).free_symbols & (_NOT_PARAM - set(st) - {k}):
            why = why or f"invariant {P} may use only the state, k and parameters"
        elif b.lemma.definitions or (strict and not b.lemma.strict) or not _same(b.lemma.goal, P.xreplace(init)):
            why = why or f"{b.lemma.name} is not {P} at the initial state"
        elif s_.lemma.definitions not in ((), ((STEP, method.step),)) or (strict and not s_.lemma.strict) or \
                not _same(s_.lemma.goal, P.xreplace(upd)):
            why = why or f"{s_.lemma.name} is not {P} after one step"
    text = " and ".join(f"{P} {'>' if s else '>='} 0" for P, s in invariants)
    return Conclusion("state_induction", not why, f"{method.name}: {text} at every k >= 0", why,
                      {"method": method.name, "step": method.step, "state": tuple(st), "invariants": tuple(invariants)},
                      tuple(dict.fromkeys(conds)), tuple(dict.fromkeys(names)))


@_never_raises
def log_potential(res: KernelResult, w_nonneg: KernelResult, arg_ge_one: KernelResult, memory: Conclusion, method,
                  u: sp.Symbol, U: sp.Expr, R: sp.Expr, w: sp.Expr) -> Conclusion:
    """Premises: memory, a ``state_induction`` conclusion for ``method`` with invariants u > 0 (u a state variable)
    and U - u >= 0 (U in k and parameters); res: kernel lemma w (u' - u)/u' - R >= 0, u' the method's update of u,
    assuming what a step lemma of ``state_induction`` may; w_nonneg: kernel lemma w >= 0; arg_ge_one: kernel lemma
    U - u_init >= 0 (parameter conditions, k >= 0). Conclusion, on every trajectory, for every integer K >= 0:
    sum_{k<K} R_k <= w ln(U(K)/u_init), and ln(U(K)/u_init) >= 0. Proof: 1 - 1/t <= ln t for t > 0 (the one fact
    about ln used; Coq proves it in proofs/coq/log_potential.v), t = u_{k+1}/u_k > 0, gives R_k <= w (ln u_{k+1}
    - ln u_k) as w >= 0; the sum telescopes to w (ln u_K - ln u_0), u_0 = u_init, u_K <= U(K) (invariant)."""
    inv, sv = memory.data["invariants"], {v.symbol: v for v in method.state}.get(u)
    (c1, names, why), (c2, _, w2), (c3, _, w3) = _premise(res, True, inv), _premise(w_nonneg), _premise(arg_ge_one)
    why = why or w2 or w3
    if not _known(method) or not memory.holds or memory.rule != "state_induction" or \
            memory.data["method"] != method.name or sv is None \
            or not any(_same(P, u) and s for P, s in inv) or not any(_same(P, U - u) for P, _ in inv) \
            or (U.free_symbols | w.free_symbols) & (_NOT_PARAM - {k}) or w.free_symbols & {k}:
        why = "the invariants u > 0 and U - u >= 0 are not established for this method, or U, w are not deterministic"
    elif res.lemma.definitions not in ((), ((STEP, method.step),)) or \
            not _same(res.lemma.goal, w * (sv.update - u) / sv.update - R):
        why = why or f"{res.lemma.name} is not w (u' - u)/u' - R >= 0"
    elif w_nonneg.lemma.definitions or not _same(w_nonneg.lemma.goal, w):
        why = why or f"{w_nonneg.lemma.name} is not w >= 0"
    elif arg_ge_one.lemma.definitions or not _same(arg_ge_one.lemma.goal, U - sv.initial):
        why = why or f"{arg_ge_one.lemma.name} is not U - u_init >= 0"
    arg = U.xreplace({k: K}) / sv.initial
    return Conclusion("log_potential", not why, f"sum_{{k<K}} {R} <= {w * sp.log(arg)} on every trajectory", why,
                      {"method": method.name, "R": R, "log": (w, arg), "bound": w * sp.log(arg)},
                      tuple(dict.fromkeys(c1 + c2 + c3 + list(memory.conditions))),
                      tuple(dict.fromkeys(names + list(memory.assumptions))))


@_never_raises
def potential_sum(res: KernelResult, w_nonneg: KernelResult, memory: Conclusion, method, T: sp.Expr, V: sp.Expr,
                  R: sp.Expr, w: sp.Expr) -> Conclusion:
    """Premises: memory (``state_induction`` for ``method``) with the invariant V - T >= 0, T in the state, k and
    parameters, V in k and parameters; res: kernel lemma w (T(updated state, k+1) - T(state, k)) - R >= 0, assuming
    what a step lemma of ``state_induction`` may; w_nonneg: kernel lemma w >= 0 (w in parameters). Conclusion, on
    every trajectory, K >= 0: sum_{k<K} R_k <= w (T(state_K, K) - T(initial, 0)) <= w (V(K) - T(initial, 0))."""
    st, inv = {v.symbol: v for v in method.state}, memory.data["invariants"]
    init, upd = method.at_start(), method.after_step()
    (c1, names, why), (c2, _, w2) = _premise(res, True, inv), _premise(w_nonneg)
    why = why or w2
    if not _known(method) or not memory.holds or memory.rule != "state_induction" or \
            memory.data["method"] != method.name or not any(_same(P, V - T) for P, _ in inv) or T.free_symbols & (_NOT_PARAM - set(st) - {k}) or \
            (V.free_symbols | w.free_symbols) & (_NOT_PARAM - {k}) or w.free_symbols & {k}:
        why = "the invariant V - T >= 0 is not established for this method, or T, V, w read what they may not"
    elif res.lemma.definitions not in ((), ((STEP, method.step),)) or \
            not _same(res.lemma.goal, w * (T.xreplace(upd) - T) - R):
        why = why or f"{res.lemma.name} is not w (T' - T) - R >= 0"
    elif w_nonneg.lemma.definitions or not _same(w_nonneg.lemma.goal, w):
        why = why or f"{w_nonneg.lemma.name} is not w >= 0"
    bound = w * (V.xreplace({k: K}) - T.xreplace(init))
    return Conclusion("potential_sum", not why, f"sum_{{k<K}} {R} <= {bound} on every trajectory", why,
                      {"method": method.name, "R": R, "log": None, "bound": bound},
                      tuple(dict.fromkeys(c1 + c2 + list(memory.conditions))),
                      tuple(dict.fromkeys(names + list(memory.assumptions))))


@_never_raises
def scaled_telescoping(one_step: KernelResult, step_pos: KernelResult, step_mono: KernelResult, a_pos: KernelResult,
                       memory: Conclusion, method, a: sp.Expr, b: sp.Expr, prev: sp.Expr, W: sp.Expr,
                       remainder: Conclusion | None = None) -> Conclusion:
    """Premises: memory (``state_induction`` for ``method``) with invariants prev > 0 and W - 1/prev >= 0, where prev
    (state, k, parameters) at the updated state and k + 1 is the method's step, W in k and parameters; with
    R from ``remainder`` (else 0), a and b in k and parameters: (1) one_step: (d2 - ||x - step grad f_i - x_p||^2)/step
    - a (f - f_p) + b (f_p - f_star) + R >= 0; (2) step_pos: step > 0; (3) step_mono: 1/step - 1/prev >= 0; (4) a > 0.
    Conclusion, assuming bounded iterates dist(x_k, S)^2 <= Dmax2 for all k, for K >= 1:
    min_{k<K} E[f(x_k) - f*] <= (Dmax2 W(K) + sigma_int sum_{k<K} b + E sum_{k<K} R_k)/sum_{k<K} a.
    Proof: g_{k-1} := prev(state_k, k), so g_k (the step taken at k) = prev(state_{k+1}, k+1) > 0, and
    Phi_k := d_k/g_{k-1} >= 0. With x_p in Proj(x_k, S) fixed before i_k, (1) and (2): Phi_{k+1} <= ||x_{k+1} - x_p||^2/g_k
    <= d_k/g_k - a (f_i - f_i(x_p)) + b (f_i(x_p) - f_i^*) + R_k, and d_k/g_k = Phi_k + d_k (1/g_k - 1/g_{k-1})
    <= Phi_k + Dmax2 (1/g_k - 1/g_{k-1}) by (3) and bounded iterates. Average over i_k (a, b deterministic), take
    expectations and sum over k < K (the Dmax2 terms telescope): sum a E X_k <= Phi_0 - E Phi_K + Dmax2 (E 1/g_{K-1}
    - 1/g_{-1}) + sigma_int sum b + E sum R_k, Phi_0 <= Dmax2/g_{-1}, 1/g_{K-1} <= W(K); then (4)."""
    inv, st = memory.data["invariants"], {v.symbol: v for v in method.state}
    upd = method.after_step()
    defs = ((STEP, method.step),)
    (c1, names, why), (c2, n2, w2), (c3, n3, w3), (c4, _, w4) = (_premise(one_step, True, inv),
                                                                _premise(step_pos, True, inv),
                                                                _premise(step_mono, True, inv), _premise(a_pos))
    why, rnd = why or w2 or w3 or w4, _NOT_PARAM - {k}
    R = remainder.data["R"] if remainder else sp.Integer(0)
    if not _known(method) or not memory.holds or memory.rule != "state_induction" or \
            memory.data["method"] != method.name or (remainder and (not remainder.holds or remainder.rule not in _REMAINDER_RULES
                            or remainder.data["method"] != method.name)):
        why = "the invariants or the remainder bound do not hold, or are about another method"
    elif not any(_same(P, prev) and s_ for P, s_ in inv) or not any(_same(P, W - 1 / prev) for P, _ in inv) or \
            prev.free_symbols & (_NOT_PARAM - set(st) - {k}) or (W.free_symbols | a.free_symbols | b.free_symbols) & rnd \
            or not _same(prev.xreplace(upd).xreplace({STEP: method.step}), method.step):   # an update may read step
        why = "prev > 0 and W - 1/prev >= 0 must be invariants, prev the step one iteration later, W, a, b deterministic"
    elif one_step.lemma.definitions != defs or \
            not _same(one_step.lemma.goal, lyapunov_goal(STEP, 0, 0, 0) / STEP - a * (f - f_p) + b * (f_p - f_star) + R):
        why = why or f"{one_step.lemma.name} is not the scaled one-step inequality for this step, a, b (and remainder)"
    elif step_pos.lemma.definitions != defs or not step_pos.lemma.strict or not _same(step_pos.lemma.goal, STEP):
        why = why or f"{step_pos.lemma.name} is not step > 0"
    elif step_mono.lemma.definitions != defs or not _same(step_mono.lemma.goal, 1 / STEP - 1 / prev):
        why = why or f"{step_mono.lemma.name} is not 1/step - 1/prev >= 0"
    elif a_pos.lemma.definitions or not a_pos.lemma.strict or not _same(a_pos.lemma.goal, a):
        why = why or f"{a_pos.lemma.name} is not a > 0"
    log = remainder.data["log"] if remainder else None
    numerator = Dmax2 * W.xreplace({k: K}) + (remainder.data["bound"] if remainder and log is None else 0)
    shown = f"({numerator + sigma_int * sp.Sum(b, (k, 0, K - 1)) + (remainder.data['bound'] if log else 0)})"
    more = list(memory.conditions) + (list(remainder.conditions) if remainder else [])
    names = names + n2 + n3 + list(memory.assumptions) + (list(remainder.assumptions) if remainder else [])
    return Conclusion("scaled_telescoping", not why, f"step {method.step}, dist(x_k, S)^2 <= Dmax2: min_{{k<K}} "
                      f"E[f(x_k) - f*] <= {shown}/({sp.Sum(a, (k, 0, K - 1))}), K >= 1", why,
                      {"a": a, "B": b, "step": method.step, "log": log, "numerator": numerator},
                      tuple(dict.fromkeys(c1 + c2 + c3 + c4 + more)),
                      tuple(dict.fromkeys(names + ["bounded_iterates"])))


@_never_raises
def instantiate_sums(tele: Conclusion, parts: tuple, final: KernelResult, claimed: sp.Expr,
                     const: tuple = (0, 0), log_symbol: sp.Symbol | None = None) -> Conclusion:
    """parts = ((S_j, bound_j, ca_j, cb_j), ...): fresh symbols S_j := sum_{k<K} u_j(k), bound_j a
    telescoping_sum conclusion about u_j, ca_j, cb_j free of k and K with a = ca_0 + sum ca_j u_j,
    B = cb_0 + sum cb_j u_j ((ca_0, cb_0) = const), so sum a = K ca_0 + sum ca_j S_j, likewise B (linearity of
    finite sums). With a ln term w ln(arg) in ``tele`` (from log_potential), log_symbol Lam := ln(arg) >= 0.
    final: the kernel lemma claimed - (N + sigma_int sum B + w Lam)/(sum a) >= 0, N the premise's numerator (D0; or
    Dmax2 W(K) and an explicit remainder bound), assuming only the premises' conditions, K > 0 (or K - 1 >= 0), D0,
    sigma_int >= 0 (Dmax2 >= 0 under bounded iterates), S_j - lower_j(K) >= 0, Lam >= 0. Conclusion:
    min_{k<K} E[f(x_k) - f*] <= claimed (Lam read as ln(arg)) for every integer K >= 1, S_j read as the sums."""
    syms, lem, why, log = [p[0] for p in parts], final.lemma, "", tele.data.get("log")
    used = set().union(*(sp.sympify(e).free_symbols for e in [tele.data.get("a", 0), tele.data.get("B", 0)] +
                         [c for c, _ in tele.conditions] + [x for p in parts for x in p[2:4]] + list(const)))
    lam = [log_symbol] if log else []
    a_sum, b_sum = K * const[0] + sum(p[2] * p[0] for p in parts), K * const[1] + sum(p[3] * p[0] for p in parts)
    base = tele.data.get("numerator", D0)
    if not tele.holds or tele.rule not in ("weighted_telescoping", "scaled_telescoping") or \
            not all(p[1].holds and p[1].rule == "telescoping_sum" for p in parts):
        why = "a premise does not hold or is of the wrong kind"
    elif any(sp.sympify(c).free_symbols & {k, K} for c in [x for p in parts for x in p[2:4]] + list(const)) or \
            claimed.free_symbols & {k} or len(set(syms + lam)) < len(syms + lam) or \
            any(not isinstance(x, sp.Symbol) or x in used | _NOT_PARAM for x in syms + lam):
        why = "coefficients must be free of k and K, the claim free of k, the sum symbols fresh and distinct"
    elif not _same(tele.data["a"], const[0] + sum(p[2] * p[1].data["term"] for p in parts)) or \
            not _same(tele.data["B"], const[1] + sum(p[3] * p[1].data["term"] for p in parts)):
        why = "a or B is not the stated combination of the summed terms"
    elif not final.proved or lem.definitions or lem.equalities:
        why = f"{lem.name} is not proved, or has definitions or equalities"
    elif not _same(lem.goal, claimed - (base + sigma_int * b_sum + (log[0] * log_symbol if log else 0)) / a_sum):
        why = f"{lem.name} is not claimed - rate(S)"
    conds = tuple(dict.fromkeys(list(tele.conditions) + [c for p in parts for c in p[1].conditions]))
    allowed = list(conds) + [(K, True), (K - 1, False), (D0, False), (sigma_int, False)] + \
        ([(Dmax2, False)] if "bounded_iterates" in tele.assumptions else []) + \
        [(p[0] - p[1].data["lower"], False) for p in parts] + [(x, False) for x in lam]
    missing = [e for e, st in _decls(lem) if not any(_same(e, x) and (s or not st) for x, s in allowed)]  # > needs >
    why = why or (f"{lem.name}: its assumption on {missing[0]} is not established" if missing else "")
    bound = claimed.xreplace({log_symbol: sp.log(log[1])}) if log else claimed
    return Conclusion("instantiate_sums", not why, f"min_{{k<K}} E[f(x_k) - f*] <= {bound} for K >= 1", why,
                      {"bound": bound, "sums": {p[0]: sp.Sum(p[1].data["term"], (k, 0, K - 1)) for p in parts}},
                      conds, tele.assumptions)
