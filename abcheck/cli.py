"""The ``abcheck`` command line: a thin layer over the Python API.

Each sub-command lives in ``abcheck/commands/<name>.py`` and exposes ``add_parser(subparsers)``; the
parser sets ``func`` to the handler, which returns the exit code. Heavy imports (torch, z3) happen inside
handlers so that ``abcheck prove`` starts fast.

Exit codes: 0 success / proved, 1 a negative verdict, 2 bad input (one line on stderr, no traceback).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from abcheck import __version__
from theory.errors import InputError

COMMANDS = ("prove", "verify", "claim", "functions", "simulate", "sweep", "landscape")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        sys.stderr.write(f"abcheck: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="abcheck", description="Verify convergence claims under the alpha-beta-condition.")
    parser.add_argument("--version", action="version", version=f"abcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"abcheck.commands.{name}")
        except ModuleNotFoundError as exc:  # a command not built yet must not break the others
            if exc.name != f"abcheck.commands.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        sys.stderr.write(f"abcheck: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("abcheck: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
