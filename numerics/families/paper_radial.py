"""The paper's radial examples as families (the shapes and constants are in ``radial.py``):

  * ``paper-ex2`` (saddle point): f_i = 1 - exp(-|x - b_i|^2); paper: b = (0,0), (2,2). S is two points on
    the diagonal, (t, t) and (2 - t, 2 - t) with t ~ 6.74e-4 (Newton, |grad f| <= 1e-13); the saddle is
    the midpoint (1, 1). f_i^* = 0, f* ~ 0.49983, sigma_int = f*.
  * ``paper-ex6``: f_i = q_i/(1 + q_i), q_i = |x - b_i|^2; paper: b = (0,0), (1,1). S is two points on the
    diagonal near (0.159, 0.159) and (0.841, 0.841); saddle at (0.5, 0.5).
  * ``paper-ex3`` (spurious local minimum), the evidently intended version:
    f_1 = (1 + q_1)/(4 + q_1), f_2 = q_2/(4 + q_2) with b_1 = (0,0), b_2 = (2.5, 2.5): f_1^* = 1/4,
    f_2^* = 0; S is one point near (2.376, 2.376), a spurious local minimum near (0.259, 0.259) and a saddle
    near (1.003, 1.003) (see ``paper_ex3.py`` for the printed version).

Generalisations: n centres in R^d. With n = 2 the centres are 0 and sep*(1, ..., 1); with n > 2 (or a
seed) they are drawn uniformly in [0, sep]^d with that seed.
"""
from __future__ import annotations

import numpy as np

from numerics.families._common import check_float, check_int
from numerics.families.measured import MEASURED
from numerics.families.radial import Profile, RadialSum


def _centres(n: int, d: int, sep: float, seed: int | None) -> np.ndarray:
    if n == 2 and seed is None:
        return np.stack([np.zeros(d), np.full(d, sep)])
    return np.random.default_rng(0 if seed is None else seed).uniform(0.0, sep, size=(n, d))


def _checked(n, d, sep, seed, max_d: int = 50):
    n = check_int("n", n, 2, 30)
    d = check_int("d", d, 1, max_d)
    sep = check_float("sep", sep, 0.0, 100.0, open_lo=True)
    if seed is not None:
        seed = check_int("seed", seed, 0, 2 ** 31 - 1)
    return n, d, sep, seed


def paper_ex2(n: int = 2, d: int = 2, sep: float = 2.0, seed: int | None = None) -> RadialSum:
    """Example 2 (saddle point) and its generalisation: f_i = 1 - exp(-|x - b_i|^2)."""
    n, d, sep, seed = _checked(n, d, sep, seed)
    params = {"n": n, "d": d, "sep": sep, "seed": seed}
    return RadialSum("paper-ex2", _centres(n, d, sep, seed), [Profile("gauss")] * n, params,
                     "Gaussian wells f_i = 1 - exp(-|x - b_i|^2); two minimizers and a saddle between them",
                     measured=MEASURED.get(("paper-ex2", tuple(sorted(params.items(), key=str)))), seed=seed or 0)


def paper_ex6(n: int = 2, d: int = 2, sep: float = 1.0, seed: int | None = None) -> RadialSum:
    """Example 6 and its generalisation: f_i = q_i/(1 + q_i), q_i = |x - b_i|^2."""
    n, d, sep, seed = _checked(n, d, sep, seed)
    params = {"n": n, "d": d, "sep": sep, "seed": seed}
    return RadialSum("paper-ex6", _centres(n, d, sep, seed), [Profile("rational", 0.0, 1.0)] * n, params,
                     "rational wells f_i = q_i/(1 + q_i); two minimizers and a saddle between them (paper case)",
                     measured=MEASURED.get(("paper-ex6", tuple(sorted(params.items(), key=str)))), seed=seed or 0)


def paper_ex3(d: int = 2, sep: float = 2.5) -> RadialSum:
    """Example 3 as evidently intended: f_1 = (1 + q_1)/(4 + q_1), f_2 = q_2/(4 + q_2)."""
    d = check_int("d", d, 1, 50)
    sep = check_float("sep", sep, 0.0, 100.0, open_lo=True)
    params = {"d": d, "sep": sep}
    return RadialSum("paper-ex3", _centres(2, d, sep, None),
                     [Profile("rational", 1.0, 4.0), Profile("rational", 0.0, 4.0)], params,
                     "intended Example 3: f_1 = (1 + q_1)/(4 + q_1), f_2 = q_2/(4 + q_2) with q_2 = |x - (2.5, 2.5)|^2; "
                     "one minimizer, a spurious local minimum and a saddle",
                     measured=MEASURED.get(("paper-ex3", tuple(sorted(params.items(), key=str)))))
