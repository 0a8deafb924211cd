"""Radial finite sums: f_i(x) = rho_i(|x - b_i|^2), the shape of the paper's Examples 2, 3 and 6.

Profiles rho (q = |x - b|^2 >= 0, all increasing, minimum rho(0) at x = b, so f_i^* = rho(0)):
  * ``gauss``:            rho(q) = 1 - exp(-q)                       (Ex. 2)
  * ``rational(a, c)``:   rho(q) = (a + q)/(c + q), 0 <= a < c        (Ex. 6: a=0, c=1; Ex. 3: (1,4) and (0,4))

Smoothness: the Hessian of rho(|x - b|^2) is 2 rho'(q) I + 4 rho''(q)(x - b)(x - b)^T with eigenvalues
2 rho'(q) and 2 rho'(q) + 4 q rho''(q). For gauss these are 2e^{-q} and (2 - 4q)e^{-q}: |.| <= 2. For
rational with k = c - a: 2k/(c+q)^2 and 2k(c - 3q)/(c+q)^3, whose absolute values are at most 2k/c^2
(at q = 0; the second one's minimum is -k/(2c^2) at q = c). So L = max_i L_i, exactly.

S and stationary points: computed numerically (float64): saddle-free Newton descent (|eigenvalues| of the
closed-form Hessian, backtracking on f) from the centres, the pairwise midpoints and the centroid, then
Newton on grad f = 0 with the closed-form Hessian until |grad f| <= 1e-13; also
Newton started directly at those points to reach saddles. Points whose value is within 1e-12 of the
lowest form S; the rest are listed as stationary points (kind from the Hessian's eigenvalues). For two
centres every stationary point lies on the line through them (the gradient is a combination of x - b_1
and x - b_2), so the list is complete for n = 2; for n > 2 it is what these starts found.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import torch

from numerics.families._common import LazyMembership, classified_stationary_point, newton, TIE_TOL, as_points, nearest_in_set, tied_in_set
from numerics.problem import DTYPE, Membership, Problem


class Profile:
    """rho(q) and its first two derivatives (numpy and torch)."""

    def __init__(self, kind: str, a: float = 0.0, c: float = 1.0) -> None:
        self.kind, self.a, self.c = kind, float(a), float(c)

    def rho(self, q):
        lib = torch if isinstance(q, torch.Tensor) else np
        if self.kind == "gauss":
            return 1.0 - lib.exp(-q)
        return (self.a + q) / (self.c + q)

    def d1(self, q):
        lib = torch if isinstance(q, torch.Tensor) else np
        if self.kind == "gauss":
            return lib.exp(-q)
        return (self.c - self.a) / (self.c + q) ** 2

    def d2(self, q):
        lib = torch if isinstance(q, torch.Tensor) else np
        if self.kind == "gauss":
            return -lib.exp(-q)
        return -2.0 * (self.c - self.a) / (self.c + q) ** 3

    @property
    def minimum(self) -> float:
        return 0.0 if self.kind == "gauss" else self.a / self.c

    @property
    def L(self) -> float:
        return 2.0 if self.kind == "gauss" else 2.0 * (self.c - self.a) / self.c ** 2

    def text(self) -> str:
        return "1 - exp(-q)" if self.kind == "gauss" else f"({self.a:g} + q)/({self.c:g} + q)"


class RadialSum(LazyMembership, Problem):
    """f_i(x) = rho_i(|x - b_i|^2) with a finite S computed numerically (see the module docstring).

    Membership: a stored measurement (``measured``) when given, else measured lazily on first access of
    ``membership`` (dense + adversarial samples, ``numerics.families._sampling``)."""

    def __init__(self, name: str, centres: np.ndarray, profiles: list[Profile], params: dict,
                 description: str, measured: dict | None = None, seed: int = 0) -> None:
        self.name, self.params, self.description = name, dict(params), description
        self.centres = torch.as_tensor(np.asarray(centres, dtype=float), dtype=DTYPE)
        self.n, self.d = self.centres.shape
        self.profiles = list(profiles)
        self.f_star_i = torch.tensor([p.minimum for p in profiles], dtype=DTYPE)
        self.L = max(p.L for p in profiles)
        self._seed = seed
        self._find_stationary()
        self.domain = None
        c = self.centres.mean(0)
        self.x0 = c + torch.tensor([1.5] + [0.5] * (self.d - 1), dtype=DTYPE) * (1 + self.centres.std(0).max().nan_to_num())
        self._membership = None
        if measured is not None:
            self._membership = Membership(status="sampled", **measured)

    # -- values ------------------------------------------------------------------------------
    def _q(self, x: torch.Tensor) -> torch.Tensor:
        return ((x.unsqueeze(-2) - self.centres) ** 2).sum(-1)              # [..., n]

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        q = self._q(as_points(x))
        return torch.stack([p.rho(q[..., i]) for i, p in enumerate(self.profiles)], -1)

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor):
        """Closed form: grad f_i = 2 rho_i'(q_i)(x - b_i)."""
        x = as_points(x)
        q = self._q(x)
        vals = torch.stack([p.rho(q[..., i]) for i, p in enumerate(self.profiles)], -1)
        d1 = torch.stack([p.d1(q[..., i]) for i, p in enumerate(self.profiles)], -1)
        diff = x.unsqueeze(-2) - self.centres[idx]                          # [..., b, d]
        return torch.gather(vals, -1, idx), 2.0 * torch.gather(d1, -1, idx).unsqueeze(-1) * diff

    # -- numpy closed forms for the search of stationary points ---------------------------------
    def _np_fgh(self, x: np.ndarray):
        b = self.centres.numpy()
        diff = x - b
        q = (diff ** 2).sum(-1)
        f = np.mean([p.rho(q[i]) for i, p in enumerate(self.profiles)])
        d1 = np.array([p.d1(q[i]) for i, p in enumerate(self.profiles)])
        d2 = np.array([p.d2(q[i]) for i, p in enumerate(self.profiles)])
        g = (2 * d1[:, None] * diff).mean(0)
        H = (2 * d1[:, None, None] * np.eye(self.d) + 4 * d2[:, None, None] * diff[:, :, None] * diff[:, None, :]).mean(0)
        return f, g, H

    def _newton(self, x: np.ndarray, it: int = 100) -> np.ndarray | None:
        return newton(self._np_fgh, x, it, 1e-14, 1e-12)

    def _descend(self, x: np.ndarray, it: int = 300) -> np.ndarray:
        """Saddle-free Newton descent: step -V |Lambda|^-1 V^T g with backtracking on f."""
        for _ in range(it):
            f, g, H = self._np_fgh(x)
            if np.linalg.norm(g) <= 1e-13:
                break
            ev, V = np.linalg.eigh(H)
            step = -V @ ((V.T @ g) / np.maximum(np.abs(ev), 1e-6))
            t = 1.0
            while t > 1e-12 and self._np_fgh(x + t * step)[0] > f - 1e-4 * t * float(g @ -step):
                t *= 0.5
            if t <= 1e-12:
                break
            x = x + t * step
        return x

    def _find_stationary(self) -> None:
        b = self.centres.numpy()
        starts = list(b) + [b.mean(0)]
        if self.n <= 30:
            starts += [(b[i] + b[j]) / 2 for i, j in combinations(range(self.n), 2)]
        found = []
        for s in starts:
            r = self._descend(np.array(s, dtype=float))
            for z in (self._newton(r), self._newton(np.array(s, dtype=float))):
                if z is not None and not any(np.linalg.norm(z - w) < 1e-8 for w in found):
                    found.append(z)
        vals = np.array([self._np_fgh(z)[0] for z in found])
        fmin = vals.min()
        is_min = vals <= fmin + 1e-12 * max(1.0, abs(fmin))
        self.f_star = float(fmin)
        self.minimizers = torch.tensor(np.array([z for z, m in zip(found, is_min) if m]), dtype=DTYPE)
        sps = []
        for z, v, m in zip(found, vals, is_min):
            if m:
                continue
            sps.append(classified_stationary_point(z, v - fmin, self._np_fgh(z)[2]))
        self.stationary_points = tuple(sorted(sps, key=lambda p: -p.height))

    # -- S ----------------------------------------------------------------------------------
    def project(self, x: torch.Tensor) -> torch.Tensor:
        return nearest_in_set(self.minimizers, as_points(x))

    def project_candidates(self, x: torch.Tensor) -> torch.Tensor:
        return tied_in_set(self.minimizers, as_points(x), TIE_TOL)

    # -- membership ---------------------------------------------------------------------------
    def sample_box(self) -> list[tuple[float, float]]:
        b = self.centres.numpy()
        lo, hi = b.min(0) - 3.0, b.max(0) + 3.0
        return [(float(l), float(h)) for l, h in zip(lo, hi)]

    def measure_membership(self, seed: int | None = None, grid: int = 161) -> Membership:
        """Sample, fit (alpha, beta) and measure the smallest margin (``numerics.families._sampling``)."""
        from numerics.families._sampling import fit_alpha_beta, membership_samples, sampled_membership
        seed = self._seed if seed is None else seed
        x = membership_samples(self, self.sample_box(), seed=seed, grid=grid, minimizers=self.minimizers)
        alpha, beta = fit_alpha_beta(self, x)
        return sampled_membership(
            self, alpha, beta, x,
            how=(f"sampled: {grid}x{grid} grid over {self.sample_box()}, far points (r = 10..1e4), clouds at S "
                 "and stationary points, bisectors of S; (alpha, beta) minimises beta/(alpha-beta) on the "
                 "sampled feasible region, moved 2% inside"),
            command=f"python -m numerics.families.measure {self.name} --seed {seed}")
