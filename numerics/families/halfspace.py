"""``halfspace``: half-space learning as in the paper (THEORY.md §7):

    f_i(x) = sigmoid(-b_i <a_i, x>) + (lam/2)|x|^2,   lam = 1e-5,

with ``per_class`` points per class (default 20) drawn from N(mu_b, 2 I) in R^d (default d = 2), class means
mu_{+1} = +shift (1, ..., 1)/sqrt(d) and mu_{-1} = -mu_{+1} (seeded). The paper ran SGD with step 1/4 and batch
size 1 from the origin; its gradient norm nearly vanishes while the loss is still 0.3-0.6 (sigmoid plateaus).

f_i^*: on the line x = t b_i a_i/|a_i| the loss is sigmoid(-t|a_i|) + lam t^2/2, and no other direction does
better (the sigmoid depends only on <a_i, x>, the penalty is smallest for x parallel to a_i), so
f_i^* = min_t>=0 sigmoid(-t|a_i|) + lam t^2/2: 1-D, by a dense scan + Newton (float64).
L: the Hessian of f_i is sigmoid''(-b<a,x>) a a^T + lam I and |sigmoid''| <= 1/(6 sqrt 3), so
L = max_i |a_i|^2/(6 sqrt 3) + lam.
S, f*, stationary points: numerical (saddle-free Newton + Newton with autograd Hessians from the origin,
a ring of starts and the class means scaled up); the list of stationary points is what those starts
found. The minimizer is far from the origin (the penalty is tiny), so samples span a wide box.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from numerics.families._common import as_points, check_float, check_int, stationary_points_1d
from numerics.families._numeric import NumericFiniteS
from numerics.families.measured import MEASURED
from numerics.problem import DTYPE, Membership


def _sig(z):
    """The logistic sigmoid, overflow-free (0.5 (1 + tanh(z/2)))."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class HalfSpace(NumericFiniteS):
    """Half-space learning with a sigmoid loss (see the module docstring)."""

    def __init__(self, per_class: int = 20, d: int = 2, shift: float = 1.0, lam: float = 1e-5, seed: int = 0) -> None:
        per_class = check_int("per_class", per_class, 1, 5000)
        d = check_int("d", d, 1, 20)
        shift = check_float("shift", shift, 0.0, 100.0)
        lam = check_float("lam", lam, 0.0, 10.0, open_lo=True)
        seed = check_int("seed", seed, 0, 2 ** 31 - 1)
        rng = np.random.default_rng(seed)
        mu = shift * np.ones(d) / math.sqrt(d)
        a = np.concatenate([mu + math.sqrt(2.0) * rng.standard_normal((per_class, d)),
                            -mu + math.sqrt(2.0) * rng.standard_normal((per_class, d))])
        b = np.concatenate([np.ones(per_class), -np.ones(per_class)])
        self.name, self.n, self.d, self._seed = "halfspace", 2 * per_class, d, seed
        self.params = {"per_class": per_class, "d": d, "shift": shift, "lam": lam, "seed": seed}
        self.a, self.b, self.lam = torch.tensor(a, dtype=DTYPE), torch.tensor(b, dtype=DTYPE), lam
        self.domain = None
        stars = []
        for ai in a:
            r = float(np.linalg.norm(ai))
            tmax = max(10.0, 60.0 / max(r, 1e-3), 3.0 / math.sqrt(lam))
            gp = lambda t, r=r: -r * _sig(-t * r) * (1 - _sig(-t * r)) + lam * t  # noqa: E731
            gpp = lambda t, r=r: r * r * _sig(-t * r) * (1 - _sig(-t * r)) * (1 - 2 * _sig(-t * r)) + lam  # noqa: E731
            ts = [0.0, tmax] + stationary_points_1d(gp, gpp, 0.0, tmax, grid=20001)
            stars.append(min(float(_sig(-t * r) + 0.5 * lam * t * t) for t in ts))
        self.f_star_i = torch.tensor(stars, dtype=DTYPE)
        self.L = float((a ** 2).sum(1).max()) / (6 * math.sqrt(3)) + lam
        w = np.linalg.lstsq(a, b, rcond=None)[0]
        w = w / max(np.linalg.norm(w), 1e-12)
        starts = [np.zeros(d)] + [r * w for r in (1.0, 10.0, 30.0, 100.0, 300.0)]
        if d == 2:
            starts += [30.0 * np.array([math.cos(t), math.sin(t)]) for t in np.linspace(0, 2 * math.pi, 12, endpoint=False)]
        self._solve(starts)
        self.x0 = torch.zeros(d, dtype=DTYPE)
        self.description = (f"half-space learning, sigmoid loss + (lam/2)|x|^2, {per_class} points per class, "
                            f"N(+-mu, 2I), |mu| = {shift:g}; minimizer at |x| = {float(self.minimizers[0].norm()):.4g}")
        stored = MEASURED.get((self.name, tuple(sorted(self.params.items(), key=str))))
        if stored is not None:
            self._membership = Membership(status="sampled", **stored)

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        z = -(x @ self.a.T) * self.b
        return torch.sigmoid(z) + 0.5 * self.lam * (x * x).sum(-1, keepdim=True)

    def sample_box(self) -> list[tuple[float, float]]:
        r = float(self.minimizers.norm(dim=-1).max()) * 1.5 + 5.0
        return [(-r, r)] * self.d
