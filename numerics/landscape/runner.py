"""Running an experiment: every configuration x seed through ``measure_run``, written as it goes.

Per configuration the pooled triples (all seeds) give the exact feasible (alpha, beta) polygon
(``numerics.region.feasible_region``, window [0, 10]^2 by default, alpha >= beta; and, as
``region_gap_0_1``, with alpha >= beta + 0.1 as in the paper's heat-maps), the Aiming, PL and
QCvx statistics (``stats``), an estimate of sigma_int and of the stationary-point height bound:

    sigma_int_estimate = mean_k (f_{i_k}(x_K) - f^*)   (x_K standing in for the minimizer set S),
    neighbourhood      = sigma_int_estimate * min over the region of beta / (alpha - beta).

The experiment-level ``region`` pools all configurations: it is the set of pairs feasible for every
configuration at once (the intersection of their polygons).
"""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from theory.errors import InputError

from . import experiments as E
from .measure import RunMeasurement, measure_run
from .stats import summarize
from .store import RunStore, fingerprint, write_json_atomic

DEFAULT_WINDOW = ((0.0, 10.0), (0.0, 10.0))


def region_json(a: np.ndarray, b: np.ndarray, c: np.ndarray, window=DEFAULT_WINDOW, min_gap: float = 0.0) -> dict:
    from numerics.region import feasible_region
    return feasible_region(a, b, c, window=window, min_gap=min_gap).to_json()


def summarize_runs(runs: Sequence[RunMeasurement], window=DEFAULT_WINDOW) -> dict:
    """``stats.summarize`` plus the exact region, sigma_int estimate, neighbourhood and per-sample region."""
    a = np.concatenate([r.columns["a"] for r in runs])
    b = np.concatenate([r.columns["b"] for r in runs])
    c = np.concatenate([r.columns["c"] for r in runs])
    reg = region_json(a, b, c, window)
    out = summarize(runs, region=reg)
    gap = region_json(a, b, c, window, min_gap=0.1)
    out["region_gap_0_1"] = {"min_gap": 0.1, "empty": gap["empty"], "vertices": gap["vertices"], "best": gap["best"]}
    ref = np.concatenate([r.columns["loss_ref"] - r.f_star for r in runs])
    sigma = float(np.mean(ref)) if ref.size else None
    out["sigma_int_estimate"] = sigma
    best = reg["best"].get("min_ratio")
    out["neighbourhood"] = (sigma * best["value"]) if (best and sigma is not None) else None
    if all(r.per_sample is not None for r in runs) and runs:
        pa = np.concatenate([r.per_sample["a"] for r in runs])
        pb = np.concatenate([r.per_sample["b"] for r in runs])
        pc = np.concatenate([r.per_sample["c"] for r in runs])
        out["per_sample"] = {"samples": int(pa.size), "region": region_json(pa, pb, pc, window),
                             "fraction_aiming_negative": float(np.mean(pa < 0)) if pa.size else None}
    return out


def _steps_of(cfg: E.Config) -> int | None:
    """Steps per seed of a configuration, when its data has a known length (else None)."""
    from torch.utils.data import DataLoader
    try:
        if isinstance(cfg.data, DataLoader):
            per_epoch = len(cfg.data)
        else:
            n = len(cfg.data[0]) if isinstance(cfg.data, (tuple, list)) else len(cfg.data)
            per_epoch = math.ceil(n / cfg.batch_size)
    except TypeError:
        return None
    return per_epoch * cfg.epochs


def _ref_digest(reference: Any) -> Any:
    import torch
    if isinstance(reference, torch.Tensor):
        return [float(reference.double().sum()), list(reference.shape)]
    if isinstance(reference, dict):
        return {k: [float(v.double().sum()), list(v.shape)] for k, v in reference.items()
                if isinstance(v, torch.Tensor)}
    return str(type(reference))


def default_out_dir(name: str, quick: bool) -> Path:
    return Path("abcheck-out") / "landscape" / (name + ("_quick" if quick else ""))


def _label_file(label: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in label)


