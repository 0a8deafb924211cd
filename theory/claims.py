"""Claim files: a user's convergence claim, in TOML, loaded and validated into a ``Claim``.

Schema (every key outside it is an error)::

    name = "my-step"
    assumptions = ["alpha_beta", "smooth"]        # from theory.conditions.ASSUMPTIONS
    step = "min((f - f_star)/(c*g2), gamma_b)"    # the step size gamma_k
    [parameters]                                    # optional; each parameter with its condition(s)
    c = "c > 1/(2*(alpha - beta))"
    gamma_b = "gamma_b > 0"
    [one_step]                                      # optional: E d2' <= d2 - A (f - f*) + B sigma_int + C sigma_pos
    A = "..."
    B = "..."
    C = "0"                                         # optional, default 0
    [rate]                                          # optional: min_{k<K} E[f(x_k) - f*] <= bound
    bound = "..."

At least one of ``one_step`` and ``rate`` is required. ``alpha``, ``beta`` and ``L`` are always declared,
with the conditions alpha > beta, beta >= 0, L > 0.

Which symbols each field may use (all expressions go through ``theory.parse``; nothing is evaluated):
- step:        parameters, alpha, beta, L, the oracle symbols f, f_star, g2, and k (schedules);
- conditions:  parameters, alpha, beta, L; each parameter's condition must mention that parameter
               (so a condition on alpha and beta, e.g. alpha >= beta + 1, rides along with one);
- A, B, C:     parameters, alpha, beta, L;
- rate bound:  parameters, alpha, beta, L, D0 = dist(x_0, S)^2, K, sigma_int, sigma_pos.

The conjunction of all conditions is checked with z3 over the reals (short time limit): if z3 proves
that no real values satisfy it, the file is rejected; a z3 timeout or "unknown" accepts the file.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from os import PathLike
from types import MappingProxyType
from typing import Any, Mapping

import sympy as sp

from theory.conditions import ASSUMPTIONS, Hypothesis
from theory.symbols import ORACLE
from theory.errors import InputError, UnknownNameError
from theory.parse import UnknownSymbolError, is_valid_name, parse_condition, parse_expression
from theory.satisfiable import conjunction_unsatisfiable
from theory.symbols import RESERVED_NAMES, L, alpha, beta, sym

__all__ = [
    "Claim", "load_claim", "claim_from_dict", "BASE_CONDITIONS", "ALWAYS_DECLARED", "STEP_ONLY",
    "RATE_ONLY", "MAX_FILE_BYTES",
]

#: alpha > beta, beta >= 0, L > 0: declared in every claim
BASE_CONDITIONS: tuple[sp.Basic, ...] = (
    sp.StrictGreaterThan(alpha, beta), sp.GreaterThan(beta, 0), sp.StrictGreaterThan(L, 0),
)
ALWAYS_DECLARED = frozenset({"alpha", "beta", "L"})
#: oracle symbols and the iteration counter: allowed in ``step`` only
STEP_ONLY = frozenset({"f", "f_star", "g2", "k"})
#: rate symbols: allowed in ``[rate] bound`` only
RATE_ONLY = frozenset({"D0", "K", "sigma_int", "sigma_pos"})
MAX_FILE_BYTES = 1_000_000

_TOP_KEYS = ("name", "assumptions", "step", "parameters", "one_step", "rate")
_ONE_STEP_KEYS = ("A", "B", "C")
_RATE_KEYS = ("bound",)
_BASE_TEXT = "alpha > beta >= 0, L > 0"


@dataclass(frozen=True)
class Claim:
    """A validated claim. ``parameters`` maps each declared parameter symbol (not alpha, beta, L) to its
    conditions; ``one_step`` (keys A, B, C) states E d2' <= d2 - A (f - f*) + B sigma_int + C sigma_pos;
    ``rate`` states min_{k<K} E[f(x_k) - f*] <= rate. The mappings are read-only."""

    name: str
    assumptions: tuple[str, ...]
    step: sp.Expr
    parameters: Mapping[sp.Symbol, tuple[sp.Basic, ...]]
    one_step: Mapping[str, sp.Expr] | None
    rate: sp.Expr | None
    path: str

    @property
    def parameter_symbols(self) -> tuple[sp.Symbol, ...]:
        """alpha, beta, L, then the declared parameters in file order."""
        return (alpha, beta, L) + tuple(self.parameters)

    def all_conditions(self) -> tuple[sp.Basic, ...]:
        """alpha > beta, beta >= 0, L > 0, then every parameter condition in file order."""
        out = list(BASE_CONDITIONS)
        for rels in self.parameters.values():
            out.extend(rels)
        return tuple(out)

    def hypotheses(self) -> tuple[Hypothesis, ...]:
        """The catalogue hypotheses named in ``assumptions``, in file order."""
        return tuple(ASSUMPTIONS[a] for a in self.assumptions)


def _fail(where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}")


def _check_keys(where: str, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            raise _fail(where, f"unknown key {key!r}; allowed: {', '.join(allowed)}")


def _string(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(where, f"must be a string, got {type(value).__name__}")
    return value


def _context_hint(name: str) -> str:
    if name in STEP_ONLY:
        return " (f, f_star, g2 and k may appear only in step)"
    if name in RATE_ONLY:
        return " (D0, K, sigma_int and sigma_pos may appear only in [rate] bound)"
    return ""


def _parsed(parser, where: str, text: Any, allowed: frozenset[str]):
    """``parser(text, allowed)`` with every error prefixed by where it happened (and a hint for symbols)."""
    try:
        return parser(_string(where, text), allowed)
    except UnknownSymbolError as exc:
        raise _fail(where, f"{exc}{_context_hint(exc.name)}") from None
    except InputError as exc:
        if str(exc).startswith(f"{where}:"):
            raise
        raise _fail(where, str(exc)) from None


def _expr(where: str, text: Any, allowed: frozenset[str]) -> sp.Expr:
    return _parsed(parse_expression, where, text, allowed)


def _conditions(where: str, text: Any, allowed: frozenset[str]) -> tuple[sp.Basic, ...]:
    return _parsed(parse_condition, where, text, allowed)


def _name(source: str, data: Mapping[str, Any]) -> str:
    if "name" not in data:
        raise _fail(source, "missing key 'name'")
    name = _string(f"{source}: name", data["name"])
    if not name.strip() or len(name) > 200 or not name.isprintable():
        raise _fail(f"{source}: name", "must be a non-empty, printable, one-line string of at most 200 characters")
    return name


def _assumptions(source: str, data: Mapping[str, Any]) -> tuple[str, ...]:
    where = f"{source}: assumptions"
    if "assumptions" not in data:
        raise _fail(source, "missing key 'assumptions'")
    raw = data["assumptions"]
    if not isinstance(raw, list):
        raise _fail(where, f"must be a list of strings, got {type(raw).__name__}")
    seen: list[str] = []
    for item in raw:
        item = _string(where, item)
        if item not in ASSUMPTIONS:
            err = UnknownNameError("assumption", item, ASSUMPTIONS)
            err.args = (f"{where}: {err}",)
            raise err
        if item in seen:
            raise _fail(where, f"{item!r} is listed twice")
        seen.append(item)
    return tuple(seen)


def _parameters(source: str, data: Mapping[str, Any]) -> dict[sp.Symbol, tuple[sp.Basic, ...]]:
    raw = data.get("parameters", {})
    if not isinstance(raw, dict):
        raise _fail(f"{source}: parameters", f"must be a table, got {type(raw).__name__}")
    for pname in raw:
        where = f"{source}: parameters.{pname}"
        if pname in ALWAYS_DECLARED:
            raise _fail(where, f"{pname!r} is always declared ({_BASE_TEXT}); put further conditions on it "
                               "into another parameter's condition")
        if pname in RESERVED_NAMES:
            raise _fail(where, f"{pname!r} is a reserved name and cannot be a parameter")
        if not is_valid_name(pname):
            raise _fail(where, "a parameter name must be a letter followed by letters, digits or single "
                               "underscores, and not a function name, keyword or nan/inf")
    allowed = ALWAYS_DECLARED | frozenset(raw)
    out: dict[sp.Symbol, tuple[sp.Basic, ...]] = {}
    for pname, text in raw.items():
        where = f"{source}: parameters.{pname}"
        rels = _conditions(where, text, allowed)
        if not any(sym(pname) in rel.free_symbols for rel in rels):
            raise _fail(where, f"the condition does not mention {pname}")
        out[sym(pname)] = rels
    return out


def _one_step(source: str, data: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, sp.Expr] | None:
    if "one_step" not in data:
        return None
    raw = data["one_step"]
    where = f"{source}: one_step"
    if not isinstance(raw, dict):
        raise _fail(where, f"must be a table, got {type(raw).__name__}")
    _check_keys(where, raw, _ONE_STEP_KEYS)
    for key in ("A", "B"):
        if key not in raw:
            raise _fail(where, f"missing key {key!r}")
    out = {key: _expr(f"{where}.{key}", raw[key], allowed) for key in ("A", "B")}
    out["C"] = _expr(f"{where}.C", raw["C"], allowed) if "C" in raw else sp.Integer(0)
    return out


def _rate(source: str, data: Mapping[str, Any], allowed: frozenset[str]) -> sp.Expr | None:
    if "rate" not in data:
        return None
    raw = data["rate"]
    where = f"{source}: rate"
    if not isinstance(raw, dict):
        raise _fail(where, f"must be a table, got {type(raw).__name__}")
    _check_keys(where, raw, _RATE_KEYS)
    if "bound" not in raw:
        raise _fail(where, "missing key 'bound'")
    return _expr(f"{where}.bound", raw["bound"], allowed | RATE_ONLY)


def _check_satisfiable(source: str, parameters: Mapping[sp.Symbol, tuple[sp.Basic, ...]]) -> None:
    """Reject conditions z3 proves unsatisfiable: first each parameter's own (to name it), then all."""
    for p, rels in parameters.items():
        if conjunction_unsatisfiable(BASE_CONDITIONS + rels):
            raise _fail(f"{source}: parameters.{p.name}",
                        f"the condition can never hold (with {_BASE_TEXT}); it is unsatisfiable over the reals")
    everything = BASE_CONDITIONS + tuple(r for rels in parameters.values() for r in rels)
    if len(parameters) > 1 and conjunction_unsatisfiable(everything):
        raise _fail(f"{source}: parameters", f"the conditions cannot all hold together (with {_BASE_TEXT}); "
                                             "they are unsatisfiable over the reals")


