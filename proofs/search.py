"""Certificate search (untrusted): find multipliers by coefficient matching and linear programming.

Given a piecewise-free case (goal, hypotheses h_j >= 0, equalities e_k == 0, sign context), find

    goal == sum_t lambda_t(p) * prod(h in product_t)  +  sum_q nu_q(p) * b_q^2 * h_q
            +  sum_s mu_s(p) * m_s * e_s

where p are the parameters (every symbol that is not a *variable*), products_t range over single
hypotheses and pairs of them, b_q over the caller's candidate *square bases* (polynomials in the
variables with coefficients in p, e.g. s - gamma/2) and h_q over the empty product and single
hypotheses, m_s over monomials in the variables, lambda_t, nu_q >= 0 and mu_s free. A square term
nu * b^2 * h is sound for any base b (b^2 >= 0); the choice of bases is the caller's heuristic.
Denominators are cleared first (they must be manifestly positive). Matching the coefficients of the
variable monomials gives a linear system whose entries are polynomials in p. The goal may contain
unknown coefficients (A, B, C of a Lyapunov template) linearly; they are optimised lexicographically.

Method: solve the LP at a rational sample point of the parameter region (scipy HiGHS), take the support of
an optimal vertex, and re-solve that square subsystem exactly over Q(p) with SymPy. With several sample
points (``samples`` > 1) the support is the cheapest one usable at all of them (``proofs.lp.common_support``):
a vertex at one point is often a certificate valid only near that point. The result is only a
proposal: ``proofs.kernel`` checks it. Multipliers whose sign is not manifest are reported as *derived
parameter conditions* (each factor of unknown sign must be >= 0), which is how parameter ranges such as
c >= 1/(2(alpha - beta)) come out of a derivation instead of being typed in.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from proofs.certificate import Certificate, EqTerm, Fact, Term
from proofs.kernel import sign
from proofs.lp import common_support, lexicographic


@dataclass
class SearchResult:
    certificate: Certificate | None
    values: dict[sp.Symbol, sp.Expr]          # solved unknowns (A, B, C)
    conditions: list[sp.Expr] = field(default_factory=list)   # derived: each must be >= 0
    reason: str = ""


def clear_denominator(e: sp.Expr, pos: set, nonneg: set) -> tuple[sp.Expr, sp.Expr]:
    """(numerator, denominator) with e == num/den and den manifestly > 0 (ValueError otherwise)."""
    num, den = sp.fraction(sp.together(e))
    if sign(den, pos, nonneg) != "pos":
        den_f = sp.factor(den)
        if sign(den_f, pos, nonneg) != "pos":
            raise ValueError(f"denominator {den} is not manifestly positive")
        den = den_f
    return sp.expand(num), den


def signed_form(e: sp.Expr, pos: set, nonneg: set) -> tuple[sp.Expr, list[sp.Expr]]:
    """Write e as a product whose factors are manifestly signed, given conditions; returns (e', conditions).

    e' == e exactly; each returned condition c is a factor that must satisfy c >= 0 for e' >= 0; the
    condition -1 means e is manifestly not >= 0 in this form."""
    e = sp.factor(sp.together(e))
    if e == 0 or sign(e, pos, nonneg):
        return e, []
    num, den = sp.fraction(e)
    negative = False
    parts = {}
    for which, poly in (("num", num), ("den", den)):
        coeff, factors = sp.factor_list(poly)
        negative ^= bool(coeff < 0)
        out = [sp.Integer(abs(coeff)) if coeff.is_Integer else abs(coeff)]
        for base, exp in factors:
            if exp % 2 == 1 and sign(base, pos, nonneg) != "pos" and sign(sp.expand(-base), pos, nonneg) == "pos":
                base, negative = sp.expand(-base), not negative
            out.append((base, exp))
        parts[which] = out
    conds = []
    num_parts = [parts["num"][0]]
    for base, exp in parts["num"][1:]:
        if exp % 2 == 1 and sign(base, pos, nonneg) is None:
            if negative:
                base, negative = sp.expand(-base), False
            prim = base.primitive()[1] if isinstance(base, sp.Add) else base
            if sign(prim, pos, nonneg) is None:
                conds.append(prim)
        num_parts.append(base**exp)
    den_parts = [parts["den"][0]]
    for base, exp in parts["den"][1:]:
        if sign(base, pos, nonneg) != "pos" and exp % 2 == 1:
            return e, [sp.Integer(-1)]
        den_parts.append(base**exp)
    if negative:
        return e, [sp.Integer(-1)]
    return sp.Mul(*num_parts) / sp.Mul(*den_parts), conds


def _monomials(variables, degree):
    for d in range(degree + 1):
        for combo in itertools.combinations_with_replacement(variables, d):
            yield sp.Mul(*combo)


def find_certificate(goal: sp.Expr, hyps: list[sp.Expr], eqs: list[sp.Expr], pos: set, nonneg: set,
                     variables: tuple[sp.Symbol, ...], sample_params, unknowns: tuple[sp.Symbol, ...] = (),
                     maximize: sp.Expr | None = None, minimize: tuple[sp.Expr, ...] = (),
                     samples: int = 1, max_products: int = 2, rounds: int = 3,
                     squares: tuple[sp.Expr, ...] = ()) -> SearchResult:
    """Search a certificate; when multipliers need derived conditions, retry up to ``rounds`` times with
    the products that carried them excluded, and keep the proposal with the fewest conditions.
    ``squares``: candidate square bases b (see the module docstring), used as b^2 and b^2 * h."""
    banned: set = set()
    best = None
    for _ in range(rounds):
        res, culprits = _find_once(goal, hyps, eqs, pos, nonneg, variables, sample_params, unknowns, maximize,
                                   minimize, samples, max_products, banned, tuple(squares))
        if best is None or (res.certificate is not None and
                            (best.certificate is None or len(res.conditions) < len(best.conditions))):
            best = res
        if res.certificate is None or not res.conditions or not culprits:
            break
        banned |= culprits
    return best


def _find_once(goal, hyps, eqs, pos, nonneg, variables, sample_params, unknowns, maximize, minimize,
               samples, max_products, banned, squares=()):
    """Search a certificate for ``goal >= 0``; see the module docstring.

    sample_params(rng) -> dict symbol -> Rational (a point of the parameter region, satisfying the case).
    maximize/minimize: linear objectives in ``unknowns`` optimised lexicographically (maximize first).
    The LP is built from the hypotheses evaluated at the sample point (exact rational polynomials in the
    variables); only the products on the optimal support are expanded symbolically."""
    variables = tuple(variables)
    var_set = set(variables)
    g_num, g_den = clear_denominator(goal, pos, nonneg)
    if g_num == 0:
        return SearchResult(Certificate(), {u: sp.Integer(0) for u in unknowns}, [], ""), set()
    hyp_poly = []
    for h in hyps:
        try:
            n, d = clear_denominator(h, pos, nonneg)
        except ValueError:
            continue
        if n != 0:
            hyp_poly.append((h, n, d))
    deg = sp.Poly(g_num, *variables).total_degree() if g_num.free_symbols & var_set else 0
    vdeg = [sp.Poly(n, *variables).total_degree() if n.free_symbols & var_set else 0 for _, n, _ in hyp_poly]
    param_only = [vd == 0 for vd in vdeg]
    # a column is (combo, q): prod(hypotheses in combo), times bases[q]^2 when q is not None
    products, costs = [((), None)], [1]  # the empty product: a nonnegative constant (in the variables)
    for r in range(1, max_products + 1):
        for combo in itertools.combinations_with_replacement(range(len(hyp_poly)), r):
            # a parameter-only factor that is manifestly signed belongs in the multiplier instead
            if r > 1 and any(param_only[i] and sign(hyp_poly[i][0], pos, nonneg) for i in combo):
                continue
            d_ = sum(vdeg[i] for i in combo)
            if 0 < d_ <= deg and tuple(hyp_poly[i][0] for i in combo) not in banned:
                products.append((combo, None))
                costs.append(r + 10 * sum(param_only[i] for i in combo))
    bases = _square_bases(squares, variables, pos, nonneg)
    for q, (base, _, _, bdeg) in enumerate(bases):
        for combo in [()] + [(i,) for i in range(len(hyp_poly))]:
            if combo and param_only[combo[0]] and sign(hyp_poly[combo[0]][0], pos, nonneg):
                continue
            if 2 * bdeg + sum(vdeg[i] for i in combo) <= deg and _column_key(hyp_poly, bases, combo, q) not in banned:
                products.append((combo, q))
                costs.append(2 + len(combo) + 10 * sum(param_only[i] for i in combo))
    eq_terms = []
    for e in eqs:
        n, d = clear_denominator(e, pos, nonneg)
        edeg = sp.Poly(n, *variables).total_degree() if n.free_symbols & var_set else 0
        for m in _monomials(variables, max(deg - edeg, 0)):
            eq_terms.append((e, d, m, n))
    n_lam, n_mu, n_u = len(products), len(eq_terms), len(unknowns)
    target_parts = [sp.expand(g_num).coeff(u) for u in unknowns]
    target0 = sp.expand(g_num).subs({u: 0 for u in unknowns})

    def num_poly(e, point):
        return sp.Poly(sp.expand(sp.sympify(e).xreplace(point)), *variables, domain=sp.QQ)

    def system_at(point):
        """A_eq x = b_eq at one sample point: columns lambda (products) | mu (equality terms) | unknowns."""
        point = {k: v for k, v in point.items() if k not in var_set}
        hp = [num_poly(n, point) for _, n, _ in hyp_poly]
        bp = [num_poly(bn, point) for _, bn, _, _ in bases]
        cols = []
        for combo, q in products:
            p_ = sp.Poly(1, *variables, domain=sp.QQ) if q is None else bp[q] ** 2
            for i in combo:
                p_ = p_ * hp[i]
            cols.append(p_.as_dict())
        for e, d, m, n in eq_terms:
            cols.append(num_poly(m * n, point).as_dict())
        u_cols = [num_poly(t, point).as_dict() for t in target_parts]
        t0 = num_poly(target0, point).as_dict()
        monos = sorted(set(t0).union(*map(set, cols), *map(set, u_cols)))
        row = {m: i for i, m in enumerate(monos)}
        A_eq = np.zeros((len(monos), n_lam + n_mu + n_u))
        for j, col in enumerate(cols + u_cols):
            sgn = -1.0 if j >= n_lam + n_mu else 1.0
            for m, v in col.items():
                A_eq[row[m], j] = sgn * float(v)
        b_eq = np.zeros(len(monos))
        for m, v in t0.items():
            b_eq[row[m]] = float(v)
        return A_eq, b_eq

    stages = []   # objectives on the unknowns (maximize first), then the sparsity cost
    for sgn, obj in ([(-1.0, maximize)] if maximize is not None else []) + [(1.0, m) for m in minimize]:
        c = np.zeros(n_lam + n_mu + n_u)
        for k, u in enumerate(unknowns):
            c[n_lam + n_mu + k] = sgn * float(sp.expand(obj).coeff(u))
        stages.append(c)
    cost = np.zeros(n_lam + n_mu + n_u)
    cost[:n_lam] = costs   # sparse multipliers, preferring single hypotheses
    stages.append(cost)

    rng = random.Random(0)
    systems, xs = [], []
    for _ in range(samples):
        A_eq, b_eq = system_at(sample_params(rng))
        out = lexicographic(A_eq, b_eq, n_lam, stages)
        if isinstance(out, str):
            return SearchResult(None, {}, [], "unbounded"), set()
        if out is None:
            return SearchResult(None, {}, [], "no multipliers at a sample point (LP infeasible)"), set()
        systems.append((A_eq, b_eq, out[1]))
        xs.append(out[0])
    support = {j for j in range(n_lam + n_mu) if abs(xs[0][j]) > 1e-9}
    if samples > 1:   # one structure for all points (proofs/lp.py)
        joint = common_support(systems, n_lam, np.array(costs, dtype=float), xs)
        if joint is not None:
            xs, support = joint[0], joint[1] | {j for x in joint[0] for j in range(n_lam, n_lam + n_mu)
                                                if abs(x[j]) > 1e-9}
    # exact re-solve on the support
    sup = sorted(support)
    col_sym = {}
    for j in sup:
        if j < n_lam:
            combo, q = products[j]
            col_sym[j] = sp.expand(sp.Mul(*(hyp_poly[i][1] for i in combo)) * (1 if q is None else bases[q][1] ** 2))
        else:
            e, d, m, n = eq_terms[j - n_lam]
            col_sym[j] = sp.expand(m * n)
    lam = sp.symbols(f"_x0:{n_lam + n_mu}")
    combo_expr = sp.Add(*(lam[j] * col_sym[j] for j in sup)) - g_num
    residual = sp.Poly(sp.expand(combo_expr), *variables)
    eqs_sym = [c for c in residual.coeffs()]
    unknown_list = list(unknowns) + [lam[j] for j in sup]   # unknowns first: they get the pivots
    sol = sp.linsolve(eqs_sym, unknown_list)
    if not sol:
        return SearchResult(None, {}, [], "the exact system on the LP support is inconsistent"), set()
    values = dict(zip(unknown_list, next(iter(sol))))
    free = set().union(*(sp.sympify(v).free_symbols for v in values.values())) & set(unknown_list)
    values = {k: sp.factor(sp.sympify(v).subs({s_: 0 for s_ in free})) for k, v in values.items()}
    terms, eq_cert, conds, culprits, facts = [], [], [], set(), []
    for j in sup:
        val = values[lam[j]]
        if val == 0:
            continue
        if j < n_lam:
            combo, q = products[j]
            # column = prod(numerators) * bn^2 = prod(den_i h_i) * bd^2 b^2
            denom = sp.Mul(*(hyp_poly[i][2] for i in combo)) * (1 if q is None else bases[q][2] ** 2) / g_den
            mult, cs = signed_form(val * denom, pos, nonneg)
            proved_facts = [fa for fa in (_parameter_fact(c_, hyps, pos, nonneg) for c_ in cs if c_ != -1) if fa]
            if proved_facts:   # the unsigned factors follow from the case's parameter conditions
                facts += [fa for fa in proved_facts if fa.expr not in {g.expr for g in facts}]
                nonneg = set(nonneg) | {fa.expr for fa in proved_facts}
                mult, cs = signed_form(val * denom, pos, nonneg)
            conds += cs
            if cs:
                culprits.add(_column_key(hyp_poly, bases, combo, q))
            if q is not None:   # nu * b^2 stays a product whose square factor is manifestly >= 0
                mult = sp.Mul(mult, sp.Pow(bases[q][0], 2))
            terms.append(Term(mult, tuple(hyp_poly[i][0] for i in combo)))
        else:
            e, d, m, _ = eq_terms[j - n_lam]
            eq_cert.append(EqTerm(sp.factor(val * m * d / g_den), e))
    solved = {u: sp.factor(values[u]) for u in unknowns}
    cert = Certificate(terms=tuple(terms), eq_terms=tuple(eq_cert), facts=tuple(facts))
    return SearchResult(cert, solved, sorted(set(conds), key=sp.default_sort_key), ""), culprits


def _square_bases(squares, variables, pos, nonneg) -> list[tuple[sp.Expr, sp.Expr, sp.Expr, int]]:
    """(b, numerator, denominator, degree in the variables) for each candidate base b that involves the
    variables and whose denominator is manifestly positive (a parameter-only square belongs in a multiplier)."""
    out = []
    for b in dict.fromkeys(sp.sympify(b_) for b_ in squares):
        if not b.free_symbols & set(variables):
            continue
        try:
            bn, bd = clear_denominator(b, pos, nonneg)
        except ValueError:
            continue
        out.append((b, bn, bd, sp.Poly(bn, *variables).total_degree()))
    return out


def _column_key(hyp_poly, bases, combo, q) -> tuple:
    """How a column is named in ``banned``/culprits: its hypotheses, then b^2 for a square column."""
    key = tuple(hyp_poly[i][0] for i in combo)
    return key if q is None else key + (sp.Pow(bases[q][0], 2),)


def _parameter_fact(expr: sp.Expr, hyps, pos, nonneg) -> Fact | None:
    """A certified fact ``expr >= 0`` from the parameter-only hypotheses (constant multipliers, products of
    at most two of them), or None. Used when a multiplier's factor is not manifestly signed."""
    params = expr.free_symbols
    p_hyps = [h for h in hyps if sp.sympify(h).free_symbols <= params and sp.sympify(h).free_symbols]
    if not p_hyps or not params:
        return None
    variables = tuple(sorted(params, key=lambda s_: s_.name))
    try:
        res, _ = _find_once(expr, p_hyps, [], pos, nonneg, variables, lambda _r: {}, (), None, (), 1, 3, set())
    except (ValueError, sp.PolynomialError):
        return None
    if res.certificate is None or res.conditions or res.certificate.facts:
        return None
    return Fact(expr, res.certificate)
