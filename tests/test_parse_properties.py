"""Property tests for theory.parse.

Round trip: a grammar strategy builds, side by side and independently, a source string (with only the
parentheses precedence requires, plus random extra ones, random spacing, ^ or **) and the SymPy
expression it means (built with SymPy operators from the tree, never by parsing). Parsing the string
must give exactly that expression, or an InputError exactly when the tree contains an operation the
spec forbids (division by zero, log of a number <= 0, square root of a negative, an exponent beyond
64). Garbage: any text makes the parser return an expression over the allowed symbols or raise
InputError; nothing else escapes.
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from theory.errors import InputError
from theory.parse import parse_condition, parse_expression
from theory.symbols import sym

NAMES = ("x", "y", "gamma", "alpha_1")
ALLOWED = frozenset(NAMES)
ADD, MUL, UNARY, POW, ATOM = 1, 2, 3, 4, 5


class Node:
    """source text, meaning, precedence level, and whether the spec says parsing must fail."""

    def __init__(self, text: str, expr: sp.Expr, prec: int, bad: bool) -> None:
        self.text, self.expr, self.prec, self.bad = text, expr, prec, bad


def wrap(node: Node, need: int, extra: bool) -> str:
    return f"({node.text})" if node.prec < need or extra else node.text


def sp_(draw) -> str:
    return draw(st.sampled_from(["", " ", "  "]))


@st.composite
def literal(draw) -> Node:
    whole = draw(st.integers(0, 10**6))
    if draw(st.booleans()):
        return Node(str(whole), sp.Integer(whole), ATOM, False)
    frac = draw(st.text("0123456789", min_size=1, max_size=4))
    exp = draw(st.one_of(st.none(), st.integers(-5, 5)))
    text = f"{whole}.{frac}" + ("" if exp is None else f"e{exp}")
    value = Fraction(int(f"{whole}{frac}"), 10 ** len(frac)) * Fraction(10) ** (exp or 0)
    return Node(text, sp.Rational(value.numerator, value.denominator), ATOM, False)


@st.composite
def symbol(draw) -> Node:
    name = draw(st.sampled_from(NAMES))
    return Node(name, sym(name), ATOM, False)


def too_big(expr: sp.Expr) -> bool:
    """The spec: a power SymPy forms (at this node) has |exponent numerator| <= 64."""
    return any(isinstance(e, sp.Pow) and e.exp.is_Rational and abs(e.exp.p) > 64 for e in (expr, *expr.args))


def extend(children):
    @st.composite
    def binary(draw) -> Node:
        a, b = draw(children), draw(children)
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        prec = ADD if op in "+-" else MUL
        s = sp_(draw)
        text = wrap(a, prec, draw(st.booleans())) + s + op + s + wrap(b, prec + 1, draw(st.booleans()))
        bad = a.bad or b.bad
        if op == "+":
            expr = a.expr + b.expr
        elif op == "-":
            expr = a.expr - b.expr
        elif op == "*":
            expr = a.expr * b.expr
        else:
            bad = bad or b.expr == 0
            expr = a.expr / b.expr if not bad else sp.nan
        return Node(text, expr, prec, bad or too_big(expr))

    @st.composite
    def negate(draw) -> Node:
        a = draw(children)
        return Node("-" + sp_(draw) + wrap(a, UNARY, draw(st.booleans())), -a.expr, UNARY, a.bad)

    @st.composite
    def power(draw) -> Node:
        a = draw(children)
        n = draw(st.integers(-3, 3))
        op = draw(st.sampled_from(["^", "**"]))
        exp_text = str(n) if n >= 0 or draw(st.booleans()) else f"({n})"
        text = wrap(a, ATOM, False) + op + exp_text
        bad = a.bad or (a.expr == 0 and n < 0)
        expr = sp.nan if bad else a.expr ** sp.Integer(n)
        return Node(text, expr, POW, bad or too_big(expr))

    @st.composite
    def call(draw) -> Node:
        fn = draw(st.sampled_from(["min", "max", "sqrt", "abs", "log"]))
        count = draw(st.integers(2, 3)) if fn in ("min", "max") else 1
        args = [draw(children) for _ in range(count)]
        text = fn + "(" + ("," + sp_(draw)).join(a.text for a in args) + ")"
        bad = any(a.bad for a in args)
        if not bad:
            e = args[0].expr
            if fn == "log":
                bad = e.is_zero is True or e.is_negative is True
            if fn == "sqrt":
                bad = e.is_negative is True
        build = {"min": sp.Min, "max": sp.Max, "sqrt": sp.sqrt, "abs": sp.Abs, "log": sp.log}[fn]
        expr = sp.nan if bad else build(*(a.expr for a in args))
        return Node(text, expr, ATOM, bad)

    return st.one_of(binary(), binary(), negate(), power(), call())


EXPRESSIONS = st.recursive(st.one_of(literal(), symbol(), symbol()), extend, max_leaves=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_round_trip(node: Node):
    event("must be rejected" if node.bad else "must parse")
    if node.bad:
        try:
            parse_expression(node.text, ALLOWED)
        except InputError:
            return
        raise AssertionError(f"{node.text!r} should have been rejected")
    assume(not node.expr.has(sp.zoo, sp.nan, sp.I, sp.oo))
    assert parse_expression(node.text, ALLOWED) == node.expr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, EXPRESSIONS, st.sampled_from(["<", "<=", ">", ">="]))
def test_condition_round_trip(left: Node, right: Node, op: str):
    assume(not left.bad and not right.bad)
    build = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}[op]
    rel = build(left.expr, right.expr)
    assume(rel not in (sp.true, sp.false))
    assert parse_condition(f"{left.text} {op} {right.text} and x > 0", ALLOWED) == (rel, sp.Gt(sym("x"), 0))


GRAMMAR_CHARS = "xy0123456789.+-*/^(),<>= eE_" + "abcdefghijklmnopqrstuvwxyz"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(GRAMMAR_CHARS, max_size=60), st.text(max_size=60)))
def test_garbage_only_raises_input_error(text: str):
    for parse in (parse_expression, parse_condition):
        try:
            out = parse(text, ALLOWED)
        except InputError as exc:
            assert "\n" not in str(exc)
            continue
        parts = out if isinstance(out, tuple) else (out,)
        for part in parts:
            assert isinstance(part, sp.Basic)
            assert {s.name for s in part.free_symbols} <= ALLOWED
            assert not part.has(sp.Float, sp.zoo, sp.nan, sp.I)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["x", "1", "(", ")", "^", "**", "-", "+", "*", "/", "min(", ",", "sqrt(",
                                 "9", "64", "65", "0"]), max_size=40))
def test_token_soup_only_raises_input_error(tokens: list[str]):
    text = "".join(tokens)
    try:
        out = parse_expression(text, ALLOWED)
    except InputError:
        return
    assert isinstance(out, sp.Expr) and {s.name for s in out.free_symbols} <= ALLOWED
