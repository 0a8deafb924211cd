"""``abcheck prove NAME``: derive and certify a built-in theorem (kernel, z3, Coq)."""
from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("prove", help="derive and certify a built-in theorem (sgd, sps_max, ngn, sgd_decreasing)")
    p.add_argument("name", help="theorem name: sgd, sps_max, ngn, sgd_decreasing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-z3", action="store_true", help="skip the z3 cross-check")
    p.add_argument("--no-coq", action="store_true", help="skip the Coq export and compilation")
    p.add_argument("--z3-timeout", type=int, default=5000, metavar="MS", help="z3 time limit per lemma (ms)")
    p.add_argument("--out", default="abcheck-out", help="folder for generated Coq files")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="parameter values (checked against the theorem's conditions)")
    p.set_defaults(func=run)


def run(args) -> int:
    from abcheck.params import check_params_against, parse_params
    from abcheck.report import print_json, theorem_json, theorem_text
    from proofs.theorems import get_theorem, prove, run_backends
    get_theorem(args.name)
    values = parse_params(args.param)
    result = prove(args.name)
    if values:
        check_params_against(result, values)
    run_backends(result, z3=not args.no_z3, coq=not args.no_coq, out_dir=f"{args.out}/coq",
                 z3_timeout_ms=args.z3_timeout)
    js = theorem_json(result)
    if args.json:
        print_json(js)
    else:
        print(theorem_text(result, js))
    return 0 if result.proved else 1
