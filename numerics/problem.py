"""The problem protocol: a finite sum f(x) = (1/n) sum_i f_i(x) on R^d inside (or claimed inside) the
alpha-beta class, with everything a simulation, a membership check or a plot needs.

A problem provides
  * ``losses(x)``: all f_i at a batch of points, x of shape [..., d] -> [..., n] (torch, float64);
  * ``loss_at(x, idx)``: f_i at per-point indices, x [..., d], idx [..., b] (long) -> [..., b];
    the default gathers from ``losses``; large-n families override it;
  * ``grad_at(x, idx)``: the values of ``loss_at`` and their gradients [..., b, d] (autograd by default);
  * ``project(x)``: a nearest point of S = argmin f, [..., d] -> [..., d] (any one when there are ties);
  * ``f_star_i`` (tensor [n], f_i^* = inf f_i), ``f_star`` (min f), ``sigma_int`` = f* - mean_i f_i^*,
    ``L`` (each f_i is L-smooth), ``membership`` (the (alpha, beta) claimed and how it was established),
    ``stationary_points`` (the known stationary points that are not minimizers), ``domain`` (a box the
    claims are restricted to, or None for all of R^d), ``x0`` (a default starting point);
  * optionally ``grad_sq_bound``: a PROVEN G with ||grad f_i(x)||^2 <= G for every x of the domain and every
    i (the bounded-gradients assumption of AdaGrad-norm-max), or None (unknown or unbounded).

A user wraps their own torch functions with ``FunctionProblem`` in a few lines::

    def factory():
        return FunctionProblem(name="mine", d=2, n=2, losses=my_losses, project=my_projection,
                               f_star_i=[0.0, 0.0], f_star=0.1, L=2.0,
                               membership=Membership(alpha=2.0, beta=1.0, status="sampled"))
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal, Sequence

import torch

DTYPE = torch.float64


@dataclass(frozen=True)
class Membership:
    """The claim "f satisfies the alpha-beta-condition with (alpha, beta)" and how it was established.

    status: ``certified`` (proved on the whole domain, or on ``domain``), ``sampled`` (checked on samples,
    smallest margin ``min_margin`` over ``samples`` points; never to be called certified), or
    ``claimed`` (stated, not yet checked).
    """

    alpha: float
    beta: float
    status: Literal["certified", "sampled", "claimed"] = "claimed"
    min_margin: float | None = None
    samples: int | None = None
    method: str = ""
    worst_point: tuple[float, ...] | None = None   # where the smallest sampled margin was seen
    command: str = ""                              # the command that measured ``min_margin``

    def __post_init__(self) -> None:
        from theory.errors import InputError
        if not (self.alpha == self.alpha and self.beta == self.beta):
            raise InputError("alpha and beta must be numbers, got NaN")
        if not self.alpha > self.beta >= 0:
            raise InputError(f"need alpha > beta >= 0, got alpha={self.alpha}, beta={self.beta}")


@dataclass(frozen=True)
class StationaryPoint:
    """A stationary point of f that is not a global minimizer."""

    location: tuple[float, ...]
    height: float                 # f(x) - f*
    kind: Literal["saddle", "local_min", "local_max"]


class Problem:
    """Base class of the protocol; see the module docstring. Subclasses set the attributes in __init__
    and implement ``losses`` and ``project``."""

    name: str
    n: int
    d: int
    f_star_i: torch.Tensor
    f_star: float
    L: float
    membership: Membership
    stationary_points: tuple[StationaryPoint, ...] = ()
    domain: tuple[tuple[float, float], ...] | None = None
    x0: torch.Tensor | None = None
    grad_sq_bound: float | None = None
    """G with ||grad f_i(x)||^2 <= G for every x (of ``domain`` when one is stated) and every i, or None when
    no such bound is known (or none exists, e.g. quadratics on R^d). It must be a PROOF, never a sample maximum:
    the family's module docstring carries the derivation (e.g. paper_ex1.py, pseudo_huber.py), and tests
    check it against sampled gradients. Theorems assuming bounded gradients (AdaGrad-norm-max) may only be
    cross-checked on problems that state it."""
    params: dict = {}
    description: str = ""

    # -- to implement -------------------------------------------------------------------------
    def losses(self, x: torch.Tensor) -> torch.Tensor:
        """All component losses: x [..., d] -> [..., n]."""
        raise NotImplementedError

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """A nearest point of S to each x: [..., d] -> [..., d]."""
        raise NotImplementedError

    def project_candidates(self, x: torch.Tensor) -> torch.Tensor:
        """Candidate nearest points of S, [..., d] -> [..., k, d]: every point of Proj(x, S) that matters
        when there are ties (e.g. both minimizers of a two-point S, within a relative tolerance), else the
        one point ``project(x)``. The alpha-beta-condition needs only SOME nearest x_p that works for all
        i, so margins take the best candidate. Default: ``project(x)`` alone."""
        return self.project(x).unsqueeze(-2)

    # -- derived --------------------------------------------------------------------------------
    @property
    def sigma_int(self) -> float:
        """sigma_int = f* - (1/n) sum_i f_i^* >= 0."""
        return float(self.f_star - self.f_star_i.mean().item())

    def value(self, x: torch.Tensor) -> torch.Tensor:
        """f(x) = mean_i f_i(x): [..., d] -> [...]."""
        return self.losses(x).mean(-1)

    def loss_at(self, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        """f_idx(x) for per-point indices: x [..., d], idx [..., b] -> [..., b]."""
        return torch.gather(self.losses(x), -1, idx)

    def grad_at(self, x: torch.Tensor, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(f_idx(x) [..., b], grad f_idx(x) [..., b, d]) by autograd; each point's graph is independent."""
        b = idx.shape[-1]
        xb = x.detach().unsqueeze(-2).expand(*x.shape[:-1], b, x.shape[-1]).clone().requires_grad_(True)
        with torch.enable_grad():
            vals = self._loss_at_expanded(xb, idx)
            (grads,) = torch.autograd.grad(vals.sum(), xb)
        return vals.detach(), grads

    def _loss_at_expanded(self, xb: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        """f_{idx[..., j]}(xb[..., j, :]) -> [..., b]; default via ``loss_at`` on the flattened batch."""
        flat_x = xb.reshape(-1, xb.shape[-1])
        flat_i = idx.reshape(-1, 1)
        return self.loss_at(flat_x, flat_i).reshape(idx.shape)

    def full_grad(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(f(x) [...], grad f(x) [..., d])."""
        x = x.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            v = self.value(x)
            (g,) = torch.autograd.grad(v.sum(), x)
        return v.detach(), g

    def ab_residuals(self, x: torch.Tensor, alpha: float, beta: float) -> torch.Tensor:
        """T_i(x) = <grad f_i(x), x - x_p> - alpha (f_i(x) - f_i(x_p)) + beta (f_i(x) - f_i^*) for all i,
        x [..., d] -> [..., n], with x_p the candidate of ``project_candidates`` whose worst T_i is largest
        (the condition asks for one x_p serving every i). T >= 0 means the condition holds at x for i."""
        x = x.detach().to(DTYPE)
        cands = self.project_candidates(x)                                  # [..., k, d]
        idx = torch.arange(self.n).expand(*x.shape[:-1], self.n)
        vals, grads = self.grad_at(x, idx)                                  # [..., n], [..., n, d]
        fs = self.f_star_i.to(DTYPE)
        best = None
        for j in range(cands.shape[-2]):
            xp = cands[..., j, :]
            fp = self.loss_at(xp, idx)                                      # [..., n]
            gd = (grads * (x - xp).unsqueeze(-2)).sum(-1)
            t = gd - alpha * (vals - fp) + beta * (vals - fs)
            if best is None:
                best = t
            else:
                take = t.min(-1).values > best.min(-1).values
                best = torch.where(take.unsqueeze(-1), t, best)
        return best

    def ab_margin(self, x: torch.Tensor, alpha: float, beta: float) -> torch.Tensor:
        """min_i T_i(x) (see ``ab_residuals``): [..., d] -> [...]; >= 0 where the condition holds."""
        return self.ab_residuals(x, alpha, beta).min(-1).values

    def describe(self) -> dict:
        """A JSON-ready summary (stable field names)."""
        m = self.membership
        return {
            "name": self.name, "n": self.n, "d": self.d, "params": dict(self.params),
            "f_star": self.f_star, "f_star_i": [float(v) for v in self.f_star_i.tolist()],
            "sigma_int": self.sigma_int, "L": self.L, "grad_sq_bound": self.grad_sq_bound,
            "membership": {"alpha": m.alpha, "beta": m.beta, "status": m.status,
                           "min_margin": m.min_margin, "samples": m.samples, "method": m.method,
                           "worst_point": list(m.worst_point) if m.worst_point is not None else None,
                           "command": m.command},
            "stationary_points": [{"location": list(p.location), "height": p.height, "kind": p.kind}
                                  for p in self.stationary_points],
            "domain": [list(b) for b in self.domain] if self.domain else None,
            "description": self.description,
        }


def _check_grad_sq_bound(G) -> float | None:
    """None, or a finite number >= 0 as float; else InputError."""
    if G is None:
        return None
    from theory.errors import InputError
    try:
        g = float(G)
    except (TypeError, ValueError):
        raise InputError(f"grad_sq_bound must be a number or None, got {G!r}") from None
    if not (math.isfinite(g) and g >= 0):
        raise InputError(f"grad_sq_bound must be finite and >= 0 (None when unknown), got {G!r}")
    return g


class FunctionProblem(Problem):
    """A problem built from user callables (see the module docstring)."""

    def __init__(self, *, name: str, d: int, n: int,
                 losses: Callable[[torch.Tensor], torch.Tensor],
                 project: Callable[[torch.Tensor], torch.Tensor],
                 f_star_i: Sequence[float] | torch.Tensor, f_star: float, L: float,
                 membership: Membership,
                 stationary_points: Sequence[StationaryPoint] = (),
                 domain: Sequence[tuple[float, float]] | None = None,
                 x0: Sequence[float] | torch.Tensor | None = None,
                 params: dict | None = None, description: str = "",
                 project_candidates: Callable[[torch.Tensor], torch.Tensor] | None = None,
                 grad_sq_bound: float | None = None) -> None:
        self.name, self.d, self.n = name, int(d), int(n)
        self._losses, self._project = losses, project
        self.f_star_i = torch.as_tensor(f_star_i, dtype=DTYPE)
        self.f_star, self.L = float(f_star), float(L)
        self.membership = membership
        self.stationary_points = tuple(stationary_points)
        self.domain = tuple(tuple(map(float, b)) for b in domain) if domain else None
        self.x0 = None if x0 is None else torch.as_tensor(x0, dtype=DTYPE)
        self.params = dict(params or {})
        self.description = description
        self._project_candidates = project_candidates
        self.grad_sq_bound = _check_grad_sq_bound(grad_sq_bound)

    def losses(self, x: torch.Tensor) -> torch.Tensor:
        return self._losses(x)

    def project(self, x: torch.Tensor) -> torch.Tensor:
        return self._project(x)

    def project_candidates(self, x: torch.Tensor) -> torch.Tensor:
        if self._project_candidates is not None:
            return self._project_candidates(x)
        return super().project_candidates(x)
