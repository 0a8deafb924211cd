"""Checks of a problem against its own claims, reporting WHERE each fails (point, sample i, size).

``validate_problem(problem)`` runs, on seeded dense + adversarial samples (a box around S, x0 and the
stated domain; far points; clouds at stationary points and at projections; bisectors of a finite S):

  * ``shapes``:       losses(x) is [P, n] and finite, f_star_i has n entries, sigma_int >= 0;
  * ``gradient``:     grad_at agrees with central finite differences along random unit directions v:
                      |<g, v> - (f(x + h v) - f(x - h v))/(2h)| <= 1e-5 (1 + |<g, v>|) with h = 1e-6 max(1, |x|)
                      (the float64 truncation + rounding error is ~1e-9 for the families here);
  * ``f_star_i``:     f_i(x) >= f_i^* - tol on every sample, and at local minimisers of each f_i found by
                      L-BFGS from a few samples (n <= 20);
  * ``f_star``:       f(x) >= f* - tol on samples;
  * ``projection``:   f(Proj x) = f* (the projection is a minimizer), and it is nearest: no sampled point of S
                      (the projections of all samples, plus ``minimizers`` when the problem lists them) is
                      closer, and a penalty local search min |x - q|^2 + mu (f(q) - f*) started at Proj x
                      finds no q with f(q) - f* <= 10 tol whose own projection (a checked minimizer) is closer,
                      nor any such q closer by more than 1% (the penalty leaves q slightly off S);
  * ``stationary``:   every listed stationary point has |grad f| <= 1e-6 and f - f* equal to its height;
  * ``condition``:    min_i T_i(x) >= -tol for the claimed (alpha, beta) (``Problem.ab_margin``);
  * ``grad_bound``:   only when the problem states ``grad_sq_bound`` = G: ||grad f_i(x)||^2 <= G (1 + 1e-12) on
                      every sample and every i (a sampled check of the family's proof).

tol = 1e-9 max(1, |f*|). Sampled checks find violations; passing them is "sampled", never "certified".
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from numerics.problem import DTYPE, Problem


@dataclass
class CheckResult:
    """One check: passed or not, and where the worst case was (point, component i, size)."""

    name: str
    ok: bool
    size: float | None = None          # the size of the worst violation (or the worst value seen)
    point: list[float] | None = None
    component: int | None = None
    samples: int = 0
    detail: str = ""


@dataclass
class ValidationReport:
    """All checks of a problem; ``ok`` is True when every check passed."""

    problem: str
    seed: int
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok]

    def to_dict(self) -> dict:
        return {"problem": self.problem, "seed": self.seed, "ok": self.ok, "checks": [asdict(c) for c in self.checks]}

    def text(self) -> str:
        lines = [f"validation of {self.problem} (seed {self.seed}): {'all checks passed (sampled)' if self.ok else 'FAILED'}"]
        for c in self.checks:
            where = ""
            if c.point is not None:
                pt = ", ".join(f"{v:.6g}" for v in c.point[:6]) + (", ..." if len(c.point) > 6 else "")
                where = f" at ({pt})" + (f", sample i={c.component}" if c.component is not None else "")
            size = f" size {c.size:.3g}" if c.size is not None else ""
            lines.append(f"  {'ok  ' if c.ok else 'FAIL'} {c.name:<11}{size}{where} [{c.samples} samples] {c.detail}")
        return "\n".join(lines)


def _box(problem: Problem, seed: int) -> list[tuple[float, float]]:
    """The box to sample: the stated domain, else S (projections of a few points), x0 and the stationary
    points, widened by 3."""
    if problem.domain:
        return [tuple(map(float, b)) for b in problem.domain]
    g = torch.Generator().manual_seed(seed)
    pts = [problem.project(3.0 * torch.randn(64, problem.d, generator=g, dtype=DTYPE))]
    if problem.x0 is not None:
        pts.append(problem.x0.reshape(1, -1).to(DTYPE))
    for p in problem.stationary_points:
        pts.append(torch.tensor([p.location], dtype=DTYPE))
    allp = torch.cat(pts)
    lo, hi = allp.min(0).values - 3.0, allp.max(0).values + 3.0
    return list(zip(lo.tolist(), hi.tolist()))


def validation_samples(problem: Problem, seed: int = 0, dense: int = 4000) -> torch.Tensor:
    """Seeded samples [P, d]: uniform in the box, far points (unless a domain is stated), clouds around the
    stationary points and the projections, and bisector points of a finite S."""
    g = torch.Generator().manual_seed(seed)
    d = problem.d
    box = _box(problem, seed)
    lo = torch.tensor([b[0] for b in box], dtype=DTYPE)
    hi = torch.tensor([b[1] for b in box], dtype=DTYPE)
    parts = [lo + (hi - lo) * torch.rand(dense, d, generator=g, dtype=DTYPE)]
    if problem.x0 is not None:
        parts.append(problem.x0.reshape(1, -1).to(DTYPE))
    anchors = [torch.tensor(p.location, dtype=DTYPE) for p in problem.stationary_points[:20]]
    anchors += list(problem.project(parts[0][:10]))
    for a in anchors:
        for s in (1e-3, 1e-2, 0.1, 0.5):
            parts.append(a + s * torch.randn(25, d, generator=g, dtype=DTYPE))
    if not problem.domain:
        dirs = torch.randn(200, d, generator=g, dtype=DTYPE)
        dirs = dirs / dirs.norm(dim=-1, keepdim=True)
        centre = (lo + hi) / 2
        for r in (10.0, 100.0, 1e3):
            parts.append(centre + r * dirs)
    mins = getattr(problem, "minimizers", None)
    if isinstance(mins, torch.Tensor) and 1 < len(mins) <= 8:
        for i in range(len(mins)):
            for j in range(i + 1, len(mins)):
                p, q = mins[i], mins[j]
                v = (q - p) / (q - p).norm()
                z = torch.randn(200, d, generator=g, dtype=DTYPE) * (hi - lo).max() / 4
                parts.append((p + q) / 2 + z - (z @ v).unsqueeze(-1) * v)
    x = torch.cat(parts)
    if problem.domain:
        x = torch.maximum(torch.minimum(x, hi), lo)
    return x


def _chunks(x: torch.Tensor, size: int = 5000):
    for k in range(0, x.shape[0], size):
        yield x[k:k + size]


def check_shapes(problem: Problem, x: torch.Tensor) -> CheckResult:
    v = problem.losses(x[:50])
    if tuple(v.shape) != (min(50, x.shape[0]), problem.n):
        return CheckResult("shapes", False, detail=f"losses returned shape {tuple(v.shape)}, expected [P, {problem.n}]")
    if problem.f_star_i.shape != (problem.n,):
        return CheckResult("shapes", False, detail=f"f_star_i has shape {tuple(problem.f_star_i.shape)}, expected [{problem.n}]")
    bad = ~torch.isfinite(v)
    if bad.any():
        k, i = (int(t) for t in torch.nonzero(bad)[0])
        return CheckResult("shapes", False, point=x[k].tolist(), component=i, detail="a loss is not finite")
    if problem.sigma_int < -1e-9 * max(1.0, abs(problem.f_star)):
        return CheckResult("shapes", False, size=problem.sigma_int, detail="sigma_int = f* - mean f_i^* < 0")
    return CheckResult("shapes", True, samples=int(v.shape[0]))


def check_gradient(problem: Problem, x: torch.Tensor, seed: int = 0, rtol: float = 1e-5) -> CheckResult:
    """grad_at vs central differences along random unit directions (see the module docstring)."""
    g = torch.Generator().manual_seed(seed + 1)
    x = x[torch.randperm(x.shape[0], generator=g)[:600]]
    P, n, d = x.shape[0], problem.n, problem.d
    ii = torch.randint(0, n, (P, 1), generator=g)
    v = torch.randn(P, d, generator=g, dtype=DTYPE)
    v = v / v.norm(dim=-1, keepdim=True)
    _, grads = problem.grad_at(x, ii)
    gv = (grads[:, 0, :] * v).sum(-1)
    h = 1e-6 * x.abs().max(-1).values.clamp_min(1.0)
    fd = (problem.loss_at(x + h.unsqueeze(-1) * v, ii) - problem.loss_at(x - h.unsqueeze(-1) * v, ii))[:, 0] / (2 * h)
    err = (gv - fd).abs() / (1.0 + gv.abs())
    err = torch.where(torch.isfinite(err), err, torch.full_like(err, math.inf))
    k = int(err.argmax())
    ok = float(err[k]) <= rtol
    return CheckResult("gradient", ok, size=float(err[k]), point=x[k].tolist(), component=int(ii[k, 0]), samples=P,
                       detail=("" if ok else f"directional derivative {float(gv[k]):.6g} by grad_at vs {float(fd[k]):.6g} "
                               "by finite differences") + f" (relative tolerance {rtol:g})")


def check_f_star_i(problem: Problem, x: torch.Tensor, seed: int = 0) -> CheckResult:
    tol = 1e-9 * max(1.0, abs(problem.f_star))
    worst, where, comp = math.inf, None, None
    for xc in _chunks(x):
        gap = problem.losses(xc) - problem.f_star_i
        k = int(gap.min(-1).values.argmin())
        val = float(gap[k].min())
        if val < worst:
            worst, where, comp = val, xc[k].tolist(), int(gap[k].argmin())
    count = x.shape[0]
    if problem.n <= 20 and problem.d <= 200:
        from scipy.optimize import minimize
        g = torch.Generator().manual_seed(seed + 2)
        starts = x[torch.randperm(x.shape[0], generator=g)[:3]]
        for i in range(problem.n):
            idx = torch.tensor([i])

            def fg(z, i=i, idx=idx):
                zt = torch.as_tensor(z, dtype=DTYPE)
                val, gr = problem.grad_at(zt, idx)
                return float(val[0]), gr[0].numpy().astype(float)
            for s in starts:
                try:
                    r = minimize(fg, s.numpy(), jac=True, method="L-BFGS-B", options={"maxiter": 300})
                except (ValueError, FloatingPointError):
                    continue
                val = float(r.fun) - float(problem.f_star_i[i])
                count += 1
                if math.isfinite(val) and val < worst:
                    worst, where, comp = val, [float(t) for t in r.x], i
    ok = worst >= -tol
    return CheckResult("f_star_i", ok, size=worst, point=where, component=comp, samples=count,
                       detail="min over samples of f_i - f_i^*" + ("" if ok else ": f_i^* is above a value of f_i"))


def check_projection(problem: Problem, x: torch.Tensor, seed: int = 0) -> CheckResult:
    """The projection is a minimizer and nearest (see the module docstring)."""
    tol = 1e-9 * max(1.0, abs(problem.f_star))
    p = torch.cat([problem.project(xc) for xc in _chunks(x)])
    fp = torch.cat([problem.value(pc) for pc in _chunks(p)])
    excess = fp - problem.f_star
    k = int(excess.abs().argmax())
    if not float(excess[k].abs()) <= tol:
        return CheckResult("projection", False, size=float(excess[k]), point=x[k].tolist(), samples=x.shape[0],
                           detail=f"f(Proj x) - f* = {float(excess[k]):.3g}: the projection {[round(t, 6) for t in p[k].tolist()]} is not a minimizer")
    low = float(torch.cat([problem.value(xc) for xc in _chunks(x)]).min()) - problem.f_star
    if low < -tol:
        return CheckResult("projection", False, size=low, samples=x.shape[0],
                           detail=f"a sample has f(x) - f* = {low:.3g} < 0: f* is too high")
    # nearest against sampled points of S
    S = p
    mins = getattr(problem, "minimizers", None)
    if isinstance(mins, torch.Tensor) and mins.ndim == 2 and mins.shape[-1] == problem.d:
        S = torch.cat([S, mins.to(DTYPE)])
    S = S[:4000]
    dproj = (x - p).norm(dim=-1)
    worst, kw = 0.0, None
    for k0 in range(0, x.shape[0], 1000):
        xc = x[k0:k0 + 1000]
        dmin = torch.cdist(xc, S).min(-1).values
        rel = (dproj[k0:k0 + 1000] - dmin) / dproj[k0:k0 + 1000].clamp_min(1e-12)
        j = int(rel.argmax())
        if float(rel[j]) > worst:
            worst, kw = float(rel[j]), k0 + j
    if worst > 1e-7:
        return CheckResult("projection", False, size=worst, point=x[kw].tolist(), samples=x.shape[0],
                           detail=f"a sampled point of S is {worst:.3g} (relative) closer than the projection")
    # penalty local search from the projection, on a few points
    from scipy.optimize import minimize
    g = torch.Generator().manual_seed(seed + 3)
    sel = torch.randperm(x.shape[0], generator=g)[:12]
    mu = 1e6
    for k in sel.tolist():
        xk, pk = x[k].numpy(), p[k].numpy()
        dk = float(np.linalg.norm(xk - pk))
        if dk < 1e-6 or dk > 1e3:
            continue

        def obj(q):
            qt = torch.as_tensor(q, dtype=DTYPE)
            v, gr = problem.full_grad(qt)
            return float(((q - xk) ** 2).sum() + mu * (float(v) - problem.f_star)), 2 * (q - xk) + mu * gr.numpy()
        try:
            r = minimize(obj, pk, jac=True, method="L-BFGS-B", options={"maxiter": 200})
        except (ValueError, FloatingPointError):
            continue
        q = r.x
        fq = float(problem.value(torch.as_tensor(q, dtype=DTYPE))) - problem.f_star
        dq = float(np.linalg.norm(xk - q))
        if not (fq <= 10 * tol and dq < dk):
            continue
        # q is (nearly) in S and closer than Proj x. Definitive when the problem's own projection of q,
        # a checked minimizer, is closer than Proj x; also when q is closer by more than 1% (far beyond
        # the thickness of the sublevel set {f <= f* + 10 tol} for the problems here).
        pq = problem.project(torch.as_tensor(q, dtype=DTYPE)).numpy()
        dpq = float(np.linalg.norm(xk - pq))
        fpq = float(problem.value(torch.as_tensor(pq, dtype=DTYPE))) - problem.f_star
        if (abs(fpq) <= tol and dpq < dk * (1 - 1e-7) - 1e-12) or dk - dq > 1e-2 * dk:
            closer, dd = (pq, dpq) if dpq < dq else (q, dq)
            return CheckResult("projection", False, size=(dk - dd) / dk, point=xk.tolist(), samples=x.shape[0],
                               detail=f"local search found q = {[round(t, 6) for t in closer.tolist()]} in S (f(q) - f* = "
                                      f"{min(fq, abs(fpq)):.2g}), closer than the projection ({dd:.6g} < {dk:.6g})")
    return CheckResult("projection", True, size=worst, samples=x.shape[0],
                       detail="minimizer, and nearest among sampled S points and by local search")


def check_stationary(problem: Problem) -> CheckResult:
    tol = 1e-6
    for p in problem.stationary_points:
        z = torch.tensor(p.location, dtype=DTYPE)
        v, g = problem.full_grad(z)
        gn = float(g.norm())
        h = float(v) - problem.f_star
        if gn > tol or abs(h - p.height) > 1e-6 * max(1.0, abs(p.height)):
            return CheckResult("stationary", False, size=gn, point=list(p.location),
                               detail=f"|grad f| = {gn:.3g}, f - f* = {h:.6g} vs listed height {p.height:.6g}")
    return CheckResult("stationary", True, samples=len(problem.stationary_points))


def check_condition(problem: Problem, x: torch.Tensor) -> CheckResult:
    m = problem.membership
    tol = 1e-9 * max(1.0, abs(problem.f_star))
    worst, where, comp = math.inf, None, None
    for xc in _chunks(x):
        T = problem.ab_residuals(xc, m.alpha, m.beta)
        mins = T.min(-1)
        k = int(mins.values.argmin())
        if float(mins.values[k]) < worst:
            worst, where, comp = float(mins.values[k]), xc[k].tolist(), int(mins.indices[k])
    ok = worst >= -tol
    return CheckResult("condition", ok, size=worst, point=where, component=comp, samples=x.shape[0],
                       detail=f"smallest min_i T_i for the claimed (alpha, beta) = ({m.alpha:g}, {m.beta:g})"
                              + ("" if ok else ": the claimed condition is violated"))


def check_grad_bound(problem: Problem, x: torch.Tensor) -> CheckResult:
    """||grad f_i(x)||^2 <= grad_sq_bound on every sample and every i (see the module docstring)."""
    G = float(problem.grad_sq_bound)
    worst, where, comp = -math.inf, None, None
    for xc in _chunks(x, 2000):
        idx = torch.arange(problem.n).expand(xc.shape[0], problem.n)
        _, grads = problem.grad_at(xc, idx)
        g2 = (grads * grads).sum(-1)                                     # [P, n]
        g2 = torch.where(torch.isfinite(g2), g2, torch.full_like(g2, math.inf))
        k = int(g2.max(-1).values.argmax())
        if float(g2[k].max()) > worst:
            worst, where, comp = float(g2[k].max()), xc[k].tolist(), int(g2[k].argmax())
    ok = worst <= G * (1 + 1e-12) + 1e-300
    return CheckResult("grad_bound", ok, size=worst, point=where, component=comp, samples=x.shape[0],
                       detail=f"largest sampled ||grad f_i||^2 vs the stated grad_sq_bound G = {G:.6g}"
                              + ("" if ok else ": the stated bound is violated"))


def validate_problem(problem: Problem, seed: int = 0, dense: int = 4000) -> ValidationReport:
    """Run every check on seeded samples; see the module docstring."""
    from theory.errors import InputError
    rep = ValidationReport(problem=getattr(problem, "name", "?"), seed=seed)
    try:
        x = validation_samples(problem, seed=seed, dense=dense)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a user's problem that cannot even be sampled
        rep.checks.append(CheckResult("shapes", False, detail=f"sampling failed: {type(exc).__name__}: {exc}"))
        return rep
    for fn in (lambda: check_shapes(problem, x), lambda: check_gradient(problem, x, seed),
               lambda: check_f_star_i(problem, x, seed), lambda: check_projection(problem, x, seed),
               lambda: check_stationary(problem), lambda: check_condition(problem, x),
               *((lambda: check_grad_bound(problem, x),) if getattr(problem, "grad_sq_bound", None) is not None else ())):
        try:
            rep.checks.append(fn())
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - report, do not crash, on a broken user problem
            rep.checks.append(CheckResult("error", False, detail=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))
        if rep.checks[-1].name == "shapes" and not rep.checks[-1].ok:
            break
    return rep
