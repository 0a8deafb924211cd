"""The synthetic function library: named, parametrized, seeded families of problems in (or claimed in)
the alpha-beta class, and a loader for users' own problems.

    get_problem(name, **params) -> Problem          (UnknownNameError / InputError on bad input)
    list_problems() -> list[dict]                   (name, summary, features, params with defaults)
    load_factory("path/to/module.py:factory", **params) -> Problem

Parameters given as strings (from the command line, ``k=v``) are converted to the type of the default
(int, float, or "none" for an optional seed); anything else is an InputError naming the parameter.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from theory.errors import InputError, UnknownNameError


@dataclass(frozen=True)
class FamilyInfo:
    """A registry entry: the builder, its parameters (name -> default), a summary and feature tags."""

    name: str
    builder: str                   # "module:function" inside numerics.families (imported lazily)
    summary: str
    features: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    types: dict[str, type] = field(default_factory=dict)   # for parameters whose default is None


FEATURES = ("saddle", "local_min", "unbounded_S", "finite_S", "interpolation", "gap", "tight", "high_dim",
            "bounded_domain", "convex")

_REGISTRY: dict[str, FamilyInfo] = {}


def register(info: FamilyInfo) -> None:
    """Add a family to the registry (names are unique)."""
    if info.name in _REGISTRY:
        raise ValueError(f"family {info.name!r} registered twice")
    _REGISTRY[info.name] = info


def _builtin() -> None:
    R = register
    R(FamilyInfo("paper-ex1", "paper_ex1:PaperEx1", "paper Ex. 1: f_i = phi(sum_j x_j + a_i), unbounded S (a hyperplane)",
                 ("unbounded_S", "gap"), {"n": 2, "d": 2, "spread": 1.0, "seed": None}, {"seed": int}))
    R(FamilyInfo("paper-ex2", "paper_radial:paper_ex2", "paper Ex. 2: Gaussian wells, two minimizers, a saddle",
                 ("saddle", "finite_S", "gap"), {"n": 2, "d": 2, "sep": 2.0, "seed": None}, {"seed": int}))
    R(FamilyInfo("paper-ex3", "paper_radial:paper_ex3",
                 "paper Ex. 3 (intended f_2 = q_2/(4 + q_2)): a spurious local minimum and a saddle",
                 ("local_min", "saddle", "finite_S", "gap"), {"d": 2, "sep": 2.5}))
    R(FamilyInfo("paper-ex3-printed", "paper_ex3:PaperEx3Printed",
                 "paper Ex. 3 as printed (denominator 4 + 2(y-2.5)^2), on a bounded box",
                 ("local_min", "finite_S", "gap", "bounded_domain"), {"box": 6.0}))
    R(FamilyInfo("paper-ex6", "paper_radial:paper_ex6", "paper Ex. 6: rational wells q/(1+q), two minimizers, a saddle",
                 ("saddle", "finite_S", "gap"), {"n": 2, "d": 2, "sep": 1.0, "seed": None}, {"seed": int}))
    R(FamilyInfo("saddle-tight", "tight:SaddleTight",
                 "own design: tilted double well, saddle at height tightness x beta*sigma_int/(alpha-beta)",
                 ("saddle", "finite_S", "gap", "tight"),
                 {"A": 3.0, "eps": 0.3, "c": 1.0, "tightness": 0.95, "n": 2, "d": 2}))
    R(FamilyInfo("localmin-tight", "tight:LocalMinTight",
                 "own design: asymmetric double well, spurious local minimum close to beta*sigma_int/(alpha-beta)",
                 ("local_min", "saddle", "finite_S", "gap", "tight"),
                 {"A": 3.0, "kappa": 0.9, "beta": 0.05, "c": 1.0, "slack": 1e-3, "n": 2, "d": 2}))
    R(FamilyInfo("convex-gap", "convex_gap:ConvexGap", "convex f_i (noisy ridge regression) with a positive interpolation gap",
                 ("convex", "finite_S", "gap"), {"n": 20, "d": 5, "noise": 0.5, "lam": 0.0, "seed": 0}))
    R(FamilyInfo("pseudo-huber", "pseudo_huber:PseudoHuber",
                 "convex pseudo-Huber sqrt(1 + <a_i, x>^2) - 1, n < d: interpolation (sigma_int = 0), S = null(A), "
                 "bounded gradients",
                 ("convex", "unbounded_S", "interpolation"), {"n": 4, "d": 6, "seed": 0}))
    R(FamilyInfo("quadratic-interp", "quadratic_interp:QuadraticInterp",
                 "diagonal quadratics 1/2 sum_j h_ij x_j^2 sharing h_i1 = L: interpolation, S = {0}, T_i = 0 exactly "
                 "at (alpha, beta) = (2, 0) (certified); SGD with gamma = 2/L does not converge",
                 ("convex", "finite_S", "interpolation"),
                 {"n": 2, "d": 2, "L": 1.0, "low": 0.3, "high": 0.6, "seed": None}, {"seed": int}))
    R(FamilyInfo("highdim", "highdim:HighDim", "separable tilted double well in R^d for throughput (d, n up to 1e4)",
                 ("high_dim", "saddle", "finite_S", "gap", "tight"),
                 {"d": 100, "n": 100, "A": 3.0, "eps": 0.3, "tightness": 0.95}))
    R(FamilyInfo("halfspace", "halfspace:HalfSpace",
                 "paper's half-space learning: sigmoid loss + 1e-5 |x|^2/2, Gaussian classes (spurious minima, plateaus)",
                 ("saddle", "local_min", "finite_S", "gap"),
                 {"per_class": 20, "d": 2, "shift": 1.0, "lam": 1e-5, "seed": 0}))
    R(FamilyInfo("paper-ex4", "paper_ex4:PaperEx4", "paper Ex. 4: rank-1 matrix factorization with noise, on a box",
                 ("saddle", "unbounded_S", "gap", "bounded_domain"),
                 {"m": 4, "k": 3, "noise": 0.3, "box": 3.0, "seed": 0}))
    R(FamilyInfo("paper-ex5", "paper_ex5:PaperEx5",
                 "paper Ex. 5: two-layer ReLU net, logistic loss, L2 regularisation, on a box (not smooth: L = inf)",
                 ("finite_S", "gap", "bounded_domain"),
                 {"samples": 6, "p": 2, "width": 2, "lam1": 0.01, "lam2": 0.01, "box": 3.0, "seed": 0}))


_builtin()




def list_problems() -> list[dict]:
    """All families: name, summary, features, params (defaults), sorted by name."""
    return [{"name": f.name, "summary": f.summary, "features": list(f.features), "params": dict(f.params)}
            for f in sorted(_REGISTRY.values(), key=lambda f: f.name)]


def family_info(name: str) -> FamilyInfo:
    """The registry entry or UnknownNameError."""
    if name not in _REGISTRY:
        raise UnknownNameError("problem", name, _REGISTRY)
    return _REGISTRY[name]


def _coerce(name: str, key: str, value: Any, default: Any, typ: type | None) -> Any:
    """Convert a parameter to the type of its default (strings from the command line included)."""
    want = typ or type(default)
    if isinstance(value, str):
        v = value.strip()
        if default is None and v.lower() in ("none", ""):
            return None
        try:
            if want is int:
                return int(v)
            if want is float:
                f = float(v)
                if not math.isfinite(f):
                    raise ValueError
                return f
        except ValueError:
            raise InputError(f"{name}: parameter {key} must be {want.__name__}, got {value!r}") from None
        raise InputError(f"{name}: parameter {key} cannot be given as text")
    if value is None:
        if default is None:
            return None
        raise InputError(f"{name}: parameter {key} must be {want.__name__}, got None")
    if want is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(float(value)):
            raise InputError(f"{name}: parameter {key} must be finite, got {value!r}")
        return float(value)
    if want is int and isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if want is int and isinstance(value, float) and value.is_integer():
        return int(value)
    raise InputError(f"{name}: parameter {key} must be {want.__name__}, got {value!r}")


def get_problem(name: str, **params: Any):
    """Build a family member; unknown names/parameters and bad values raise InputError (one line)."""
    info = family_info(name)
    unknown = sorted(set(params) - set(info.params))
    if unknown:
        raise InputError(f"{name}: unknown parameter {unknown[0]!r}; known: {', '.join(sorted(info.params)) or '(none)'}")
    kw = {k: _coerce(name, k, v, info.params[k], info.types.get(k)) for k, v in params.items()}
    mod, fn = info.builder.split(":")
    builder = getattr(importlib.import_module(f"numerics.families.{mod}"), fn)
    try:
        return builder(**kw)
    except InputError:
        raise
    except (ValueError, OverflowError, ZeroDivisionError, ArithmeticError) as exc:
        raise InputError(f"{name}: parameters {kw} rejected: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None


def load_factory(spec: str, **params: Any):
    """Load a user's problem from "path/to/module.py:factory" and call factory(**params).

    The file is imported as a module (its code runs: only load files you trust). Errors in the spec, a
    missing file or function, an exception in the factory or a result that is not a Problem are InputErrors.
    """
    from numerics.problem import Problem
    if not isinstance(spec, str) or spec.count(":") < 1:
        raise InputError(f"factory must look like path/to/module.py:factory, got {spec!r}")
    path, _, fn = spec.rpartition(":")
    if not path.endswith(".py") or not fn.isidentifier():
        raise InputError(f"factory must look like path/to/module.py:factory, got {spec!r}")
    if not os.path.isfile(path):
        raise InputError(f"factory file not found: {path}")
    modname = "abcheck_user_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(path))
    try:
        s = importlib.util.spec_from_file_location(modname, path)
        module = importlib.util.module_from_spec(s)
        sys.modules[modname] = module
        s.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - any failure of a user's file is bad input
        raise InputError(f"cannot import {path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    factory = getattr(module, fn, None)
    if not callable(factory):
        raise InputError(f"{path} has no callable {fn!r}")
    try:
        sig = inspect.signature(factory)
        sig.bind(**params)
    except TypeError as exc:
        raise InputError(f"{spec}: bad parameters {sorted(params)}: {exc}") from None
    except ValueError:
        pass
    try:
        problem = factory(**params)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"{spec} raised {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    if not isinstance(problem, Problem):
        raise InputError(f"{spec} returned {type(problem).__name__}, not a numerics.problem.Problem")
    return problem


def resolve(name_or_factory: str, **params: Any):
    """A family name, or "path.py:factory" for a user's file."""
    if ".py:" in name_or_factory:
        return load_factory(name_or_factory, **params)
    return get_problem(name_or_factory, **params)


__all__ = ["FamilyInfo", "FEATURES", "register", "list_problems", "family_info", "get_problem", "load_factory",
           "resolve"]
