"""Methods x_{k+1} = x_k - gamma_k grad f_{i_k}(x_k), each defined once as a SymPy step-size expression.

The step is an expression in the oracle symbols f, f_star, g2 (THEORY.md section 4), the iteration
counter k (schedules), state symbols (methods with memory) and parameters. Every division carries an
explicit zero-division branch (a Piecewise), because z3 leaves x/0 unspecified and Coq defines
x/0 = 0 (THEORY.md section 10).

Proofs use ``Method.step`` symbolically; simulations call ``Method.step_function()``; the torch
optimizers in ``numerics.optim`` are generated from the same expression.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import sympy as sp

from theory.compile import compile_expr
from theory.errors import UnknownNameError
from theory.symbols import c, f, f_star, g2, gamma, gamma0, gamma_b, k, sym

b0 = sym("b0")
gamma_prev, c_prev = sym("gamma_prev"), sym("c_prev")
c2_prev, b2_prev = sym("c2_prev"), sym("b2_prev")


@dataclass(frozen=True)
class StateVar:
    """A state variable of a method with memory: its value before step 0 and its update after a step.

    ``update`` may use the oracle symbols, parameters, k, the state symbols (old values) and the symbol
    ``theory.symbols.step`` (the step just taken)."""

    symbol: sp.Symbol
    initial: sp.Expr
    update: sp.Expr


@dataclass(frozen=True)
class Method:
    """One step-size rule.

    name        -- the CLI name (``sgd``, ``sps_max``, ...)
    step        -- gamma_k as a SymPy expression
    parameters  -- parameter symbol -> its declared condition(s) as SymPy relationals
    defaults    -- parameter values used when a simulation is not given any
    state       -- state variables for methods with memory
    full_gradient -- True for deterministic GD (the oracle sees f, not f_i)
    needs_positive_losses -- True when the step divides by f_i(x) itself (NGN)
    """

    name: str
    title: str
    step: sp.Expr
    parameters: dict[sp.Symbol, tuple[sp.Basic, ...]]
    defaults: dict[str, float] = field(default_factory=dict)
    state: tuple[StateVar, ...] = ()
    full_gradient: bool = False
    needs_positive_losses: bool = False
    description: str = ""

    @property
    def parameter_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(self.parameters)

    @property
    def is_schedule(self) -> bool:
        """True when the step depends on the iteration counter k."""
        return k in self.step.free_symbols

    @property
    def has_memory(self) -> bool:
        return bool(self.state)

    def arguments(self) -> tuple[sp.Symbol, ...]:
        """Argument order of ``step_function``: f, f_star, g2, k, state symbols, parameters (sorted by name)."""
        params = tuple(sorted(self.parameters, key=lambda s: s.name))
        return (f, f_star, g2, k) + tuple(s.symbol for s in self.state) + params

    def step_function(self, backend: str = "torch") -> Callable[..., Any]:
        """The step size compiled from ``self.step``: ``fn(f, f_star, g2, k, *state, *params)``."""
        return compile_expr(self.step, self.arguments(), backend)

    def at_start(self) -> dict[sp.Symbol, sp.Expr]:
        """Substitution giving the state before step 0: each state symbol -> its initial value, k -> 0."""
        return {**{s.symbol: s.initial for s in self.state}, k: sp.Integer(0)}

    def after_step(self) -> dict[sp.Symbol, sp.Expr]:
        """Substitution giving the state after one step: each state symbol -> its update, k -> k + 1."""
        return {**{s.symbol: s.update for s in self.state}, k: k + 1}

    def state_functions(self, backend: str = "torch") -> list[Callable[..., Any]]:
        """Compiled state updates, each ``fn(f, f_star, g2, k, *state, *params, step)``."""
        from theory.symbols import step as step_sym
        return [compile_expr(s.update, self.arguments() + (step_sym,), backend) for s in self.state]


def _guarded_ratio(num: sp.Expr, den: sp.Expr, when_zero: sp.Expr) -> sp.Expr:
    """num/den, with the value ``when_zero`` on the branch den == 0."""
    return sp.Piecewise((when_zero, sp.Eq(den, 0)), (num / den, True))


def _positive(*syms: sp.Symbol) -> dict[sp.Symbol, tuple[sp.Basic, ...]]:
    return {s: (sp.StrictGreaterThan(s, 0),) for s in syms}


SGD = Method(
    "sgd", "SGD with constant step size", gamma, _positive(gamma), {"gamma": 0.05},
    description="gamma_k = gamma")
SGD_DECREASING = Method(
    "sgd_decreasing", "SGD with step gamma0/sqrt(k+1)", gamma0 / sp.sqrt(k + 1), _positive(gamma0),
    {"gamma0": 0.05}, description="gamma_k = gamma0 / sqrt(k + 1)")
GD = Method(
    "gd", "Deterministic gradient descent", gamma, _positive(gamma), {"gamma": 0.05}, full_gradient=True,
    description="gamma_k = gamma on the full gradient")
#: gamma_k = min{(f_i - f_i^*)/(c ||grad f_i||^2), gamma_b}, and gamma_b when grad f_i = 0
SPS_MAX = Method(
    "sps_max", "Stochastic Polyak step, capped (SPS_max)",
    sp.Piecewise((gamma_b, sp.Eq(g2, 0)), (sp.Min((f - f_star) / (c * g2), gamma_b), True)),
    _positive(c, gamma_b), {"c": 1.0, "gamma_b": 1.0},
    description="gamma_k = min{(f_i - f_i^*)/(c ||grad f_i||^2), gamma_b}; gamma_b when grad f_i = 0")
#: gamma_k = gamma / (1 + gamma ||grad f_i||^2 / (2 f_i)), and gamma when f_i = 0
NGN = Method(
    "ngn", "Non-negative Gauss-Newton step (NGN)",
    sp.Piecewise((gamma, sp.Eq(f, 0)), (gamma / (1 + gamma * g2 / (2 * f)), True)),
    _positive(gamma), {"gamma": 0.5}, needs_positive_losses=True,
    description="gamma_k = gamma / (1 + gamma ||grad f_i||^2 / (2 f_i)); gamma when f_i = 0")
#: gamma_k = (1/c_k) min{(f_i - f_i^*)/||grad f_i||^2, c_{k-1} gamma_{k-1}},  c_k = c sqrt(k+1)
_c_k = c * sp.sqrt(k + 1)
DEC_SPS = Method(
    "dec_sps", "Decreasing stochastic Polyak step (DecSPS)",
    sp.Piecewise(
        (c_prev * gamma_prev / _c_k, sp.Eq(g2, 0)),
        (sp.Min((f - f_star) / g2, c_prev * gamma_prev) / _c_k, True)),
    _positive(c, gamma_b), {"c": 1.0, "gamma_b": 1.0},
    state=(StateVar(gamma_prev, gamma_b, sym("step")), StateVar(c_prev, c, _c_k)),
    description="gamma_k = min{(f_i - f_i^*)/||grad f_i||^2, c_{k-1} gamma_{k-1}} / c_k, c_k = c sqrt(k+1)")
#: c_k^2 = max{c_{k-1}^2, ||grad f_i||^2}, b_k^2 = b_{k-1}^2 + c_k^2, gamma_k = gamma / b_k
ADAGRAD_NORM_MAX = Method(
    "adagrad_norm_max", "AdaGrad-norm-max",
    gamma / sp.sqrt(b2_prev + sp.Max(c2_prev, g2)),
    _positive(gamma, b0), {"gamma": 0.5, "b0": 1.0},
    state=(StateVar(c2_prev, sp.Integer(0), sp.Max(c2_prev, g2)),
           StateVar(b2_prev, b0**2, b2_prev + sp.Max(c2_prev, g2))),
    description="c_k^2 = max{c_{k-1}^2, ||g||^2}, b_k^2 = b_{k-1}^2 + c_k^2, gamma_k = gamma / b_k")

METHODS: dict[str, Method] = {m.name: m for m in (
    SGD, SGD_DECREASING, GD, SPS_MAX, NGN, DEC_SPS, ADAGRAD_NORM_MAX)}


def get_method(name: str) -> Method:
    """The built-in method called ``name``; UnknownNameError (exit 2 in the CLI) otherwise."""
    try:
        return METHODS[name]
    except KeyError:
        raise UnknownNameError("method", name, METHODS) from None
