"""Statistics of measured trajectories: Aiming, relaxed PL and quasar-convexity (THEORY.md sections 3, 8).

All quantities are per step k on the minibatch i_k, with x_ref = x_K (or the user's reference):

* Aiming: cos angle_k = a_k / (|grad f_{i_k}(x_k)| |x_k - x_ref|) and ratio_k = a_k / c_k
  (= <grad f, x - x_K> / f when f^* = 0). Aiming with any theta > 0 fails at step k when a_k < 0 (and
  c_k > 0); ``fraction_negative`` is the fraction of measured steps with a_k < 0.
* Relaxed PL with exponent delta: |grad f_{i_k}(x_k)|^2 >= 2 mu (f_{i_k}(x_k) - f_{i_k}(x_ref))^(2/delta),
  i.e. the paper's log quantity q_k = 2 log|grad f| - (2/delta) log(b_k) >= log(2 mu). delta = 2 is the
  PL inequality itself; delta in {1, 1.25, 1.5, 1.75} (the paper's) are Lojasiewicz-type relaxations
  (exponent 1/delta). Defined on steps with b_k > 0; mu_min = min_k exp(q_k) / 2 is the largest mu the
  measured steps allow.
* QCvx (x* = x_ref): a_k >= theta b_k. Steps with b_k > 0 bound theta above by a_k / b_k, steps with
  b_k < 0 bound it below by a_k / b_k, steps with b_k = 0 need a_k >= 0. The feasible theta in (0, 1] is
  an interval (possibly empty).
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

DELTAS = (1.0, 1.25, 1.5, 1.75, 2.0)


def _f(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _quantiles(x: np.ndarray) -> dict:
    if x.size == 0:
        return {"min": None, "median": None, "max": None}
    return {"min": _f(np.min(x)), "median": _f(np.median(x)), "max": _f(np.max(x))}


def aiming_stats(a: np.ndarray, c: np.ndarray, grad_norm: np.ndarray, dist: np.ndarray,
                 step_frac: np.ndarray | None = None) -> dict:
    """Aiming angle and ratio statistics; ``step_frac`` (k / K per step, in [0, 1)) splits the steps into
    the first and last 20% of training to say whether failures happen early."""
    a, c = np.asarray(a, float), np.asarray(c, float)
    n = a.size
    denom = np.asarray(grad_norm, float) * np.asarray(dist, float)
    ok = denom > 0
    cos = np.clip(a[ok] / denom[ok], -1.0, 1.0)
    pos_c = c > 0
    ratio = a[pos_c] / c[pos_c]
    out = {"n_steps": int(n), "fraction_negative": _f(np.mean(a < 0)) if n else None,
           "n_negative": int(np.sum(a < 0)), "cos_angle": _quantiles(cos),
           "angle_deg": _quantiles(np.degrees(np.arccos(cos))), "ratio": _quantiles(ratio)}
    if step_frac is not None and n:
        sf = np.asarray(step_frac, float)
        early, late = sf < 0.2, sf >= 0.8
        out["fraction_negative_first_20pct"] = _f(np.mean(a[early] < 0)) if early.any() else None
        out["fraction_negative_last_20pct"] = _f(np.mean(a[late] < 0)) if late.any() else None
    return out


def pl_stats(grad_norm: np.ndarray, b: np.ndarray, deltas: Sequence[float] = DELTAS) -> dict:
    """Relaxed-PL statistics per delta (keys are str(delta)): mu_min, the median of exp(q)/2, and counts."""
    g = np.asarray(grad_norm, float)
    b = np.asarray(b, float)
    ok = (b > 0) & (g > 0)
    out: dict = {"n_defined": int(ok.sum()), "n_undefined": int((~ok).sum()), "mu_min": {}, "mu_median": {},
                 "log_q": {}}
    for d in deltas:
        q = 2.0 * np.log(g[ok]) - (2.0 / d) * np.log(b[ok])
        key = f"{d:g}"
        out["mu_min"][key] = _f(np.exp(np.min(q)) / 2.0) if q.size else None
        out["mu_median"][key] = _f(np.exp(np.median(q)) / 2.0) if q.size else None
        out["log_q"][key] = _quantiles(q)
    # with a zero gradient at a step where b > 0 no mu > 0 works
    zero_grad = (b > 0) & (g == 0)
    if zero_grad.any():
        for d in deltas:
            out["mu_min"][f"{d:g}"] = 0.0
    return out


def qcvx_stats(a: np.ndarray, b: np.ndarray) -> dict:
    """The feasible QCvx theta interval in (0, 1] along the steps, and the ratio a/b on steps with b > 0."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    pos, neg, zero = b > 0, b < 0, b == 0
    hi = float(np.min(a[pos] / b[pos])) if pos.any() else math.inf
    lo = float(np.max(a[neg] / b[neg])) if neg.any() else -math.inf
    zero_ok = bool(np.all(a[zero] >= 0))
    lo_f, hi_f = max(lo, 0.0), min(hi, 1.0)
    feasible = zero_ok and hi_f > 0 and lo_f <= hi_f
    return {"theta_max": _f(hi) if pos.any() else None, "theta_min": _f(lo) if neg.any() else None,
            "feasible": bool(feasible), "theta_range": [lo_f, hi_f] if feasible else None,
            "ratio": _quantiles(a[pos] / b[pos]) if pos.any() else _quantiles(np.array([])),
            "fraction_ratio_below_zero": _f(np.mean(a[pos] < 0)) if pos.any() else None}


def pooled(runs: Iterable) -> dict[str, np.ndarray]:
    """Concatenate the columns of several ``RunMeasurement``s, with step_frac = k / K of each run."""
    runs = list(runs)
    cols: dict[str, list] = {}
    fracs = []
    for r in runs:
        for k, v in r.columns.items():
            cols.setdefault(k, []).append(np.asarray(v, float))
        n = r.steps
        fracs.append(np.arange(n) / max(n, 1))
    out = {k: np.concatenate(v) if v else np.zeros(0) for k, v in cols.items()}
    out["step_frac"] = np.concatenate(fracs) if fracs else np.zeros(0)
    return out


def summarize(runs: Sequence, *, deltas: Sequence[float] = DELTAS, region: dict | None = None) -> dict:
    """A JSON-ready summary of several runs: ``aiming``, ``pl``, ``qcvx``, ``runs`` (one entry per seed),
    ``steps`` (total measured steps), plus ``region`` when given (from ``region.region_summary``)."""
    p = pooled(runs)
    out = {
        "runs": [{"seed": r.seed, "steps": r.steps, "reference": r.reference, "replay": r.replay,
                  "f_star": r.f_star, "f_star_given": r.f_star_given, "params": r.params,
                  "final_loss": _f(r.columns["loss"][-1]) if r.steps else None}
                 for r in runs],
        "steps": int(sum(r.steps for r in runs)),
        "aiming": aiming_stats(p.get("a", np.zeros(0)), p.get("c", np.zeros(0)), p.get("grad_norm", np.zeros(0)),
                               p.get("dist", np.zeros(0)), p["step_frac"]),
        "pl": pl_stats(p.get("grad_norm", np.zeros(0)), p.get("b", np.zeros(0)), deltas),
        "qcvx": qcvx_stats(p.get("a", np.zeros(0)), p.get("b", np.zeros(0))),
    }
    if region is not None:
        out["region"] = region
    return out
