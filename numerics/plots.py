"""Simulation plots (matplotlib, Agg backend; the file extension picks PNG or PDF).

* ``plot_convergence``: E[f(x_k) - f*] per k with its pointwise (1 - level) Student-t band, the running
  average (1/k) sum_{j<k} E[f(x_j) - f*], the running minimum min_{j<k} of the means and the bound
  evaluated at K = k (the bound of a k-step run), log scale.
* ``plot_steps``: the step size gamma_k over k: mean over seeds with the min-max envelope.
* ``plot_sweep``: the tightness ratio estimate / bound across a parameter range with its interval,
  marking the parameter value with the smallest estimate (the empirically best step size).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from scipy import stats as _st


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path: str | Path) -> list[str]:
    """Save to ``path``; a .png also gets a .pdf twin (and vice versa) so both formats exist."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".pdf"):
        from theory.errors import InputError
        raise InputError(f"plot file must end in .png or .pdf, got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for ext in (path.suffix.lower(), ".pdf" if path.suffix.lower() == ".png" else ".png"):
        p = path.with_suffix(ext)
        fig.savefig(p, dpi=120, bbox_inches="tight")
        out.append(str(p))
    _plt().close(fig)
    return out


def plot_convergence(result, path: str | Path, bound_at_k: Callable[[int], float] | None = None,
                     level: float = 0.05, title: str | None = None) -> list[str]:
    """Convergence curve with confidence band and the bound overlaid; returns the files written."""
    plt = _plt()
    K, S = result.iterations, result.seeds
    k = np.arange(K)
    m, s = np.asarray(result.gap_mean), np.asarray(result.gap_std)
    half = (_st.t.ppf(1 - level / 2, S - 1) * s / math.sqrt(S)) if S > 1 else np.zeros(K)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    floor = max(1e-16, float(np.min(m[m > 0])) * 1e-2) if np.any(m > 0) else 1e-16
    ax.plot(k, np.maximum(m, floor), label="E[f(x_k) - f*] (mean over seeds)", color="C0")
    ax.fill_between(k, np.maximum(m - half, floor), np.maximum(m + half, floor), color="C0", alpha=0.25,
                    label=f"pointwise {100 * (1 - level):g}% t-interval")
    run = np.cumsum(m) / (k + 1)
    ax.plot(k, np.maximum(run, floor), color="C1", label="running average (1/k) sum E[f(x_j) - f*]")
    ax.plot(k, np.maximum(np.minimum.accumulate(m), floor), color="C4", linestyle="-.",
            label="running min_j E[f(x_j) - f*] (the bounded quantity)")
    if bound_at_k is not None:
        ks = np.unique(np.geomspace(1, K, num=min(K, 200)).astype(int))
        bvals = np.array([bound_at_k(int(kk)) for kk in ks], float)
        ax.plot(ks - 1, bvals, color="C3", linestyle="--", label="bound at K = k")
    if result.diverged:
        rep = result.divergence_report()
        ax.axvline(rep["first_bad_step"], color="k", linestyle=":", label=f"first divergence ({result.diverged} seeds)")
    ax.set_yscale("log")
    ax.set_xlabel("iteration k")
    ax.set_ylabel("f(x_k) - f*")
    ax.set_title(title or f"{result.method} on {result.problem}: {S} seeds, batch {result.batch}")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_steps(result, path: str | Path, title: str | None = None) -> list[str]:
    """Step-size trace (mean over seeds, min-max envelope)."""
    plt = _plt()
    k = np.arange(result.iterations)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(k, result.step_mean, color="C2", label="mean gamma_k over seeds")
    ax.fill_between(k, result.step_min, result.step_max, color="C2", alpha=0.25, label="min-max over seeds")
    ax.set_xlabel("iteration k")
    ax.set_ylabel("step size gamma_k")
    if np.all(np.asarray(result.step_min)[np.isfinite(result.step_min)] > 0):
        ax.set_yscale("log")
    ax.set_title(title or f"step sizes of {result.method} on {result.problem}")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_sweep(param: str, values: Sequence[float], checks: Sequence, path: str | Path,
               title: str | None = None) -> list[str]:
    """Tightness ratio estimate/bound across ``values`` of ``param`` (``checks``: CrossCheck per value),
    with the ratio interval [ci_low, ci_high]/bound, marking the value with the smallest estimate."""
    plt = _plt()
    v = np.asarray(values, float)
    est = np.array([c.estimate for c in checks], float)
    bnd = np.array([c.bound if c.bound is not None else np.nan for c in checks], float)
    lo = np.array([c.ci_low for c in checks], float) / bnd
    hi = np.array([c.ci_high for c in checks], float) / bnd
    ratio = est / bnd
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(v, ratio, marker="o", color="C0", label="estimate / bound")
    ax.fill_between(v, np.clip(lo, 0, None), np.where(np.isfinite(hi), hi, np.nan), color="C0", alpha=0.2,
                    label="confidence interval / bound")
    ax.axhline(1.0, color="C3", linestyle="--", label="bound")
    best = int(np.nanargmin(est))
    ax.axvline(v[best], color="C2", linestyle=":", label=f"empirically best {param} = {v[best]:.4g}")
    div = [i for i, c in enumerate(checks) if c.diverged]
    if div:
        ax.scatter(v[div], np.ones(len(div)), marker="x", color="k", label="diverged", zorder=3)
    ax.set_xscale("log" if np.all(v > 0) and v.max() / v.min() > 20 else "linear")
    pos = ratio[np.isfinite(ratio) & (ratio > 0)]
    if pos.size and pos.max() / pos.min() > 20:
        ax.set_yscale("log")
    ax.set_xlabel(param)
    ax.set_ylabel("tightness ratio")
    ax.set_title(title or f"tightness across {param}")
    ax.legend(fontsize=8)
    return _save(fig, path)
