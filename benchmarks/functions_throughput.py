"""Throughput of the function library: all n gradients at P points of the ``highdim`` family.

    python benchmarks/functions_throughput.py [--d 100] [--n 100] [--points 10000] [--chunk 250] [--repeat 5]
                                              [--threads 0] [--out benchmarks/results/functions_throughput.json]

Computes grad_at(x, idx) with idx = all n components for every point, in chunks of ``chunk`` points (the full
[P, n, d] float64 tensor is P n d * 8 bytes = 800 MB at the target size, so it is produced chunk by chunk and
reduced), and reports the best and median wall time over ``repeat`` runs, with the machine's thread count.
Also times autograd through the default ``Problem.grad_at`` on a smaller case for comparison. Results
(with parameters, torch version and abcheck version) are appended as one JSON line to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import torch


def run(d: int, n: int, points: int, chunk: int, repeat: int) -> dict:
    from numerics.families import get_problem
    p = get_problem("highdim", d=d, n=n)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(points, d, generator=g, dtype=torch.float64) * 2
    idx = torch.arange(n).expand(chunk, n)
    times = []
    checksum = 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        acc = 0.0
        for k in range(0, points, chunk):
            xc = x[k:k + chunk]
            _, G = p.grad_at(xc, idx[: xc.shape[0]])
            acc += float(G[:, :, 0].sum())          # touch the result (the full tensor is computed)
        times.append(time.perf_counter() - t)
        checksum = acc
    # autograd reference through the base class on a smaller case
    from numerics.problem import Problem
    small = min(points, 500)
    t = time.perf_counter()
    Problem.grad_at(p, x[:small], torch.arange(n).expand(small, n))
    t_auto = time.perf_counter() - t
    return {"d": d, "n": n, "points": points, "chunk": chunk, "repeat": repeat, "best_s": min(times),
            "median_s": statistics.median(times), "times_s": times, "checksum": checksum,
            "autograd_s_at_points": small, "autograd_s": t_auto,
            "threads": torch.get_num_threads(), "cpu_count": os.cpu_count(), "machine": platform.machine(),
            "torch": torch.__version__}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--chunk", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--out", default="benchmarks/results/functions_throughput.json")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    from abcheck import __version__
    res = run(a.d, a.n, a.points, a.chunk, a.repeat)
    res["abcheck_version"] = __version__
    print(json.dumps(res, indent=1))
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "a") as f:
        f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
