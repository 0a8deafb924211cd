"""theory.parse: grammar, precedence, exact literals and the documented errors, each against a hand
derivation (the expected SymPy expression is written out by hand, never captured from the parser)."""
from __future__ import annotations

import pytest
import sympy as sp

from theory.errors import InputError
from theory.parse import MAX_DEPTH, UnknownSymbolError, is_valid_name, parse_condition, parse_expression
from theory.symbols import sym

x, y, z = sym("x"), sym("y"), sym("z")
ALLOWED = frozenset({"x", "y", "z"})


def P(text: str) -> sp.Expr:
    return parse_expression(text, ALLOWED)


@pytest.mark.parametrize("text, expected", [
    ("x + y*z", x + y * z),
    ("(x + y)*z", (x + y) * z),
    ("x - y - z", (x - y) - z),                      # left-associative
    ("x / y / z", (x / y) / z),
    ("x/y*z", (x / y) * z),
    ("2^3^2", sp.Integer(512)),                      # right-associative: 2^(3^2), not (2^3)^2 = 64
    ("2**3**2", sp.Integer(512)),
    ("x^2^3", x**8),
    ("-x^2", -(x**2)),                               # unary minus binds looser than power
    ("(-x)^2", x**2),
    ("-2^2", sp.Integer(-4)),
    ("x^-2", x**-2),
    ("2^-1", sp.Rational(1, 2)),
    ("--x", x),
    ("+x", x),
    ("x*-y", -x * y),
    ("x - -y", x + y),
    ("x^2*y", x**2 * y),
    ("min(x, y, z)", sp.Min(x, y, z)),
    ("max(x, 1)", sp.Max(x, 1)),
    ("sqrt(x)", sp.sqrt(x)),
    ("x^(1/2)", sp.sqrt(x)),
    ("x^0.5", sp.sqrt(x)),
    ("x^(-1/2)", 1 / sp.sqrt(x)),
    ("abs(x - y)", sp.Abs(x - y)),
    ("log(x)", sp.log(x)),
    ("log(2)", sp.log(2)),
    ("  x\t+\n1 ", x + 1),
    ("((((x))))", x),
])
def test_grammar_and_precedence(text, expected):
    assert P(text) == expected


@pytest.mark.parametrize("text, value", [
    ("0.1", sp.Rational(1, 10)),
    ("0.1 + 0.2", sp.Rational(3, 10)),               # exactly 3/10, unlike floats
    ("1e-3", sp.Rational(1, 1000)),
    ("2.5E2", sp.Integer(250)),
    (".5", sp.Rational(1, 2)),
    ("5.", sp.Integer(5)),
    ("007", sp.Integer(7)),
    ("1.25e+1", sp.Rational(25, 2)),
    ("3/4", sp.Rational(3, 4)),
])
def test_literals_are_exact_rationals(text, value):
    got = P(text)
    assert got == value and isinstance(got, sp.Rational)
    assert not got.atoms(sp.Float)


def test_symbols_are_the_project_symbols():
    got = P("x + y")
    assert got.free_symbols == {sym("x"), sym("y")}
    assert all(s.is_real for s in got.free_symbols)


