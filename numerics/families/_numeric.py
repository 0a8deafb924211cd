"""A base for families whose S is a finite set found numerically (torch autograd for gradients and
Hessians): stationary points by saddle-free Newton descent + Newton polishing from given starts, S = the
lowest points (within 1e-12 relative) plus any symmetry images the family supplies, projection = the
nearest point of S (ties kept as candidates), membership sampled lazily (or a stored measurement)."""
from __future__ import annotations

import numpy as np
import torch

from numerics.families._common import LazyMembership, classified_stationary_point, newton, TIE_TOL, as_points, nearest_in_set, tied_in_set
from numerics.problem import DTYPE, Membership, Problem


class NumericFiniteS(LazyMembership, Problem):
    """Subclasses set name, n, d, params, f_star_i, L, domain, x0, description, implement ``losses``, and
    call ``self._solve(starts)``; optional ``_images(z)`` returns symmetry images of a minimizer [k, d]."""

    _membership: Membership | None = None
    _seed: int = 0

    def _f(self, z: np.ndarray) -> float:
        with torch.no_grad():
            return float(self.losses(torch.as_tensor(z, dtype=DTYPE)).mean())

    def _fgh(self, z: np.ndarray):
        """f, grad f, Hessian by reverse-mode autograd (d backward passes; d is small here)."""
        x = torch.tensor(z, dtype=DTYPE, requires_grad=True)
        with torch.enable_grad():
            f = self.losses(x).mean()
            (g,) = torch.autograd.grad(f, x, create_graph=True)
            rows = [torch.autograd.grad(g[k], x, retain_graph=True)[0] for k in range(x.shape[0])]
        return float(f.detach()), g.detach().numpy(), torch.stack(rows).detach().numpy()

    def _descend(self, x: np.ndarray, it: int = 200) -> np.ndarray:
        for _ in range(it):
            f, g, H = self._fgh(x)
            if np.linalg.norm(g) <= 1e-13:
                break
            ev, V = np.linalg.eigh(0.5 * (H + H.T))
            step = -V @ ((V.T @ g) / np.maximum(np.abs(ev), 1e-6))
            t = 1.0
            while t > 1e-12 and self._f(x + t * step) > f - 1e-4 * t * float(g @ -step):
                t *= 0.5
            if t <= 1e-12:
                break
            x = x + t * step
        return x

    def _newton(self, x: np.ndarray, it: int = 50) -> np.ndarray | None:
        return newton(self._fgh, x, it, 1e-13, 1e-10)

    def _images(self, z: np.ndarray) -> np.ndarray:
        return z[None, :]

    def _solve(self, starts, newton_from_starts: bool = True, saddle_starts=()) -> None:
        """Descent (+ Newton polish) from ``starts``; plain Newton (which can reach saddles) from ``starts``
        when ``newton_from_starts`` and from ``saddle_starts``."""
        found: list[np.ndarray] = []
        jobs = [(np.asarray(s, dtype=float), True, newton_from_starts) for s in starts]
        jobs += [(np.asarray(s, dtype=float), False, True) for s in saddle_starts]
        for s, descend, use_newton in jobs:
            cands = [self._newton(self._descend(s))] if descend else []
            if use_newton:
                cands.append(self._newton(s))
            for z in cands:
                if z is None or (self.domain and not all(lo - 1e-9 <= v <= hi + 1e-9 for v, (lo, hi) in zip(z, self.domain))):
                    continue
                if not any(np.linalg.norm(z - w) < 1e-7 for w in found):
                    found.append(z)
        vals = np.array([self._fgh(z)[0] for z in found])
        fmin = float(vals.min())
        is_min = vals <= fmin + 1e-12 * max(1.0, abs(fmin))
        self.f_star = fmin
        mins = np.concatenate([self._images(z) for z, m in zip(found, is_min) if m])
        uniq: list[np.ndarray] = []
        for z in mins:
            if not any(np.linalg.norm(z - w) < 1e-7 for w in uniq):
                uniq.append(z)
        self.minimizers = torch.tensor(np.array(uniq), dtype=DTYPE)
        sps = []
        for z, v, m in zip(found, vals, is_min):
            if m or any(np.linalg.norm(z - w) < 1e-7 for w in uniq):
                continue
            sps.append(classified_stationary_point(z, v - fmin, self._fgh(z)[2]))
        self.stationary_points = tuple(sorted(sps, key=lambda p: -p.height))

    def project(self, x: torch.Tensor) -> torch.Tensor:
        return nearest_in_set(self.minimizers, as_points(x))

    def project_candidates(self, x: torch.Tensor) -> torch.Tensor:
        return tied_in_set(self.minimizers, as_points(x), TIE_TOL)

    def sample_box(self) -> list[tuple[float, float]]:
        if self.domain:
            return [tuple(map(float, b)) for b in self.domain]
        b = self.minimizers.numpy()
        lo, hi = b.min(0) - 3.0, b.max(0) + 3.0
        return [(float(l), float(h)) for l, h in zip(lo, hi)]

    def measure_membership(self, seed: int | None = None, grid: int = 161) -> Membership:
        from numerics.families._sampling import fit_alpha_beta, membership_samples, sampled_membership
        seed = self._seed if seed is None else seed
        box = self.sample_box()
        far = self.domain is None
        x = membership_samples(self, box, seed=seed, grid=grid, minimizers=self.minimizers[:8], far=far)
        alpha, beta = fit_alpha_beta(self, x)
        where = f"the domain {box}" if not far else f"{box} plus far points (r = 10..1e4)"
        return sampled_membership(
            self, alpha, beta, x,
            how=(f"sampled: {grid}^2 grid (d = 2) or as many uniform points over {where}, clouds at S and "
                 "stationary points, bisectors of S; (alpha, beta) minimises beta/(alpha-beta) on the sampled "
                 "feasible region, moved 2% inside"),
            command=f"python -m numerics.families.measure {self.name} --seed {seed}")