def claim_from_dict(data: Mapping[str, Any], source: str = "<dict>") -> Claim:
    """Validate a claim given as the dictionary a TOML file parses to. Raises ``InputError`` (one line,
    prefixed by ``source`` and the field) on anything outside the schema."""
    if not isinstance(data, Mapping):
        raise _fail(source, f"a claim must be a table, got {type(data).__name__}")
    _check_keys(source, data, _TOP_KEYS)
    name = _name(source, data)
    assumptions = _assumptions(source, data)
    parameters = _parameters(source, data)
    declared = ALWAYS_DECLARED | frozenset(p.name for p in parameters)
    for a in assumptions:       # e.g. bounded_gradients reads G: the claim must declare it, with its condition
        missing = sorted(s.name for s in ASSUMPTIONS[a].expr.free_symbols if s.name not in declared | {o.name for o in ORACLE})
        if missing:
            raise _fail(f"{source}: assumptions", f"{a!r} uses {', '.join(missing)}; declare it in [parameters] "
                                                  f"(e.g. {missing[0]} = \"{missing[0]} > 0\")")
    if "step" not in data:
        raise _fail(source, "missing key 'step'")
    step = _expr(f"{source}: step", data["step"], declared | STEP_ONLY)
    one_step = _one_step(source, data, declared)
    rate = _rate(source, data, declared)
    if one_step is None and rate is None:
        raise _fail(source, "a claim needs a [one_step] table, a [rate] table, or both")
    _check_satisfiable(source, parameters)
    return Claim(
        name=name, assumptions=assumptions, step=step, parameters=MappingProxyType(dict(parameters)),
        one_step=None if one_step is None else MappingProxyType(one_step), rate=rate, path=source,
    )


def load_claim(path: str | PathLike[str]) -> Claim:
    """Read a TOML claim file and validate it (see the module docstring for the schema)."""
    source = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{source}: claim file not found") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read claim file ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(f"{source}: claim file larger than {MAX_FILE_BYTES} bytes")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{source}: claim file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())
        raise InputError(f"{source}: TOML syntax error: {message}") from None
    except RecursionError:
        raise InputError(f"{source}: TOML nested too deeply") from None
    return claim_from_dict(data, source)