@pytest.mark.parametrize("text, fragment", [
    ("2x", "missing operator before 'x' at column 2"),
    ("2 x", "missing operator before 'x' at column 3"),
    ("x(y)", "missing operator before '(' at column 2"),
    ("(x)(y)", "missing operator before '(' at column 4"),
    ("x y", "missing operator before 'y'"),
    ("1/0", "division by zero at column 2"),
    ("x/(y - y)", "division by zero"),
    ("x/0.0", "division by zero"),
    ("0^-1", "division by zero"),
    ("nan", "non-finite literal 'nan'"),
    ("inf", "non-finite literal 'inf'"),
    ("x + Infinity", "non-finite literal 'Infinity' at column 5"),
    ("oo", "non-finite literal 'oo'"),
    ("w + 1", "unknown symbol 'w' at column 1"),
    ("x^y", "exponent 'y' at column 2 is not allowed"),
    ("x^(1/3)", "exponent '1/3'"),
    ("x^65", "exponent 65 at column 2 is too large"),
    ("x^-65", "exponent -65"),
    ("(x^8)^9", "combined exponent 72"),
    ("log(0)", "log of zero"),
    ("log(-1)", "log of a negative number"),
    ("log(-x^2 - 1)", "log of a negative number"),
    ("sqrt(-4)", "square root of a negative number"),
    ("(-4)^(1/2)", "square root of a negative number"),
    ("min(x)", "takes at least 2 argument(s), got 1"),
    ("sqrt(x, y)", "takes 1 argument(s), got 2"),
    ("sqrt x", "function 'sqrt' at column 1 needs its arguments in parentheses"),
    ("min", "needs its arguments in parentheses"),
    ("", "unexpected end of expression at column 1"),
    ("x +", "unexpected end of expression"),
    ("(x", "expected ')'"),
    ("x)", "unexpected token ')' at column 2"),
    ("x,y", "unexpected token ','"),
    ("x = 1", "unexpected character '='"),
    ("x < 1", "unexpected token '<'"),                 # a relation is not an expression
    ("x and y", "unexpected token 'and' at column 3"),
    ("α + 1", "unexpected character '\\u03b1' at column 1"),
    ("x²", "unexpected character '\\xb2' at column 2"),
    ("1" * 301, "too long"),
    ("1e100000", "too long"),
])
def test_errors_are_one_line_and_name_the_problem(text, fragment):
    with pytest.raises(InputError) as info:
        P(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message and len(message) < 400


def test_unknown_symbol_error_carries_name_and_column():
    with pytest.raises(UnknownSymbolError) as info:
        P("x + foo")
    assert info.value.name == "foo" and info.value.column == 5
    assert "allowed: x, y, z" in str(info.value)


def test_nesting_limit_is_exactly_max_depth():
    ok = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert P(ok) == x
    with pytest.raises(InputError, match="nested too deeply"):
        P("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))


def test_allowed_set_is_respected():
    assert parse_expression("x", {"x"}) == x
    with pytest.raises(InputError, match="unknown symbol 'y'"):
        parse_expression("x + y", {"x"})
    with pytest.raises(InputError, match=r"allowed: \(none\)"):
        parse_expression("x", set())
    with pytest.raises(TypeError):
        parse_expression("x", "x")  # a string is not a set of names


def test_non_string_input_is_an_input_error():
    with pytest.raises(InputError, match="expected a string"):
        parse_expression(3, ALLOWED)  # type: ignore[arg-type]


# ---- conditions ---------------------------------------------------------------------------------
def test_condition_and_chain():
    assert parse_condition("x > 0 and x <= (y - z)/2", ALLOWED) == (sp.Gt(x, 0), sp.Le(x, (y - z) / 2))
    assert parse_condition("0 < x <= 1", ALLOWED) == (sp.Lt(0, x), sp.Le(x, 1))
    assert parse_condition("x >= y + 1", ALLOWED) == (sp.Ge(x, y + 1),)
    rels = parse_condition("x < y and y < z and z > 1", ALLOWED)
    assert [type(r) for r in rels] == [sp.StrictLessThan, sp.StrictLessThan, sp.StrictGreaterThan]


@pytest.mark.parametrize("text, fragment", [
    ("x", "expected one of <, <=, >, >="),
    ("x > 0 and", "unexpected end"),
    ("x > 0 or y > 0", "unexpected token 'or'"),
    ("x == 1", "unexpected character '='"),
    ("x != 1", "unexpected character '!'"),
    ("1 > 0", "always true"),
    ("x < x", "never true"),
    ("x > 0 and 0 > 1", "never true"),
    ("and x > 0", "unexpected token 'and' at column 1"),
    ("x > 0 x < 1", "missing operator before 'x'"),
])
def test_condition_errors(text, fragment):
    with pytest.raises(InputError) as info:
        parse_condition(text, ALLOWED)
    assert fragment in str(info.value)


@pytest.mark.parametrize("name, ok", [
    ("gamma", True), ("gamma_b", True), ("c2", True), ("Lg", True),
    ("_x", False), ("x__y", False), ("2x", False), ("min", False), ("sqrt", False), ("nan", False),
    ("inf", False), ("and", False), ("lambda", False), ("import", False), ("", False), ("a-b", False),
    ("é", False),
])
def test_is_valid_name(name, ok):
    assert is_valid_name(name) is ok


@pytest.mark.parametrize("text, ok", [
    ("x^64", True), ("x^64*y^64", True), ("x^64/x", True), ("x^-64", True),
    ("x^64*x", False), ("x^-64/x", False), ("(x^8)^9", False), ("(x^8)^8", True),
])
def test_combined_exponents_stay_within_64(text, ok):
    if ok:
        assert max(abs(p.exp) for p in P(text).atoms(sp.Pow)) <= 64
    else:
        with pytest.raises(InputError, match="combined exponent"):
            P(text)
