"""Compare a simulation with a derived bound or a user claim: ``cross_check``.

The bound is a SymPy expression in D0, K, sigma_int, sigma_pos, alpha, beta, L and method parameters
(``theory.symbols``). It is evaluated with ``theory.compile.compile_expr`` at
  D0        = dist(x0, S)^2 through ``problem.project`` (exact: x0 is fixed),
  K         = the number of iterations,
  sigma_int = problem.sigma_int = f* - mean_i f_i^*,
  sigma_pos = mean_i f_i^*,
  alpha, beta from the problem's membership, L = problem.L,
  the method's parameters as simulated,
each overridable through ``params``. The simulated quantity (default min_k E[f(x_k) - f*], which every
theorem bounds) is estimated by ``numerics.stats`` and the verdict follows its rules.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import sympy as sp

from numerics.problem import Problem
from numerics.simulate import SimResult, simulate, with_class_constants
from numerics.stats import QUANTITIES, CrossCheck, estimate_quantity, verdict
from theory.compile import compile_expr
from theory.errors import InputError
from theory.methods import Method, get_method

BOUND_SYMBOLS = ("D0", "K", "sigma_int", "sigma_pos", "alpha", "beta", "L")


def split_params(method: Method, params: Mapping[str, float] | None) -> tuple[dict, dict]:
    """(method parameters, bound-input overrides) from one user dict."""
    names = {s.name for s in method.parameter_symbols}
    mp = {k: v for k, v in (params or {}).items() if k in names}
    other = {k: float(v) for k, v in (params or {}).items() if k not in names}
    return mp, other


def bound_inputs(problem: Problem, result: SimResult, overrides: Mapping[str, float] | None = None) -> dict:
    """The values of the bound's symbols for this simulation (see the module docstring)."""
    vals = {"D0": result.D0, "K": float(result.iterations), "sigma_int": float(problem.sigma_int),
            "sigma_pos": float(problem.f_star_i.mean()), "alpha": result.alpha, "beta": result.beta,
            "L": float(problem.L),
            # bounded-iterates theorems: the largest dist(x_k, S)^2 these runs reached (true of these runs only)
            "Dmax2": float(result.dist2_max)}
    vals.update(result.params)
    vals.update({k: float(v) for k, v in (overrides or {}).items()})
    return vals


def evaluate_bound(bound_expr: sp.Expr, values: Mapping[str, float]) -> float:
    """The bound's value; InputError when a symbol has no value or the value is NaN or negative-infinite."""
    expr = sp.sympify(bound_expr) if not isinstance(bound_expr, sp.Basic) else bound_expr
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    missing = [s.name for s in syms if s.name not in values]
    if missing:
        raise InputError(f"bound {expr} has no value for {', '.join(missing)}; pass it in params")
    fn = compile_expr(expr, syms, "numpy")
    with_np = fn(*[float(values[s.name]) for s in syms])
    v = float(with_np)
    if v != v:
        raise InputError(f"bound {expr} is NaN at {', '.join(f'{s.name}={values[s.name]:g}' for s in syms)}")
    return v


def compare(result: SimResult, problem: Problem, bound_expr: sp.Expr | None, overrides: Mapping[str, float],
            quantity: str = "min_expected_gap", level: float = 0.05) -> CrossCheck:
    """Estimate ``quantity`` from ``result`` and compare it with the bound."""
    est = estimate_quantity(result, quantity, level)
    inputs = bound_inputs(problem, result, overrides)
    bound = None if bound_expr is None else evaluate_bound(bound_expr, inputs)
    v = verdict(est.ci_low, est.ci_high, bound)
    ratio = None
    if bound is not None and bound > 0 and math.isfinite(bound):
        ratio = est.estimate / bound
    others = {}
    for q in QUANTITIES:
        if q != quantity:
            e = estimate_quantity(result, q, level)
            others[q] = {"estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high}
    div = result.divergence_report()
    if v == "violated":
        evidence = (f"{quantity} lower confidence bound {est.ci_low:.6g} > bound {bound:.6g} "
                    f"(two-sided {100 * (1 - level):g}% interval, {est.ci_method})")
    elif div:
        evidence = (f"{div['seeds_diverged']} seed(s) diverged, first at step {div['first_bad_step']} "
                    f"(seed {div['first_bad_seed']}): {div['reason']}")
    elif v == "consistent":
        evidence = f"{quantity} upper confidence bound {est.ci_high:.6g} <= bound {bound:.6g}"
    elif v == "inconclusive":
        evidence = f"interval [{est.ci_low:.6g}, {est.ci_high:.6g}] contains the bound {bound}"
    else:
        evidence = "no bound given"
    used = {s.name for s in sp.sympify(bound_expr).free_symbols} if bound_expr is not None else set()
    return CrossCheck(
        verdict=v, estimate=est.estimate, ci_low=est.ci_low, ci_high=est.ci_high, bound=bound, ratio=ratio,
        seeds=result.seeds, iterations=result.iterations, diverged=result.diverged, quantity=quantity,
        ci_method=est.ci_method, level=level, seed=result.seed, params=dict(result.params),
        method=result.method, problem=result.problem, batch=result.batch, replacement=result.replacement,
        x0=result.x0, bound_inputs={k: inputs[k] for k in sorted(used)},
        bound_expr=None if bound_expr is None else str(bound_expr), other_estimates=others,
        divergence=div, min_residual=float(result.min_residual.min()), evidence=evidence,
        abcheck_version=result.abcheck_version)


def cross_check(method: Method | str, problem: Problem, bound_expr: sp.Expr | None,
                params: Mapping[str, float] | None = None, seeds: int = 1000, iters: int = 1000,
                batch: int = 1, seed: int = 0, level: float = 0.05, x0: Any = None, *,
                quantity: str = "min_expected_gap", replacement: bool = True,
                memory_limit: int | None = None, progress: bool = False) -> CrossCheck:
    """Simulate ``method`` on ``problem`` and compare ``quantity`` with ``bound_expr``.

    ``params`` holds method parameters and overrides of the bound inputs (alpha, beta, L, sigma_int,
    sigma_pos, D0, or extra symbols of the bound)."""
    if isinstance(method, str):
        method = get_method(method)
    if quantity not in QUANTITIES:
        from theory.errors import UnknownNameError
        raise UnknownNameError("quantity", quantity, QUANTITIES)
    method = with_class_constants(method)
    mp, other = split_params(method, params)
    result = simulate(method, problem, mp, seeds=seeds, iters=iters, batch=batch, replacement=replacement,
                      seed=seed, x0=x0, alpha=other.get("alpha"), beta=other.get("beta"),
                      memory_limit=memory_limit, progress=progress)
    return compare(result, problem, bound_expr, other, quantity, level)
