"""Throughput of the vectorized runner (numerics.simulate) against a plain per-seed Python loop, and the
fraction of the machine's matrix-multiply throughput reached on a high-dimensional problem.

    python benchmarks/simulate_throughput.py [--quick] [--out benchmarks/results/simulate_throughput.json]

1. d = 100 least squares (benchmarks/simulate_lsq.py, n = 20 and n = 200), SGD, 1,000 seeds x 1,000
   iterations, everything the cross-check records (f(x_k) - f*, dist^2, step, alpha-beta residual):
   seed-iterations per second. The plain loop runs the same problem API, the same compiled step and
   the same records one seed at a time (x of shape [1, d]); it is timed on ``--loop-seeds`` seeds and
   its per-seed-iteration rate is constant in the number of seeds. The loop's numbers are checked to
   equal the runner's for those seeds (same counter-based indices).
2. High-dimensional least squares (d = 2000, n = 4000): achieved floating-point rate of the runner
   (counted flops of the per-step matrix products and elementwise work) over the measured float64
   GEMM rate of the machine (2000 x 2000 products, same thread count).
Every figure is printed and written to ``--out`` as it is measured, with the command, torch version,
thread count and abcheck version.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulate_lsq import LeastSquares  # noqa: E402

from abcheck import __version__  # noqa: E402
from numerics.sampling import sample_indices  # noqa: E402
from numerics.simulate import simulate  # noqa: E402
from theory.methods import get_method  # noqa: E402


def plain_loop(problem, gamma: float, seeds: int, iters: int, seed: int = 0) -> np.ndarray:
    """One seed at a time (x of shape [1, d]): the same records as the runner (gap, dist^2, step, the
    alpha-beta residual over the projection candidates). Returns per-seed gap sums."""
    method = get_method("sgd")
    step_fn = method.step_function("torch")
    g_ = torch.tensor(gamma, dtype=torch.float64)
    a, b = problem.membership.alpha, problem.membership.beta
    fsi = problem.f_star_i
    sums = np.zeros(seeds)
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # one point per call: one thread is its fastest setting (as for the runner)
    try:
        _loop(problem, step_fn, g_, a, b, fsi, sums, seeds, iters, seed)
    finally:
        torch.set_num_threads(before)
    return sums


def _loop(problem, step_fn, g_, a, b, fsi, sums, seeds, iters, seed):
    with torch.no_grad():
        for s in range(seeds):
            x = problem.x0.clone().unsqueeze(0)
            total, min_res = 0.0, float("inf")
            for k in range(iters):
                xp = problem.project(x)
                diff = x - xp
                dist2 = float((diff * diff).sum())
                idx = sample_indices(seed, torch.tensor([s]), k, problem.n, 1)
                vals, grads = problem.grad_at(x, idx)
                fB, g = vals[:, 0], grads[:, 0]
                gap = float(problem.value(x)[0]) - problem.f_star
                g2 = (g * g).sum(-1)
                st = step_fn(fB, fsi[idx[:, 0]], g2, torch.tensor(float(k)), g_)
                res = -float("inf")
                for xpj in problem.project_candidates(x).unbind(-2):
                    fp = problem.loss_at(xpj, idx)[:, 0]
                    res = max(res, float((g * (x - xpj)).sum() - a * (fB - fp) + b * (fB - fsi[idx[0, 0]])))
                min_res = min(min_res, res)
                total += gap
                _ = dist2
                x = x - st * g
            sums[s] = total


def gemm_rate(n: int = 2000, reps: int = 5) -> float:
    A = torch.randn(n, n, dtype=torch.float64)
    A @ A
    t = time.perf_counter()
    for _ in range(reps):
        A @ A
    return 2 * n ** 3 * reps / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run, not the reported figures)")
    ap.add_argument("--loop-seeds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", default="benchmarks/results/simulate_throughput.json")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {"command": "python " + " ".join(sys.argv), "abcheck_version": __version__,
              "torch": torch.__version__, "threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
              "platform": platform.platform(), "loadavg_start": os.getloadavg(), "results": []}

    def save(entry):
        record["results"].append(entry)
        print(json.dumps(entry))
        out.write_text(json.dumps(record, indent=1))

    from numerics.families import get_problem

    S, K = (200, 200) if args.quick else (1000, 1000)
    problems = [(LeastSquares(d=100, n=20), 0.5), (LeastSquares(d=100, n=200), 0.5),
                (get_problem("highdim", d=100, n=100), 20.0)]
    for prob, gamma in problems:
        t = time.perf_counter()
        r = simulate(get_method("sgd"), prob, {"gamma": gamma}, seeds=S, iters=K, threads=args.threads)
        tv = time.perf_counter() - t
        ls = args.loop_seeds
        t = time.perf_counter()
        sums = plain_loop(prob, gamma, ls, K)
        tl = time.perf_counter() - t
        # the loop reproduces the runner's seeds (same indices, same arithmetic up to rounding)
        agree = float(np.max(np.abs(sums - r.gap_sum[:ls]) / np.maximum(1e-300, np.abs(sums))))
        v_rate, l_rate = S * K / tv, ls * K / tl
        save({"benchmark": "d100_throughput", "problem": prob.name, "params": dict(prob.params), "seeds": S,
              "iterations": K, "gamma": gamma, "diverged": r.diverged, "runner_seconds": tv,
              "runner_seed_iters_per_s": v_rate, "loop_seeds": ls, "loop_seconds": tl,
              "loop_seed_iters_per_s": l_rate, "speedup": v_rate / l_rate, "loop_vs_runner_max_rel_diff": agree})

    # highdim family at large d: elementwise (exp) work only, no matrix product
    dh, Sh, Kh = (2000, 64, 10) if args.quick else (10000, 256, 20)
    prob = get_problem("highdim", d=dh, n=100)
    simulate(get_method("sgd"), prob, {"gamma": 20.0}, seeds=Sh, iters=2, threads=args.threads)  # warm-up
    t = time.perf_counter()
    simulate(get_method("sgd"), prob, {"gamma": 20.0}, seeds=Sh, iters=Kh, threads=args.threads)
    th = time.perf_counter() - t
    peak = gemm_rate(1000 if args.quick else 2000)
    # counted per step and per seed: grad_at ~ 12 d (exp, w, w', means), value/losses ~ 8 d, loss_at at
    # 2 candidates ~ 16 d, projection + candidates ~ 6 d, diff/dist2/g2/residuals/update ~ 12 d
    flops = Kh * Sh * 54 * dh
    save({"benchmark": "highdim_family_gemm_fraction", "problem": prob.name, "params": dict(prob.params),
          "seeds": Sh, "iterations": Kh, "seconds": th, "achieved_flops_per_s": flops / th,
          "gemm_flops_per_s": peak, "fraction_of_gemm": flops / th / peak, "seed_iters_per_s": Sh * Kh / th,
          "bytes_touched_per_s_estimate": Kh * Sh * dh * 8 * 40 / th})

    # least squares at large d and n: dominated by one [S, d] x [d, n] product per step
    d, n, S2, K2 = (500, 1000, 64, 10) if args.quick else (2000, 4000, 256, 20)
    prob = LeastSquares(d=d, n=n)
    simulate(get_method("sgd"), prob, {"gamma": 0.5}, seeds=S2, iters=2, threads=args.threads)  # warm-up
    t = time.perf_counter()
    simulate(get_method("sgd"), prob, {"gamma": 0.5}, seeds=S2, iters=K2, threads=args.threads)
    th = time.perf_counter() - t
    # per step: value = [S, d] x [d, n] product (2 S d n) + 3 S n elementwise; grad_at and loss_at
    # gather rows of A (S d each) and do ~3 S d flops each; projection/diff/dist2/residual/update ~8 S d
    flops = K2 * (2 * S2 * d * n + 3 * S2 * n + 14 * S2 * d)
    gemm_part = K2 * 2 * S2 * d * n
    save({"benchmark": "lsq_gemm_fraction", "problem": prob.name, "seeds": S2, "iterations": K2,
          "seconds": th, "achieved_flops_per_s": flops / th, "gemm_flops_per_s": peak,
          "fraction_of_gemm": flops / th / peak, "gemm_share_of_counted_flops": gemm_part / flops,
          "seed_iters_per_s": S2 * K2 / th})
    record["loadavg_end"] = os.getloadavg()
    out.write_text(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
