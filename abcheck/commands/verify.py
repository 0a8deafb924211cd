"""``abcheck verify``: the main job. Prove every built-in theorem (kernel, z3, Coq) and cross-check each
numerically on a function inside the class with a saddle point; print a summary table.

Exit 0 only if every theorem is proved by the kernel and no numerical check is violated.
"""
from __future__ import annotations

import sys

import sympy as sp

#: default method parameters for the numerical cross-check, as expressions in alpha, beta, L
DEFAULTS = {
    "sgd": {"gamma": "(alpha - beta)/(4*L)"},
    "sps_max": {"c": "1/(alpha - beta)", "gamma_b": "(alpha - beta)/(2*L)"},
    "ngn": {"gamma": "(alpha - beta)/(4*L)"},
    "sgd_decreasing": {"gamma0": "(alpha - beta)/(4*L)"},
    "adagrad_norm_max": {"gamma": "1", "b0": "1"},
    "adagrad_bounded_iterates": {"gamma": "1", "b0": "1"},
    "dec_sps": {"c": "1/(alpha - beta)", "gamma_b": "1/(2*L)", "mu": "1/(2*L)"},
}


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="prove every built-in theorem and cross-check it numerically")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--theorem", action="append", default=None, help="only these theorems (repeatable)")
    p.add_argument("--seeds", type=int, default=1000)
    p.add_argument("--iters", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="alpha, beta, L or method parameters for the numerical cross-check")
    p.add_argument("--no-z3", action="store_true")
    p.add_argument("--no-coq", action="store_true")
    p.add_argument("--no-numerics", action="store_true")
    p.add_argument("--out", default="abcheck-out")
    p.set_defaults(func=run)


def numeric_params(result, problem, overrides: dict[str, float]) -> dict[str, float]:
    from abcheck.params import check_params_against, theorem_parameters
    from theory.symbols import L, alpha, beta
    from theory.parse import parse_expression
    base = {"alpha": problem.membership.alpha, "beta": problem.membership.beta, "L": problem.L}
    base.update({k: v for k, v in overrides.items() if k in base})
    subs = {alpha: sp.Float(base["alpha"]), beta: sp.Float(base["beta"]), L: sp.Float(base["L"])}
    values = dict(base)
    for name, text in DEFAULTS.get(result.spec.name, {}).items():
        values[name] = float(parse_expression(text, {"alpha", "beta", "L"}).xreplace(subs))
    if any(s.name == "G" for s in sp.sympify(result.bound).free_symbols) and "G" not in overrides:
        if problem.grad_sq_bound is None:     # bounded-gradients theorems need a proved G, never a sampled maximum
            from theory.errors import InputError
            raise InputError(f"problem {problem.name} states no proved gradient bound G; pass --param G=VALUE")
        values["G"] = float(problem.grad_sq_bound)
    values.update(overrides)
    check_params_against(result, {k: v for k, v in values.items() if k in theorem_parameters(result)})
    return values


def run(args) -> int:
    from abcheck.params import parse_params
    from abcheck.report import print_json, theorem_json
    from proofs.theorems import THEOREMS, get_theorem, prove, run_backends
    names = args.theorem or list(THEOREMS)
    for n in names:
        get_theorem(n)
    if args.seeds < 1 or args.iters < 1:
        from theory.errors import InputError
        raise InputError("--seeds and --iters must be positive")
    overrides = parse_params(args.param)
    rows, out = [], []
    for name in names:
        sys.stderr.write(f"abcheck verify: proving {name} ...\n")
        result = prove(name)
        run_backends(result, z3=not args.no_z3, coq=not args.no_coq, out_dir=f"{args.out}/coq")
        js = theorem_json(result)
        if not args.no_numerics:
            from numerics.crosscheck import cross_check
            from numerics.families import get_problem
            problem = get_problem(result.spec.problem)
            params = numeric_params(result, problem, overrides)
            if hasattr(result, "bound_inputs"):   # exact sums kept in a bound (H_K of sgd_decreasing)
                params.update(result.bound_inputs(args.iters))
            sys.stderr.write(f"abcheck verify: simulating {name} on {problem.name} "
                             f"({args.seeds} seeds x {args.iters} iterations) ...\n")
            cc = cross_check(result.method, problem, result.bound, params, seeds=args.seeds, iters=args.iters,
                             seed=args.seed, progress=not args.json)
            num = cc.to_dict()
            num["problem"] = problem.name
            num["membership_status"] = problem.membership.status
            js["numerics"] = num
        out.append(js)
        rows.append(js)
    ok = all(r["status"] == "proved" for r in rows) and \
        all(r.get("numerics", {}).get("verdict") != "violated" for r in rows)
    if args.json:
        print_json({"status": "ok" if ok else "failed", "theorems": out})
    else:
        print(_table(rows))
        print("verify:", "OK (all proved; no numerical violation)" if ok else "FAILED")
    return 0 if ok else 1


def _table(rows) -> str:
    head = f"{'theorem':<24} {'kernel':<10} {'z3':<8} {'coq':<8} {'numerics':<12} {'estimate [95% CI]':<30} {'bound':<10} ratio"
    lines = [head, "-" * len(head)]
    for r in rows:
        b = r["backends"]
        n = r.get("numerics") or {}
        est = (f"{n['estimate']:.4g} [{n['ci_low']:.4g}, {n['ci_high']:.4g}]" if n else "-")
        bound = f"{n['bound']:.4g}" if n.get("bound") is not None else "-"
        ratio = f"{n['ratio']:.3g}" if n.get("ratio") is not None else "-"
        lines.append(f"{r['name']:<24} {r['status']:<10} {b['z3']['status']:<8} {b['coq']['status']:<8} "
                     f"{n.get('verdict', 'skipped'):<12} {est:<30} {bound:<10} {ratio}")
    lines.append("bound: " + "; ".join(f"{r['name']}: {r['bound']}" for r in rows))
    return "\n".join(lines)
