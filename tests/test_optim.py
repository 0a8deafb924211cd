"""torch optimizers generated from the method definitions take the runner's steps on the same problem and seed."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from numerics.optim import NGN, AdaGradNormMax, DecSPS, MethodOptimizer, SPSMax
from numerics.simulate import simulate
from theory.errors import InputError
from theory.methods import get_method

from simulate_problems import quadratic, shifted_quadratic

CASES = [
    ("sgd", {"gamma": 0.3}, 1), ("sgd_decreasing", {"gamma0": 0.9}, 1),
    ("sps_max", {"c": 0.6, "gamma_b": 0.9}, 1), ("sps_max", {"c": 0.6, "gamma_b": 0.9}, 2),
    ("ngn", {"gamma": 1.5}, 1), ("ngn", {"gamma": 1.5}, 2),
    ("dec_sps", {"c": 0.7, "gamma_b": 2.0}, 1), ("adagrad_norm_max", {"gamma": 0.8, "b0": 0.5}, 2),
]


@pytest.mark.parametrize("name,params,batch", CASES)
def test_optimizer_replays_the_runner(name, params, batch):
    """Same problem, same seed, same indices: the optimizer (autograd on an nn.Parameter, a standard
    training loop) takes the runner's step sizes and reaches the runner's iterates."""
    p = shifted_quadratic() if name == "ngn" else quadratic()
    S, K = 3, 30
    r = simulate(get_method(name), p, params, seeds=S, iters=K, batch=batch, trace=True, seed=11)
    for s in range(S):
        x = torch.nn.Parameter(p.x0.clone())
        idx_seq = r.traces["indices"][:, s, :]
        current = {"idx": None}

        def f_star():
            return float(p.f_star_i[current["idx"]].mean())

        opt = MethodOptimizer([x], name, f_star=f_star, keep_history=True, **params)
        for kk in range(K):
            current["idx"] = torch.as_tensor(idx_seq[kk])

            def closure():
                opt.zero_grad()
                loss = p.losses(x)[current["idx"]].mean()
                loss.backward()
                return loss
            opt.step(closure)
        assert np.allclose(opt.steps, r.traces["step"][:, s], rtol=1e-12, atol=1e-15)
        assert np.allclose(x.detach().numpy(), r.traces["x_final"][s], rtol=1e-10, atol=1e-12)


def test_sps_max_in_a_linear_model_uses_the_global_gradient_norm():
    """Two parameter tensors: gamma = min((loss - 0)/(c ||g||^2), gamma_b) with ||g||^2 summed over both."""
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1).double()
    X, y = torch.randn(8, 3, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)
    opt = SPSMax(model.parameters(), c=0.5, gamma_b=10.0)
    for _ in range(5):
        before = [q.detach().clone() for q in model.parameters()]

        def closure():
            opt.zero_grad()
            loss = 0.5 * ((model(X) - y) ** 2).mean()
            loss.backward()
            return loss
        loss = opt.step(closure)
        grads = [q.grad.detach().clone() for q in model.parameters()]
        g2 = sum(float((g_ ** 2).sum()) for g_ in grads)
        expect = min(float(loss.detach()) / (0.5 * g2), 10.0)
        assert opt.last_step == pytest.approx(expect, rel=1e-12)
        for b_, q, g_ in zip(before, model.parameters(), grads):
            assert torch.allclose(q.detach(), b_ - expect * g_, rtol=1e-12, atol=1e-14)


def test_ngn_step_by_hand_and_bounds():
    """NGN: gamma / (1 + gamma g2 / (2 f)); with smoothness L = 1 and f^* >= 0: gamma/(1 + gamma) <= step <= gamma."""
    x = torch.nn.Parameter(torch.tensor([2.0, -1.0], dtype=torch.float64))
    opt = NGN([x], gamma=3.0)
    for _ in range(10):
        def closure():
            opt.zero_grad()
            loss = 0.5 * (x ** 2).sum() + 0.1
            loss.backward()
            return loss
        loss = float(closure().detach())
        g2 = float((x.detach() ** 2).sum())
        opt.step(closure)
        assert opt.last_step == pytest.approx(3.0 / (1 + 3.0 * g2 / (2 * loss)), rel=1e-12)
        assert 3.0 / 4.0 - 1e-12 <= opt.last_step <= 3.0


def test_state_dict_resumes_methods_with_memory():
    def run(n_steps, opt=None, x=None):
        x = x if x is not None else torch.nn.Parameter(torch.tensor([3.0, 1.0], dtype=torch.float64))
        opt = opt or AdaGradNormMax([x], gamma=0.5, b0=1.0, keep_history=True)
        for _ in range(n_steps):
            def closure():
                opt.zero_grad()
                loss = 0.5 * ((x - 1.0) ** 2).sum()
                loss.backward()
                return loss
            opt.step(closure)
        return opt, x
    full, _ = run(8)
    first, x1 = run(4)
    sd = first.state_dict()
    x2 = torch.nn.Parameter(x1.detach().clone())
    resumed = AdaGradNormMax([x2], gamma=0.5, b0=1.0, keep_history=True)
    resumed.load_state_dict(sd)
    run(4, resumed, x2)
    assert np.allclose(first.steps + resumed.steps, full.steps, rtol=1e-14)


def test_dec_sps_steps_never_increase_times_c():
    """DecSPS: c_k gamma_k <= c_{k-1} gamma_{k-1} (the min with the previous value), so gamma_k is non-increasing."""
    x = torch.nn.Parameter(torch.tensor([5.0, -4.0], dtype=torch.float64))
    opt = DecSPS([x], c=1.0, gamma_b=2.0, keep_history=True)
    for _ in range(20):
        def closure():
            opt.zero_grad()
            loss = 0.5 * (x ** 2).sum() + 0.5 * (x[0] - 1) ** 2
            loss.backward()
            return loss
        opt.step(closure)
    st = np.array(opt.steps)
    cs = np.sqrt(np.arange(1, 21))
    assert np.all(np.diff(st * cs) <= 1e-15)


def test_bad_optimizer_input():
    x = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    with pytest.raises(InputError, match="violates"):
        SPSMax([x], c=-1.0)
    with pytest.raises(InputError, match="closure"):
        SPSMax([x]).step()
    with pytest.raises(InputError, match="unknown method"):
        MethodOptimizer([x], "adam")
    opt = MethodOptimizer([x], "sgd_decreasing", gamma0=1.0)
    assert math.isclose(opt.hyper["gamma0"], 1.0)
