"""``abcheck simulate``: run a method (or a claim's step size) on a problem over many seeds and compare
the Monte-Carlo estimate with a bound (the claim's rate, or ``--bound``).

    abcheck simulate --method sgd --problem paper-ex2 --seeds 1000 --iters 1000 --bound "D0/(K*gamma)" --json
    abcheck simulate --claim my.toml --problem mine.py:factory --param c=0.8 --plot out.png

Exit codes: 0 consistent / unchecked, 1 violated or inconclusive, 2 bad input. The helpers here
(problem and method loading, ``--param`` parsing) are shared with ``abcheck sweep``.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from theory.errors import InputError

RATE_SYMBOLS = frozenset({"D0", "K", "sigma_int", "sigma_pos", "alpha", "beta", "L"})


# -- shared helpers ----------------------------------------------------------------------------------
from abcheck.params import parse_assignments, parse_number, split_assignments  # noqa: E402,F401  (shared with sweep)


def parse_text_assignments(items: list[str] | None, what: str) -> dict[str, str]:
    """``["d=100", "n=20"]`` -> {"d": "100", "n": "20"} (values kept as text)."""
    out: dict[str, str] = {}
    for name, val, part in split_assignments(items, what):
        if not val:
            raise InputError(f"{what} expects NAME=VALUE, got {part!r}")
        out[name] = val
    return out


def load_problem(spec: str, problem_params: dict[str, str] | None = None):
    """A problem by family name or ``path/to/module.py:factory`` (``numerics.families.resolve``).
    Family parameters are passed as text (the registry converts them to each parameter's type); a
    factory's parameters are passed as numbers."""
    from numerics.families import resolve

    params = dict(problem_params or {})
    if ".py:" in spec:
        params = {k: (int(v) if v.lstrip("+-").isdigit() else parse_number(v, f"--problem-param {k}"))
                  for k, v in params.items()}
    return resolve(spec, **params)


def method_from_claim(path: str):
    """(Method, rate bound or None) from a claim file; alpha, beta and L become method parameters."""
    import sympy as sp

    from theory.claims import load_claim
    from theory.methods import Method
    from theory.symbols import L, alpha, beta

    claim = load_claim(path)
    params = {alpha: (), beta: (), L: ()}
    params.update(dict(claim.parameters))
    step = claim.step
    if not isinstance(step, sp.Expr):
        raise InputError(f"{path}: step is not an expression")
    m = Method(name=claim.name, title=f"claim {claim.name}", step=step, parameters=params,
               description=f"step of claim file {path}")
    return m, claim.rate


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments shared by ``simulate`` and ``sweep``."""
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--method", help="a built-in method (sgd, sps_max, ngn, ...)")
    src.add_argument("--claim", help="a claim file (TOML); its step size and rate bound are used")
    p.add_argument("--problem", required=True, help="a problem family name or path/to/module.py:factory")
    p.add_argument("--problem-param", action="append", metavar="NAME=VALUE", help="problem family parameter")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="method parameter or bound input (alpha, beta, L, sigma_int, ...); repeatable")
    p.add_argument("--bound", help="bound expression in D0, K, sigma_int, sigma_pos, alpha, beta, L and "
                                   "method parameters (default: the claim's rate)")
    p.add_argument("--quantity", default="min_expected_gap",
                   choices=("min_expected_gap", "avg_expected_gap", "expected_dist2"))
    p.add_argument("--seeds", type=int, default=1000)
    p.add_argument("--iters", type=int, default=1000)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--without-replacement", action="store_true", help="minibatches of distinct indices")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--level", type=float, default=0.05, help="1 - confidence of the intervals (default 0.05)")
    p.add_argument("--x0", help="starting point as comma-separated numbers (default: the problem's x0)")
    p.add_argument("--memory-limit", type=float, metavar="MIB", help="refuse runs estimated above this")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def resolve_common(args) -> dict:
    """Load method/claim, problem, bound and parameters from parsed arguments."""
    import torch

    from numerics.problem import DTYPE
    from theory.methods import get_method
    from theory.parse import parse_expression

    if args.method:
        method, rate = get_method(args.method), None
    else:
        method, rate = method_from_claim(args.claim)
    problem = load_problem(args.problem, parse_text_assignments(args.problem_param, "--problem-param"))
    params = parse_assignments(args.param)
    bound = rate
    if args.bound:
        allowed = RATE_SYMBOLS | {s.name for s in method.parameter_symbols}
        bound = parse_expression(args.bound, allowed)
    x0 = None
    if args.x0:
        x0 = torch.tensor([parse_number(t.strip(), "--x0 entry") for t in args.x0.split(",")], dtype=DTYPE)
    plot = getattr(args, "plot", None)
    if plot and Path(plot).suffix.lower() not in (".png", ".pdf"):
        raise InputError(f"plot file must end in .png or .pdf, got {Path(plot).name!r}")
    if not 0 < args.level < 1:
        raise InputError(f"--level must lie in (0, 1), got {args.level}")
    mem = None
    if args.memory_limit is not None:
        if not (math.isfinite(args.memory_limit) and args.memory_limit > 0):
            raise InputError("--memory-limit must be a positive number of MiB")
        mem = int(args.memory_limit * 2**20)
    # a claim's alpha, beta, L default to the problem's membership and smoothness constant
    names = {s.name for s in method.parameter_symbols}
    for name, val in (("alpha", problem.membership.alpha), ("beta", problem.membership.beta), ("L", problem.L)):
        if name in names:
            params.setdefault(name, float(val))
    return {"method": method, "problem": problem, "params": params, "bound": bound, "x0": x0, "memory": mem}


def print_check(cc, stream=None) -> None:
    """A human-readable table of one CrossCheck."""
    stream = stream or sys.stdout
    rows = [
        ("method", cc.method), ("problem", cc.problem), ("params", ", ".join(f"{k}={v:g}" for k, v in cc.params.items())),
        ("seeds x iterations", f"{cc.seeds} x {cc.iterations} (batch {cc.batch}, "
                               f"{'with' if cc.replacement else 'without'} replacement, seed {cc.seed})"),
        ("quantity", cc.quantity),
        ("estimate", f"{cc.estimate:.6g}"),
        (f"{100 * (1 - cc.level):g}% interval", f"[{cc.ci_low:.6g}, {cc.ci_high:.6g}]"),
        ("interval method", cc.ci_method),
        ("bound", "-" if cc.bound is None else f"{cc.bound:.6g}  ({cc.bound_expr})"),
        ("ratio estimate/bound", "-" if cc.ratio is None else f"{cc.ratio:.4g}"),
        ("diverged seeds", str(cc.diverged)),
        ("min alpha-beta residual", f"{cc.min_residual:.4g} (sampled along the runs; < 0: condition failed there)"),
        ("verdict", cc.verdict),
        ("evidence", cc.evidence),
    ]
    w = max(len(r[0]) for r in rows)
    for k, v in rows:
        stream.write(f"{k.ljust(w)}  {v}\n")


def handler(args) -> int:
    from numerics.crosscheck import compare, split_params
    from numerics.simulate import simulate

    c = resolve_common(args)
    method, problem = c["method"], c["problem"]
    mp, other = split_params(method, c["params"])
    kw = dict(iters=args.iters, batch=args.batch, replacement=not args.without_replacement, seed=args.seed,
              x0=c["x0"], alpha=other.get("alpha"), beta=other.get("beta"), memory_limit=c["memory"])
    show = not args.json or sys.stderr.isatty()
    if args.checkpoint:
        from numerics.simulate import simulate_resumable
        result = simulate_resumable(method, problem, mp, seeds=args.seeds, chunk_seeds=args.chunk_seeds,
                                    checkpoint=args.checkpoint, progress=show, **kw)
    else:
        result = simulate(method, problem, mp, seeds=args.seeds, progress=show, **kw)
    cc = compare(result, problem, c["bound"], other, args.quantity, args.level)
    files: list[str] = []
    if args.plot:
        from numerics.crosscheck import bound_inputs, evaluate_bound
        from numerics.plots import plot_convergence, plot_steps

        bound_at_k = None
        if c["bound"] is not None:
            base = bound_inputs(problem, result, other)
            bound_at_k = lambda kk: evaluate_bound(c["bound"], {**base, "K": float(kk)})  # noqa: E731
        files += plot_convergence(result, args.plot, bound_at_k, args.level)
        if method.is_schedule or method.has_memory or len(method.step.free_symbols - set(method.parameter_symbols)):
            p = Path(args.plot)
            files += plot_steps(result, p.with_name(p.stem + "_steps" + p.suffix))
    if args.json:
        d = cc.to_dict()
        d["plots"] = files
        sys.stdout.write(json.dumps(d, sort_keys=True) + "\n")
    else:
        print_check(cc)
        for f in files:
            sys.stdout.write(f"plot written: {f}\n")
    return 0 if cc.verdict in ("consistent", "unchecked") else 1


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("simulate", help="simulate a method over many seeds and compare with a bound",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p)
    p.add_argument("--plot", help="convergence plot (.png or .pdf; the other format is written too)")
    p.add_argument("--checkpoint", metavar="DIR", help="run in chunks of seeds, saving each chunk to DIR as it "
                                                       "finishes; rerunning with the same DIR resumes")
    p.add_argument("--chunk-seeds", type=int, default=250, help="seeds per chunk with --checkpoint (default 250)")
    p.set_defaults(func=handler)
