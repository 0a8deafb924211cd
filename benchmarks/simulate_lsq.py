"""Benchmark problem: noisy least squares in d dimensions with closed-form batched gradients.

f_i(x) = 1/2 (a_i . x - y_i)^2, i = 1..n, a_i ~ N(0, I_d / d), y = A x_true + 0.1 noise, n > d.
Each f_i is convex, so the alpha-beta-condition holds with alpha = 1, beta = 0; S = {x*} (the least
squares solution, A has full column rank), f_i^* = 0, sigma_int = f*, L = max_i ||a_i||^2.
``grad_at`` is closed form (f_i and a_i (a_i . x - y_i) for index tensors), ``value`` is one matrix
product, so the runner's per-step cost is a few [S, d] x [d, n] products plus elementwise work.
"""
from __future__ import annotations

import torch

from numerics.problem import DTYPE, Membership, Problem


class LeastSquares(Problem):
    def __init__(self, d: int = 100, n: int = 200, noise: float = 0.1, seed: int = 0) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.name, self.d, self.n = f"lsq-d{d}-n{n}", d, n
        self.A = torch.randn(n, d, generator=gen, dtype=DTYPE) / d ** 0.5
        x_true = torch.randn(d, generator=gen, dtype=DTYPE)
        self.y = self.A @ x_true + noise * torch.randn(n, generator=gen, dtype=DTYPE)
        self.x_star = torch.linalg.lstsq(self.A, self.y.unsqueeze(-1)).solution.squeeze(-1)
        self.f_star_i = torch.zeros(n, dtype=DTYPE)
        self.f_star = float(0.5 * ((self.A @ self.x_star - self.y) ** 2).mean())
        self.L = float((self.A ** 2).sum(-1).max())
        self.membership = Membership(alpha=1.0, beta=0.0, status="certified", method="each f_i convex")
        self.x0 = torch.zeros(d, dtype=DTYPE)
        self.params = {"d": d, "n": n, "noise": noise, "seed": seed}
        self._At = self.A.T.contiguous()

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * (x @ self._At - self.y) ** 2

    def value(self, x: torch.Tensor) -> torch.Tensor:
        r = x @ self._At - self.y
        return 0.5 * (r * r).mean(-1)

    def loss_at(self, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        a = self.A[idx]                                        # [..., b, d]
        r = (a * x.unsqueeze(-2)).sum(-1) - self.y[idx]
        return 0.5 * r * r

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor):
        a = self.A[idx]                                        # [..., b, d]
        r = (a * x.unsqueeze(-2)).sum(-1) - self.y[idx]        # [..., b]
        return 0.5 * r * r, r.unsqueeze(-1) * a

    def project(self, x: torch.Tensor) -> torch.Tensor:
        return self.x_star.expand_as(x)


def factory(d: int = 100, n: int = 200) -> LeastSquares:
    """``abcheck simulate --problem benchmarks/simulate_lsq.py:factory``."""
    return LeastSquares(d=d, n=n)
