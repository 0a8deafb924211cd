"""Benchmark: proof and claim speed (issues 2 and 3).

    python benchmarks/prove_speed.py [--runs 3]

Measures, writing benchmarks/results/prove_speed.json as it goes:
  * ``abcheck prove sgd --no-coq`` wall time (subprocess; includes Python start) and the in-process time
    after imports (derivation + kernel + z3);
  * ``abcheck prove sps_max|ngn|sgd_decreasing|adagrad_norm_max --no-coq`` in-process times;
  * ``abcheck claim examples/claims/sps_max.toml --no-numerics --no-coq`` (a min-type step) wall time;
  * the SGD numerical cross-check, 1,000 seeds x 1,000 iterations on saddle-tight.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "prove_speed.json"


def record(results: dict, key: str, value) -> None:
    results[key] = value
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    print(f"{key}: {value}", flush=True)


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
    return round(time.perf_counter() - t, 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from abcheck import __version__
    results = {"abcheck_version": __version__, "loadavg": os.getloadavg()}
    abcheck = [sys.executable, "-m", "abcheck.cli"]
    record(results, "prove_sgd_wall_s", [wall(abcheck + ["prove", "sgd", "--no-coq"]) for _ in range(args.runs)])
    from proofs.theorems import prove, run_backends
    for name in ("sgd", "sps_max", "ngn", "sgd_decreasing", "adagrad_norm_max"):
        t = time.perf_counter()
        r = prove(name)
        run_backends(r, coq=False)
        record(results, f"prove_{name}_in_process_s", round(time.perf_counter() - t, 3))
    record(results, "claim_sps_max_wall_s",
           wall(abcheck + ["claim", "examples/claims/sps_max.toml", "--no-numerics", "--no-coq"]))
    from numerics.crosscheck import cross_check
    from numerics.families import get_problem
    r = prove("sgd")
    p = get_problem("saddle-tight")
    a, b = p.membership.alpha, p.membership.beta
    params = {"alpha": a, "beta": b, "L": p.L, "gamma": (a - b) / (4 * p.L)}
    t = time.perf_counter()
    cc = cross_check(r.method, p, r.bound, params, seeds=1000, iters=1000)
    record(results, "crosscheck_sgd_1000x1000_s", round(time.perf_counter() - t, 3))
    record(results, "crosscheck_verdict", cc.verdict)
    record(results, "loadavg_end", os.getloadavg())


if __name__ == "__main__":
    main()
