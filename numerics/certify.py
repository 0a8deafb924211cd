"""Does a problem satisfy the alpha-beta-condition with a given (alpha, beta)? Certified or sampled.

* ``certified``: a proof over the whole domain. Available where the condition reduces exactly to
  polynomial inequalities: ``quadratic-interp`` (T_i = (2 - alpha + beta) f_i, a sympy identity over QQ;
  see numerics/families/quadratic_interp.py) and ``paper-ex1`` (and its n-function version) when the shifts
  a_i and the minimizer value s_p are rational-exact, i.e. S is a single line s = s_p that the family reports
  with g'(s_p) = 0 verified exactly (see ``numerics.exact_ex1``). The decision is exact rational arithmetic.
* ``sampled`` for every other problem: the smallest margin min_i T_i(x) over dense and adversarial samples
  (a grid over a box around S and the stationary points, far points up to radius 1e4, clouds at scales
  1e-4 .. 0.3 around each stationary point and each point of S, points on bisectors between two
  minimizers where the projection has ties), then a local search (Nelder-Mead on the margin) from the
  worst samples. A sampled "holds" is never a proof; its min_margin is reported.

T_i(x) = <grad f_i(x), x - x_p> - alpha (f_i(x) - f_i(x_p)) + beta (f_i(x) - f_i^*), with x_p the nearest
point of S (one x_p for every i; with ties, the best candidate), ``Problem.ab_margin``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from theory.errors import InputError


@dataclass
class CertifyResult:
    """Outcome of ``certify``. ``worst_point`` is where the smallest margin was found (or, for a failed
    exact check, a point where T_i < 0); ``worst_sample`` the index i attaining it."""

    holds: bool
    status: str                       # "certified" (exact proof) or "sampled"
    min_margin: float | None
    worst_point: list[float] | None
    worst_sample: int | None
    alpha: float
    beta: float
    samples: int
    seed: int
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        from abcheck import __version__
        return {"holds": self.holds, "status": self.status, "min_margin": self.min_margin,
                "worst_point": self.worst_point, "worst_sample": self.worst_sample,
                "violation": (None if self.holds or self.min_margin is None else -self.min_margin),
                "alpha": self.alpha, "beta": self.beta, "samples": self.samples, "seed": self.seed,
                "details": self.details, "abcheck_version": __version__}


def check_pair(alpha, beta) -> tuple[float, float]:
    """alpha > beta >= 0, finite; else InputError."""
    try:
        alpha, beta = float(alpha), float(beta)
    except (TypeError, ValueError):
        raise InputError(f"alpha and beta must be numbers, got {alpha!r}, {beta!r}") from None
    if not (math.isfinite(alpha) and math.isfinite(beta)):
        raise InputError(f"alpha and beta must be finite, got {alpha}, {beta}")
    if not alpha > beta >= 0:
        raise InputError(f"the alpha-beta-condition needs alpha > beta >= 0, got alpha={alpha}, beta={beta}")
    return alpha, beta


# -- exact reductions ----------------------------------------------------------------------------
def ex1_reduction(problem) -> dict | None:
    """For a paper-ex1 problem with a single minimizer line s = s_p where g'(s_p) = 0 holds exactly
    (rational arithmetic), the data of the exact reduction {shifts, s_p, d}; else None."""
    if getattr(problem, "name", None) != "paper-ex1" or not hasattr(problem, "_a"):
        return None
    s_star = [float(v) for v in problem.s_star.tolist()]
    if len(s_star) != 1:
        return None
    import sympy as sp
    from numerics.exact_ex1 import rat
    shifts = [float(v) for v in problem._a]
    s_p = rat(s_star[0])
    # g'(s_p) = mean_i phi'(s_p + a_i) must vanish exactly, else x_p is not exactly on S
    gp = sum(2 * (s_p + rat(a)) / ((s_p + rat(a)) ** 2 + 1) ** 2 for a in shifts)
    if gp != 0:
        return None
    # s_p must be the global minimizer of g: g(s) - g(s_p) >= 0 for all s, decided exactly
    from numerics.exact_ex1 import S_SYM, nonneg_on_R
    s = S_SYM
    phi = lambda u: u ** 2 / (u ** 2 + 1)  # noqa: E731
    diff = sp.together(sum(phi(s + rat(a)) - phi(s_p + rat(a)) for a in shifts))
    num, den = sp.fraction(diff)
    ok, _ = nonneg_on_R(sp.Poly(sp.expand(num), s, domain="QQ"))   # den = prod (u^2+1) > 0
    if not ok:
        return None
    return {"shifts": shifts, "s_p": s_star[0], "d": problem.d}


def _certify_ex1(problem, alpha: float, beta: float, red: dict, seed: int) -> CertifyResult:
    from numerics.exact_ex1 import decide
    holds, per_i = decide(red["shifts"], red["s_p"], alpha, beta)
    worst_point = worst_i = margin = None
    if not holds:
        bad = next(p for p in per_i if not p["holds"])
        s = bad["witness_s"]
        d = red["d"]
        worst_point = [s / d] * d
        worst_i = bad["i"]
        import torch
        x = torch.tensor([worst_point], dtype=torch.float64)
        margin = float(problem.ab_residuals(x, alpha, beta)[0, worst_i])
    if holds:  # the proof needs no margin; report the smallest T on a dense grid of s for scale
        import torch
        sg = red["s_p"] + np.concatenate([np.linspace(-20, 20, 4001), np.geomspace(20, 1e8, 200),
                                          -np.geomspace(20, 1e8, 200)])
        d = red["d"]
        xs = torch.tensor(np.repeat((sg / d)[:, None], d, axis=1), dtype=torch.float64)
        res = problem.ab_residuals(xs, alpha, beta)
        k = int(torch.argmin(res.min(-1).values))
        margin = float(res[k].min())
        worst_point, worst_i = [float(v) for v in xs[k]], int(torch.argmin(res[k]))
    return CertifyResult(
        holds=holds, status="certified", min_margin=margin, worst_point=worst_point, worst_sample=worst_i,
        alpha=alpha, beta=beta, samples=0, seed=seed,
        details={"method": "exact: T_i >= 0 on R^d <=> a degree-4 polynomial in s = sum_j x_j is >= 0 on R "
                           "(rational real-root isolation, sympy); see numerics/exact_ex1.py",
                 "domain": "R^d", "per_sample": per_i,
                 "min_margin_is": "exact witness value" if not holds else "smallest T on a dense s-grid (the proof is exact)", "s_p": red["s_p"], "shifts": red["shifts"]})


def _certify_quadratic(problem, alpha: float, beta: float, seed: int) -> CertifyResult | None:
    """quadratic-interp: T_i = (2 - alpha + beta) f_i exactly (the family's ``exact_check``, sympy over QQ), so
    the condition holds on R^d iff alpha - beta <= 2. None when the exact check does not apply."""
    import torch
    chk = problem.exact_check(alpha, beta)
    if not chk["identity_checked"]:
        return None
    x = problem.x0.reshape(1, -1).to(torch.float64)
    res = problem.ab_residuals(x, alpha, beta)[0]
    worst_i = int(torch.argmin(res))
    # holds: inf_x min_i T_i = slack * inf f_i = 0 exactly (attained at S = {0}); fails: the witness x0, T_i < 0
    margin = 0.0 if chk["holds"] else float(res[worst_i])
    return CertifyResult(
        holds=bool(chk["holds"]), status="certified", min_margin=margin,
        worst_point=[float(v) for v in x[0]], worst_sample=worst_i, alpha=alpha, beta=beta, samples=0, seed=seed,
        details={"method": "exact: T_i - (2 - alpha + beta) f_i == 0 as a polynomial identity (sympy over QQ) and "
                           "every h_ij > 0, so T_i >= 0 on R^d <=> 2 - alpha + beta >= 0 (exact rationals); see "
                           "numerics/families/quadratic_interp.py",
                 "domain": "R^d", "slack": chk["slack"], "reason": chk["reason"],
                 "min_margin_is": ("the exact infimum 0 (attained at x = 0)" if chk["holds"] else
                                   "T_i at the witness x0 (negative at every x != 0)")})


# -- sampled -------------------------------------------------------------------------------------
def sample_points(problem, samples: int, seed: int):
    """Dense + adversarial points [P, d] (module docstring); respects a stated ``domain``."""
    import torch
    from numerics.families._sampling import membership_samples
    from numerics.families.plot import plot_box
    from numerics.problem import DTYPE
    d = problem.d
    if problem.domain:
        box = [tuple(b) for b in problem.domain]
    elif d == 2:
        box = list(plot_box(problem))
    else:
        c = problem.project(torch.zeros(1, d, dtype=DTYPE))[0]
        box = [(float(v) - 5.0, float(v) + 5.0) for v in c]
    grid = max(11, int(math.sqrt(max(samples, 121))))
    mins = getattr(problem, "minimizers", None)
    x = membership_samples(problem, box[:d] if len(box) >= d else box * d, seed=seed, grid=grid,
                           minimizers=mins, far=problem.domain is None)
    return x, box


def _local_search(problem, alpha: float, beta: float, x0: np.ndarray, box, bounded: bool) -> tuple[float, np.ndarray]:
    """Nelder-Mead on the margin from x0 (inside the domain when bounded); (margin, point)."""
    import torch
    from scipy.optimize import minimize
    lo = np.array([b[0] for b in box]) if bounded else None
    hi = np.array([b[1] for b in box]) if bounded else None

    def fun(z):
        if bounded:
            z = np.clip(z, lo, hi)
        m = problem.ab_margin(torch.tensor(z[None, :], dtype=torch.float64), alpha, beta)
        v = float(m[0])
        return v if math.isfinite(v) else 1e300

    res = minimize(fun, x0, method="Nelder-Mead", options={"maxiter": 300, "xatol": 1e-10, "fatol": 1e-14})
    z = np.clip(res.x, lo, hi) if bounded else res.x
    return fun(z), z


def _certify_sampled(problem, alpha: float, beta: float, samples: int, seed: int, refine: int = 8) -> CertifyResult:
    import torch
    x, box = sample_points(problem, samples, seed)
    margins = torch.cat([problem.ab_margin(x[k:k + 20000], alpha, beta) for k in range(0, len(x), 20000)])
    margins = torch.nan_to_num(margins, nan=-math.inf)
    order = torch.argsort(margins)[:refine]
    best_m, best_x = float(margins[order[0]]), x[order[0]].numpy()
    for j in order.tolist():
        m, z = _local_search(problem, alpha, beta, x[j].numpy().astype(float), box, problem.domain is not None)
        if m < best_m:
            best_m, best_x = m, z
    res = problem.ab_residuals(torch.tensor(best_x[None, :], dtype=torch.float64), alpha, beta)[0]
    worst_i = int(torch.argmin(res))
    return CertifyResult(
        holds=bool(best_m >= 0), status="sampled", min_margin=best_m, worst_point=[float(v) for v in best_x],
        worst_sample=worst_i, alpha=alpha, beta=beta, samples=int(len(x)), seed=seed,
        details={"method": "dense + adversarial samples (numerics.families._sampling.membership_samples) and "
                           f"Nelder-Mead from the {refine} worst; sampled, not a proof",
                 "domain": [list(b) for b in problem.domain] if problem.domain else "R^d (sampled in a box "
                           "around S and stationary points plus far points)",
                 "box": [list(map(float, b)) for b in box]})


def certify(problem, alpha: float, beta: float, samples: int = 40_000, seed: int = 0,
            exact: bool = True) -> CertifyResult:
    """Check the alpha-beta-condition of ``problem`` at (alpha, beta): exactly where an exact reduction
    exists (``status="certified"``), else by dense and adversarial sampling (``status="sampled"``)."""
    alpha, beta = check_pair(alpha, beta)
    if not isinstance(samples, int) or samples < 1:
        raise InputError(f"samples must be a positive integer, got {samples!r}")
    if exact and getattr(problem, "name", None) == "quadratic-interp" and hasattr(problem, "exact_check"):
        res = _certify_quadratic(problem, alpha, beta, seed)
        if res is not None:
            return res
    red = ex1_reduction(problem) if exact else None
    if red is not None:
        return _certify_ex1(problem, alpha, beta, red, seed)
    return _certify_sampled(problem, alpha, beta, samples, seed)
