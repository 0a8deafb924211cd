"""Benchmark: cost of the measuring replay (run 2) against plain training, and memory against steps.

Time. For each workload, on the same data order and the same seed:
  * plain  = a minimal hand-written training loop (forward, backward, optimizer step);
  * floor  = plain + one no-grad forward and loss through a copy of the model per step (the floor);
  * run 1  = ``measure._loop`` without a reference point (what ``measure_run`` does first);
  * run 2  = ``measure._loop`` with the reference point x_K (the measuring replay: + one forward at x_K
             on the minibatch, three O(#params) reductions, the loss comparison with run 1).
Times are process CPU times (``time.process_time``, one torch thread), robust to other load on the
machine. Each is repeated ``--repeats`` times; we report the median and the min..max of the ratio run2 / plain
(paired by repeat). The target: run 2 <= 1.5 x plain.

Memory. ``measure_run`` in a fresh subprocess per step count K (same model), after a 3-step warm-up run
(imports, allocator pools), reporting the run's peak resident set size (VmHWM, reset after the warm-up
through /proc/self/clear_refs) minus the RSS after the warm-up. The Python heap (tracemalloc) holds the per-step scalars. Expected: O(#params), with the per-step scalar
columns (7 floats per step) the only part growing with K.

    python benchmarks/landscape_overhead.py [--repeats 5] [--json benchmarks/results/landscape_overhead.json]
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time

import torch


def _workloads():
    import torch
    from torch import nn
    from numerics.landscape import datasets, models
    x, y = datasets.digits()
    hx, hy = datasets.halfspace()
    sgd = lambda lr: (lambda p: torch.optim.SGD(p, lr=lr))
    return {
        "mlp_w256_digits_b64": (lambda: models.MLP(64, 256, 10).double(), nn.functional.cross_entropy, (x, y),
                                sgd(0.09), 64, 2, None),
        "cnn_c32_digits_b64": (lambda: models.CNN(1, 16, 32, 8, 10).double(), nn.functional.cross_entropy, (x, y),
                               sgd(0.05), 64, 1, None),
        "halfspace_b1": (lambda: models.Linear1(2), models.sigmoid_margin_loss, (hx, hy), sgd(0.25), 1, 10,
                         models.L2Penalty(1e-5)),
    }


def _clock() -> float:
    """CPU time of this process: with one torch thread all the work is on this thread, and CPU time is far
    less disturbed than wall time by other processes on a shared machine."""
    return time.process_time()


def _plain(model, loss_fn, batches, opt, penalty, extra=None):
    """Plain training; with ``extra`` (a copy of the model) also one no-grad forward + loss through it per
    step: the floor the issue names (one extra forward pass per step)."""
    model.train()
    for inp, tgt in batches:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(inp), tgt)
        if penalty is not None:
            loss = loss + penalty(dict(model.named_parameters()))
        loss.backward()
        if extra is not None:
            with torch.no_grad():
                float(loss_fn(extra(inp), tgt))
        opt.step()


def time_workload(name, repeats: int) -> dict:
    import torch
    from numerics.landscape.determinism import deterministic, seed_everything
    from numerics.landscape.measure import _batches, _loop, _named_params
    make, loss_fn, data, optf, bs, epochs, penalty = _workloads()[name]
    import copy
    out = {"plain_s": [], "floor_s": [], "run1_s": [], "run2_s": [], "steps": None}
    with deterministic(1):
        for _ in range(repeats):
            seed_everything(0); m = make(); opt = optf(m.parameters())
            t = _clock(); _plain(m, loss_fn, _batches(data, bs, epochs, None, 0), opt, penalty)
            out["plain_s"].append(_clock() - t)
            seed_everything(0); m = make(); opt = optf(m.parameters()); extra = copy.deepcopy(m)
            t = _clock(); _plain(m, loss_fn, _batches(data, bs, epochs, None, 0), opt, penalty, extra)
            out["floor_s"].append(_clock() - t)
            seed_everything(0); m = make(); opt = optf(m.parameters())
            t = _clock()
            r1 = _loop(m, loss_fn, _batches(data, bs, epochs, None, 0), opt, f_star=None, penalty=penalty, ref=None,
                       expected=None, tolerance=0.0, per_sample=False, on_step=None, progress=None)
            out["run1_s"].append(_clock() - t)
            ref = {n: p.detach().clone() for n, p in _named_params(m)}
            seed_everything(0); m = make(); opt = optf(m.parameters())
            t = _clock()
            _loop(m, loss_fn, _batches(data, bs, epochs, None, 0), opt, f_star=None, penalty=penalty, ref=ref,
                  expected=r1["losses"], tolerance=0.0, per_sample=False, on_step=None, progress=None)
            out["run2_s"].append(_clock() - t)
            out["steps"] = len(r1["losses"])
    ratios = [b / a for a, b in zip(out["plain_s"], out["run2_s"])]
    out.update({"n_params": sum(p.numel() for p in make().parameters()),
                "ratio_run2_over_plain": {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)},
                "ratio_run1_over_plain_median": statistics.median(b / a for a, b in zip(out["plain_s"], out["run1_s"])),
                "ratio_floor_over_plain_median": statistics.median(b / a for a, b in zip(out["plain_s"], out["floor_s"]))})
    return out


def _memory_child(epochs: int) -> None:
    import torch
    from torch import nn
    from numerics.landscape import datasets, models
    from numerics.landscape.measure import measure_run
    x, y = datasets.digits()
    make = lambda: models.MLP(64, 512, 10).double()
    opt = lambda p: torch.optim.SGD(p, lr=0.09)
    # warm-up (imports, allocator pools), so that "before" includes every one-time cost
    measure_run(make, nn.functional.cross_entropy, (x, y), opt, epochs=1, max_steps=3, batch_size=64)
    import tracemalloc
    before = _rss_kb()
    hwm_reset = _reset_hwm()
    tracemalloc.start()
    r = measure_run(make, nn.functional.cross_entropy, (x, y), opt, epochs=epochs, batch_size=64)
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = _status_kb("VmHWM") if hwm_reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"steps": r.steps, "rss_before_kb": before, "peak_rss_kb": peak, "hwm_reset": hwm_reset,
                      "python_heap_peak_kb": py_peak / 1024, "n_params": r.params["n_params"],
                      "param_copy_kb": r.params["n_params"] * 8 / 1024}))


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def _rss_kb() -> int:
    return _status_kb("VmRSS")


def _reset_hwm() -> bool:
    """Reset the peak-RSS mark (Linux: write 5 to /proc/self/clear_refs), so that the peak measured is the
    run's own, not the warm-up's or the imports'."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", default=None)
    ap.add_argument("--memory-epochs", default="1,4,16")
    ap.add_argument("--memory-only", action="store_true", help="skip the timing part")
    ap.add_argument("--_child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._child is not None:
        _memory_child(args._child)
        return
    from abcheck import __version__
    res = {"abcheck_version": __version__, "python": platform.python_version(), "repeats": args.repeats,
           "cpu_threads": 1, "time": {}, "memory": []}
    for name in ([] if args.memory_only else _workloads()):
        res["time"][name] = t = time_workload(name, args.repeats)
        r = t["ratio_run2_over_plain"]
        print(f"{name}: {t['steps']} steps, {t['n_params']} params, plain {statistics.median(t['plain_s']):.3f}s, "
              f"run2/plain median {r['median']:.3f} (min {r['min']:.3f}, max {r['max']:.3f}), "
              f"run1/plain {t['ratio_run1_over_plain_median']:.3f}, floor (plain + 1 forward)/plain "
              f"{t['ratio_floor_over_plain_median']:.3f}", flush=True)
    for e in [int(v) for v in args.memory_epochs.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--_child", str(e)], capture_output=True, text=True, check=True)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        m["growth_kb"] = m["peak_rss_kb"] - m["rss_before_kb"]
        res["memory"].append(m)
        print(f"memory: {m['steps']} steps, {m['n_params']} params ({m['param_copy_kb'] / 1024:.1f} MiB per copy): "
              f"peak RSS growth {m['growth_kb'] / 1024:.1f} MiB, Python-heap peak {m['python_heap_peak_kb']:.0f} KiB",
              flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
