"""Per-sample triples with torch.func: the condition for single examples f_i rather than minibatches.

At an iterate x (the model's current parameters) and a reference point x_ref, for each example i of a
minibatch:

    a_i = <grad f_i(x), x - x_ref>,   b_i = f_i(x) - f_i(x_ref),   c_i = f_i(x) - f^*,

where f_i(x) = loss_fn(model_x(input_i), target_i) (+ penalty(x)), evaluated on a batch of one. The
per-example gradients come from ``torch.func.vmap(torch.func.grad(...))``; a model that vmap cannot
batch (e.g. some recurrent kernels) falls back to a loop over the examples, which gives the same values.
Memory is O(batch size x #params): meant for small models.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.func import functional_call, grad, vmap


def per_sample_triples(model: nn.Module, loss_fn: Callable, inputs: torch.Tensor, targets: torch.Tensor,
                       ref: dict[str, torch.Tensor], *, f_star: float = 0.0,
                       penalty: Callable | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(a, b, c), each of shape [batch], for the examples of one minibatch (see the module docstring)."""
    params = {n: p.detach() for n, p in model.named_parameters() if p.requires_grad}
    frozen = {n: p.detach() for n, p in model.named_parameters() if not p.requires_grad}
    buffers = {n: b.detach() for n, b in model.named_buffers()}

    def f_single(prm: dict, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        out = functional_call(model, {**buffers, **frozen, **prm}, (x.unsqueeze(0),))
        val = loss_fn(out, y.unsqueeze(0))
        if penalty is not None:
            val = val + penalty(prm)
        return val

    def diff_dot(grads: dict) -> torch.Tensor:
        total = 0
        for n in params:
            d = (params[n].double() - ref[n].double()).reshape(-1)
            total = total + grads[n].double().reshape(grads[n].shape[0], -1) @ d
        return total

    try:
        grads = vmap(grad(f_single), in_dims=(None, 0, 0))(params, inputs, targets)
        vals = vmap(f_single, in_dims=(None, 0, 0))(params, inputs, targets)
        vals_ref = vmap(f_single, in_dims=(None, 0, 0))(ref, inputs, targets)
    except (RuntimeError, NotImplementedError, ValueError):
        per = []
        for i in range(inputs.shape[0]):
            g = grad(f_single)(params, inputs[i], targets[i])
            per.append((g, f_single(params, inputs[i], targets[i]), f_single(ref, inputs[i], targets[i])))
        grads = {n: torch.stack([p[0][n] for p in per]) for n in params}
        vals = torch.stack([p[1] for p in per])
        vals_ref = torch.stack([p[2] for p in per])
    a = diff_dot(grads)
    vals, vals_ref = vals.double().reshape(-1), vals_ref.double().reshape(-1)
    return a.detach(), (vals - vals_ref).detach(), (vals - f_star).detach()
