"""``--param NAME=VALUE`` parsing and checks (one-line errors, exit 2)."""
from __future__ import annotations

import math

import sympy as sp

from theory.errors import InputError
from theory.symbols import sym


def parse_number(text: str, what: str) -> float:
    """A finite float from the user's text (``float`` only, no evaluation)."""
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{what} must be a number, got {text!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{what} must be finite, got {text!r}")
    return v


def split_assignments(items: list[str] | None, what: str):
    """Yield (name, value text, original part) for ``NAME=VALUE`` items (comma-separated lists allowed)."""
    for item in items or []:
        for part in item.split(","):
            if not part.strip():
                continue
            name, sep, val = part.partition("=")
            name = name.strip()
            if not sep or not name.isidentifier():
                raise InputError(f"{what} expects NAME=VALUE, got {part!r}")
            yield name, val.strip(), part


def parse_assignments(items: list[str] | None, what: str = "--param") -> dict[str, float]:
    """``["gamma=0.1", "c=2"]`` -> {"gamma": 0.1, "c": 2.0}."""
    return {name: parse_number(val, f"{what} {name}") for name, val, _ in split_assignments(items, what)}


def parse_params(items: list[str]) -> dict[str, float]:
    """``--param`` values, with alpha > beta >= 0 and L > 0 checked."""
    out = parse_assignments(items)
    if "alpha" in out or "beta" in out:
        a, b = out.get("alpha"), out.get("beta")
        if a is None or b is None:
            raise InputError("--param: give alpha and beta together")
        if not a > b:
            raise InputError(f"need alpha > beta, got alpha={a}, beta={b}")
        if b < 0:
            raise InputError(f"need beta >= 0, got beta={b}")
    if "L" in out and not out["L"] > 0:
        raise InputError(f"need L > 0, got L={out['L']}")
    return out


def theorem_parameters(result) -> set[str]:
    """alpha, beta, L, the method's parameters and any other symbol of the theorem's conditions (e.g. mu, G)."""
    return {s.name for s in result.method.parameters} | {"alpha", "beta", "L"} | \
        {s.name for e, _ in list(result.conditions) for s in sp.sympify(e).free_symbols}


def check_params_against(result, values: dict[str, float]) -> None:
    """Every parameter must be known to the theorem, and its conditions must hold at the values."""
    known = theorem_parameters(result)
    for name in values:
        if name not in known:
            raise InputError(f"unknown parameter {name!r} for {result.spec.name}; known: {', '.join(sorted(known))}")
    for name in result.method.parameters:
        if name.name in values and not values[name.name] > 0:
            raise InputError(f"need {name.name} > 0, got {name.name}={values[name.name]}")
    subs = {sym(k): sp.Rational(str(v)) for k, v in values.items()}
    for expr, strict in result.conditions + list(result.derivation.conditions):
        if not expr.free_symbols <= set(subs):
            continue
        v = expr.xreplace(subs)
        if (v <= 0) if strict else (v < 0):
            raise InputError(f"parameters violate the theorem's condition {sp.sstr(expr)} {'>' if strict else '>='} 0")
