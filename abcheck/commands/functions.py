"""``abcheck functions``: the synthetic function library on the command line.

    abcheck functions list [--json]
    abcheck functions show NAME|path.py:factory [--param k=v ...] [--plot out.png] [--check] [--json]

Actions are registered in ``ACTIONS`` (name -> (add_arguments, handler)); adding one (e.g. ``certify``,
``region``) is one function pair and one dict entry. Handlers return the exit code: 0 fine, 1 a check
failed (with a report of where), 2 bad input (an InputError, printed as one line by the CLI).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from theory.errors import InputError


def parse_params(items: list[str] | None) -> dict[str, str]:
    """["k=v", ...] -> {"k": "v"}; a malformed item or a repeated key is an InputError."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise InputError(f"--param expects key=value, got {item!r}")
        if key in out:
            raise InputError(f"--param {key} given twice")
        out[key] = value.strip()
    return out


def load_problem(name: str, params: dict[str, str]):
    """A family by name or a user's ``path.py:factory`` (string parameters are passed to the factory)."""
    from numerics.families import resolve
    return resolve(name, **params)


def add_problem_args(p: argparse.ArgumentParser) -> None:
    """NAME and --param, shared by the actions that take a problem."""
    p.add_argument("name", metavar="NAME", help="a family name (see `abcheck functions list`) or path.py:factory")
    p.add_argument("--param", action="append", metavar="K=V", default=[], help="a family parameter (repeatable)")


# -- list -------------------------------------------------------------------------------------
def _list_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _list(args: argparse.Namespace) -> int:
    from abcheck import __version__
    from numerics.families import list_problems
    rows = list_problems()
    if args.json:
        print(json.dumps({"abcheck_version": __version__, "problems": rows}, indent=2))
        return 0
    w = max(len(r["name"]) for r in rows)
    for r in rows:
        params = " ".join(f"{k}={v}" for k, v in r["params"].items())
        print(f"{r['name']:<{w}}  {r['summary']}")
        print(f"{'':<{w}}  features: {', '.join(r['features'])}; params: {params or '(none)'}")
    return 0


# -- show -------------------------------------------------------------------------------------
def _show_args(p: argparse.ArgumentParser) -> None:
    add_problem_args(p)
    p.add_argument("--plot", metavar="OUT.png", help="contour plot with S and stationary points (d = 2 only)")
    p.add_argument("--check", action="store_true",
                   help="validate the problem (always done for path.py:factory): gradients, projection, f_i^*, condition")
    p.add_argument("--seed", type=int, default=0, help="seed of the validation samples")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return "(" + ", ".join(_fmt(t) for t in v) + ")"
    return str(v)


def _show(args: argparse.Namespace) -> int:
    from abcheck import __version__
    params = parse_params(args.param)
    problem = load_problem(args.name, params)
    user = ".py:" in args.name
    report = None
    if args.check or user:
        from numerics.validate import validate_problem
        report = validate_problem(problem, seed=args.seed)
    plot = None
    if args.plot:
        from numerics.families.plot import contour_plot
        plot = contour_plot(problem, args.plot)
    desc = problem.describe()
    if args.json:
        print(json.dumps({"abcheck_version": __version__, "problem": desc,
                          "validation": report.to_dict() if report else None, "plot": plot}, indent=2))
    else:
        m = desc["membership"]
        rows = [("name", desc["name"]), ("n, d", f"{desc['n']}, {desc['d']}"),
                ("params", " ".join(f"{k}={_fmt(v)}" for k, v in desc["params"].items()) or "(none)"),
                ("f*", _fmt(desc["f_star"])), ("f_i^*", _fmt(desc["f_star_i"][:8]) + (" ..." if desc["n"] > 8 else "")),
                ("sigma_int", _fmt(desc["sigma_int"])), ("L", _fmt(desc["L"])),
                ("G >= ||grad f_i||^2", "unknown" if desc.get("grad_sq_bound") is None else _fmt(desc["grad_sq_bound"]) + " (proved)"),
                ("(alpha, beta)", f"({_fmt(m['alpha'])}, {_fmt(m['beta'])}) {m['status']}"
                 + (f", smallest margin {_fmt(m['min_margin'])} over {m['samples']} samples" if m["min_margin"] is not None
                    and m["samples"] is not None else (f", smallest margin {_fmt(m['min_margin'])} (exact)"
                                                         if m["min_margin"] is not None else ""))),
                ("how", m["method"] or "-"),
                ("bound beta*sigma/(alpha-beta)", _fmt(m["beta"] * desc["sigma_int"] / (m["alpha"] - m["beta"]))),
                ("domain", _fmt(desc["domain"]) if desc["domain"] else "R^d")]
        for p in desc["stationary_points"][:10]:
            rows.append((f"stationary ({p['kind']})", f"at {_fmt(p['location'][:6])}{' ...' if len(p['location']) > 6 else ''}, height {_fmt(p['height'])}"))
        if len(desc["stationary_points"]) > 10:
            rows.append(("stationary", f"... {len(desc['stationary_points']) - 10} more (see --json)"))
        rows.append(("description", desc["description"]))
        w = max(len(r[0]) for r in rows)
        for k, v in rows:
            print(f"{k:<{w}}  {v}")
        if plot:
            print(f"{'plot':<{w}}  {plot}")
        if report:
            print()
            print(report.text())
    if report is not None and not report.ok:
        return 1
    return 0


ACTIONS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int], str]] = {
    "list": (_list_args, _list, "list the families"),
    "show": (_show_args, _show, "show a problem: f*, S, sigma_int, L, (alpha, beta), stationary points; --plot"),
}


# -- certify / region (owned by the region/certification work; handlers in _region_actions.py) ----------
def _register_region_actions() -> None:
    from abcheck.commands import _region_actions as ra
    ACTIONS["certify"] = (ra.certify_args, ra.certify_cmd,
                          "decide the alpha-beta-condition at (alpha, beta): certified (exact) or sampled")
    ACTIONS["region"] = (ra.region_args, ra.region_cmd,
                         "the feasible (alpha, beta) region: polygon, best pairs, status; --plot heat-map")


_register_region_actions()
# -- end certify / region ---------------------------------------------------------------------------


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("functions", help="the synthetic function library (list, show, ...)",
                              description="Synthetic functions in the alpha-beta class.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    for name, (add_args, handler, helptext) in ACTIONS.items():
        sp = sub.add_parser(name, help=helptext, description=helptext)
        add_args(sp)
        sp.set_defaults(func=handler)

    def _no_action(args: argparse.Namespace) -> int:
        p.print_help(sys.stderr)
        return 2
    p.set_defaults(func=_no_action)
