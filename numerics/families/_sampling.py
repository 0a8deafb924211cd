"""Sampled membership: dense and adversarial samples, the smallest feasible beta per alpha, and the
smallest margin of a claimed (alpha, beta). Everything here is *sampled*, never a proof.

Samples (``membership_samples``): a dense grid over a box around the interesting region, points far away
(radii 10 .. 1e4 in many directions), clouds around every known stationary point and every point of S
(scales 1e-4 .. 0.3), and points on the bisectors between pairs of points of S (where the projection has
ties). The margin at a point is min_i T_i(x) with the best tied projection (``Problem.ab_margin``).

Choice of (alpha, beta) (``fit_alpha_beta``): T_i = a_i - alpha b_i + beta c_i is linear in (alpha, beta),
with a_i = <grad f_i(x), x - x_p>, b_i = f_i(x) - f_i(x_p), c_i = f_i(x) - f_i^*. For each alpha on a grid,
beta_min(alpha) = max over samples of min over tied x_p of max_i (alpha b_i - a_i)/c_i (alpha in 0.1 .. 1e5,
finely below 10, log-spaced above); we pick the smallest alpha whose ratio is within 1% of the best
(the neighbourhood factor beta/(alpha - beta)) and move beta a fraction ``inset`` of the way
from beta_min towards alpha, so that the claimed pair lies strictly inside the sampled feasible region.
"""
from __future__ import annotations


import numpy as np
import torch

from numerics.problem import DTYPE, Membership, Problem


ALPHAS = np.round(np.concatenate([np.arange(0.1, 2.0, 0.05), np.arange(2.0, 10.0, 0.25),
                                  np.geomspace(10.0, 1e5, 41)]), 4)


def membership_samples(problem: Problem, box: list[tuple[float, float]], *, seed: int = 0,
                       grid: int = 161, minimizers: torch.Tensor | None = None, far: bool = True) -> torch.Tensor:
    """Dense + adversarial samples [P, d] (see the module docstring). ``box`` spans the first two
    coordinates' grid (other coordinates random in the box); ``minimizers`` is S when finite."""
    g = torch.Generator().manual_seed(seed)
    d = problem.d
    lo = torch.tensor([b[0] for b in box], dtype=DTYPE)
    hi = torch.tensor([b[1] for b in box], dtype=DTYPE)
    parts = []
    if d == 2:
        u = torch.linspace(0, 1, grid, dtype=DTYPE)
        gx, gy = torch.meshgrid(u, u, indexing="ij")
        parts.append(lo + (hi - lo) * torch.stack([gx.flatten(), gy.flatten()], -1))
    else:
        parts.append(lo + (hi - lo) * torch.rand(grid * grid, d, generator=g, dtype=DTYPE))
    centre = (lo + hi) / 2
    dirs = torch.randn(400, d, generator=g, dtype=DTYPE)
    dirs = dirs / dirs.norm(dim=-1, keepdim=True)
    for r in ((10.0, 100.0, 1e3, 1e4) if far else ()):
        parts.append(centre + r * dirs)
    anchors = [torch.tensor(p.location, dtype=DTYPE) for p in problem.stationary_points]
    if minimizers is not None:
        anchors += list(minimizers)
    for a in anchors:
        for s in (1e-4, 1e-3, 1e-2, 0.1, 0.3):
            parts.append(a + s * torch.randn(200, d, generator=g, dtype=DTYPE))
    if minimizers is not None and len(minimizers) > 1:
        k = len(minimizers)
        for i in range(k):
            for j in range(i + 1, k):
                p, q = minimizers[i], minimizers[j]
                v = (q - p) / (q - p).norm()
                z = torch.randn(2000, d, generator=g, dtype=DTYPE) * (hi - lo).max() / 2
                z = z - (z @ v).unsqueeze(-1) * v                            # in the bisector hyperplane
                parts.append((p + q) / 2 + z)
    x = torch.cat(parts)
    if not far:                     # a stated bounded domain: keep the samples inside it
        x = torch.maximum(torch.minimum(x, hi), lo)
    return x


def _triples(problem: Problem, x: torch.Tensor):
    """(a, b, c) of shape [k, P, n] for each projection candidate k (see the module docstring)."""
    cands = problem.project_candidates(x)                              # [P, k, d]
    idx = torch.arange(problem.n).expand(x.shape[0], problem.n)
    vals, grads = problem.grad_at(x, idx)
    out = []
    for j in range(cands.shape[-2]):
        xp = cands[:, j, :]
        a = (grads * (x - xp).unsqueeze(-2)).sum(-1)
        b = vals - problem.loss_at(xp, idx)
        c = vals - problem.f_star_i
        out.append((a, b, c))
    return [torch.stack(z) for z in zip(*out)]


def beta_min_curve(problem: Problem, x: torch.Tensor, alphas: np.ndarray) -> np.ndarray:
    """beta_min(alpha) over the samples x for each alpha (inf when no beta works, e.g. c = 0 < alpha b - a)."""
    a, b, c = (t.numpy() for t in _triples(problem, x))                 # [k, P, n]
    pos = c > 0
    inv = np.where(pos, 1.0 / np.where(pos, c, 1.0), 0.0)
    out = np.empty(len(alphas))
    for j, al in enumerate(np.asarray(alphas, dtype=float)):
        num = al * b - a
        req = np.where(pos, num * inv, np.where(num <= 0, 0.0, np.inf))
        out[j] = max(float(req.max(-1).min(0).max()), 0.0)             # max_i, best candidate, max over x
    return out


def fit_alpha_beta(problem: Problem, x: torch.Tensor, alphas: np.ndarray | None = None,
                   inset: float = 0.02) -> tuple[float, float]:
    """(alpha, beta) minimising beta/(alpha - beta) over the sampled feasible region (the smallest alpha
    whose ratio is within 1% of the best), moved inside by ``inset`` (see the module docstring)."""
    alphas = ALPHAS if alphas is None else np.asarray(alphas, dtype=float)
    bm = beta_min_curve(problem, x, alphas)
    ok = np.isfinite(bm) & (bm < alphas * (1 - 1e-9))
    if not ok.any():
        raise ValueError("no sampled-feasible (alpha, beta) on the alpha grid")
    ratio = np.where(ok, bm / np.maximum(alphas - bm, 1e-300), np.inf)
    k = int(np.nonzero(ratio <= ratio.min() * 1.01 + 1e-15)[0][0])
    al, be = float(alphas[k]), float(bm[k])
    return al, be + inset * (al - be)


def measure(problem: Problem, alpha: float, beta: float, x: torch.Tensor) -> tuple[float, tuple[float, ...]]:
    """Smallest margin min_i T_i over the samples and where it is attained."""
    m = torch.cat([problem.ab_margin(x[k:k + 20000], alpha, beta) for k in range(0, x.shape[0], 20000)])
    j = int(torch.argmin(m))
    return float(m[j]), tuple(float(v) for v in x[j].tolist())


def sampled_membership(problem: Problem, alpha: float, beta: float, x: torch.Tensor, how: str,
                       command: str) -> Membership:
    """A ``sampled`` Membership with the measured smallest margin over x."""
    margin, where = measure(problem, alpha, beta, x)
    return Membership(alpha=alpha, beta=beta, status="sampled", min_margin=margin, samples=int(x.shape[0]),
                      worst_point=where, method=how, command=command)
