"""``abcheck functions certify`` and ``abcheck functions region`` (registered in functions.py's ACTIONS).

    abcheck functions certify NAME|path.py:factory --alpha A --beta B [--samples N] [--seed S] [--json]
    abcheck functions region  NAME|path.py:factory [--samples N] [--window A0 A1 B0 B1] [--min-gap G]
                              [--plot out.png] [--seed S] [--json]

Exit codes: 0 the condition holds (certify) / the region was computed and the problem's claimed pair is
inside it (region); 1 it fails, with where (point, sample i, size of the violation); 2 bad input.
"""
from __future__ import annotations

import argparse
import json
import math
import os

from theory.errors import InputError


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1 or v > 10_000_000:
        raise argparse.ArgumentTypeError(f"expected an integer in 1..1e7, got {v}")
    return v


def _finite(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return v


def _guard(fn, what: str):
    """Run fn(); a user's problem that crashes while being evaluated becomes one InputError line."""
    try:
        return fn()
    except InputError:
        raise
    except (RuntimeError, ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError, AttributeError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else ""
        raise InputError(f"{what} failed: {type(exc).__name__}: {msg}") from None


def _fmt(v) -> str:
    return "-" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v))


# -- certify ----------------------------------------------------------------------------------------
def certify_args(p: argparse.ArgumentParser) -> None:
    from abcheck.commands.functions import add_problem_args
    add_problem_args(p)
    p.add_argument("--alpha", type=_finite, required=True, help="alpha (> beta)")
    p.add_argument("--beta", type=_finite, required=True, help="beta (>= 0)")
    p.add_argument("--samples", type=_positive_int, default=40_000, help="sample budget when not exact")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sampled", action="store_true", help="skip the exact reduction even where one exists")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def certify_cmd(args: argparse.Namespace) -> int:
    from abcheck.commands.functions import load_problem, parse_params
    from numerics.certify import certify, check_pair
    check_pair(args.alpha, args.beta)
    problem = load_problem(args.name, parse_params(args.param))
    res = _guard(lambda: certify(problem, args.alpha, args.beta, samples=args.samples, seed=args.seed,
                                 exact=not args.sampled), f"evaluating {args.name}")
    out = res.to_json()
    out.update({"name": problem.name, "params": dict(problem.params)})
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        verdict = "holds" if res.holds else "FAILS"
        print(f"{problem.name}: alpha-beta-condition with alpha={args.alpha:g}, beta={args.beta:g} {verdict} "
              f"[{res.status}]")
        print(f"  how: {res.details.get('method')}")
        print(f"  domain: {res.details.get('domain')}")
        if res.status == "sampled":
            print(f"  samples: {res.samples} (seed {res.seed}); smallest margin min_i T_i = {_fmt(res.min_margin)}")
        elif res.min_margin is not None:
            print(f"  smallest margin ({res.details.get('min_margin_is')}): {_fmt(res.min_margin)}")
        if not res.holds:
            print(f"  violated at x = {[round(v, 10) for v in res.worst_point]}, sample i = {res.worst_sample}, "
                  f"T_i = {_fmt(res.min_margin)} (violation {_fmt(-res.min_margin if res.min_margin is not None else None)})")
    return 0 if res.holds else 1


