"""Measurement along trajectories (numerics.landscape.measure) checked against hand derivations."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from numerics.landscape import ReplayMismatchError, measure_run, per_sample_triples
from numerics.landscape.models import L2Penalty, Linear1, sigmoid_margin_loss
from theory.errors import InputError

D = torch.float64


class LinReg(nn.Module):
    def __init__(self, w0):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w0, dtype=D))

    def forward(self, x):
        return x @ self.w


def half_mse(out, y):
    return 0.5 * ((out - y) ** 2).mean()


def test_triples_match_closed_form_least_squares():
    # full batch (batch = n), so the trajectory is deterministic GD: x_{k+1} = x_k - g X^T (X x_k - y) / n
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=6)
    w0, lr, K = np.array([0.5, -1.0, 2.0]), 0.1, 5
    r = measure_run(LinReg(w0), half_mse, (torch.tensor(X), torch.tensor(y)),
                    lambda p: torch.optim.SGD(p, lr=lr), epochs=K, batch_size=6)
    f = lambda w: 0.5 * np.mean((X @ w - y) ** 2)
    grad = lambda w: X.T @ (X @ w - y) / len(y)
    ws = [w0]
    for _ in range(K):
        ws.append(ws[-1] - lr * grad(ws[-1]))
    xK = ws[-1]
    exp_a = [grad(w) @ (w - xK) for w in ws[:K]]
    exp_b = [f(w) - f(xK) for w in ws[:K]]
    exp_c = [f(w) for w in ws[:K]]
    assert r.steps == K
    np.testing.assert_allclose(r.columns["a"], exp_a, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(r.columns["b"], exp_b, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(r.columns["c"], exp_c, rtol=1e-12)
    np.testing.assert_allclose(r.columns["dist"], [np.linalg.norm(w - xK) for w in ws[:K]], rtol=1e-10, atol=1e-14)
    assert r.replay["checked"] and r.replay["max_abs_loss_diff"] == 0.0 and r.replay["final_point_max_abs_diff"] == 0.0


def _mlp():
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def _data(n=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g, dtype=D)
    return x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long()


def test_last_step_distance_is_step_times_gradient_norm():
    # plain SGD: x_K - x_{K-1} = -lr * g_{K-1}, so |x_{K-1} - x_K| = lr * |g_{K-1}|; also |x_k - x_K| > 0 before
    r = measure_run(_mlp, nn.functional.cross_entropy, _data(), lambda p: torch.optim.SGD(p, lr=0.3),
                    epochs=2, batch_size=8, seed=4)
    assert r.columns["dist"][-1] == pytest.approx(0.3 * r.columns["grad_norm"][-1], rel=1e-10)
    # Cauchy-Schwarz on every step: |a_k| <= |g_k| |x_k - x_K|
    assert np.all(np.abs(r.columns["a"]) <= r.columns["grad_norm"] * r.columns["dist"] * (1 + 1e-12))


def test_seeds_give_different_trajectories_and_same_seed_repeats():
    kw = dict(epochs=1, batch_size=8)
    opt = lambda p: torch.optim.SGD(p, lr=0.1)
    r0 = measure_run(_mlp, nn.functional.cross_entropy, _data(), opt, seed=0, **kw)
    r0b = measure_run(_mlp, nn.functional.cross_entropy, _data(), opt, seed=0, **kw)
    r1 = measure_run(_mlp, nn.functional.cross_entropy, _data(), opt, seed=1, **kw)
    np.testing.assert_array_equal(r0.columns["a"], r0b.columns["a"])
    assert not np.array_equal(r0.columns["loss"], r1.columns["loss"])


def test_dropout_model_replays_exactly():
    # the extra forward at x_K must not consume the random stream that draws the dropout masks
    def make():
        return nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3)).double()
    r = measure_run(make, nn.functional.cross_entropy, _data(), lambda p: torch.optim.SGD(p, lr=0.1),
                    epochs=2, batch_size=8)
    assert r.replay["max_abs_loss_diff"] == 0.0


class Noisy(nn.Module):
    """Non-deterministic on purpose: noise from an unseeded generator."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(5, 3).double()
        self.rng = np.random.default_rng()

    def forward(self, x):
        return self.lin(x) + torch.tensor(self.rng.normal(size=3) * 1e-3, dtype=D)


def test_nondeterministic_model_is_reported_not_measured():
    with pytest.raises(ReplayMismatchError, match="replay mismatch at step 0") as exc:
        measure_run(Noisy, nn.functional.cross_entropy, _data(), lambda p: torch.optim.SGD(p, lr=0.1),
                    epochs=1, batch_size=8)
    assert isinstance(exc.value, InputError) and "\n" not in str(exc.value)


