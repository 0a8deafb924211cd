"""The vectorized runner against closed-form facts (tests/simulate_problems.py) and hand derivations."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch

from numerics.sampling import sample_indices
from numerics.simulate import estimate_bytes, simulate
from theory.errors import InputError
from theory.methods import Method, get_method
from theory.symbols import gamma, k

from simulate_problems import POINTS, quadratic, shifted_quadratic


def expected_dist2(k_, gamma_, D0, VB):
    r = (1 - gamma_) ** 2
    return r ** k_ * D0 + gamma_ ** 2 * VB * (1 - r ** k_) / (1 - r)


@pytest.mark.parametrize("batch,replacement,factor", [(1, True, 1.0), (2, True, 0.5), (2, False, 0.25)])
def test_sgd_matches_closed_form_second_moment(batch, replacement, factor):
    # V_B = V / b with replacement; V (n - b) / (b (n - 1)) = V / 4 for n = 3, b = 2 without
    p = quadratic()
    g_, S, K = 0.3, 4000, 30
    r = simulate(get_method("sgd"), p, {"gamma": g_}, seeds=S, iters=K, batch=batch, replacement=replacement)
    V = p.params["V"]
    for kk in (1, 2, 5, 29, 30):
        exact = expected_dist2(kk, g_, r.D0, V * factor)
        se = r.dist2_std[kk] / math.sqrt(S)
        assert abs(r.dist2_mean[kk] - exact) < 5 * se + 1e-12, (kk, r.dist2_mean[kk], exact, se)
    # f(x) - f* = 1/2 dist(x, S)^2 on this problem, at every k and for every seed
    assert np.allclose(r.gap_mean, 0.5 * r.dist2_mean[:K], rtol=1e-12, atol=1e-12)


def test_batch_variance_is_distinguished():
    """The stationary E dist^2 separates the three sampling modes (a test that can fail if the batch is
    ignored or sampled with the wrong scheme)."""
    p = quadratic()
    vals = []
    for b, rep in ((1, True), (2, True), (2, False)):
        r = simulate(get_method("sgd"), p, {"gamma": 0.3}, seeds=3000, iters=40, batch=b, replacement=rep)
        vals.append(r.dist2_mean[-1])
    # stationary E dist^2 is proportional to V_B: V, V/2, V/4
    assert 1.7 < vals[0] / vals[1] < 2.3
    assert 1.7 < vals[1] / vals[2] < 2.3


def test_full_batch_without_replacement_is_gradient_descent():
    p = quadratic()
    r = simulate(get_method("sgd"), p, {"gamma": 0.2}, seeds=4, iters=10, batch=3, replacement=False)
    exact = [(0.8 ** (2 * kk)) * r.D0 for kk in range(11)]
    assert np.allclose(r.dist2_mean, exact, rtol=1e-12)
    assert np.all(r.dist2_std < 1e-12)


def test_gd_is_deterministic_and_exact():
    p = quadratic()
    r = simulate(get_method("gd"), p, {"gamma": 0.5}, seeds=3, iters=8)
    assert np.allclose(r.gap_mean, [0.5 * 0.25 ** kk * r.D0 for kk in range(8)], rtol=1e-12)
    assert np.all(r.gap_std == 0)


def test_residual_equals_half_dist2():
    """Hand derivation: T_i = <x - a_i, x - a_bar> - 1/2||x - a_i||^2 + 1/2||a_bar - a_i||^2 = 1/2||x - a_bar||^2
    (alpha = 1, beta = 0), whichever i is sampled."""
    p = quadratic()
    r = simulate(get_method("sgd"), p, {"gamma": 0.3}, seeds=50, iters=20, trace=True)
    t = r.traces
    assert np.allclose(t["residual"], 0.5 * t["dist2"][:20], rtol=1e-10, atol=1e-12)
    assert r.min_residual.min() >= 0


def test_residual_sees_a_violated_pair():
    """With alpha = 3 > 1 the condition fails on this problem at sampled points (T = 1/2 d2 - 2 (f_i - f_i(a_bar)))."""
    p = quadratic()
    r = simulate(get_method("sgd"), p, {"gamma": 0.3}, seeds=50, iters=20, alpha=3.0, beta=0.0)
    assert r.min_residual.min() < 0


def test_same_seed_same_numbers_and_prefix_stability():
    p = quadratic()
    m = get_method("sgd")
    a = simulate(m, p, {"gamma": 0.3}, seeds=20, iters=15, trace=True, seed=7)
    b = simulate(m, p, {"gamma": 0.3}, seeds=20, iters=15, trace=True, seed=7)
    c = simulate(m, p, {"gamma": 0.3}, seeds=5, iters=15, trace=True, seed=7)
    d = simulate(m, p, {"gamma": 0.3}, seeds=20, iters=15, trace=True, seed=8)
    assert np.array_equal(a.traces["dist2"], b.traces["dist2"])
    assert np.array_equal(a.gap_mean, b.gap_mean)
    assert np.array_equal(a.traces["dist2"][:, :5], c.traces["dist2"])
    assert not np.array_equal(a.traces["indices"], d.traces["indices"])
    # seed_offset runs the later seeds alone with the same numbers
    e = simulate(m, p, {"gamma": 0.3}, seeds=15, iters=15, trace=True, seed=7, seed_offset=5)
    assert np.array_equal(a.traces["dist2"][:, 5:], e.traces["dist2"])


def test_sampling_is_uniform_and_distinct():
    S, n = 200000, 7
    idx = sample_indices(3, torch.arange(S), 11, n, 1)
    counts = torch.bincount(idx.flatten(), minlength=n).double()
    chi2 = float(((counts - S / n) ** 2 / (S / n)).sum())
    assert chi2 < 30.0  # chi-square with 6 df: P(> 30) < 1e-4
    w = sample_indices(3, torch.arange(2000), 5, n, 4, replacement=False)
    assert all(len(set(row)) == 4 for row in w.tolist())
    # pairs: each of the 21 unordered pairs among the first two draws equally often
    pairs = torch.sort(w[:, :2], dim=1).values
    code = pairs[:, 0] * n + pairs[:, 1]
    cnt = torch.bincount(code, minlength=n * n).double()
    nz = cnt[cnt > 0]
    assert nz.numel() == 21
    exp = 2000 / 21
    assert float(((nz - exp) ** 2 / exp).sum()) < 55.0  # chi-square 20 df: P(> 55) < 1e-4


def test_sps_max_step_matches_hand_formula():
    """On 1/2||x - a_i||^2: (f_i - f_i^*)/(c ||grad||^2) = 1/(2c), so gamma_k = min(1/(2c), gamma_b)."""
    p = quadratic()
    for c_, gb in ((1.0, 1.0), (0.2, 0.7)):
        r = simulate(get_method("sps_max"), p, {"c": c_, "gamma_b": gb}, seeds=10, iters=10)
        assert np.allclose(r.step_min, min(1 / (2 * c_), gb)) and np.allclose(r.step_max, min(1 / (2 * c_), gb))


def test_sps_max_zero_gradient_branch():
    """At an interpolated minimizer grad f_i = 0 and the step is gamma_b (the guarded branch)."""
    p = quadratic(points=[[1.0, 2.0], [1.0, 2.0]], x0=(1.0, 2.0))
    r = simulate(get_method("sps_max"), p, {"c": 1.0, "gamma_b": 0.7}, seeds=3, iters=3)
    assert np.allclose(r.step_mean, 0.7) and r.diverged == 0


def _hand_replay(method_name, p, params, indices, x0):
    """An independent plain-Python implementation of THEORY.md section 5 for one seed."""
    x = np.array(x0, float)
    A = np.array(POINTS)
    c_off = p.f_star_i.numpy()
    steps = []
    gprev, cprev = params.get("gamma_b"), params.get("c")
    c2, b2 = 0.0, params.get("b0", 1.0) ** 2
    for kk, i in enumerate(indices):
        i = int(i)
        fi = 0.5 * np.sum((x - A[i]) ** 2) + c_off[i]
        g = x - A[i]
        g2 = float(g @ g)
        fs = c_off[i]
        if method_name == "dec_sps":
            ck = params["c"] * math.sqrt(kk + 1)
            st = (min((fi - fs) / g2, cprev * gprev) if g2 > 0 else cprev * gprev) / ck
            gprev, cprev = st, ck
        elif method_name == "adagrad_norm_max":
            c2 = max(c2, g2)
            b2 = b2 + c2
            st = params["gamma"] / math.sqrt(b2)
        elif method_name == "ngn":
            st = params["gamma"] / (1 + params["gamma"] * g2 / (2 * fi)) if fi != 0 else params["gamma"]
        elif method_name == "sgd_decreasing":
            st = params["gamma0"] / math.sqrt(kk + 1)
        else:
            raise AssertionError(method_name)
        steps.append(st)
        x = x - st * g
    return np.array(steps), x


@pytest.mark.parametrize("name,params", [
    ("dec_sps", {"c": 0.7, "gamma_b": 2.0}),
    ("adagrad_norm_max", {"gamma": 0.8, "b0": 0.5}),
    ("ngn", {"gamma": 1.5}),
    ("sgd_decreasing", {"gamma0": 0.9}),
])
def test_memory_and_schedules_match_independent_replay(name, params):
    p = shifted_quadratic() if name == "ngn" else quadratic()
    r = simulate(get_method(name), p, params, seeds=3, iters=25, trace=True)
    for s in range(3):
        steps, x_end = _hand_replay(name, p, params, r.traces["indices"][:, s, 0], p.x0.tolist())
        assert np.allclose(r.traces["step"][:, s], steps, rtol=1e-12, atol=0)
        assert np.allclose(r.traces["x_final"][s], x_end, rtol=1e-10, atol=1e-12)


def test_divergence_is_detected_with_first_bad_step():
    """GD with gamma = 2.5 multiplies x - a_bar by -1.5: gap_k = 1/2 1.5^{2k} D0 > 1e6 first at
    k = ceil(log(2e6 / D0) / (2 log 1.5))."""
    p = quadratic()
    r = simulate(get_method("gd"), p, {"gamma": 2.5}, seeds=4, iters=60, divergence_threshold=1e6)
    k_exact = math.ceil(math.log(2e6 / r.D0) / (2 * math.log(1.5)))
    assert r.diverged == 4
    assert set(r.first_bad.tolist()) == {k_exact}
    rep = r.divergence_report()
    assert rep["first_bad_step"] == k_exact and "above" in rep["reason"]
    # values after the bad step are never averaged in
    assert np.all(r.gap_mean[k_exact:] == 0) and np.all(r.alive[k_exact:] == 0)


def test_overflow_divergence_of_sgd():
    p = quadratic()
    r = simulate(get_method("sgd"), p, {"gamma": 3.5}, seeds=30, iters=2000)
    assert r.diverged == 30 and r.first_bad.min() > 0


def test_negative_step_is_bad_input():
    m = Method("bad", "negative after k = 1", gamma * (1 - k), {gamma: (sp.StrictGreaterThan(gamma, 0),)},
               {"gamma": 0.1})
    with pytest.raises(InputError, match="at step 2"):
        simulate(m, quadratic(), None, seeds=5, iters=10)


def test_nan_step_is_bad_input():
    # an unguarded Polyak ratio is 0/0 at an interpolated minimizer
    from theory.symbols import f, f_star, g2
    m = Method("raw_polyak", "unguarded", (f - f_star) / g2, {})
    p = quadratic(points=[[1.0, 2.0], [1.0, 2.0]], x0=(1.0, 2.0))
    with pytest.raises(InputError, match="NaN"):
        simulate(m, p, None, seeds=2, iters=3)


def test_ngn_refuses_negative_losses():
    p = quadratic(offsets=[-1.0, 0.0, 0.0])
    with pytest.raises(InputError, match="nonnegative"):
        simulate(get_method("ngn"), p, None, seeds=2, iters=2)


def test_memory_estimate_refuses_before_allocating():
    p = quadratic()
    need = estimate_bytes(10**6, 10**6, p.d, p.n, 1, trace=True)
    assert need > 8 * 4 * 10**12  # the traces alone
    with pytest.raises(InputError, match="MiB"):
        simulate(get_method("sgd"), p, None, seeds=10**6, iters=10**6, trace=True)
    with pytest.raises(InputError, match="limit"):
        simulate(get_method("sgd"), p, None, seeds=100, iters=10, memory_limit=1000)


@pytest.mark.parametrize("kw,match", [
    ({"seeds": 0}, "seeds"), ({"iters": -3}, "iterations"), ({"batch": 4, "replacement": False}, "exceeds"),
    ({"x0": [1.0]}, "x0"), ({"x0": [float("nan"), 0.0]}, "x0"),
])
def test_bad_sizes(kw, match):
    args = {"seeds": 2, "iters": 2}
    args.update(kw)
    with pytest.raises(InputError, match=match):
        simulate(get_method("sgd"), quadratic(), None, **args)


@pytest.mark.parametrize("params,match", [
    ({"gamma": -0.1}, "violates"), ({"gamma": float("nan")}, "finite"), ({"eta": 1.0}, "no parameter"),
])
def test_bad_parameters(params, match):
    with pytest.raises(InputError, match=match):
        simulate(get_method("sgd"), quadratic(), params, seeds=2, iters=2)


def test_chunked_resumable_run_equals_one_run(tmp_path):
    """Pooling chunks reproduces the one-run statistics (same seeds, same indices), and a rerun reuses
    the saved chunks (a chunk file changed on disk shows up in the merged result)."""
    from numerics.simulate import load_result, save_result, simulate_resumable
    p = quadratic()
    m = get_method("dec_sps")
    one = simulate(m, p, None, seeds=70, iters=25)
    ck = tmp_path / "ck"
    two = simulate_resumable(m, p, None, seeds=70, chunk_seeds=30, checkpoint=ck, iters=25)
    for name in ("gap_mean", "gap_std", "dist2_mean", "dist2_std", "step_mean", "step_min", "step_max",
                 "residual_min", "residual_mean", "gap_sum", "min_residual"):
        assert np.allclose(getattr(one, name), getattr(two, name), rtol=1e-12, atol=1e-14), name
    assert sorted(f.name for f in ck.iterdir()) == ["chunk_0.npz", "chunk_30.npz", "chunk_60.npz", "config.json"]
    part = load_result(ck / "chunk_60.npz")
    part.gap_sum[:] = -1.0
    save_result(part, ck / "chunk_60.npz")
    again = simulate_resumable(m, p, None, seeds=70, chunk_seeds=30, checkpoint=ck, iters=25)
    assert np.all(again.gap_sum[60:] == -1.0) and np.array_equal(again.gap_sum[:60], one.gap_sum[:60])
    with pytest.raises(InputError, match="different configuration"):
        simulate_resumable(m, p, None, seeds=70, chunk_seeds=30, checkpoint=ck, iters=26)


def test_partial_divergence_statistics_match_the_traces():
    """Some seeds cross a low threshold at random steps: the per-k statistics (computed in blocks, with
    masks for frozen seeds) equal those recomputed from the [K, S] traces with the reported first bad steps."""
    p = quadratic(x0=(0.0, 0.0))
    r = simulate(get_method("sps_max"), p, {"c": 0.8, "gamma_b": 0.5}, seeds=40, iters=150, trace=True,
                 divergence_threshold=0.9)
    assert 0 < r.diverged < 40
    fb = r.first_bad
    t = r.traces
    for kk in range(150):
        live = (fb < 0) | (fb > kk)
        assert r.alive[kk] == live.sum()
        assert r.gap_mean[kk] == pytest.approx(np.where(live, t["gap"][kk], 0).mean(), rel=1e-12, abs=1e-15)
        if live.any():
            assert r.step_mean[kk] == pytest.approx(t["step"][kk][live].mean(), rel=1e-12)
            assert r.residual_min[kk] == pytest.approx(t["residual"][kk][live].min(), rel=1e-12, abs=1e-15)
    # a frozen seed's gap sum stops at its first bad step
    s = int(np.argmax(fb >= 0))
    assert r.gap_sum[s] == pytest.approx(t["gap"][: fb[s], s].sum(), rel=1e-12)
