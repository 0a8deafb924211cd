"""Compile a SymPy step-size expression into a numeric function (numpy or torch).

This is how simulations use the single SymPy definition of a method: the expression tree is walked
once and turned into nested closures over backend operations. Supported nodes: numbers, symbols,
+, *, ** (integer and rational powers), Min, Max, Piecewise (conditions built from ==, !=, <, <=, >,
>=, And, Or, Not), sqrt, log, exp, Abs. Piecewise becomes ``where``: every branch is evaluated, and
the branch that is selected never sees a division by zero because the method's definition guards it
explicitly (THEORY.md section 10).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import sympy as sp

from theory.errors import InputError


class _Ops:
    def __init__(self, backend: str):
        if backend == "numpy":
            self.where, self.minimum, self.maximum = np.where, np.minimum, np.maximum
            self.sqrt, self.log, self.exp, self.abs = np.sqrt, np.log, np.exp, np.abs
            self.land, self.lor, self.lnot = np.logical_and, np.logical_or, np.logical_not
            self.asarray = lambda v, like: np.asarray(v, dtype=float)
        elif backend == "torch":
            import torch

            def asarray(v, like):
                if isinstance(v, torch.Tensor):
                    return v
                if isinstance(like, torch.Tensor):
                    return torch.as_tensor(v, dtype=like.dtype, device=like.device)
                return torch.as_tensor(v, dtype=torch.float64)

            self.where = torch.where
            self.minimum = lambda a, b: torch.minimum(asarray(a, b), asarray(b, a))
            self.maximum = lambda a, b: torch.maximum(asarray(a, b), asarray(b, a))
            self.sqrt = lambda a: torch.sqrt(asarray(a, None))
            self.log = lambda a: torch.log(asarray(a, None))
            self.exp = lambda a: torch.exp(asarray(a, None))
            self.abs = lambda a: torch.abs(asarray(a, None))
            self.land, self.lor, self.lnot = torch.logical_and, torch.logical_or, torch.logical_not
            self.asarray = asarray
        else:
            raise InputError(f"unknown numeric backend {backend!r}; known: numpy, torch")


def compile_expr(expr: sp.Expr, args: list[sp.Symbol] | tuple[sp.Symbol, ...],
                 backend: str = "torch") -> Callable[..., Any]:
    """Return ``fn(*values)`` evaluating ``expr`` with ``args`` bound to ``values`` (arrays broadcast).

    Raises InputError if the expression uses a symbol not in ``args`` or an unsupported function.
    """
    ops = _Ops(backend)
    index = {s: i for i, s in enumerate(args)}
    missing = sorted(s.name for s in expr.free_symbols if s not in index)
    if missing:
        raise InputError(f"expression {expr} uses undeclared symbol(s): {', '.join(missing)}")
    body = _build(sp.sympify(expr), index, ops)

    def fn(*values):
        if len(values) != len(index):
            raise TypeError(f"expected {len(index)} values ({', '.join(map(str, args))}), got {len(values)}")
        return body(values)

    fn.__doc__ = f"Compiled from the SymPy expression {expr} with arguments ({', '.join(map(str, args))})."
    return fn


def _build(e, index, ops) -> Callable[[tuple], Any]:  # noqa: C901 - a flat dispatch on node types
    if isinstance(e, sp.Symbol):
        i = index[e]
        return lambda v: v[i]
    if e is sp.true:
        return lambda v: True
    if e is sp.false:
        return lambda v: False
    if e.is_Number:
        if not e.is_finite:
            raise InputError(f"non-finite constant {e} in expression")
        val = float(e)
        return lambda v: val
    if isinstance(e, sp.Piecewise):
        pairs = [(_build(ex, index, ops), _build(cond, index, ops)) for ex, cond in e.args]
        def piecewise(v):
            val, cond = pairs[-1]
            out = val(v)
            for val, cond in reversed(pairs[:-1]):
                c_ = cond(v)
                x = val(v)
                out = ops.where(c_, ops.asarray(x, out), ops.asarray(out, x))
            return out
        return piecewise
    kids = [_build(a, index, ops) for a in e.args]
    if isinstance(e, sp.Add):
        def add(v):
            out = kids[0](v)
            for g in kids[1:]:
                out = out + g(v)
            return out
        return add
    if isinstance(e, sp.Mul):
        def mul(v):
            out = kids[0](v)
            for g in kids[1:]:
                out = out * g(v)
            return out
        return mul
    if isinstance(e, sp.Pow):
        base, ex = kids
        expo = e.args[1]
        if expo == sp.Rational(1, 2):
            return lambda v: ops.sqrt(base(v))
        if expo == -sp.Rational(1, 2):
            return lambda v: 1.0 / ops.sqrt(base(v))
        if expo.is_Integer:
            n = int(expo)
            return (lambda v: base(v) ** n) if n >= 0 else (lambda v: 1.0 / base(v) ** (-n))
        return lambda v: base(v) ** ex(v)
    if isinstance(e, (sp.Min, sp.Max)):
        red = ops.minimum if isinstance(e, sp.Min) else ops.maximum
        def minmax(v):
            out = kids[0](v)
            for g in kids[1:]:
                out = red(out, g(v))
            return out
        return minmax
    rel = {sp.Eq: lambda a, b: a == b, sp.Ne: lambda a, b: a != b, sp.Lt: lambda a, b: a < b,
           sp.Le: lambda a, b: a <= b, sp.Gt: lambda a, b: a > b, sp.Ge: lambda a, b: a >= b}
    for cls, op in rel.items():
        if isinstance(e, cls):
            a, b = kids
            return lambda v, op=op: op(a(v), b(v))
    if isinstance(e, sp.And):
        def land(v):
            out = kids[0](v)
            for g in kids[1:]:
                out = ops.land(out, g(v))
            return out
        return land
    if isinstance(e, sp.Or):
        def lor(v):
            out = kids[0](v)
            for g in kids[1:]:
                out = ops.lor(out, g(v))
            return out
        return lor
    if isinstance(e, sp.Not):
        return lambda v: ops.lnot(kids[0](v))
    unary = {sp.log: ops.log, sp.exp: ops.exp, sp.Abs: ops.abs}
    for cls, op in unary.items():
        if isinstance(e, cls):
            a = kids[0]
            return lambda v, op=op: op(a(v))
    raise InputError(f"cannot evaluate {type(e).__name__} in {e}")
