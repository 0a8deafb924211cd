"""``abcheck sweep``: the cross-check repeated over a range of one parameter (a step size, typically).

    abcheck sweep --method sgd --problem paper-ex2 --vary gamma=0.001:0.25:12 --bound "..." --plot sweep.png

``--vary NAME=LOW:HIGH:COUNT`` (geometric spacing when LOW > 0, else linear; ``--linear`` forces linear)
or ``--values NAME=v1,v2,...``. Each value's result is appended to ``--out FILE`` (JSON lines) as soon as
it is done; rerunning with the same ``--out`` skips the values already there (resume). The output lists,
per value, the verdict, estimate, interval, bound and tightness ratio, and names the empirically best
value (smallest estimate). Exit code 1 when any value is ``violated``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from abcheck.commands.simulate import add_common_arguments, parse_number, resolve_common
from theory.errors import InputError

MAX_POINTS = 1000


def parse_vary(vary: str | None, values: str | None, linear: bool) -> tuple[str, list[float]]:
    """(name, values) from ``--vary NAME=LOW:HIGH:COUNT`` or ``--values NAME=v1,v2``."""
    if bool(vary) == bool(values):
        raise InputError("give exactly one of --vary NAME=LOW:HIGH:COUNT and --values NAME=v1,v2,...")
    text = vary or values
    name, sep, rest = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise InputError(f"expected NAME=..., got {text!r}")
    if values:
        vals = [parse_number(t.strip(), f"--values {name}") for t in rest.split(",") if t.strip()]
        if not vals:
            raise InputError("--values needs at least one value")
    else:
        parts = rest.split(":")
        if len(parts) != 3:
            raise InputError(f"--vary expects NAME=LOW:HIGH:COUNT, got {text!r}")
        lo, hi = parse_number(parts[0], "--vary low"), parse_number(parts[1], "--vary high")
        try:
            count = int(parts[2])
        except ValueError:
            raise InputError(f"--vary count must be an integer, got {parts[2]!r}") from None
        if not 1 <= count <= MAX_POINTS:
            raise InputError(f"--vary count must lie in 1..{MAX_POINTS}, got {count}")
        if hi < lo:
            raise InputError(f"--vary needs LOW <= HIGH, got {lo} > {hi}")
        vals = (np.geomspace(lo, hi, count) if lo > 0 and not linear else np.linspace(lo, hi, count)).tolist()
    if len(vals) > MAX_POINTS:
        raise InputError(f"at most {MAX_POINTS} sweep values, got {len(vals)}")
    return name, [float(v) for v in vals]


def _config_key(args, name: str) -> dict:
    return {"method": args.method, "claim": args.claim, "problem": args.problem,
            "problem_param": sorted(args.problem_param or []), "param": sorted(args.param or []),
            "bound": args.bound, "quantity": args.quantity, "seeds": args.seeds, "iters": args.iters,
            "batch": args.batch, "without_replacement": args.without_replacement, "seed": args.seed,
            "level": args.level, "x0": args.x0, "vary": name}


def _load_done(path: Path | None, key: dict) -> dict[float, dict]:
    """Values already swept with this configuration (a line cut by an interruption is rerun)."""
    from numerics.jsonl import read_records
    return {float(rec["value"]): rec for rec in read_records(path) if rec.get("config") == key}


def handler(args) -> int:
    from numerics.crosscheck import compare, split_params
    from numerics.simulate import simulate
    from numerics.stats import CrossCheck

    name, values = parse_vary(args.vary, args.values, args.linear)
    c = resolve_common(args)
    method, problem = c["method"], c["problem"]
    if args.plot and c["bound"] is None:
        raise InputError("--plot of a sweep needs a bound (--bound or a claim with a rate)")
    key = _config_key(args, name)
    out = Path(args.out) if args.out else None
    done = _load_done(out, key)
    records: list[dict] = []
    checks: list[CrossCheck] = []
    it = values
    if not args.json or sys.stderr.isatty():
        from tqdm import tqdm
        it = tqdm(values, desc=f"sweep {name}", unit="value", file=sys.stderr)
    for v in it:
        if v in done:
            rec = done[v]
        else:
            params = dict(c["params"])
            params[name] = v
            mp, other = split_params(method, params)
            result = simulate(method, problem, mp, seeds=args.seeds, iters=args.iters, batch=args.batch,
                              replacement=not args.without_replacement, seed=args.seed, x0=c["x0"],
                              alpha=other.get("alpha"), beta=other.get("beta"), memory_limit=c["memory"])
            cc = compare(result, problem, c["bound"], other, args.quantity, args.level)
            rec = {"config": key, "value": v, "check": cc.to_dict()}
            if out is not None:
                out.parent.mkdir(parents=True, exist_ok=True)
                with open(out, "a") as fh:
                    fh.write(json.dumps(rec, sort_keys=True) + "\n")
        records.append(rec)
        d = dict(rec["check"])
        for f in ("estimate", "ci_low", "ci_high", "bound", "ratio"):
            if isinstance(d.get(f), str):
                d[f] = float(d[f])
        checks.append(CrossCheck(**d))
    est = np.array([cc.estimate for cc in checks])
    best = int(np.nanargmin(est))
    summary = {
        "parameter": name, "values": values,
        "results": [{"value": v, "verdict": cc.verdict, "estimate": cc.estimate, "ci_low": cc.ci_low,
                     "ci_high": cc.ci_high, "bound": cc.bound, "ratio": cc.ratio, "diverged": cc.diverged}
                    for v, cc in zip(values, checks)],
        "best_value": values[best], "best_estimate": float(est[best]),
        "violated": [v for v, cc in zip(values, checks) if cc.verdict == "violated"],
        "seeds": args.seeds, "iterations": args.iters, "seed": args.seed, "quantity": args.quantity,
        "level": args.level, "ci_method": checks[0].ci_method, "abcheck_version": checks[0].abcheck_version,
    }
    files: list[str] = []
    if args.plot:
        from numerics.plots import plot_sweep
        files = plot_sweep(name, values, checks, args.plot)
    summary["plots"] = files
    if args.json:
        from numerics.stats import _clean
        sys.stdout.write(json.dumps(_clean(summary), sort_keys=True) + "\n")
    else:
        sys.stdout.write(f"{name:>12}  {'verdict':>12}  {'estimate':>11}  {'ci_low':>11}  {'ci_high':>11}  "
                         f"{'bound':>11}  {'ratio':>8}  diverged\n")
        for r in summary["results"]:
            b = "-" if r["bound"] is None else f"{r['bound']:.4g}"
            ra = "-" if r["ratio"] is None else f"{r['ratio']:.3g}"
            sys.stdout.write(f"{r['value']:>12.5g}  {r['verdict']:>12}  {r['estimate']:>11.4g}  {r['ci_low']:>11.4g}  "
                             f"{r['ci_high']:>11.4g}  {b:>11}  {ra:>8}  {r['diverged']}\n")
        sys.stdout.write(f"empirically best {name} = {values[best]:.5g} (estimate {est[best]:.4g}); "
                         f"intervals: {summary['ci_method']}\n")
        for f in files:
            sys.stdout.write(f"plot written: {f}\n")
    return 1 if summary["violated"] else 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("sweep", help="cross-check over a range of a parameter, with a tightness plot",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p)
    p.add_argument("--vary", metavar="NAME=LOW:HIGH:COUNT", help="parameter range")
    p.add_argument("--values", metavar="NAME=V1,V2,...", help="explicit parameter values")
    p.add_argument("--linear", action="store_true", help="linear spacing for --vary (default geometric)")
    p.add_argument("--out", help="append each value's result to this JSON-lines file; resume from it")
    p.add_argument("--plot", help="tightness-ratio plot (.png or .pdf; the other format is written too)")
    p.set_defaults(func=handler)
