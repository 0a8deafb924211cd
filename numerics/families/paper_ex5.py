"""``paper-ex5``: the paper's Example 5, a two-layer ReLU network with logistic loss and L2
regularisation, on a box:

    f_i(W, v) = log(1 + exp(-y_i v^T ReLU(W z_i))) + lam1 |v|^2 + lam2 |W|_F^2,   x = (vec W, v) in R^(h p + h),

with ``samples`` data points z_i ~ N(0, I_p) labelled by a random teacher network of the same shape (seeded),
hidden width h = ``width``.

f_i^* in closed form: with s = y_i v^T ReLU(W z_i), s <= sum_j |v_j| |w_j| |z_i| and the penalty is
>= 2 sqrt(lam1 lam2) sum_j |v_j||w_j| >= c_i s with c_i = 2 sqrt(lam1 lam2)/|z_i|, with equality for one unit
aligned with z_i; so f_i^* = min_{s >= 0} log(1 + e^{-s}) + c_i s = -log(1 - c_i) + c_i log((1 - c_i)/c_i) when
c_i < 1/2, else log 2 (at s = 0).
Not smooth: ReLU has kinks, so no global L exists; L = inf is reported (and every step-size rule that
needs L must not be used with this family). Gradients are autograd's (ReLU'(0) = 0).
S: the best of L-BFGS runs from 12 seeded starts in the box, polished by Newton on its smooth piece
(|grad f| <= 1e-10), plus its images under the h! permutations of hidden units (f is invariant under
them). Other global minima unrelated by symmetry could exist: S is "as found". Stationary points: the
origin (W = 0, v = 0; stationary in the Clarke sense, f = log 2 there) and distinct local minima found by
the other starts. Membership: sampled on the box (lazily, or the stored measurement).
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from numerics.families._common import as_points, check_float, check_int
from numerics.families._numeric import NumericFiniteS
from numerics.families.measured import MEASURED
from numerics.problem import DTYPE, Membership, StationaryPoint


class PaperEx5(NumericFiniteS):
    """Two-layer ReLU network, logistic loss, L2 regularisation (see the module docstring)."""

    def __init__(self, samples: int = 6, p: int = 2, width: int = 2, lam1: float = 0.01, lam2: float = 0.01,
                 box: float = 3.0, seed: int = 0) -> None:
        samples = check_int("samples", samples, 1, 1000)
        p = check_int("p", p, 1, 20)
        width = check_int("width", width, 1, 5)
        lam1 = check_float("lam1", lam1, 0.0, 10.0, open_lo=True)
        lam2 = check_float("lam2", lam2, 0.0, 10.0, open_lo=True)
        box = check_float("box", box, 0.0, 100.0, open_lo=True)
        seed = check_int("seed", seed, 0, 2 ** 31 - 1)
        rng = np.random.default_rng(seed)
        Z = rng.standard_normal((samples, p))
        Wt, vt = rng.standard_normal((width, p)), rng.standard_normal(width)
        y = np.sign(np.maximum(Z @ Wt.T, 0) @ vt)
        y[y == 0] = 1.0
        self.name, self.n, self.h, self.p = "paper-ex5", samples, width, p
        self.d = width * p + width
        self._seed = seed
        self.params = {"samples": samples, "p": p, "width": width, "lam1": lam1, "lam2": lam2, "box": box, "seed": seed}
        self.Z, self.y = torch.tensor(Z, dtype=DTYPE), torch.tensor(y, dtype=DTYPE)
        self.lam1, self.lam2 = lam1, lam2
        c = 2 * math.sqrt(lam1 * lam2) / np.linalg.norm(Z, axis=1)
        star = np.where(c < 0.5, -np.log1p(-np.minimum(c, 0.49)) + c * np.log((1 - np.minimum(c, 0.49)) / c), math.log(2))
        self.f_star_i = torch.tensor(star, dtype=DTYPE)
        self.L = math.inf
        self.domain = tuple((-box, box) for _ in range(self.d))
        from scipy.optimize import minimize
        found = []
        for s in rng.uniform(-box / 2, box / 2, size=(12, self.d)):
            r = minimize(lambda z: self._fg(z), s, jac=True, method="L-BFGS-B", bounds=[(-box, box)] * self.d,
                         options={"maxiter": 800, "gtol": 1e-12, "ftol": 1e-15})
            z = self._newton(r.x) if np.all(np.abs(r.x) < box) else None
            if z is not None and np.all(np.abs(z) <= box):
                found.append((self._f(z), z))
        if not found:
            raise InputError("paper-ex5: no minimizer found inside the box; enlarge box")
        found.sort(key=lambda t: t[0])
        fmin, zbest = found[0]
        self.f_star = float(fmin)
        imgs = self._images(zbest)
        uniq = []
        for z in imgs:
            if not any(np.linalg.norm(z - w) < 1e-7 for w in uniq):
                uniq.append(z)
        self.minimizers = torch.tensor(np.array(uniq), dtype=DTYPE)
        sps = [StationaryPoint(location=(0.0,) * self.d, height=math.log(2) + 0.0 - self.f_star, kind="saddle")]
        seen = [fmin]
        for v, z in found[1:]:
            if v > fmin + 1e-9 * max(1, abs(fmin)) and all(abs(v - u) > 1e-9 for u in seen):
                seen.append(v)
                sps.append(StationaryPoint(location=tuple(float(t) for t in z), height=float(v - fmin), kind="local_min"))
        self.stationary_points = tuple(sps)
        self.x0 = torch.tensor(rng.uniform(-0.5, 0.5, self.d), dtype=DTYPE)
        self.description = (f"two-layer ReLU net (p = {p}, width {width}) on {samples} teacher-labelled points, logistic "
                            "loss + L2; not smooth (L = inf); S = best L-BFGS minimizer and its permutation images")
        stored = MEASURED.get((self.name, tuple(sorted(self.params.items(), key=str))))
        if stored is not None:
            self._membership = Membership(status="sampled", **stored)

    def _fg(self, z: np.ndarray):
        x = torch.tensor(z, dtype=DTYPE, requires_grad=True)
        with torch.enable_grad():
            f = self.losses(x).mean()
            (g,) = torch.autograd.grad(f, x)
        return float(f.detach()), g.numpy().astype(float)

    def _images(self, z: np.ndarray) -> np.ndarray:
        W, v = z[: self.h * self.p].reshape(self.h, self.p), z[self.h * self.p:]
        return np.array([np.concatenate([W[list(pi)].ravel(), v[list(pi)]])
                         for pi in itertools.permutations(range(self.h))])

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        x = as_points(x)
        W = x[..., : self.h * self.p].reshape(*x.shape[:-1], self.h, self.p)
        v = x[..., self.h * self.p:]
        hid = torch.relu(torch.einsum("...hp,np->...nh", W, self.Z))
        s = self.y * (hid * v.unsqueeze(-2)).sum(-1)
        reg = self.lam1 * (v * v).sum(-1) + self.lam2 * (W * W).sum((-1, -2))
        return torch.nn.functional.softplus(-s) + reg.unsqueeze(-1)


from theory.errors import InputError  # noqa: E402
