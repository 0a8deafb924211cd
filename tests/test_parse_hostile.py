"""Hostile strings: none is executed, each fails with an InputError, and each fails fast.

"Not executed" is shown two ways: (1) statically, the parser's source calls none of eval, exec,
compile, __import__, sympify, parse_expr, S(...) or getattr; (2) at run time, eval/exec/compile/
__import__ are replaced by tripwires while the hostile strings are parsed, and a payload that would
create a marker file (if it ran as Python) leaves no file. "Fast" is guarded by a generous SIGALRM
watchdog (a hang guard, not a timing assertion)."""
from __future__ import annotations

import ast
import builtins
import os
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

import theory.claims
import theory.parse
import theory.satisfiable
from theory.errors import InputError
from theory.parse import MAX_LENGTH, parse_condition, parse_expression

ALLOWED = frozenset({"x", "y", "alpha", "beta", "L", "gamma"})

HOSTILE = [
    "__import__('os').system('echo pwned')",
    "__import__",
    "x.__class__",
    "x.__class__.__mro__[1].__subclasses__()",
    "().__class__.__bases__[0]",
    "x.real",
    "lambda: 0",
    "lambda x: x",
    "(lambda: 1)()",
    "import os",
    "from os import system",
    "exec('1')",
    "eval('1')",
    "open('/etc/passwd')",
    "globals()",
    "getattr(x, 'real')",
    "x if y else 1",
    "[x for x in y]",
    "{'a': 1}",
    "x; y",
    "x\\ny",
    "`ls`",
    "$HOME",
    "x @ y",
    "x % y",
    "x // y",
    "x & y",
    "~x",
    "x[0]",
    "'x'",
    '"x"',
    "Symbol('x')",
    "sympify('x')",
    "S(1)",
    "Integer(1)",
    "9**9**9**9",
    "9^9^9^9",
    "10**10**10",
    "2^64^64",
    "(2^64)^64^64",
    "x^(10^100)",
    "1e1000000000",
    "99999999999999999999" * 20,
    "(" * 5000 + "x" + ")" * 5000,
    "(" * 200 + "x" + ")" * 200,
    "-" * 1000 + "x",
    "sqrt(" * 100 + "x" + ")" * 100,
    "x" + "+x" * 3000,
    "x" + "*x" * 999,
    "min(" + ",".join(["x"] * 2000) + ")",
    "\x00",
    "x\x00",
    "x\u202e + 1",
    "ｘ + 1",
    "١ + 1",
    "nan",
    "inf",
    "-inf",
    "1/0",
    "log(0)",
    "x^y",
    "x^0.3",
]


@contextmanager
def watchdog(seconds: int):
    def boom(signum, frame):  # pragma: no cover - only on a hang
        raise AssertionError(f"parser did not finish within {seconds} s")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@contextmanager
def tripwires(monkeypatch):
    calls = []

    def trip(name):
        def f(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} was called")
        return f

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, trip(name))
    yield calls


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_expression_fails_with_input_error(text, monkeypatch):
    with tripwires(monkeypatch) as calls, watchdog(10):
        with pytest.raises(InputError) as info:
            parse_expression(text, ALLOWED)
    assert calls == []
    message = str(info.value)
    assert "\n" not in message and len(message) < 400


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_condition_fails_with_input_error(text, monkeypatch):
    with tripwires(monkeypatch) as calls, watchdog(10):
        with pytest.raises(InputError):
            parse_condition(f"gamma > {text}", ALLOWED)
    assert calls == []


def test_offending_token_is_named():
    cases = {
        "__import__('os')": "unexpected token '__import__' at column 1",
        "x + lambda": "unexpected token 'lambda' at column 5",
        "import os": "unexpected token 'import' at column 1",
        "x.real": "unexpected character '.' at column 2",
        "x @ y": "unexpected character '@' at column 3",
        "9**9**9**9": "exponent 387420489 at column 5 is too large",
        "x" * (MAX_LENGTH + 1): f"expression too long ({MAX_LENGTH + 1} characters",
        "(" * 200 + "x" + ")" * 200: "nested too deeply",
        "x" + "+x" * 3000: "too long",
        "\x00": "unexpected character '\\x00' at column 1",
    }
    for text, fragment in cases.items():
        with pytest.raises(InputError) as info:
            parse_expression(text, ALLOWED)
        assert fragment in str(info.value), (text[:30], str(info.value))


def test_payload_that_would_write_a_file_writes_nothing(tmp_path: Path):
    marker = tmp_path / "pwned"
    payload = f"open({str(marker)!r}, 'w').write('x')"
    with pytest.raises(InputError):
        parse_expression(payload, ALLOWED)
    with pytest.raises(InputError):
        parse_expression(f"__import__('pathlib').Path({str(marker)!r}).touch()", ALLOWED)
    assert not marker.exists()
    # the same payload, run as Python, does create the file: the test can tell the difference
    exec(payload)  # noqa: S102 - deliberate control, never on user input
    assert marker.exists()
    os.remove(marker)


FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "sympify", "parse_expr", "S", "getattr",
                   "sympify_", "lambdify", "Symbol"}


@pytest.mark.parametrize("module", [theory.parse, theory.claims, theory.satisfiable])
def test_source_calls_no_evaluator(module):
    """Static check: no call whose function name (or attribute) is an evaluator or a string-to-SymPy
    converter (symbols are made only through theory.symbols.sym)."""
    tree = ast.parse(Path(module.__file__).read_text())
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None
            is_regex = isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) and fn.value.id == "re"
            if name in FORBIDDEN_CALLS and not is_regex:  # re.compile builds a regex, not code
                bad.append((name, node.lineno))
    assert bad == []


def test_static_check_can_fail():
    """The AST walk above does detect an evaluator call when there is one."""
    tree = ast.parse("import sympy as sp\nsp.sympify(text)\neval(t)\n")
    names = {n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id
             for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert {"sympify", "eval"} <= names & FORBIDDEN_CALLS