def test_negative_loss_needs_f_star():
    def neg_loss(out, y):
        return nn.functional.cross_entropy(out, y) - 5.0
    opt = lambda p: torch.optim.SGD(p, lr=0.1)
    with pytest.raises(InputError, match="negative.*f_star"):
        measure_run(_mlp, neg_loss, _data(), opt, epochs=1, batch_size=8)
    r = measure_run(_mlp, neg_loss, _data(), opt, epochs=1, batch_size=8, f_star=-5.0)
    # c = f - f^* = cross-entropy >= 0
    np.testing.assert_allclose(r.columns["c"], r.columns["loss"] + 5.0)
    assert np.all(r.columns["c"] >= 0)
    with pytest.raises(InputError, match="below the given f_star"):
        measure_run(_mlp, neg_loss, _data(), opt, epochs=1, batch_size=8, f_star=-1.0)


def test_reference_point_checks_and_use():
    m = _mlp()
    opt = lambda p: torch.optim.SGD(p, lr=0.1)
    bad = {k: v.clone() for k, v in m.state_dict().items()}
    bad["0.weight"] = torch.zeros(4, 5, dtype=D)
    with pytest.raises(InputError, match=r"'0.weight' has shape \(4, 5\)"):
        measure_run(m, nn.functional.cross_entropy, _data(), opt, epochs=1, batch_size=8, reference=bad)
    with pytest.raises(InputError, match="lacks parameter"):
        measure_run(m, nn.functional.cross_entropy, _data(), opt, epochs=1, batch_size=8, reference={})
    with pytest.raises(InputError, match="trainable parameters"):
        measure_run(m, nn.functional.cross_entropy, _data(), opt, epochs=1, batch_size=8,
                    reference=torch.zeros(7, dtype=D))
    # reference = x_0 (a flat vector): at step 0, x_0 - x_ref = 0, so a_0 = b_0 = 0
    flat = torch.cat([p.detach().reshape(-1) for p in m.parameters()])
    r = measure_run(m, nn.functional.cross_entropy, _data(), opt, epochs=1, batch_size=8, reference=flat)
    assert r.reference == "user" and not r.replay["checked"]
    assert r.columns["a"][0] == 0.0 and r.columns["b"][0] == 0.0 and r.columns["dist"][0] == 0.0


def test_per_sample_means_equal_minibatch_values():
    # f_B = mean_{i in B} f_i, so a_B, b_B, c_B are the means of the per-sample a_i, b_i, c_i
    r = measure_run(_mlp, nn.functional.cross_entropy, _data(), lambda p: torch.optim.SGD(p, lr=0.2),
                    epochs=2, batch_size=8, per_sample=True)
    ps = r.per_sample
    for key in "abc":
        means = [ps[key][ps["step"] == k].mean() for k in range(r.steps)]
        np.testing.assert_allclose(means, r.columns[key], rtol=1e-9, atol=1e-12)


def test_per_sample_halfspace_matches_hand_gradient():
    # f_i(x) = sigmoid(-y_i <a_i, x>) + lam/2 |x|^2, grad = -s(1-s) y_i a_i + lam x with s = sigmoid(-y_i <a_i, x>)
    lam = 0.1
    model = Linear1(3)
    with torch.no_grad():
        model.x.copy_(torch.tensor([0.3, -0.2, 0.5], dtype=D))
    A = torch.tensor([[1.0, 2.0, 0.0], [-1.0, 0.5, 1.0]], dtype=D)
    y = torch.tensor([1.0, -1.0], dtype=D)
    ref = {"x": torch.tensor([1.0, 1.0, -1.0], dtype=D)}
    a, b, c = per_sample_triples(model, sigmoid_margin_loss, A, y, ref, penalty=L2Penalty(lam))
    x, xr = model.x.detach(), ref["x"]
    for i in range(2):
        s = torch.sigmoid(-y[i] * (A[i] @ x))
        g = -s * (1 - s) * y[i] * A[i] + lam * x
        f = lambda z: torch.sigmoid(-y[i] * (A[i] @ z)) + 0.5 * lam * (z @ z)
        assert float(a[i]) == pytest.approx(float(g @ (x - xr)), rel=1e-12)
        assert float(b[i]) == pytest.approx(float(f(x) - f(xr)), rel=1e-12)
        assert float(c[i]) == pytest.approx(float(f(x)), rel=1e-12)


def test_bad_arguments():
    opt = lambda p: torch.optim.SGD(p, lr=0.1)
    with pytest.raises(InputError, match="different lengths"):
        measure_run(_mlp, nn.functional.cross_entropy, (torch.zeros(3, 5, dtype=D), torch.zeros(4).long()), opt)
    with pytest.raises(InputError, match="tolerance"):
        measure_run(_mlp, nn.functional.cross_entropy, _data(), opt, tolerance=-1.0)
    with pytest.raises(InputError, match="scalar"):
        measure_run(_mlp, lambda o, t: nn.functional.cross_entropy(o, t, reduction="none"), _data(), opt)


def test_deterministic_setting_is_restored():
    before = torch.are_deterministic_algorithms_enabled()
    measure_run(_mlp, nn.functional.cross_entropy, _data(), lambda p: torch.optim.SGD(p, lr=0.1), epochs=1, batch_size=20)
    assert torch.are_deterministic_algorithms_enabled() == before
