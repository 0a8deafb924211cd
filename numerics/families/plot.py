"""Contour plot of a 2-D problem with S (projections of a grid, so lines and finite sets both show) and
the known stationary points marked by kind. PNG via matplotlib's Agg backend."""
from __future__ import annotations

import os

import torch

from numerics.problem import DTYPE, Problem
from theory.errors import InputError


def plot_box(problem: Problem) -> tuple[tuple[float, float], tuple[float, float]]:
    """The stated domain, else a box around S (projections of a few points), x0 and the stationary points."""
    if problem.domain:
        return tuple(problem.domain[0]), tuple(problem.domain[1])
    g = torch.Generator().manual_seed(0)
    pts = [problem.project(2.0 * torch.randn(64, 2, generator=g, dtype=DTYPE))]
    pts += [torch.tensor([p.location], dtype=DTYPE) for p in problem.stationary_points]
    if problem.x0 is not None:
        pts.append(problem.x0.reshape(1, 2).to(DTYPE))
    allp = torch.cat(pts)
    lo, hi = allp.min(0).values, allp.max(0).values
    c, r = (lo + hi) / 2, ((hi - lo).max() / 2 + 1.5).item()
    return (c[0].item() - r, c[0].item() + r), (c[1].item() - r, c[1].item() + r)


def contour_plot(problem: Problem, path: str, grid: int = 241) -> str:
    """Write the plot to ``path`` (PNG) and return the path; d != 2 or a bad path is an InputError."""
    if problem.d != 2:
        raise InputError(f"--plot needs a 2-D problem; {problem.name} has d = {problem.d}")
    if not path.lower().endswith(".png"):
        raise InputError(f"--plot writes PNG files; got {path!r}")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InputError(f"--plot: directory {parent} does not exist")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    (x0, x1), (y0, y1) = plot_box(problem)
    xs = torch.linspace(x0, x1, grid, dtype=DTYPE)
    ys = torch.linspace(y0, y1, grid, dtype=DTYPE)
    X, Y = torch.meshgrid(xs, ys, indexing="xy")
    P = torch.stack([X.flatten(), Y.flatten()], -1)
    F = (problem.value(P) - problem.f_star).reshape(grid, grid)
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    cs = ax.contourf(X.numpy(), Y.numpy(), F.numpy(), levels=30, cmap="viridis")
    ax.contour(X.numpy(), Y.numpy(), F.numpy(), levels=30, colors="k", linewidths=0.3, alpha=0.5)
    fig.colorbar(cs, ax=ax, label="f(x) - f*")
    S = problem.project(P[:: max(1, P.shape[0] // 4000)])
    inside = (S[:, 0] >= x0) & (S[:, 0] <= x1) & (S[:, 1] >= y0) & (S[:, 1] <= y1)
    S = S[inside]
    ax.scatter(S[:, 0], S[:, 1], s=8, c="red", marker="o", label="S (projections)", zorder=3)
    style = {"saddle": ("X", "white"), "local_min": ("v", "orange"), "local_max": ("^", "magenta")}
    for kind, (mk, col) in style.items():
        pts = [p for p in problem.stationary_points if p.kind == kind]
        if pts:
            ax.scatter([p.location[0] for p in pts], [p.location[1] for p in pts], s=80, marker=mk, c=col,
                       edgecolors="k", linewidths=0.8, label=kind.replace("_", " "), zorder=4)
    m = problem.membership
    ax.set_title(f"{problem.name}: (alpha, beta) = ({m.alpha:.4g}, {m.beta:.4g}) {m.status}", fontsize=10)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
