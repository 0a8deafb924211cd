"""``abcheck claim FILE``: verify a user's step size and claimed bound (exit 0 proved, 1 otherwise, 2 bad input)."""
from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("claim", help="verify a claim file (step size + one-step and/or rate bound)")
    p.add_argument("file", help="TOML claim file (see docs/claims.md)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-numerics", action="store_true", help="skip the adversarial simulation")
    p.add_argument("--no-coq", action="store_true")
    p.add_argument("--z3-timeout", type=int, default=5000, metavar="MS")
    p.add_argument("--out", default="abcheck-out")
    p.set_defaults(func=run)


def run(args) -> int:
    from abcheck.claim_verdict import decide_claim
    from abcheck.report import certificate_json, print_json
    from theory.claims import load_claim
    claim = load_claim(args.file)
    v = decide_claim(claim, numerics=not args.no_numerics, z3_timeout_ms=args.z3_timeout)
    v.certificate = {lem.name: certificate_json(certs) for lem, certs, k in v.lemmas if k.proved}
    v.backends["sympy"] = {"status": "proved" if v.status == "proved" else "not_proved",
                           "lemmas": [{"lemma": lem.name, "proved": k.proved, "reason": k.reason}
                                      for lem, _, k in v.lemmas]}
    if v.status == "proved":
        from proofs.z3_backend import z3_prove
        runs = [z3_prove(lem, args.z3_timeout) for lem, _, k in v.lemmas if k.proved]
        v.backends["z3"] = {"status": "proved" if all(r.status == "proved" for r in runs) else
                            ("refuted" if any(r.status == "refuted" for r in runs) else "unknown"),
                            "lemmas": [{"status": r.status, "reason": r.reason} for r in runs]}
    if v.status == "proved" and not args.no_coq:
        import shutil
        if shutil.which("coqc"):
            from proofs.coq_export import coq_check
            folder = f"{args.out}/coq/claim-{''.join(ch if ch.isalnum() else '_' for ch in v.name)}"
            runs = [coq_check(lem, certs, folder) for lem, certs, k in v.lemmas if k.proved]
            v.backends["coq"] = {"status": "proved" if all(r.status == "proved" for r in runs) else "failed",
                                 "files": [r.path for r in runs], "reasons": [r.reason[:200] for r in runs]}
        else:
            v.backends["coq"] = {"status": "skipped", "reason": "coqc not found"}
    if args.json:
        print_json(v.to_json())
    else:
        print(f"claim {v.name}: {v.status.upper()}")
        print(f"  reason : {v.reason}")
        if v.counterexample:
            print("  counterexample: " + ", ".join(f"{k}={x}" for k, x in v.counterexample.items()))
        if v.derived:
            label = "certified lemma" if v.derived.get("source") == "stated" else "best certified"
            print(f"  {label}: A = {v.derived['A']}, B = {v.derived['B']}, C = {v.derived['C']}")
            print(f"                  rate <= {v.derived['rate']}")
            if v.derived["conditions"]:
                print(f"                  when {'; '.join(v.derived['conditions'])}")
        for n in v.notes:
            print(f"  note   : {n}")
        for k, b in v.backends.items():
            print(f"  {k:<6} : {b.get('status')}")
        for fd in v.numerics[:3]:
            print(f"  violation: {fd}")
    return 0 if v.status == "proved" else 1
