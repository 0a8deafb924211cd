"""torch.optim optimizers generated from the single SymPy step sizes of ``theory.methods``.

``MethodOptimizer(params, method, f_star=0.0, **hyper)`` takes, at each ``step(closure)``, the minibatch
loss f_B(x) returned by the closure (gradients already in ``.grad`` or computed by the closure) and moves
every parameter by x <- x - gamma_k g with

    gamma_k = method.step evaluated at (f = f_B(x), f_star, g2 = ||g||^2 over all parameters, k, state, hyper)

compiled by ``Method.step_function('torch')`` -- the same compiled expression the runner uses -- and
updates the method's state with ``Method.state_functions``. ``f_star`` is f_B^* (0 for nonnegative
losses; a float or a callable returning it for the current batch). The last step size is in
``optimizer.last_step`` and the history in ``optimizer.steps`` (when ``keep_history``).

Ready-made: ``SPSMax``, ``NGN``, ``DecSPS``, ``AdaGradNormMax``, ``SGDConstant``, ``SGDDecreasing``.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable

import torch

from numerics.simulate import _compile_state_initials, resolve_params
from theory.errors import InputError
from theory.methods import Method, get_method


class MethodOptimizer(torch.optim.Optimizer):
    """Optimizer for any ``theory.methods.Method`` (see the module docstring). One global step size for
    all parameter groups (the step is a function of the full gradient norm)."""

    def __init__(self, params: Iterable, method: Method | str, f_star: float | Callable[[], float] = 0.0,
                 keep_history: bool = False, **hyper: float) -> None:
        self.method = get_method(method) if isinstance(method, str) else method
        if self.method.full_gradient:
            raise InputError(f"method {self.method.name!r} uses the full gradient; use it with full-batch closures "
                             "through MethodOptimizer(..., method='sgd') instead")
        self.hyper = resolve_params(self.method, hyper)
        super().__init__(params, dict(self.hyper))
        self._step_fn = self.method.step_function("torch")
        self._updates = self.method.state_functions("torch")
        psyms = sorted(self.method.parameters, key=lambda s: s.name)
        self._pvals = [torch.tensor(self.hyper[s.name], dtype=torch.float64) for s in psyms]
        self._mstate = [torch.as_tensor(fn(*self._pvals), dtype=torch.float64)
                        for fn in _compile_state_initials(self.method)]
        self._f_star = f_star
        self.k = 0
        self.last_step: float | None = None
        self.keep_history = keep_history
        self.steps: list[float] = []

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor:  # type: ignore[override]
        """One step; ``closure`` must return the (minibatch) loss f_B(x) and leave its gradient in ``.grad``."""
        if closure is None:
            raise InputError(f"{self.method.name} needs the loss: call optimizer.step(closure)")
        with torch.enable_grad():
            loss = closure()
        fval = torch.as_tensor(loss, dtype=torch.float64).detach().reshape(())
        g2 = torch.zeros((), dtype=torch.float64)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    g2 = g2 + (p.grad.detach().to(torch.float64) ** 2).sum()
        fs = self._f_star() if callable(self._f_star) else self._f_star
        fs = torch.tensor(float(fs), dtype=torch.float64)
        kt = torch.tensor(float(self.k), dtype=torch.float64)
        gamma = torch.as_tensor(self._step_fn(fval, fs, g2, kt, *self._mstate, *self._pvals), dtype=torch.float64)
        gv = float(gamma)
        if not (gv >= 0) or math.isinf(gv):
            raise InputError(f"step size of {self.method.name!r} is {gv:g} at step {self.k}: f={float(fval):g}, "
                             f"f_star={float(fs):g}, g2={float(g2):g}")
        self._mstate = [torch.as_tensor(fn(fval, fs, g2, kt, *self._mstate, *self._pvals, gamma),
                                        dtype=torch.float64) for fn in self._updates]
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-gv)
        self.k += 1
        self.last_step = gv
        if self.keep_history:
            self.steps.append(gv)
        return loss

    def state_dict(self):  # include the method's memory so that training can resume
        sd = super().state_dict()
        sd["method_state"] = {"k": self.k, "values": [float(v) for v in self._mstate]}
        return sd

    def load_state_dict(self, state_dict):
        ms = state_dict.get("method_state")
        sd = {k: v for k, v in state_dict.items() if k != "method_state"}
        super().load_state_dict(sd)
        if ms:
            self.k = int(ms["k"])
            self._mstate = [torch.tensor(v, dtype=torch.float64) for v in ms["values"]]


def _factory(name: str, doc: str):
    def make(params: Iterable, f_star: float | Callable[[], float] = 0.0, keep_history: bool = False,
             **hyper: float) -> MethodOptimizer:
        return MethodOptimizer(params, name, f_star=f_star, keep_history=keep_history, **hyper)
    make.__name__ = make.__qualname__ = "".join(w.capitalize() for w in name.split("_"))
    make.__doc__ = doc
    return make


SPSMax = _factory("sps_max", "SPS_max: gamma_k = min{(f_B - f_B^*)/(c ||g||^2), gamma_b} (gamma_b when g = 0).")
NGN = _factory("ngn", "NGN: gamma_k = gamma / (1 + gamma ||g||^2 / (2 f_B)) (gamma when f_B = 0).")
DecSPS = _factory("dec_sps", "DecSPS: gamma_k = min{(f_B - f_B^*)/||g||^2, c_{k-1} gamma_{k-1}} / c_k.")
AdaGradNormMax = _factory("adagrad_norm_max", "AdaGrad-norm-max: gamma_k = gamma / b_k.")
SGDConstant = _factory("sgd", "SGD: gamma_k = gamma.")
SGDDecreasing = _factory("sgd_decreasing", "SGD: gamma_k = gamma0 / sqrt(k + 1).")
