"""Safe parsing of user expressions and conditions by an explicit grammar (no eval, no sympify).

Grammar (whitespace is ignored; ``^`` and ``**`` both mean power)::

    condition := relation ("and" relation)*
    relation  := expr relop expr (relop expr)*       relop := "<" | "<=" | ">" | ">="
    expr      := term (("+" | "-") term)*            left-associative
    term      := unary (("*" | "/") unary)*          left-associative
    unary     := ("+" | "-") unary | power           so -x^2 = -(x^2)
    power     := atom (("^" | "**") unary)?          right-associative: a^b^c = a^(b^c); x^-2 allowed
    atom      := number | name | func "(" expr ("," expr)* ")" | "(" expr ")"
    func      := "min" | "max" (two or more arguments) | "sqrt" | "abs" | "log" (one argument)
    number    := digits ["." digits] [("e" | "E") ["+" | "-"] digits]

A chained relation ``0 < gamma <= 1`` means ``0 < gamma and gamma <= 1``.

Meaning and limits:
- A name is a symbol only if it is in the caller's ``allowed`` set; it becomes ``theory.symbols.sym(name)``.
- Number literals are exact: ``0.1`` is the rational 1/10, ``1e-3`` is 1/1000. There are no floats.
- An exponent must be an integer n with |n| <= 64, or exactly 1/2 or -1/2 (a square root).
  Why: the provers behind the checker (z3's nonlinear real arithmetic, Coq's lra/nra) handle
  polynomials and square roots; a symbolic or other fractional exponent x^y leaves that fragment and
  has no real meaning for negative x. A bound on integer exponents keeps degrees and literal sizes
  small: without it ``9^9^9`` would ask for a number with hundreds of millions of digits.
- Each rational number built on the way has at most 4096 bits in numerator and denominator, and
  each power SymPy forms by combining factors (``(x^8)^9``, ``x^64*x``) keeps |numerator| <= 64.
- Division by zero, 0 to a negative power, log of a number <= 0, the square root of a negative
  number, ``nan``/``inf`` literals and implicit multiplication (``2x``) are errors.
- Size limits: 4000 characters, 1000 tokens, nesting depth 64. Each is checked before any work that
  grows with it, so hostile input fails fast.

Every failure is a ``theory.errors.InputError`` with a one-line message naming the offending token
and its column (1-based character offset in the text).
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Callable, Iterable

import sympy as sp

from theory.errors import InputError
from theory.symbols import sym

__all__ = [
    "parse_expression", "UnknownSymbolError", "parse_condition", "FUNCTIONS", "NON_FINITE_NAMES", "MAX_LENGTH", "MAX_TOKENS",
    "MAX_DEPTH", "MAX_EXPONENT", "MAX_NUMBER_BITS", "MAX_LITERAL_DIGITS", "is_valid_name",
]

MAX_LENGTH = 4000
MAX_TOKENS = 1000
MAX_DEPTH = 64
MAX_EXPONENT = 64
MAX_NUMBER_BITS = 4096
MAX_LITERAL_DIGITS = 300

_HALF = sp.Rational(1, 2)

#: function name -> (minimum, maximum) number of arguments (None: unbounded) and constructor
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., sp.Expr]]] = {
    "min": (2, None, sp.Min),
    "max": (2, None, sp.Max),
    "sqrt": (1, 1, sp.sqrt),
    "abs": (1, 1, sp.Abs),
    "log": (1, 1, sp.log),
}
#: names that would mean a non-finite number elsewhere; always rejected with a clear message
NON_FINITE_NAMES = frozenset({"nan", "NaN", "NAN", "inf", "Inf", "INF", "infinity", "Infinity", "oo", "zoo"})

_RELATIONS: dict[str, Callable[[sp.Expr, sp.Expr], sp.Basic]] = {
    "<": sp.StrictLessThan, "<=": sp.LessThan, ">": sp.StrictGreaterThan, ">=": sp.GreaterThan,
}

_TOKEN_RE = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|<=|>=|[-+*/^(),<>])",
    re.ASCII,
)
_NUM_RE = re.compile(r"(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?", re.ASCII)
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)


def is_valid_name(name: str) -> bool:
    """True when ``name`` can be a declared symbol: ASCII letter first, then letters, digits and
    single underscores; not a function name, a non-finite literal, ``and`` or a Python keyword."""
    return (isinstance(name, str) and _NAME_RE.fullmatch(name) is not None and "__" not in name
            and name not in FUNCTIONS and name not in NON_FINITE_NAMES and not keyword.iskeyword(name))


def _show(text: str, limit: int = 40) -> str:
    """A one-line, bounded rendering of a piece of user text for an error message."""
    shown = ascii(text)[1:-1]
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


class UnknownSymbolError(InputError):
    """A name that is not in the caller's ``allowed`` set; ``name`` and ``column`` say which and where."""

    def __init__(self, name: str, column: int, allowed: frozenset[str]) -> None:
        known = ", ".join(sorted(allowed)) or "(none)"
        super().__init__(f"unknown symbol '{_show(name)}' at column {column}; allowed: {known}")
        self.name, self.column = name, column


