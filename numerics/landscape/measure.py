"""Measuring the alpha-beta-condition along an SGD-type trajectory of any torch model (THEORY.md section 8).

For one seed:

* run 1 trains the model from its seeded initial state for K steps, storing only the scalar minibatch
  loss f_{i_k}(x_k) of each step, and keeps the last iterate x_K (or the user gives a reference point
  x_ref and run 1 is skipped);
* run 2 reseeds everything, rebuilds the model and optimizer, and replays the same K steps with
  deterministic kernels. At each step k, on the minibatch i_k of that step, it records

      a_k = <grad f_{i_k}(x_k), x_k - x_K>,  b_k = f_{i_k}(x_k) - f_{i_k}(x_K),  c_k = f_{i_k}(x_k) - f^*,

  together with |grad f_{i_k}(x_k)| and |x_k - x_K|. f^* = 0 (a lower bound of every nonnegative loss)
  unless the user gives it. The gradient is the one the optimizer uses anyway; the only extra work is
  one forward pass at x_K on the same minibatch and three O(#params) reductions, so run 2 costs about
  one training run plus one forward pass per step, and memory is O(#params) (x_0 or x_K are the only
  extra parameter copies) plus a few scalars per step.

Run 2 compares each loss with run 1's (exactly by default: ``tolerance=0``; otherwise
|l2 - l1| <= tolerance * max(1, |l1|)) and its final iterate with x_K, and raises ``ReplayMismatchError``
(an ``InputError``) at the first difference instead of measuring a different trajectory.

The condition residual at (alpha, beta) is T_k = a_k - alpha b_k + beta c_k (T >= 0: holds at step k).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from theory.errors import InputError

from .determinism import deterministic, frozen_rng, seed_everything

COLUMNS = ("loss", "loss_ref", "a", "b", "c", "grad_norm", "dist")


class ReplayMismatchError(InputError):
    """Run 2 did not reproduce run 1 (a non-deterministic model, data pipeline or optimizer)."""


@dataclass
class RunMeasurement:
    """The measurement of one seed: per-step columns (numpy float64 arrays of length ``steps``).

    columns: loss = f_{i_k}(x_k), loss_ref = f_{i_k}(x_ref), a, b, c as in the module docstring,
    grad_norm = |grad f_{i_k}(x_k)|, dist = |x_k - x_ref|.
    per_sample (optional): a, b, c of single examples f_i, i in the minibatch i_k, with their step index.
    replay: {"checked", "tolerance", "max_abs_loss_diff", "final_point_max_abs_diff"}.
    """

    seed: int
    columns: dict[str, np.ndarray]
    f_star: float
    f_star_given: bool
    reference: str                     # "last_iterate" or "user"
    replay: dict
    per_sample: dict[str, np.ndarray] | None = None
    params: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return int(len(self.columns["a"]))

    def to_json(self) -> dict:
        out = {"seed": self.seed, "steps": self.steps, "f_star": self.f_star, "f_star_given": self.f_star_given,
               "reference": self.reference, "replay": dict(self.replay), "params": dict(self.params),
               "columns": {k: [float(v) for v in self.columns[k]] for k in COLUMNS}}
        if self.per_sample is not None:
            out["per_sample"] = {k: [float(v) for v in arr] for k, arr in self.per_sample.items()}
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "RunMeasurement":
        cols = {k: np.asarray(d["columns"][k], dtype=np.float64) for k in COLUMNS}
        ps = d.get("per_sample")
        ps = None if ps is None else {k: np.asarray(v, dtype=np.float64) for k, v in ps.items()}
        return cls(seed=int(d["seed"]), columns=cols, f_star=float(d["f_star"]),
                   f_star_given=bool(d["f_star_given"]), reference=str(d["reference"]),
                   replay=dict(d["replay"]), per_sample=ps, params=dict(d.get("params", {})))


# ---------------------------------------------------------------------------------------------------
# data
def _batches(data: Any, batch_size: int, epochs: int, max_steps: int | None, seed: int) -> Iterator[tuple]:
    """Yield (inputs, targets) minibatches for ``epochs`` passes (at most ``max_steps``), in an order fixed
    by ``seed``: a DataLoader is used as given (its generator, if any, is reseeded with ``seed``;
    otherwise it draws from torch's global generator, which the caller has seeded); a Dataset or an
    (inputs, targets) pair of tensors is shuffled by a generator seeded with ``seed``."""
    from torch.utils.data import DataLoader, Dataset, TensorDataset
    if isinstance(data, DataLoader):
        loader = data
        if loader.generator is not None:
            loader.generator.manual_seed(seed)
    else:
        if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(t, torch.Tensor) for t in data):
            if data[0].shape[0] != data[1].shape[0]:
                raise InputError(f"inputs and targets have different lengths: {data[0].shape[0]} and {data[1].shape[0]}")
            dataset = TensorDataset(data[0], data[1])
        elif isinstance(data, Dataset):
            dataset = data
        else:
            raise InputError("data must be a DataLoader, a Dataset or a pair (inputs, targets) of tensors")
        if batch_size < 1:
            raise InputError(f"batch size must be >= 1, got {batch_size}")
        loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                            generator=torch.Generator().manual_seed(seed))
    step = 0
    for _ in range(epochs):
        for batch in loader:
            if max_steps is not None and step >= max_steps:
                return
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                raise InputError("each minibatch must be a pair (inputs, targets)")
            yield batch[0], batch[1]
            step += 1


# ---------------------------------------------------------------------------------------------------
# reference point
def _named_params(model: nn.Module) -> list[tuple[str, torch.Tensor]]:
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def reference_from(model: nn.Module, reference: Any) -> dict[str, torch.Tensor]:
    """A reference point for ``model`` as {parameter name: tensor}, from a state dict (extra buffer
    entries are ignored), an ``nn.Module`` of the same architecture, or a flat vector of all trainable
    parameters in ``model.named_parameters()`` order. Wrong names or shapes raise ``InputError``."""
    named = _named_params(model)
    if isinstance(reference, nn.Module):
        reference = dict(reference.named_parameters())
    if isinstance(reference, torch.Tensor):
        total = sum(p.numel() for _, p in named)
        if reference.dim() != 1 or reference.numel() != total:
            raise InputError(f"reference point has shape {tuple(reference.shape)}; the model has {total} "
                             f"trainable parameters (give a flat vector of that length or a state dict)")
        out, i = {}, 0
        for n, p in named:
            out[n] = reference[i:i + p.numel()].reshape(p.shape).to(p.dtype).detach().clone()
            i += p.numel()
        return out
    if not isinstance(reference, Mapping):
        raise InputError("reference point must be a state dict, a module or a flat tensor")
    out = {}
    for n, p in named:
        if n not in reference:
            raise InputError(f"reference point lacks parameter {n!r}")
        r = reference[n]
        if not isinstance(r, torch.Tensor):
            raise InputError(f"reference point entry {n!r} is not a tensor")
        if tuple(r.shape) != tuple(p.shape):
            raise InputError(f"reference point parameter {n!r} has shape {tuple(r.shape)}, "
                             f"the model's has {tuple(p.shape)}")
        if not torch.isfinite(r).all():
            raise InputError(f"reference point parameter {n!r} is not finite")
        out[n] = r.detach().to(p.dtype).clone()
    return out


# ---------------------------------------------------------------------------------------------------
# the training loop shared by run 1 and run 2 (same code path, same kernels)
def _check_loss(value: float, k: int, f_star: float | None, where: str) -> None:
    if not math.isfinite(value):
        raise InputError(f"loss is not finite ({value}) at step {k} ({where})")
    if f_star is None and value < 0:
        raise InputError(f"loss is negative ({value:.6g}) at step {k} ({where}); give f_star, a lower bound "
                         f"of every f_i, for losses that can be negative")
    if f_star is not None and value < f_star:
        raise InputError(f"loss {value:.6g} at step {k} ({where}) is below the given f_star={f_star:.6g}")


def _loop(model: nn.Module, loss_fn: Callable, batches: Iterable, optimizer: torch.optim.Optimizer, *,
          f_star: float | None, penalty: Callable | None, ref: dict[str, torch.Tensor] | None,
          expected: Sequence[float] | None, tolerance: float, per_sample: bool,
          on_step: Callable[[int, dict], None] | None, progress: Callable[[int], None] | None) -> dict:
    named = _named_params(model)
    names = [n for n, _ in named]
    losses: list[float] = []
    cols: dict[str, list[float]] = {k: [] for k in COLUMNS}
    ps: dict[str, list[float]] = {"a": [], "b": [], "c": [], "step": []}
    max_diff = 0.0
    fs = 0.0 if f_star is None else float(f_star)
    shadow = _shadow(model, ref) if ref is not None else None
    if ref is not None:
        params_l = [p for _, p in named]
        refs_l = [ref[n] for n in names]
    model.train()
    for k, (inp, tgt) in enumerate(batches):
        optimizer.zero_grad(set_to_none=True)
        out = model(inp)
        loss = loss_fn(out, tgt)
        if penalty is not None:
            loss = loss + penalty(dict(named))
        if loss.dim() != 0:
            raise InputError(f"the loss must be a scalar (mean over the minibatch), got shape {tuple(loss.shape)}")
        loss.backward()
        lval = float(loss.detach())
        _check_loss(lval, k, f_star, "x_k")
        if expected is not None:
            if k >= len(expected):
                raise ReplayMismatchError(f"replay mismatch: run 2 has more than the {len(expected)} steps of run 1")
            diff = abs(lval - expected[k])
            max_diff = max(max_diff, diff)
            if diff > tolerance * max(1.0, abs(expected[k])):
                raise ReplayMismatchError(
                    f"replay mismatch at step {k}: run 1 loss {expected[k]!r}, run 2 loss {lval!r}; the model, "
                    f"data pipeline or optimizer is not deterministic")
        losses.append(lval)
        if ref is not None:
            with torch.no_grad():
                with frozen_rng():
                    out_ref = shadow(inp)
                    lref_t = loss_fn(out_ref, tgt)
                    if penalty is not None:
                        lref_t = lref_t + penalty(ref)
                lref = float(lref_t)
                _check_loss(lref, k, f_star, "reference point")
                a, g2, d2 = _reductions(params_l, refs_l)
                if not (math.isfinite(a) and math.isfinite(g2) and math.isfinite(d2)):
                    raise InputError(f"gradient or parameters not finite at step {k}; lower the step size")
            row = {"loss": lval, "loss_ref": lref, "a": a, "b": lval - lref, "c": lval - fs,
                   "grad_norm": math.sqrt(g2), "dist": math.sqrt(d2)}
            for key in COLUMNS:
                cols[key].append(row[key])
            if per_sample:
                from .persample import per_sample_triples
                with frozen_rng():
                    pa, pb, pc = per_sample_triples(model, loss_fn, inp, tgt, ref, f_star=fs, penalty=penalty)
                ps["a"].extend(pa.tolist()); ps["b"].extend(pb.tolist()); ps["c"].extend(pc.tolist())
                ps["step"].extend([float(k)] * len(pa))
            if on_step is not None:
                on_step(k, row)
        optimizer.step()
        if progress is not None:
            progress(1)
    if expected is not None and len(losses) != len(expected):
        raise ReplayMismatchError(f"replay mismatch: run 2 made {len(losses)} steps, run 1 made {len(expected)}")
    return {"losses": losses, "columns": cols, "per_sample": ps if per_sample else None, "max_diff": max_diff,
            "names": names}


class _Functional(nn.Module):
    """Fallback view of ``model`` at the reference point through ``torch.func.functional_call`` (for
    modules that cannot be deep-copied)."""

    def __init__(self, model: nn.Module, state: dict) -> None:
        super().__init__()
        self._m = [model]
        self._state = state

    def forward(self, *args):
        return torch.func.functional_call(self._m[0], self._state, args)


def _shadow(model: nn.Module, ref: dict[str, torch.Tensor]) -> nn.Module:
    """A copy of ``model`` holding the reference point as its parameters (no gradients), in the same
    train/eval mode, with copies of the model's buffers, so that a forward through it cannot change the
    model. Its parameters are the only extra O(#params) memory of the replay."""
    import copy
    try:
        shadow = copy.deepcopy(model)
    except Exception:  # not copyable: same values through functional_call
        state = {**{n: b.detach().clone() for n, b in model.named_buffers()}, **ref}
        return _Functional(model, state)
    with torch.no_grad():
        for n, p in shadow.named_parameters():
            if n in ref:
                p.data = ref[n]
            p.requires_grad_(False)
    shadow.train(model.training)
    return shadow


def _reductions(params: list[torch.Tensor], refs: list[torch.Tensor]) -> tuple[float, float, float]:
    """(<g, x - x_ref>, |g|^2, |x - x_ref|^2) over all parameter tensors, accumulated in float64
    (a parameter without a gradient counts as a zero gradient)."""
    a = g2 = d2 = 0.0
    for p, r in zip(params, refs):
        d = (p.detach() - r).reshape(-1)
        if d.dtype != torch.float64:
            d = d.double()
        d2 += float(torch.dot(d, d))
        if p.grad is not None:
            g = p.grad.reshape(-1)
            if g.dtype != torch.float64:
                g = g.double()
            a += float(torch.dot(g, d))
            g2 += float(torch.dot(g, g))
    return a, g2, d2


def _build(model: nn.Module | Callable[[], nn.Module], initial: dict | None) -> nn.Module:
    if isinstance(model, nn.Module):
        if initial is not None:
            model.load_state_dict(initial)
        return model
    built = model()
    if not isinstance(built, nn.Module):
        raise InputError("the model factory must return an nn.Module")
    return built


def measure_run(model: nn.Module | Callable[[], nn.Module], loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                data: Any, optimizer_factory: Callable[[Iterable[torch.nn.Parameter]], torch.optim.Optimizer], *,
                seed: int = 0, epochs: int = 1, max_steps: int | None = None, batch_size: int = 64,
                reference: Any = None, f_star: float | None = None, penalty: Callable | None = None,
                per_sample: bool = False, tolerance: float = 0.0, threads: int | None = 1,
                on_step: Callable[[int, dict], None] | None = None,
                progress: Callable[[int], None] | None = None) -> RunMeasurement:
    """Measure (a_k, b_k, c_k) along the trajectory of one seed (see the module docstring).

    model: an ``nn.Module`` (its current state is x_0; it is restored before the replay and left at x_K)
    or a factory ``() -> nn.Module`` called after seeding (so each seed has its own initialisation).
    loss_fn(output, target) -> scalar mean loss of the minibatch; f_i(x) = loss of example i (+ penalty).
    data: a DataLoader, a Dataset or a pair (inputs, targets); optimizer_factory(parameters) -> optimizer.
    reference: a user reference point (state dict, module or flat vector) instead of x_K; then run 1 is
    skipped and no replay check is made. f_star: a lower bound of every f_i (default 0, and then a
    negative loss is an error). penalty(params dict) -> scalar added to every f_i (e.g. L2).
    tolerance: relative loss tolerance of the replay check (0 = bitwise equality).
    """
    if tolerance < 0 or not math.isfinite(tolerance):
        raise InputError(f"tolerance must be a finite number >= 0, got {tolerance}")
    if f_star is not None and not math.isfinite(f_star):
        raise InputError(f"f_star must be finite, got {f_star}")
    initial = None
    if isinstance(model, nn.Module):
        initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    with deterministic(threads):
        expected = None
        if reference is None:
            seed_everything(seed)
            m = _build(model, initial)
            opt = optimizer_factory(m.parameters())
            r1 = _loop(m, loss_fn, _batches(data, batch_size, epochs, max_steps, seed), opt, f_star=f_star,
                       penalty=penalty, ref=None, expected=None, tolerance=tolerance, per_sample=False,
                       on_step=None, progress=progress)
            expected = r1["losses"]
            ref = {n: p.detach().clone() for n, p in _named_params(m)}
            del opt, m, r1
            ref_kind = "last_iterate"
        seed_everything(seed)
        m = _build(model, initial)
        if reference is not None:
            ref = reference_from(m, reference)
            ref_kind = "user"
        opt = optimizer_factory(m.parameters())
        r2 = _loop(m, loss_fn, _batches(data, batch_size, epochs, max_steps, seed), opt, f_star=f_star,
                   penalty=penalty, ref=ref, expected=expected, tolerance=tolerance, per_sample=per_sample,
                   on_step=on_step, progress=progress)
        final_diff = None
        if expected is not None:
            final_diff = max((float((p.detach() - ref[n]).abs().max()) for n, p in _named_params(m)), default=0.0)
            scale = max((float(ref[n].abs().max()) for n in ref), default=1.0)
            if final_diff > tolerance * max(1.0, scale):
                raise ReplayMismatchError(f"replay mismatch: run 2 ended {final_diff:.3g} away from run 1's x_K "
                                          f"although the losses matched; the optimizer is not deterministic")
    cols = {k: np.asarray(v, dtype=np.float64) for k, v in r2["columns"].items()}
    ps = None
    if r2["per_sample"] is not None:
        ps = {k: np.asarray(v, dtype=np.float64) for k, v in r2["per_sample"].items()}
    replay = {"checked": expected is not None, "tolerance": tolerance,
              "max_abs_loss_diff": r2["max_diff"] if expected is not None else None,
              "final_point_max_abs_diff": final_diff}
    n_params = sum(p.numel() for _, p in _named_params(m))
    return RunMeasurement(seed=seed, columns=cols, f_star=0.0 if f_star is None else float(f_star),
                          f_star_given=f_star is not None, reference=ref_kind, replay=replay, per_sample=ps,
                          params={"epochs": epochs, "max_steps": max_steps, "batch_size": batch_size,
                                  "n_params": n_params, "per_sample": per_sample})


def measure_landscape(model: nn.Module | Callable[[], nn.Module], loss_fn: Callable, data: Any,
                      optimizer_factory: Callable, *, seeds: Sequence[int] = (0,), **kwargs: Any) -> list[RunMeasurement]:
    """``measure_run`` for each seed (keyword arguments as there); summarise with ``stats.summarize``."""
    if len(seeds) == 0:
        raise InputError("give at least one seed")
    return [measure_run(model, loss_fn, data, optimizer_factory, seed=int(s), **kwargs) for s in seeds]
