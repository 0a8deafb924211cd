"""Vectorized runner: a method of ``theory.methods`` on a problem of ``numerics``, many seeds at once.

All seeds advance together as one tensor x of shape [S, d]:

    x_{k+1} = x_k - gamma_k g_k,   g_k = (1/b) sum_{i in B_k} grad f_i(x_k),

with B_k drawn by ``numerics.sampling`` (with or without replacement, any b <= n when without) and
gamma_k = the method's single SymPy step size compiled by ``Method.step_function('torch')``, evaluated at
(f_B(x_k), f_B^*, ||g_k||^2, k, state, parameters). For a minibatch, f_B^* is taken as the average of the
f_i^* over the batch (a lower bound on inf f_B, exact under interpolation and for b = 1). Methods with
memory update their state with ``Method.state_functions``. Full-gradient methods (GD) use f, f* and
grad f.

Recorded at each k < K, before the step: f(x_k) - f*, dist(x_k, S)^2 (through ``problem.project``), the
step gamma_k and the alpha-beta residual of the sampled batch

    T_k = <g_k, x_k - x_p> - alpha (f_B(x_k) - f_B(x_p)) + beta (f_B(x_k) - f_B^*),   x_p = project(x_k).

By default only running per-k statistics over seeds ([K] vectors) and per-seed running sums / minima
([S] vectors) are kept; ``trace=True`` also keeps [K, S] tensors. Memory is estimated before anything
is allocated and a run above ``memory_limit`` bytes is refused with the estimate.

Divergence: a seed whose x, f or gradient becomes non-finite, or whose gap exceeds
``divergence_threshold``, is frozen at that step and reported with its first bad step; its later values
are never averaged in. Per-k statistics then use 0 for frozen seeds (a valid *lower* bound since
f - f* >= 0), and ``numerics.stats`` reports an infinite upper confidence bound.

A step size that is negative or NaN at finite inputs is bad input (the method or its parameters are
wrong there): ``InputError`` naming the step, the seed and the state.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp
import torch

from numerics.problem import DTYPE, Problem
from numerics.sampling import sample_block, seed_keys
from theory.compile import compile_expr
from theory.errors import InputError
from theory.methods import Method

#: default memory limit for one run (bytes); override with ``memory_limit=`` or ABCHECK_MEMORY_LIMIT
DEFAULT_MEMORY_LIMIT = int(float(os.environ.get("ABCHECK_MEMORY_LIMIT", 4 * 2**30)))
#: below this many elements per step tensor a run uses one torch thread (see ``simulate``)
SMALL_STEP_ELEMENTS = 2**20
#: per-seed, per-iteration scalars kept by ``trace=True``: gap, dist2, step, residual
TRACE_SCALARS = 4


@dataclass
class SimResult:
    """Outcome of ``simulate``. Arrays are numpy float64.

    Per-k (length K; dist2 has K + 1 entries, the last one after the final step), over seeds:
      gap_mean, gap_std   -- mean and sample std of f(x_k) - f* (frozen seeds count as 0)
      dist2_mean, dist2_std
      step_mean, step_min, step_max, residual_min, residual_mean
      alive               -- seeds not yet diverged at k
    Per seed (length S):
      gap_sum             -- sum_{k<K} (f(x_k) - f*) over the finite part of the run
      dist2_final         -- dist(x_K, S)^2 (0 for diverged seeds, see ``diverged``)
      min_residual        -- min over k of T_k
      first_bad           -- first bad step, -1 when the seed never diverged
    Over the whole run:
      dist2_max           -- max over live seeds and k <= K of dist(x_k, S)^2 (the bounded-iterates constant
                             these runs meet; a statement about these runs only)
    """

    method: str
    problem: str
    params: dict[str, float]
    alpha: float
    beta: float
    seeds: int
    iterations: int
    batch: int
    replacement: bool
    seed: int
    x0: list[float]
    D0: float
    gap_mean: np.ndarray
    gap_std: np.ndarray
    dist2_mean: np.ndarray
    dist2_std: np.ndarray
    step_mean: np.ndarray
    step_min: np.ndarray
    step_max: np.ndarray
    residual_min: np.ndarray
    residual_mean: np.ndarray
    alive: np.ndarray
    gap_sum: np.ndarray
    dist2_final: np.ndarray
    min_residual: np.ndarray
    first_bad: np.ndarray
    bad_reason: list[str] = field(default_factory=list)
    traces: dict[str, Any] | None = None
    abcheck_version: str = ""
    dist2_max: float = math.nan

    @property
    def diverged(self) -> int:
        """Number of seeds that diverged."""
        return int((self.first_bad >= 0).sum())

    def divergence_report(self) -> dict | None:
        """The earliest divergence (seed, step, reason), or None."""
        if not self.diverged:
            return None
        s = int(np.argmin(np.where(self.first_bad >= 0, self.first_bad, np.iinfo(np.int64).max)))
        return {"seeds_diverged": self.diverged, "first_bad_step": int(self.first_bad[s]),
                "first_bad_seed": s, "reason": self.bad_reason[s]}

    def summary(self) -> dict:
        """JSON-ready summary (no per-seed arrays)."""
        return {"method": self.method, "problem": self.problem, "params": dict(self.params),
                "alpha": self.alpha, "beta": self.beta, "seeds": self.seeds, "iterations": self.iterations,
                "batch": self.batch, "replacement": self.replacement, "seed": self.seed, "x0": self.x0,
                "D0": self.D0, "diverged": self.diverged, "divergence": self.divergence_report(),
                "min_residual": float(np.min(self.min_residual)) if self.seeds else None,
                "abcheck_version": self.abcheck_version}


def with_class_constants(method: Method) -> Method:
    """``method`` with alpha, beta and L added as parameters when its step or state uses them without
    declaring them (a claim's step such as (alpha - beta)/(2 L)); their values then come from the problem."""
    from theory.symbols import L, alpha, beta
    used = set(method.step.free_symbols)
    for sv in method.state:
        used |= set(sp.sympify(sv.initial).free_symbols) | set(sp.sympify(sv.update).free_symbols)
    missing = [s for s in (alpha, beta, L) if s in used and s not in method.parameters]
    if not missing:
        return method
    import dataclasses
    params = dict(method.parameters)
    params.update({s: () for s in missing})
    return dataclasses.replace(method, parameters=params)


def resolve_params(method: Method, params: Mapping[str, float] | None,
                   context: Mapping[str, float] | None = None) -> dict[str, float]:
    """The method's defaults overridden by ``params``; each value finite and inside its declared condition.
    ``context`` gives values of other symbols the conditions may use (alpha, beta, L of the problem)."""
    given = dict(params or {})
    names = {s.name: s for s in method.parameter_symbols}
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise InputError(f"method {method.name!r} has no parameter {unknown[0]!r}; "
                         f"its parameters: {', '.join(sorted(names)) or '(none)'}")
    out: dict[str, float] = {}
    for name, s in names.items():
        if name not in given and name not in method.defaults:
            raise InputError(f"method {method.name!r} needs a value for parameter {name!r}")
        try:
            v = float(given.get(name, method.defaults.get(name)))
        except (TypeError, ValueError):
            raise InputError(f"parameter {name} of {method.name!r} must be a number") from None
        if not math.isfinite(v):
            raise InputError(f"parameter {name} of {method.name!r} must be finite, got {v}")
        out[name] = v
    # conditions may involve several parameters (a claim's c > 1/(2 (alpha - beta))): substitute all
    subs = {s: sp.Float(out[n_]) for n_, s in names.items()}
    for n_, v in (context or {}).items():
        if n_ not in names:
            subs[sp.Symbol(n_, real=True)] = sp.Float(float(v))
    for name, s in names.items():
        for cond in method.parameters[s]:
            val = cond.subs(subs)
            if val is not sp.true:
                free = sorted(x.name for x in getattr(val, "free_symbols", ()))
                if free:
                    raise InputError(f"condition {cond} of {method.name!r} needs a value for {', '.join(free)}")
                raise InputError(f"parameter {name}={out[name]:g} of {method.name!r} violates its condition {cond}")
    return out


def estimate_bytes(seeds: int, iterations: int, d: int, n: int, batch: int, trace: bool,
                   replacement: bool = True) -> int:
    """Bytes a run will hold: seeds x (d + recorded scalars x iterations) x 8 for the traces, plus the
    working set (iterate, projection, minibatch gradients [S, b, d] with autograd's copy, all losses
    [S, n], sampling keys) and the per-k rows (17 statistics per k, kept twice at the end)."""
    per_seed = 8 * (6 * d + 3 * batch * d + 2 * n + (n if not replacement else batch) + 16)
    traced = 8 * TRACE_SCALARS * iterations * seeds + 8 * iterations * seeds * batch if trace else 0
    return int(seeds * per_seed + traced + 8 * 2 * 17 * (iterations + 1))  # per-k rows and their numpy views


def _check_sizes(seeds: int, iterations: int, batch: int, n: int, replacement: bool) -> None:
    for name, v in (("seeds", seeds), ("iterations", iterations), ("batch", batch)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise InputError(f"{name} must be a positive integer, got {v!r}")
    if iterations >= 2**31 or seeds >= 2**31:
        raise InputError("seeds and iterations must each be below 2^31")
    if not replacement and batch > n:
        raise InputError(f"batch {batch} without replacement exceeds the number of functions n = {n}")


def _compile_state_initials(method: Method) -> list[Callable[..., Any]]:
    params = tuple(sorted(method.parameters, key=lambda s: s.name))
    return [compile_expr(sp.sympify(s.initial), params, "torch") for s in method.state]


def simulate(method: Method, problem: Problem, params: Mapping[str, float] | None = None, *,
             seeds: int = 1000, iters: int = 1000, batch: int = 1, replacement: bool = True,
             seed: int = 0, x0: Any = None, alpha: float | None = None, beta: float | None = None,
             trace: bool = False, residuals: bool = True, divergence_threshold: float = 1e100,
             memory_limit: int | None = None, progress: bool = False,
             seed_offset: int = 0, threads: int | None = None) -> SimResult:
    """Run ``method`` on ``problem`` for ``seeds`` independent seeds and ``iters`` steps from the same x0.

    ``seed_offset`` numbers the seeds seed_offset, ..., seed_offset + seeds - 1 (seed s always draws the
    same indices, so chunks of seeds can be run separately and merged). ``threads``: torch intra-op
    threads for the run (default: 1 when the per-step tensors are small, where thread hand-offs cost
    more than they save, else torch's setting); results do not depend on it. Returns a ``SimResult``.
    """
    if threads is None:
        threads = 1 if seeds * max(problem.d, problem.n) * batch < SMALL_STEP_ELEMENTS else torch.get_num_threads()
    if not isinstance(threads, int) or threads < 1:
        raise InputError(f"threads must be a positive integer, got {threads!r}")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _simulate(method, problem, params, seeds=seeds, iters=iters, batch=batch, replacement=replacement,
                         seed=seed, x0=x0, alpha=alpha, beta=beta, trace=trace, residuals=residuals,
                         divergence_threshold=divergence_threshold, memory_limit=memory_limit,
                         progress=progress, seed_offset=seed_offset)
    finally:
        torch.set_num_threads(before)


def _simulate(method: Method, problem: Problem, params: Mapping[str, float] | None, *, seeds: int, iters: int,
              batch: int, replacement: bool, seed: int, x0: Any, alpha: float | None, beta: float | None,
              trace: bool, residuals: bool, divergence_threshold: float, memory_limit: int | None,
              progress: bool, seed_offset: int) -> SimResult:
    from abcheck import __version__

    _check_sizes(seeds, iters, batch, problem.n, replacement)
    limit = DEFAULT_MEMORY_LIMIT if memory_limit is None else int(memory_limit)
    need = estimate_bytes(seeds, iters, problem.d, problem.n, batch, trace, replacement)
    if need > limit:
        raise InputError(f"run needs about {need / 2**20:.1f} MiB ({seeds} seeds x {iters} iterations, d={problem.d}"
                         f"{', traces' if trace else ''}), above the limit of {limit / 2**20:.1f} MiB; "
                         "use fewer seeds or iterations, or raise the memory limit")
    if not (math.isfinite(divergence_threshold) and divergence_threshold > 0):
        raise InputError("divergence_threshold must be a positive finite number")
    method = with_class_constants(method)
    given = dict(params or {})
    if alpha is None:
        alpha = given.get("alpha", problem.membership.alpha)
    if beta is None:
        beta = given.get("beta", problem.membership.beta)
    a, b_ = float(alpha), float(beta)
    ctx = {"alpha": a, "beta": b_, "L": float(problem.L)}
    names = {s.name for s in method.parameter_symbols}
    for n_, v in ctx.items():  # class constants a method uses without declaring them
        if n_ in names:
            given.setdefault(n_, v)
    pv = resolve_params(method, given, ctx)
    if method.needs_positive_losses and bool((problem.f_star_i < 0).any()):
        raise InputError(f"method {method.name!r} needs nonnegative losses but problem {problem.name!r} "
                         f"has min f_i^* = {float(problem.f_star_i.min()):g} < 0")
    if not (math.isfinite(a) and math.isfinite(b_)):
        raise InputError("alpha and beta must be finite")

    d, n = problem.d, problem.n
    if x0 is None:
        x0 = problem.x0 if problem.x0 is not None else torch.zeros(d, dtype=DTYPE)
    x0 = torch.as_tensor(x0, dtype=DTYPE).reshape(-1)
    if x0.numel() != d or not bool(torch.isfinite(x0).all()):
        raise InputError(f"x0 must be {d} finite numbers, got {x0.numel()} values")

    step_fn = method.step_function("torch")
    upd_fns = method.state_functions("torch")
    psyms = sorted(method.parameters, key=lambda s: s.name)
    pvals = [torch.tensor(pv[s.name], dtype=DTYPE) for s in psyms]
    state = [torch.as_tensor(fn(*pvals), dtype=DTYPE).expand(seeds).clone()
             for fn in _compile_state_initials(method)]

    f_star = float(problem.f_star)
    fsi = problem.f_star_i.to(DTYPE)
    sigma_pos = float(fsi.mean())
    keys = seed_keys(seed, torch.arange(seed_offset, seed_offset + seeds, dtype=torch.int64))
    block = max(1, min(64, (8 * 2**20) // (8 * seeds * (n if not replacement else batch))))
    idx_block = None
    x = x0.expand(seeds, d).clone()
    alive = torch.ones(seeds, dtype=torch.bool)
    all_alive = True
    first_bad = torch.full((seeds,), -1, dtype=torch.int64)
    reasons = [""] * seeds

    K = iters
    # per-k rows: mean, std, min, max of (gap, dist2, step, residual) over live seeds, then the live count
    rows = torch.zeros(K + 1, 17, dtype=DTYPE)
    gap_sum = torch.zeros(seeds, dtype=DTYPE)
    min_res = torch.full((seeds,), math.inf, dtype=DTYPE)
    tr = None
    if trace:
        tr = {"gap": torch.zeros(K, seeds, dtype=DTYPE), "dist2": torch.zeros(K + 1, seeds, dtype=DTYPE),
              "step": torch.zeros(K, seeds, dtype=DTYPE), "residual": torch.zeros(K, seeds, dtype=DTYPE),
              "indices": torch.zeros(K, seeds, batch, dtype=torch.int64)}
    thr = float(divergence_threshold)
    full_idx = torch.zeros(seeds, batch, dtype=torch.int64)
    has_cands = hasattr(problem, "project_candidates")

    def mark_bad(bad: torch.Tensor, kk: int, why: Callable[[int], str]) -> None:
        nonlocal all_alive
        new = bad & alive
        for s_ in torch.nonzero(new).flatten().tolist():
            reasons[s_] = why(s_)
        first_bad[new] = kk
        alive[new] = False
        x[new] = x0  # parked; never used in statistics again
        all_alive = False

    # per-step columns (gap, dist2, step, residual) are buffered for a block of steps and reduced at once
    sblock = max(1, min(64, 2**22 // (4 * seeds)))
    buf = torch.empty(sblock, 4, seeds, dtype=DTYPE)
    buf_masks: list[torch.Tensor | None] = []
    buf_k0 = 0

    def flush() -> None:
        """Per-k mean, std, min, max over live seeds of the buffered rows (frozen seeds: 0 in the gap and
        dist2 mean and std, excluded from the step and residual statistics)."""
        m_ = len(buf_masks)
        if m_ == 0:
            return
        B = buf[:m_]
        sd, mu = torch.std_mean(B, dim=2) if seeds > 1 else (torch.zeros(m_, 4, dtype=DTYPE), B.mean(2))
        out = rows[buf_k0:buf_k0 + m_]
        out[:, 0:4], out[:, 4:8] = mu, sd
        out[:, 8:12], out[:, 12:16] = B.amin(2), B.amax(2)
        out[:, 16] = seeds
        for j_, mask in enumerate(buf_masks):
            if mask is None:
                continue
            live = B[j_][:, mask]
            out[j_, 16] = live.shape[1]
            if live.shape[1] == 0:
                out[j_, 2:4] = out[j_, 6:8] = math.nan
                out[j_, 8:16] = math.nan
                continue
            out[j_, 2:4] = live[2:].mean(1)
            out[j_, 6:8] = live[2:].std(1) if live.shape[1] > 1 else 0.0
            out[j_, 8:12], out[j_, 12:16] = live.amin(1), live.amax(1)
        buf_masks.clear()

    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=K, desc=f"{method.name} on {problem.name}", unit="it", leave=False)
    with torch.no_grad():
        for kk in range(K + 1):
            if not all_alive and not bool(alive.any()):  # every seed diverged: nothing left to simulate
                flush()
                rows[kk:K] = math.nan
                rows[kk:K, 0:2] = rows[kk:K, 4:6] = 0.0
                rows[kk:K, 16] = 0
                rows[K, 1] = rows[K, 5] = 0.0
                dist2 = torch.zeros(seeds, dtype=DTYPE)
                if bar is not None:
                    bar.update(K - kk)
                break
            xp = problem.project(x)
            diff = x - xp
            dist2 = (diff * diff).sum(-1)
            if kk == K:
                flush()
                bad = ~torch.isfinite(dist2)
                if bool(bad.any()):
                    mark_bad(bad, kk, lambda s_: "non-finite distance to S at the final iterate")
                dz = dist2 if all_alive else torch.where(alive, dist2, torch.zeros_like(dist2))
                rows[kk, 1] = dz.mean()
                rows[kk, 5] = dz.std() if seeds > 1 else 0.0
                break
            if method.full_gradient:
                fB, g = problem.full_grad(x)
                fsB = torch.full_like(fB, f_star)
                fx = fB
                idx = full_idx
            else:
                j = kk % block
                if j == 0:
                    idx_block = sample_block(seed, keys, kk, min(block, K - kk), n, batch, replacement)
                idx = idx_block[j]
                vals, grads = problem.grad_at(x, idx)
                if batch == 1:
                    fB, g = vals[:, 0], grads[:, 0]
                else:
                    fB, g = vals.mean(-1), grads.mean(-2)
                fsB = fsi[idx].mean(-1)
                fx = problem.value(x)
            gap = fx - f_star
            g2 = (g * g).sum(-1)
            bad = ~((gap <= thr) & torch.isfinite(fB + g2 + dist2))
            if bool(bad.any()):
                mark_bad(bad, kk, lambda s_: (f"f(x_k) - f* above {thr:g}" if bool(gap[s_] > thr)
                                              else "non-finite loss, gradient, iterate or distance"))
            kt = torch.tensor(float(kk), dtype=DTYPE)
            gamma = torch.as_tensor(step_fn(fB, fsB, g2, kt, *state, *pvals), dtype=DTYPE).expand(seeds)
            wrong = ~(torch.isfinite(gamma) & (gamma >= 0))
            if not all_alive:
                wrong &= alive
            if bool(wrong.any()):
                s = int(torch.nonzero(wrong)[0])
                raise InputError(
                    f"step size of {method.name!r} is {float(gamma[s]):g} (negative, NaN or infinite) at step {kk}, "
                    f"seed {s + seed_offset}: f={float(fB[s]):g}, f_star={float(fsB[s]):g}, g2={float(g2[s]):g}"
                    + "".join(f", {sv.symbol}={float(st[s]):g}" for sv, st in zip(method.state, state)))
            if residuals:
                if method.full_gradient:  # the averaged condition: f_p = f*, f^* -> mean_i f_i^*
                    res = (g * diff).sum(-1) - a * (fB - f_star) + b_ * (fB - sigma_pos)
                else:  # the best nearest point when S has ties (one x_p must serve the whole batch)
                    cands = problem.project_candidates(x) if has_cands else None
                    if cands is None or cands.shape[-2] == 1:
                        xpj = xp if cands is None else cands[..., 0, :]
                        dj = diff if cands is None else x - xpj
                        fp = problem.loss_at(xpj, idx).mean(-1)
                        res = (g * dj).sum(-1) - a * (fB - fp) + b_ * (fB - fsB)
                    else:
                        res = None
                        for jj in range(cands.shape[-2]):
                            xpj = cands[..., jj, :]
                            fp = problem.loss_at(xpj, idx).mean(-1)
                            r = (g * (x - xpj)).sum(-1) - a * (fB - fp) + b_ * (fB - fsB)
                            res = r if res is None else torch.maximum(res, r)
                if not all_alive:
                    res = torch.where(alive, res, torch.full_like(res, math.inf))
                min_res = torch.minimum(min_res, res)
            else:
                res = torch.full_like(gap, math.nan)
            if all_alive:
                gz, dz = gap, dist2
            else:
                zero = torch.zeros_like(gap)
                gz, dz = torch.where(alive, gap, zero), torch.where(alive, dist2, zero)
            gap_sum += gz
            if not buf_masks:
                buf_k0 = kk
            row = buf[len(buf_masks)]
            row[0], row[1], row[2], row[3] = gz, dz, gamma, res
            buf_masks.append(None if all_alive else alive.clone())
            if len(buf_masks) == sblock:
                flush()
            if tr is not None:
                tr["gap"][kk], tr["dist2"][kk], tr["step"][kk], tr["residual"][kk] = gz, dz, gamma, res
                tr["indices"][kk] = idx
            if upd_fns:
                new_state = [torch.as_tensor(fn(fB, fsB, g2, kt, *state, *pvals, gamma), dtype=DTYPE).expand(seeds)
                             for fn in upd_fns]
                state = new_state if all_alive else [torch.where(alive, ns, st) for ns, st in zip(new_state, state)]
            step_ = gamma.unsqueeze(-1) * g
            if all_alive:
                x = x - step_
            else:
                x = torch.where(alive.unsqueeze(-1), x - step_, x)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    if tr is not None:
        tr["dist2"][K] = torch.where(alive, dist2, torch.zeros_like(dist2))
        tr["x_final"] = x.clone()
    R = rows.numpy()
    stats = {"gap_mean": R[:K, 0], "gap_std": R[:K, 4], "step_mean": R[:K, 2], "step_min": R[:K, 10],
             "step_max": R[:K, 14], "residual_min": R[:K, 11], "residual_mean": R[:K, 3], "alive": R[:K, 16]}
    dist2_mean, dist2_std = R[:, 1].copy(), R[:, 5].copy()
    if not residuals:
        stats["residual_min"] = np.full(K, math.nan)
        stats["residual_mean"] = np.full(K, math.nan)
    return SimResult(
        method=method.name, problem=problem.name, params=pv, alpha=a, beta=b_, seeds=seeds, iterations=K,
        batch=batch, replacement=replacement, seed=seed, x0=[float(v) for v in x0.tolist()],
        D0=float(((x0 - problem.project(x0.unsqueeze(0))[0]) ** 2).sum()),
        gap_mean=stats["gap_mean"], gap_std=stats["gap_std"], dist2_mean=dist2_mean, dist2_std=dist2_std,
        step_mean=stats["step_mean"], step_min=stats["step_min"], step_max=stats["step_max"],
        residual_min=stats["residual_min"], residual_mean=stats["residual_mean"], alive=stats["alive"],
        gap_sum=gap_sum.numpy(), dist2_final=torch.where(alive, dist2, torch.zeros_like(dist2)).numpy(),
        min_residual=min_res.numpy(), first_bad=first_bad.numpy(), bad_reason=reasons,
        traces={k_: v.numpy() for k_, v in tr.items()} if tr is not None else None,
        abcheck_version=__version__, dist2_max=float(np.nanmax(R[:, 13])) if K + 1 else math.nan)


def _pooled(n: np.ndarray, m: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pooled mean and sample std of groups with sizes n [G, K], means m, stds s (rows: groups)."""
    N = n.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(N > 0, (n * np.nan_to_num(m)).sum(0) / np.maximum(N, 1), np.nan)
        ss = ((np.maximum(n - 1, 0)) * np.nan_to_num(s) ** 2).sum(0) + (n * (np.nan_to_num(m) - mean) ** 2).sum(0)
        std = np.where(N > 1, np.sqrt(ss / np.maximum(N - 1, 1)), 0.0)
    return mean, std


def merge_results(parts: list[SimResult]) -> SimResult:
    """One SimResult from runs of disjoint seed ranges of the same configuration (exact pooling of the
    per-k means and standard deviations; minima and maxima combined; per-seed arrays concatenated)."""
    if not parts:
        raise InputError("nothing to merge")
    p0 = parts[0]
    for p in parts[1:]:
        if (p.method, p.problem, p.params, p.iterations, p.batch, p.replacement, p.seed, p.x0, p.alpha, p.beta) != \
                (p0.method, p0.problem, p0.params, p0.iterations, p0.batch, p0.replacement, p0.seed, p0.x0,
                 p0.alpha, p0.beta):
            raise InputError("cannot merge simulations of different configurations")
    S = np.array([[p.seeds] for p in parts], float)
    alive = np.stack([p.alive for p in parts])
    gm, gs = _pooled(np.repeat(S, p0.iterations, 1), np.stack([p.gap_mean for p in parts]),
                     np.stack([p.gap_std for p in parts]))
    dm, ds = _pooled(np.repeat(S, p0.iterations + 1, 1), np.stack([p.dist2_mean for p in parts]),
                     np.stack([p.dist2_std for p in parts]))
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = alive.sum(0)
        step_mean = np.where(tot > 0, (alive * np.nan_to_num(np.stack([p.step_mean for p in parts]))).sum(0)
                             / np.maximum(tot, 1), np.nan)
        res_mean = np.where(tot > 0, (alive * np.nan_to_num(np.stack([p.residual_mean for p in parts]))).sum(0)
                            / np.maximum(tot, 1), np.nan)
    return SimResult(
        method=p0.method, problem=p0.problem, params=dict(p0.params), alpha=p0.alpha, beta=p0.beta,
        seeds=int(S.sum()), iterations=p0.iterations, batch=p0.batch, replacement=p0.replacement, seed=p0.seed,
        x0=list(p0.x0), D0=p0.D0, gap_mean=gm, gap_std=gs, dist2_mean=dm, dist2_std=ds, step_mean=step_mean,
        step_min=np.fmin.reduce(np.stack([p.step_min for p in parts])),
        step_max=np.fmax.reduce(np.stack([p.step_max for p in parts])),
        residual_min=np.fmin.reduce(np.stack([p.residual_min for p in parts])), residual_mean=res_mean,
        alive=tot, gap_sum=np.concatenate([p.gap_sum for p in parts]),
        dist2_final=np.concatenate([p.dist2_final for p in parts]),
        min_residual=np.concatenate([p.min_residual for p in parts]),
        first_bad=np.concatenate([p.first_bad for p in parts]),
        bad_reason=[r for p in parts for r in p.bad_reason], traces=None, abcheck_version=p0.abcheck_version,
        dist2_max=float(np.nanmax([p.dist2_max for p in parts])))


_ARRAYS = ("gap_mean", "gap_std", "dist2_mean", "dist2_std", "step_mean", "step_min", "step_max", "residual_min",
           "residual_mean", "alive", "gap_sum", "dist2_final", "min_residual", "first_bad")


def save_result(result: SimResult, path: str | os.PathLike) -> None:
    """Write a SimResult (no traces) as .npz with its metadata; atomic (write then rename)."""
    import json
    meta = {k: getattr(result, k) for k in ("method", "problem", "params", "alpha", "beta", "seeds", "iterations",
                                            "batch", "replacement", "seed", "x0", "D0", "bad_reason",
                                            "abcheck_version", "dist2_max")}
    tmp = f"{path}.tmp.npz"
    np.savez(tmp, meta=np.array(json.dumps(meta)), **{k: getattr(result, k) for k in _ARRAYS})
    os.replace(tmp, path)


def load_result(path: str | os.PathLike) -> SimResult:
    import json
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        arrays = {k: z[k] for k in _ARRAYS}
    return SimResult(**meta, **arrays, traces=None)


def simulate_resumable(method: Method, problem: Problem, params: Mapping[str, float] | None = None, *,
                       seeds: int = 1000, chunk_seeds: int = 250, checkpoint: str | os.PathLike | None = None,
                       progress: bool = False, **kw: Any) -> SimResult:
    """``simulate`` in chunks of seeds (seed ranges [o, o + chunk)), each saved to ``checkpoint``/chunk_<o>.npz
    as soon as it is done; a rerun with the same directory and configuration reuses the saved chunks
    (a directory holding another configuration is refused). Returns the merged result: identical
    numbers to one big run (the counter-based sampling makes seed s independent of the chunking), up to
    floating-point rounding of the pooled per-k statistics."""
    import json
    from pathlib import Path

    if not isinstance(chunk_seeds, int) or chunk_seeds < 1:
        raise InputError(f"chunk_seeds must be a positive integer, got {chunk_seeds!r}")
    if kw.get("trace"):
        raise InputError("traces are not kept by chunked runs")
    _check_sizes(seeds, kw.get("iters", 1000), kw.get("batch", 1), problem.n, kw.get("replacement", True))
    pv = dict(params or {})
    from abcheck import __version__
    config = {"method": method.name, "step": str(method.step), "problem": problem.name,
              "problem_params": {k: str(v) for k, v in dict(problem.params).items()}, "params": pv,
              "seeds": seeds, "chunk_seeds": chunk_seeds, "abcheck_version": __version__,
              **{k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in kw.items() if k != "progress"}}
    folder = Path(checkpoint) if checkpoint is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        cfg = folder / "config.json"
        if cfg.exists():
            if json.loads(cfg.read_text()) != json.loads(json.dumps(config)):
                raise InputError(f"checkpoint {folder} holds a different configuration; use another directory")
        else:
            cfg.write_text(json.dumps(config, indent=1, sort_keys=True))
    parts = []
    offsets = list(range(0, seeds, chunk_seeds))
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(offsets), desc=f"{method.name} on {problem.name} (seed chunks)", unit="chunk",
                   leave=False)
    for o in offsets:
        path = folder / f"chunk_{o}.npz" if folder is not None else None
        if path is not None and path.exists():
            parts.append(load_result(path))
        else:
            r = simulate(method, problem, pv, seeds=min(chunk_seeds, seeds - o), seed_offset=o, **kw)
            if path is not None:
                save_result(r, path)
            parts.append(r)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return merge_results(parts)