# -- region -----------------------------------------------------------------------------------------
def region_args(p: argparse.ArgumentParser) -> None:
    from abcheck.commands.functions import add_problem_args
    add_problem_args(p)
    p.add_argument("--samples", type=_positive_int, default=20_000, help="number of sample points x")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--window", type=_finite, nargs=4, metavar=("A0", "A1", "B0", "B1"), default=[0.0, 10.0, 0.0, 10.0],
                   help="the (alpha, beta) window the polygon is clipped to")
    p.add_argument("--min-gap", type=_finite, default=0.0, help="require alpha - beta >= G (G >= 0)")
    p.add_argument("--precision", type=_finite, default=1e-6, help="relative precision of a certified boundary")
    p.add_argument("--n-alpha", type=_positive_int, default=41, help="alpha grid size of a certified boundary")
    p.add_argument("--plot", metavar="OUT.png", help="heat-map of min T over an (alpha, beta) grid")
    p.add_argument("--sampled", action="store_true", help="skip the exact reduction even where one exists")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def region_cmd(args: argparse.Namespace) -> int:
    from abcheck.commands.functions import load_problem, parse_params
    from numerics.certify import ex1_reduction
    from numerics.region import min_T, plot_heatmap
    from numerics.region_problem import ex1_certified_region, sampled_region
    a0, a1, b0, b1 = args.window
    window = ((a0, a1), (b0, b1))
    if args.min_gap < 0:
        raise InputError(f"--min-gap must be >= 0, got {args.min_gap}")
    if not (0 < args.precision < 0.1):
        raise InputError(f"--precision must be in (0, 0.1), got {args.precision}")
    if args.plot:
        if not args.plot.lower().endswith(".png"):
            raise InputError(f"--plot writes PNG files; got {args.plot!r}")
        if not os.path.isdir(os.path.dirname(os.path.abspath(args.plot))):
            raise InputError(f"--plot: directory of {args.plot!r} does not exist")
    problem = load_problem(args.name, parse_params(args.param))
    region, (a, b, c) = _guard(lambda: sampled_region(problem, args.samples, args.seed, window, args.min_gap),
                               f"evaluating {args.name}")
    out = region.to_json()
    out.update({"name": problem.name, "params": dict(problem.params), "seed": args.seed, "status": "sampled",
                "method": "exact polygon of the sampled half-planes a - alpha b + beta c >= 0 (dense + adversarial "
                          "points; an outer approximation of the function's region)"})
    red = None if args.sampled else ex1_reduction(problem)
    if red is not None:
        creg, rows = ex1_certified_region(problem, window, args.min_gap, args.n_alpha, args.precision)
        out.update({"status": "certified", "sampled_vertices": out["vertices"], "sampled_best": out["best"],
                    "vertices": [list(v) for v in creg.vertices], "empty": creg.empty, "best": creg.best,
                    "boundary": rows, "precision": args.precision,
                    "method": "certified inner polygon: convex hull of proved-feasible boundary points "
                              "(alpha_k, beta_hi_k) closed by the window top (exact region is convex); "
                              "beta_lo_k proved infeasible (numerics/region_problem.py)"})
        if not creg.empty:
            out["min_margin"] = min_T(a, b, c, creg.best["max_gap"]["alpha"], creg.best["max_gap"]["beta"])[0]
    # the problem's own claim, checked against the samples
    m = problem.membership
    t = a - m.alpha * b + m.beta * c
    j = int(t.argmin()) if len(t) else None
    claim_ok = j is None or float(t[j]) >= 0
    out["claim"] = {"alpha": m.alpha, "beta": m.beta, "status": m.status,
                    "min_margin_on_samples": None if j is None else float(t[j]), "holds_on_samples": bool(claim_ok)}
    if not claim_ok:
        import numpy as np
        from numerics.certify import sample_points
        x, _ = sample_points(problem, args.samples, args.seed)
        pt, i = divmod(j, problem.n)
        out["claim"]["worst_point"] = [float(v) for v in np.asarray(x[pt])]
        out["claim"]["worst_sample"] = int(i)
    if args.plot:
        _guard(lambda: plot_heatmap(a, b, c, args.plot, min_gap=max(args.min_gap, 0.1), region=region,
                                    title=f"{problem.name}: min T over {len(a)} samples"), "plotting")
        out["plot"] = args.plot
    if args.json:
        print(json.dumps(out, indent=2, default=float))
    else:
        print(f"{problem.name}: feasible (alpha, beta) region [{out['status']}], window alpha {a0:g}..{a1:g}, "
              f"beta {b0:g}..{b1:g}, alpha - beta >= {args.min_gap:g}")
        print(f"  {out['method']}")
        if out["empty"]:
            print("  EMPTY: no (alpha, beta) in the window passes every sample")
        else:
            vs = ", ".join(f"({x:.4g}, {y:.4g})" for x, y in out["vertices"][:12])
            print(f"  vertices ({len(out['vertices'])}): {vs}{' ...' if len(out['vertices']) > 12 else ''}")
            if out.get("touches_window"):
                print(f"  clipped by the window at: {', '.join(out['touches_window'])}")
            for k, v in out["best"].items():
                if v is not None:
                    print(f"  best {k:<9} alpha={v['alpha']:.6g} beta={v['beta']:.6g} value={v['value']:.6g}")
            print(f"  smallest margin at the max_gap pair over {len(a)} sampled triples: {_fmt(out['min_margin'])}")
        cl = out["claim"]
        print(f"  the problem's claim ({cl['status']}) alpha={cl['alpha']:g}, beta={cl['beta']:g}: "
              f"{'passes' if claim_ok else 'FAILS'} every sample (smallest margin {_fmt(cl['min_margin_on_samples'])})")
        if not claim_ok:
            print(f"    violated at x = {cl['worst_point']}, sample i = {cl['worst_sample']}, "
                  f"violation {-cl['min_margin_on_samples']:.6g}")
        if args.plot:
            print(f"  heat-map: {args.plot}")
    return 0 if claim_ok else 1