@dataclass(frozen=True)
class _Token:
    kind: str      # "num", "name", "op", "end"
    text: str
    col: int       # 1-based


def _is_foreign_word(name: str) -> bool:
    """Python keywords other than ``and`` and names with a leading or double underscore: never part
    of the grammar, rejected as soon as they are seen."""
    return (keyword.iskeyword(name) and name != "and") or name.startswith("_") or "__" in name


def _tokenize(text: str) -> list[_Token]:
    if not isinstance(text, str):
        raise InputError(f"expected a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise InputError(f"expression too long ({len(text)} characters; limit {MAX_LENGTH})")
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = " (relations are <, <=, >, >=)" if ch in "=!" else ""
            raise InputError(f"unexpected character '{_show(ch)}' at column {pos + 1}{hint}")
        kind = m.lastgroup
        if kind == "name" and _is_foreign_word(m.group()):
            raise InputError(f"unexpected token '{_show(m.group())}' at column {pos + 1}")
        if kind != "ws":
            tokens.append(_Token(kind, m.group(), pos + 1))
            if len(tokens) > MAX_TOKENS:
                raise InputError(f"expression has too many tokens (limit {MAX_TOKENS})")
        pos = m.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


def _bits(q: sp.Rational) -> int:
    return max(int(q.p).bit_length(), int(q.q).bit_length())


def _number(tok: _Token) -> sp.Rational:
    """Exact value of a number literal: mantissa digits and decimal exponent, never a float."""
    m = _NUM_RE.fullmatch(tok.text)
    whole, frac, exp = m.group(1), m.group(2) or "", m.group(3)
    digits = (whole + frac).lstrip("0")
    if len(digits) > MAX_LITERAL_DIGITS or (exp is not None and len(exp.lstrip("+-").lstrip("0")) > 4):
        raise InputError(f"number literal '{_show(tok.text)}' at column {tok.col} is too long")
    power = (int(exp) if exp is not None else 0) - len(frac)
    if abs(power) > MAX_LITERAL_DIGITS:
        raise InputError(f"number literal '{_show(tok.text)}' at column {tok.col} is out of range")
    mantissa = int(whole + frac) if whole + frac else 0
    value = sp.Integer(mantissa * 10**power) if power >= 0 else sp.Rational(mantissa, 10**-power)
    if _bits(value) > MAX_NUMBER_BITS:
        raise InputError(f"number literal '{_show(tok.text)}' at column {tok.col} is too large")
    return value


class _Parser:
    def __init__(self, text: str, allowed: Iterable[str]) -> None:
        if isinstance(allowed, str):
            raise TypeError("allowed must be a collection of names, not a string")
        self.allowed = frozenset(allowed)
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------------
    @property
    def tok(self) -> _Token:
        return self.tokens[self.pos]

    def _advance(self) -> _Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def _at(self, *texts: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in texts

    def _unexpected(self, context: str = "") -> InputError:
        tok = self.tok
        if tok.kind == "end":
            return InputError(f"unexpected end of expression at column {tok.col}{context}")
        prev = self.tokens[self.pos - 1] if self.pos > 0 else None
        starts_atom = tok.kind in ("num", "name") or tok.text == "("
        ends_atom = prev is not None and (prev.kind in ("num", "name") or prev.text == ")")
        if starts_atom and ends_atom and not (tok.kind == "name" and tok.text == "and"):
            return InputError(f"missing operator before '{_show(tok.text)}' at column {tok.col} "
                              "(implicit multiplication is not allowed)")
        return InputError(f"unexpected token '{_show(tok.text)}' at column {tok.col}{context}")

    def _expect(self, text: str) -> _Token:
        if not self._at(text):
            raise self._unexpected(f" (expected '{text}')")
        return self._advance()

    def _enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise InputError(f"expression nested too deeply at column {col} (limit {MAX_DEPTH})")

    # -- checks on built values ------------------------------------------------------------------
    @staticmethod
    def _check_size(value: sp.Expr, col: int) -> sp.Expr:
        for part in (value, *value.args):
            if isinstance(part, sp.Rational) and _bits(part) > MAX_NUMBER_BITS:
                raise InputError(f"number too large at column {col} (limit {MAX_NUMBER_BITS} bits)")
            if isinstance(part, sp.Pow) and part.exp.is_Rational and abs(part.exp.p) > MAX_EXPONENT:
                raise InputError(f"combined exponent {_show(str(part.exp))} at column {col} is too large "
                                 f"(|n| <= {MAX_EXPONENT})")
        return value

    # -- grammar -----------------------------------------------------------------------------------
    def condition(self) -> tuple[sp.Basic, ...]:
        relations = list(self.relation())
        while self.tok.kind == "name" and self.tok.text == "and":
            self._advance()
            relations.extend(self.relation())
        if self.tok.kind != "end":
            raise self._unexpected()
        return tuple(relations)

    def relation(self) -> list[sp.Basic]:
        start = self.tok.col
        left = self.expr()
        if not self._at(*_RELATIONS):
            raise self._unexpected(" (expected one of <, <=, >, >=)")
        out = []
        while self._at(*_RELATIONS):
            op = self._advance()
            right = self.expr()
            rel = _RELATIONS[op.text](left, right)
            if rel is sp.true or rel is sp.false:
                word = "always true" if rel is sp.true else "never true"
                raise InputError(f"relation '{op.text}' at column {op.col} is {word}; "
                                 "state a condition on a symbol")
            if not isinstance(rel, sp.core.relational.Relational):  # pragma: no cover - defensive
                raise InputError(f"relation at column {start} is not a real inequality")
            out.append(rel)
            left = right
        return out

    def expr(self) -> sp.Expr:
        value = self.term()
        while self._at("+", "-"):
            op = self._advance()
            right = self.term()
            value = self._check_size(value + right if op.text == "+" else value - right, op.col)
        return value

    def term(self) -> sp.Expr:
        value = self.unary()
        while self._at("*", "/"):
            op = self._advance()
            right = self.unary()
            if op.text == "*":
                value = value * right
            else:
                if right.is_zero:
                    raise InputError(f"division by zero at column {op.col}")
                value = value / right
            value = self._check_size(value, op.col)
        return value

    def unary(self) -> sp.Expr:
        if self._at("+", "-"):
            op = self._advance()
            self._enter(op.col)
            operand = self.unary()
            self.depth -= 1
            return -operand if op.text == "-" else operand
        return self.power()

    def power(self) -> sp.Expr:
        base = self.atom()
        if not self._at("^", "**"):
            return base
        op = self._advance()
        self._enter(op.col)
        exponent = self.unary()
        self.depth -= 1
        return self._pow(base, exponent, op.col)

    def _pow(self, base: sp.Expr, exponent: sp.Expr, col: int) -> sp.Expr:
        if exponent.is_Integer:
            if abs(int(exponent)) > MAX_EXPONENT:
                raise InputError(f"exponent {_show(str(exponent))} at column {col} is too large "
                                 f"(|n| <= {MAX_EXPONENT})")
        elif exponent not in (_HALF, -_HALF):
            raise InputError(f"exponent '{_show(str(exponent))}' at column {col} is not allowed "
                             f"(an integer n with |n| <= {MAX_EXPONENT}, or 1/2)")
        if base.is_zero and exponent.is_negative:
            raise InputError(f"division by zero at column {col} (0 to a negative power)")
        if not exponent.is_Integer and base.is_negative:
            raise InputError(f"square root of a negative number at column {col}")
        if isinstance(base, sp.Rational) and exponent.is_Integer:
            if _bits(base) * abs(int(exponent)) > MAX_NUMBER_BITS:
                raise InputError(f"number too large at column {col} (limit {MAX_NUMBER_BITS} bits)")
        return self._check_size(base**exponent, col)

    def atom(self) -> sp.Expr:
        tok = self.tok
        if tok.kind == "num":
            self._advance()
            return _number(tok)
        if tok.kind == "op" and tok.text == "(":
            self._advance()
            self._enter(tok.col)
            value = self.expr()
            self._expect(")")
            self.depth -= 1
            return value
        if tok.kind == "name":
            name = tok.text
            if name in FUNCTIONS:
                return self.call()
            if name == "and":
                raise self._unexpected()
            if name in NON_FINITE_NAMES:
                raise InputError(f"non-finite literal '{name}' at column {tok.col} is not allowed")
            if name not in self.allowed:
                raise UnknownSymbolError(name, tok.col, self.allowed)
            self._advance()
            return sym(name)
        raise self._unexpected()

    def call(self) -> sp.Expr:
        tok = self._advance()
        lo, hi, build = FUNCTIONS[tok.text]
        if not self._at("("):
            raise InputError(f"function '{tok.text}' at column {tok.col} needs its arguments in parentheses")
        self._advance()
        self._enter(tok.col)
        args = [self.expr()]
        while self._at(","):
            self._advance()
            args.append(self.expr())
        self._expect(")")
        self.depth -= 1
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if hi == lo else f"at least {lo}"
            raise InputError(f"function '{tok.text}' at column {tok.col} takes {want} argument(s), "
                             f"got {len(args)}")
        if tok.text == "log" and args[0].is_zero:
            raise InputError(f"log of zero at column {tok.col}")
        if tok.text == "log" and args[0].is_negative:
            raise InputError(f"log of a negative number at column {tok.col}")
        if tok.text == "sqrt" and args[0].is_negative:
            raise InputError(f"square root of a negative number at column {tok.col}")
        return self._check_size(build(*args), tok.col)


_BAD_ATOMS = (sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I)


def _finite_real(value: sp.Basic) -> None:
    """Defensive final check: nothing complex or infinite slipped through the node checks."""
    if value.has(*_BAD_ATOMS):
        raise InputError("expression is not a finite real number")


def parse_expression(text: str, allowed: set[str] | frozenset[str]) -> sp.Expr:
    """Parse ``text`` by the grammar above into a SymPy expression over the symbols named in ``allowed``.

    Raises ``InputError`` (one line, naming the token and column) on anything outside the grammar."""
    parser = _Parser(text, allowed)
    value = parser.expr()
    if parser.tok.kind != "end":
        raise parser._unexpected()
    _finite_real(value)
    return value


def parse_condition(text: str, allowed: set[str] | frozenset[str]) -> tuple[sp.Basic, ...]:
    """Parse one inequality, a chain ``a < b <= c``, or several joined by ``and``, into a tuple of
    SymPy relationals (``<, <=, >, >=``). A relation that SymPy decides outright (``1 > 0``,
    ``x < x``) is an error: it says nothing about the parameters, or can never hold."""
    parser = _Parser(text, allowed)
    relations = parser.condition()
    for rel in relations:
        _finite_real(rel)
    return relations
