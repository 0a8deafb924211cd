"""Speed of the exact feasible region and of certifying paper-ex1 (issue 4 targets: region from 10^6
samples < 2 s; certifying Ex. 1 < 10 s).

    python benchmarks/region_speed.py [--n 1000000] [--repeats 3] [--out benchmarks/results/region_speed.jsonl]

Cases for ``numerics.region.feasible_region`` (each timed after one warm-up call that pays the imports):
  random   : 10^6 random triples around a feasible pair (few constraints active);
  ex1      : paper-ex1 triples at 5*10^5 values of s (x 2 samples i = 10^6; a curved boundary, many active);
  circle   : 10^6 tangent lines of a circle (worst case: every sample is an edge of the polygon).
Then ``numerics.certify.certify`` on paper-ex1 at (2, 1.7) (exact, holds) and (2, 1.5) (exact, fails), and
``ex1_certified_region`` with 21 alphas. Writes one JSON line per measurement (seed, params, version).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _cases(n: int, seed: int):
    rng = np.random.default_rng(seed)
    b = rng.normal(size=n)
    c = np.abs(rng.normal(size=n))
    yield "random", (3 * b - c + np.abs(rng.normal(size=n)) * 0.5, b, c)
    from numerics.families import get_problem
    p = get_problem("paper-ex1")
    s = -0.5 + np.concatenate([np.linspace(-30, 30, n // 2 - 2000), np.geomspace(30, 1e7, 1000), -np.geomspace(30, 1e7, 1000)])
    a, bb, cc = p.residual_triples_1d(s)
    yield "ex1", (a[0].ravel(), bb[0].ravel(), cc[0].ravel())
    th = rng.uniform(0, 2 * np.pi, n)
    yield "circle", (1 + 6 * np.cos(th) + 2 * np.sin(th), np.cos(th), -np.sin(th))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/results/region_speed.jsonl")
    ap.add_argument("--cases", nargs="*", default=["random", "ex1", "circle"])
    args = ap.parse_args()
    from abcheck import __version__
    from numerics.region import feasible_region
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    meta = {"abcheck_version": __version__, "seed": args.seed, "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "load": os.getloadavg()[0]}

    def emit(rec):
        rec.update(meta)
        print(json.dumps(rec), flush=True)
        with open(args.out, "a") as fh:
            fh.write(json.dumps(rec) + "\n")

    feasible_region([1.0, 2.0, 3.0], [1.0, -1.0, 0.5], [0.5, 1.0, -1.0])   # warm-up (imports scipy)
    for name, (a, b, c) in _cases(args.n, args.seed):
        if name not in args.cases:
            continue
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            R = feasible_region(a, b, c)
            times.append(time.perf_counter() - t0)
        emit({"bench": "feasible_region", "case": name, "samples": int(len(a)), "seconds_median": statistics.median(times),
              "seconds_all": times, "vertices": len(R.vertices)})
    from numerics.certify import certify
    from numerics.families import get_problem
    from numerics.region_problem import ex1_certified_region
    t0 = time.perf_counter()
    p = get_problem("paper-ex1")
    t_build = time.perf_counter() - t0
    for ab in ((2.0, 1.7), (2.0, 1.5)):
        t0 = time.perf_counter()
        r = certify(p, *ab)
        emit({"bench": "certify_ex1", "alpha": ab[0], "beta": ab[1], "holds": r.holds, "status": r.status,
              "seconds": time.perf_counter() - t0, "seconds_build_problem": t_build})
    t0 = time.perf_counter()
    R, rows = ex1_certified_region(p, n_alpha=21)
    emit({"bench": "ex1_certified_region", "n_alpha": 21, "points": len(rows), "seconds": time.perf_counter() - t0})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
