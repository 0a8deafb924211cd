"""``paper-ex3-printed``: Example 3 exactly as printed in the paper,

    f_1 = (1 + x^2 + y^2)/(4 + x^2 + y^2),   f_2 = ((x - 2.5)^2 + (y - 2.5)^2)/(4 + (y - 2.5)^2 + (y - 2.5)^2),

whose second denominator is evidently a typo for 4 + (x - 2.5)^2 + (y - 2.5)^2 (that version is
``paper-ex3``). As printed, f_2 grows like (x - 2.5)^2/(4 + 2(y - 2.5)^2) and its Hessian is unbounded on R^2
(mixed derivative ~ (x - 2.5)), so it is not L-smooth globally: the family is stated on the box
[1.25 - box, 1.25 + box]^2 (default box = 5). Every number here refers to the printed version on that box.

f_1^* = 1/4 (at 0), f_2^* = 0 (at (2.5, 2.5)), both inside the box. S, f* and the stationary points in the
box: saddle-free Newton + Newton (autograd Hessians, |grad f| <= 1e-13) from a 5 x 5 grid of starts (descent) and
three points between the two wells (plain Newton, to reach the saddle).
L: the largest spectral norm of the Hessians of f_1, f_2 over a 201 x 201 grid of the box, times 1.05
(sampled, not a bound). Membership: sampled on the box (lazily, or the stored measurement).
"""
from __future__ import annotations

import numpy as np
import torch

from numerics.families._common import as_points, check_float
from numerics.families._numeric import NumericFiniteS
from numerics.families.measured import MEASURED
from numerics.problem import DTYPE, Membership


class PaperEx3Printed(NumericFiniteS):
    """Example 3 as printed, on a box (see the module docstring)."""

    def __init__(self, box: float = 5.0) -> None:
        box = check_float("box", box, 1.5, 50.0)
        self.name, self.n, self.d = "paper-ex3-printed", 2, 2
        self.params = {"box": box}
        self.domain = ((1.25 - box, 1.25 + box), (1.25 - box, 1.25 + box))
        self.f_star_i = torch.tensor([0.25, 0.0], dtype=DTYPE)
        lo, hi = self.domain[0]
        g = np.linspace(lo, hi, 5)
        self._solve([(a, b) for a in g for b in g], newton_from_starts=False,
                    saddle_starts=[(1.25, 1.25), (1.0, 0.5), (1.5, 1.0)])
        self.L = 1.05 * self._grid_L(201)
        self.x0 = torch.tensor([lo + 0.5, lo + 0.5], dtype=DTYPE)
        self.description = ("paper Ex. 3 as printed (f_2's denominator 4 + 2(y - 2.5)^2, evidently a typo); on the box "
                            f"{self.domain}; L = {self.L:.4g} is sampled on a grid (x1.05), not a bound")
        stored = MEASURED.get((self.name, tuple(sorted(self.params.items(), key=str))))
        if stored is not None:
            self._membership = Membership(status="sampled", **stored)

    def _grid_L(self, k: int) -> float:
        """max over a k x k grid of the box of the Hessian spectral norms of f_1, f_2 (batched autograd)."""
        lo, hi = self.domain[0]
        u = torch.linspace(lo, hi, k, dtype=DTYPE)
        X, Y = torch.meshgrid(u, u, indexing="ij")
        P = torch.stack([X.flatten(), Y.flatten()], -1).requires_grad_(True)
        best = 0.0
        with torch.enable_grad():
            for i in range(2):
                (g,) = torch.autograd.grad(self.losses(P)[:, i].sum(), P, create_graph=True)
                rows = [torch.autograd.grad(g[:, j].sum(), P, retain_graph=True)[0] for j in range(2)]
                H = torch.stack(rows, -2).detach()
                best = max(best, float(torch.linalg.eigvalsh(0.5 * (H + H.transpose(-1, -2))).abs().max()))
        return best

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        q1 = (x * x).sum(-1)
        u, v = x[..., 0] - 2.5, x[..., 1] - 2.5
        return torch.stack([(1 + q1) / (4 + q1), (u * u + v * v) / (4 + v * v + v * v)], -1)
