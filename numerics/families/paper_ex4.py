"""``paper-ex4``: the paper's Example 4, matrix factorization with noise, rank 1, on a box:

    f_ij(u, v) = (1/2)(X_ij - u_i v_j)^2,  x = (u, v) in R^(m + k),  n = m k components (index i k + j),
    X = u* v*^T + noise * xi  (u*, v*, xi standard normal, seeded).

Closed forms from the SVD X = sum_l s_l p_l q_l^T (s_1 > s_2 >= ...):
  * f* = (1/(2mk)) sum_{l>=2} s_l^2 (Eckart-Young); f_ij^* = 0 (u_i v_j = X_ij is attainable);
  * S = {(c p_1, (s_1/c) q_1) : c != 0}, two unbounded curves; projection of (u0, v0): minimise
    phi(c) = |c p_1 - u0|^2 + |(s_1/c) q_1 - v0|^2, i.e. a real root of c^4 - a c^3 + s_1 b c - s_1^2 = 0 with
    a = p_1^T u0, b = q_1^T v0 (batched companion-matrix eigenvalues, 3 Newton steps, the root with the
    smallest phi; the two best roots are candidates when tied). The quartic always has a positive and a
    negative root (the constant term is negative);
  * stationary points (each a curve under the same scaling; one representative listed): the origin,
    height s_1^2/(2mk), and (sqrt(s_l) p_l, sqrt(s_l) q_l), l >= 2, height (s_1^2 - s_l^2)/(2mk); all saddles;
  * L on the box [-B, B]^d: the Hessian of f_ij in (u_i, v_j) is [[v_j^2, 2u_i v_j - X_ij], [., u_i^2]], whose
    spectral norm is at most B^2 + 2B^2 + |X_ij|: L = 3B^2 + max |X| (a bound, valid on the box only).
Membership: sampled on the box (lazily, or the stored measurement for the default parameters).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from numerics.families._common import LazyMembership, as_points, check_float, check_int
from numerics.families.measured import MEASURED
from numerics.problem import DTYPE, Membership, Problem, StationaryPoint


class PaperEx4(LazyMembership, Problem):
    """Rank-1 matrix factorization with noise (see the module docstring)."""

    def __init__(self, m: int = 4, k: int = 3, noise: float = 0.3, box: float = 3.0, seed: int = 0) -> None:
        m = check_int("m", m, 1, 200)
        k = check_int("k", k, 1, 200)
        noise = check_float("noise", noise, 0.0, 100.0)
        box = check_float("box", box, 0.0, 100.0, open_lo=True)
        seed = check_int("seed", seed, 0, 2 ** 31 - 1)
        rng = np.random.default_rng(seed)
        X = np.outer(rng.standard_normal(m), rng.standard_normal(k)) + noise * rng.standard_normal((m, k))
        P, s, Qt = np.linalg.svd(X)
        if len(s) > 1 and s[0] - s[1] <= 1e-9 * s[0]:
            raise InputError("paper-ex4: the top singular value is repeated; S is not the curve assumed here")
        self.name, self.m, self.k, self.n, self.d = "paper-ex4", m, k, m * k, m + k
        self.params = {"m": m, "k": k, "noise": noise, "box": box, "seed": seed}
        self.X = torch.tensor(X, dtype=DTYPE)
        self._Xf = self.X.flatten()
        self.s = s
        self.p1, self.q1 = torch.tensor(P[:, 0], dtype=DTYPE), torch.tensor(Qt[0], dtype=DTYPE)
        mk = m * k
        self.f_star = float((s[1:] ** 2).sum() / (2 * mk))
        self.f_star_i = torch.zeros(self.n, dtype=DTYPE)
        self.L = 3 * box ** 2 + float(np.abs(X).max())
        self.domain = tuple((-box, box) for _ in range(self.d))
        sps = [StationaryPoint(location=(0.0,) * self.d, height=float(s[0] ** 2 / (2 * mk)), kind="saddle")]
        for l in range(1, len(s)):
            loc = np.concatenate([math.sqrt(s[l]) * P[:, l], math.sqrt(s[l]) * Qt[l]])
            sps.append(StationaryPoint(location=tuple(float(t) for t in loc), height=float((s[0] ** 2 - s[l] ** 2) / (2 * mk)),
                                       kind="saddle"))
        self.stationary_points = tuple(sps)
        cs = [math.sqrt(s[0]) * t for t in (0.5, 1.0, 2.0, -0.5, -1.0, -2.0)]
        self.minimizers = torch.stack([torch.cat([c * self.p1, (s[0] / c) * self.q1]) for c in cs])  # a sample of S
        self.x0 = torch.full((self.d,), 0.1, dtype=DTYPE)
        self.description = (f"rank-1 factorization of a noisy {m}x{k} matrix; S = two curves (c p1, (s1/c) q1); "
                            f"{len(sps)} saddle curves listed; L = 3B^2 + max|X| on the box")
        stored = MEASURED.get((self.name, tuple(sorted(self.params.items(), key=str))))
        self._membership = Membership(status="sampled", **stored) if stored is not None else None

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        u, v = x[..., :self.m], x[..., self.m:]
        prod = (u.unsqueeze(-1) * v.unsqueeze(-2)).flatten(-2)
        return 0.5 * (self._Xf - prod) ** 2

    def _roots(self, x: torch.Tensor):
        """Real roots c of the projection quartic [..., 4] (NaN where complex) and phi(c)."""
        u0, v0 = x[..., :self.m], x[..., self.m:]
        s1 = float(self.s[0])
        a, b = u0 @ self.p1, v0 @ self.q1
        C = torch.zeros(*a.shape, 4, 4, dtype=DTYPE)
        C[..., 1, 0] = C[..., 2, 1] = C[..., 3, 2] = 1.0
        C[..., 0, 3] = s1 * s1                     # companion of c^4 - a c^3 + 0 c^2 + s1 b c - s1^2
        C[..., 1, 3] = -s1 * b
        C[..., 2, 3] = 0.0
        C[..., 3, 3] = a
        r = torch.linalg.eigvals(C)
        real = r.imag.abs() <= 1e-7 * (1 + r.real.abs())
        c = torch.where(real, r.real, torch.full_like(r.real, float("nan")))
        for _ in range(3):                         # Newton polish on the quartic
            q = c ** 4 - a.unsqueeze(-1) * c ** 3 + s1 * b.unsqueeze(-1) * c - s1 * s1
            dq = 4 * c ** 3 - 3 * a.unsqueeze(-1) * c ** 2 + s1 * b.unsqueeze(-1)
            c = c - torch.where(dq.abs() > 0, q / dq, torch.zeros_like(q))
        phi = (c * c - 2 * a.unsqueeze(-1) * c + s1 * s1 / (c * c) - 2 * s1 * b.unsqueeze(-1) / c)
        phi = torch.where(torch.isfinite(phi), phi, torch.full_like(phi, float("inf")))
        return c, phi

    def _point(self, c: torch.Tensor) -> torch.Tensor:
        s1 = float(self.s[0])
        return torch.cat([c.unsqueeze(-1) * self.p1, (s1 / c).unsqueeze(-1) * self.q1], -1)

    def project(self, x: torch.Tensor) -> torch.Tensor:
        c, phi = self._roots(as_points(x))
        best = torch.gather(c, -1, phi.argmin(-1, keepdim=True)).squeeze(-1)
        return self._point(best)

    def project_candidates(self, x: torch.Tensor) -> torch.Tensor:
        c, phi = self._roots(as_points(x))
        order = phi.argsort(-1)
        c1 = torch.gather(c, -1, order[..., :1]).squeeze(-1)
        c2 = torch.gather(c, -1, order[..., 1:2]).squeeze(-1)
        p1 = torch.gather(phi, -1, order[..., :1]).squeeze(-1)
        p2 = torch.gather(phi, -1, order[..., 1:2]).squeeze(-1)
        tied = (p2 - p1).abs() <= 1e-9 * (1 + p1.abs())
        c2 = torch.where(tied, c2, c1)
        return torch.stack([self._point(c1), self._point(c2)], -2)

    def measure_membership(self, seed: int | None = None, grid: int = 161) -> Membership:
        from numerics.families._sampling import fit_alpha_beta, membership_samples, sampled_membership
        seed = self.params["seed"] if seed is None else seed
        x = membership_samples(self, list(self.domain), seed=seed, grid=grid, minimizers=self.minimizers[:2], far=False)
        alpha, beta = fit_alpha_beta(self, x)
        return sampled_membership(
            self, alpha, beta, x,
            how=(f"sampled: {grid * grid} uniform points in the box, clouds at S and at the saddles; (alpha, beta) "
                 "minimises beta/(alpha-beta) on the sampled feasible region, moved 2% inside"),
            command=f"python -m numerics.families.measure paper-ex4 --seed {seed}")


from theory.errors import InputError  # noqa: E402