def run_experiment(name: "str | E.Experiment", *, quick: bool = False, out_dir: str | Path | None = None,
                   options: dict | None = None, seeds: Sequence[int] | None = None, per_sample: bool = False,
                   resume: bool = True, progress: bool = True, window=DEFAULT_WINDOW,
                   figures: bool = True, reference: Any = None, f_star: float | None = None) -> dict:
    """Run (or resume) experiment ``name`` (a registered name or an ``Experiment``); returns the summary
    (also written to ``summary.json``). ``reference`` (a state dict or flat vector, for every
    configuration) replaces x_K; ``f_star`` overrides each configuration's lower bound of the f_i."""
    from abcheck import __version__
    exp = name if isinstance(name, E.Experiment) else E.get(name)
    name = exp.name
    options = dict(options or {})
    configs = exp.configs(quick, options)
    seeds = tuple(int(s) for s in (seeds if seeds is not None else exp.seeds(quick)))
    if not seeds:
        raise InputError("give at least one seed")
    folder = Path(out_dir) if out_dir is not None else default_out_dir(name, quick)
    store = RunStore(folder)
    done = store.load() if resume else {}
    if not resume and store.runs_path.exists():
        store.runs_path.unlink()
    bar = None
    if progress:
        from tqdm import tqdm
        counts = [_steps_of(c) for c in configs]
        per_seed = None if None in counts else sum(counts)
        total = None if per_seed is None else per_seed * len(seeds) * (1 if reference is not None else 2)
        bar = tqdm(desc=f"landscape {name}{' (quick)' if quick else ''}", unit="step", file=sys.stderr,
                   total=total, leave=False, dynamic_ncols=True)
    header = {"experiment": name, "title": exp.title, "quick": quick, "seeds": list(seeds),
              "window": {"alpha": list(window[0]), "beta": list(window[1])},
              "options": {k: v for k, v in options.items() if v is not None}, "per_sample": per_sample,
              "abcheck_version": __version__, "paper_setup": exp.paper_setup,
              "paper_finding": exp.paper_finding, "substitution": exp.substitution, "varied": exp.varied}
    cfg_summaries: list[dict] = []
    all_runs: list[RunMeasurement] = []
    summary: dict = {}

    def write_summary(complete: bool) -> dict:
        s = dict(header)
        s["configs"] = list(cfg_summaries)
        s["complete"] = complete
        if all_runs:
            pooled = summarize_runs(all_runs, window)
            for k in ("region", "aiming", "pl", "qcvx", "runs", "steps"):
                s[k] = pooled[k]
        else:
            s.update({"region": None, "aiming": None, "pl": None, "qcvx": None, "runs": [], "steps": 0})
        s["interrupted_steps"] = store.partial_steps()
        write_json_atomic(folder / "summary.json", s)
        return s

    try:
        for cfg in configs:
            runs: list[RunMeasurement] = []
            for seed in seeds:
                ident = {"experiment": name, "config": cfg.label, "seed": seed, "quick": quick,
                         "params": cfg.params, "epochs": cfg.epochs, "batch_size": cfg.batch_size,
                         "per_sample": per_sample, "options": header["options"], "version": __version__,
                         "reference": None if reference is None else fingerprint(_ref_digest(reference)),
                         "f_star": f_star if f_star is not None else cfg.f_star}
                key = fingerprint(ident)
                if key in done:
                    m = RunMeasurement.from_json(done[key]["measurement"])
                    if bar is not None:
                        bar.update(m.steps)
                else:
                    store.start_run(ident)
                    m = measure_run(cfg.model, cfg.loss_fn, cfg.data, cfg.optimizer, seed=seed, epochs=cfg.epochs,
                                    batch_size=cfg.batch_size, penalty=cfg.penalty,
                                    f_star=f_star if f_star is not None else cfg.f_star,
                                    per_sample=per_sample, reference=reference, on_step=store.step,
                                    progress=(bar.update if bar is not None else None))
                    m.params.update(cfg.params)
                    store.finish_run({"key": key, **ident, "abcheck_version": __version__,
                                      "measurement": m.to_json()})
                runs.append(m)
                all_runs.append(m)
            cs = {"label": cfg.label, "value": cfg.value, "params": cfg.params, "epochs": cfg.epochs,
                  "batch_size": cfg.batch_size, **summarize_runs(runs, window)}
            if figures:
                from numerics.region import plot_heatmap
                stem = _label_file(cfg.label)
                a = np.concatenate([r.columns["a"] for r in runs])
                b = np.concatenate([r.columns["b"] for r in runs])
                c = np.concatenate([r.columns["c"] for r in runs])
                from .plots import landscape_figure
                landscape_figure(runs, cs["region"], str(folder / f"landscape_{stem}.png"),
                                 title=f"{exp.title}: {cfg.label} ({len(runs)} seeds)")
                (a0, a1), (b0, b1) = window
                plot_heatmap(a, b, c, str(folder / f"heatmap_{stem}.png"), min_gap=0.1,
                             alphas=np.linspace(a0, a1, 161), betas=np.linspace(max(b0, 0.0), b1, 161),
                             title=f"{exp.title}: {cfg.label}: min T (alpha >= beta + 0.1)")
                cs["figures"] = [f"landscape_{stem}.png", f"heatmap_{stem}.png"]
            cfg_summaries.append(cs)
            summary = write_summary(complete=False)
    except BaseException:
        store.close_partial()
        if cfg_summaries or all_runs:
            write_summary(complete=False)
        raise
    finally:
        if bar is not None:
            bar.close()
    from .assess import assess
    summary = write_summary(complete=True)
    summary["assessment"] = assess(summary)
    write_json_atomic(folder / "summary.json", summary)
    summary["out_dir"] = str(folder)
    return summary
