"""Figures (PNG, matplotlib Agg): the paper-style heat-map of min T next to the Aiming and PL traces.

Left: min over steps and seeds of T = a - alpha b + beta c on an (alpha, beta) grid, pairs with
alpha < beta + min_gap masked (the paper uses min_gap = 0.1), the exact feasible polygon in green.
Middle: cos of the Aiming angle between grad f_{i_k}(x_k) and x_k - x_K along the steps (one line per
seed); below 0 Aiming fails. Right: the relaxed-PL log quantity 2 log|grad f| - (2/delta) log(b_k) per
delta (first seed), whose minimum is log(2 mu_min).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def landscape_figure(runs: Sequence, region: dict | None, path: str, *, title: str = "",
                     min_gap: float = 0.1, deltas: Sequence[float] = (1.0, 1.25, 1.5, 1.75, 2.0)) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    from numerics.region import min_T_grid

    a = np.concatenate([r.columns["a"] for r in runs])
    b = np.concatenate([r.columns["b"] for r in runs])
    c = np.concatenate([r.columns["c"] for r in runs])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    ax = axes[0]
    if a.size:
        (a0, a1), (b0, b1) = ((0.0, 10.0), (0.0, 10.0))
        if region is not None:
            a0, a1 = region["window"]["alpha"]
            b0, b1 = region["window"]["beta"]
        alphas, betas = np.linspace(a0, a1, 121), np.linspace(b0, b1, 121)
        grid = min_T_grid(a, b, c, alphas, betas)
        A, B = np.meshgrid(alphas, betas)
        masked = np.ma.masked_where(A - B < min_gap, grid)
        lo, hi = float(np.min(grid)), float(np.max(grid))
        norm = TwoSlopeNorm(vcenter=0.0, vmin=min(lo, -1e-12), vmax=max(hi, 1e-12))
        im = ax.pcolormesh(alphas, betas, masked, cmap="RdBu", norm=norm, shading="auto")
        fig.colorbar(im, ax=ax, label="min T")
        if region is not None and not region["empty"]:
            v = np.asarray(region["vertices"] + region["vertices"][:1])
            ax.plot(v[:, 0], v[:, 1], "g-", lw=1.5, label="feasible region")
            best = region["best"].get("min_ratio")
            if best:
                ax.plot(best["alpha"], best["beta"], "ko", ms=4, label="min beta/(alpha-beta)")
            ax.legend(loc="upper left", fontsize=7)
    ax.set_xlabel("alpha")
    ax.set_ylabel("beta")
    ax.set_title(f"min T over {a.size} steps (alpha >= beta + {min_gap})", fontsize=9)

    ax = axes[1]
    for r in runs:
        den = r.columns["grad_norm"] * r.columns["dist"]
        cos = np.where(den > 0, r.columns["a"] / np.where(den > 0, den, 1.0), np.nan)
        ax.plot(np.arange(r.steps), cos, ".", ms=2, label=f"seed {r.seed}")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel("step k")
    ax.set_ylabel("cos angle(grad f_ik(x_k), x_k - x_K)")
    ax.set_title("Aiming (below 0: fails)", fontsize=9)
    ax.legend(fontsize=7)

    ax = axes[2]
    if runs:
        r = runs[0]
        g, bb = r.columns["grad_norm"], r.columns["b"]
        ok = (bb > 0) & (g > 0)
        k = np.arange(r.steps)[ok]
        for d in deltas:
            ax.plot(k, 2 * np.log(g[ok]) - (2 / d) * np.log(bb[ok]), ".", ms=2, label=f"delta={d:g}")
    ax.set_xlabel("step k")
    ax.set_ylabel("2 log|grad f| - (2/delta) log(f(x_k) - f(x_K))")
    ax.set_title("relaxed PL (min = log 2 mu_min)", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
