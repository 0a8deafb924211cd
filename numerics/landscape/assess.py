"""Compare an experiment's measured summary with the paper's qualitative finding (THEORY.md section 8).

Each check reads only measured numbers and returns {"agrees": "yes" | "partly" | "no", "checks": [...],
"sentence": "..."}. The common check is "the condition holds along all runs": the exact feasible region
of every configuration is nonempty (window [0, 10]^2, alpha >= beta). Trend checks compare a measured
quantity across the varied setting ("decreasing": non-increasing with a smaller last value); with quick runs (one epoch, one or two seeds) trends are noise, which
the sentence says.
"""
from __future__ import annotations

from typing import Any


def _min_alpha(cfg: dict) -> float | None:
    best = (cfg.get("region") or {}).get("best") or {}
    v = best.get("min_alpha")
    return None if v is None else v["alpha"]


def _beta_at_min_alpha(cfg: dict) -> float | None:
    best = (cfg.get("region") or {}).get("best") or {}
    v = best.get("min_alpha")
    return None if v is None else v["beta"]


def _fmt(xs: list) -> str:
    return ", ".join("-" if x is None else f"{0.0 if abs(x) < 1e-12 else x:.3g}" for x in xs)


def _trend(values: list[float | None]) -> str:
    v = [0.0 if abs(x) < 1e-12 else x for x in values if x is not None]
    if len(v) < 2:
        return "undetermined"
    if all(x >= y for x, y in zip(v, v[1:])) and v[0] > v[-1]:
        return "decreasing"
    if all(x <= y for x, y in zip(v, v[1:])) and v[0] < v[-1]:
        return "increasing"
    i = max(range(len(v)), key=lambda j: v[j])
    if 0 < i < len(v) - 1:
        return "rises then falls"
    return "not monotone"


def assess(summary: dict) -> dict:
    name = summary["experiment"]
    cfgs = summary.get("configs", [])
    checks: list[dict[str, Any]] = []
    holds = bool(cfgs) and all(c.get("region") and not c["region"]["empty"] for c in cfgs)
    n_empty = sum(1 for c in cfgs if not c.get("region") or c["region"]["empty"])
    checks.append({"claim": "the condition holds along all runs", "measured": holds,
                   "detail": f"{len(cfgs) - n_empty} of {len(cfgs)} configurations have a nonempty feasible region"})
    labels = [c["label"] for c in cfgs]
    nb = [c.get("neighbourhood") for c in cfgs]
    ma = [_min_alpha(c) for c in cfgs]
    trend_ok: bool | None = None
    if name == "mlp_width":
        t = _trend(ma)
        tn = _trend(nb)
        trend_ok = (t == "rises then falls") and (tn == "decreasing")
        checks.append({"claim": "smallest feasible alpha first grows then shrinks with width", "measured": t == "rises then falls",
                       "detail": f"min alpha over widths ({', '.join(labels)}): {_fmt(ma)} ({t})"})
        checks.append({"claim": "the neighbourhood beta sigma_int/(alpha-beta) shrinks with width", "measured": tn == "decreasing",
                       "detail": f"neighbourhood: {_fmt(nb)} ({tn})"})
    elif name in ("cnn_channels", "batch_size"):
        tn = _trend(nb)
        trend_ok = tn == "decreasing"
        what = "channels" if name == "cnn_channels" else "batch size"
        checks.append({"claim": f"the neighbourhood beta sigma_int/(alpha-beta) shrinks with {what}", "measured": trend_ok,
                       "detail": f"neighbourhood over {', '.join(labels)}: {_fmt(nb)} ({tn})"})
    elif name == "optimizers":
        by = {c["label"]: c for c in cfgs}
        if "adam" in by and "sgd" in by:
            aa, sa = _min_alpha(by["adam"]), _min_alpha(by["sgd"])
            ab, sb = _beta_at_min_alpha(by["adam"]), _beta_at_min_alpha(by["sgd"])
            trend_ok = None not in (aa, sa, ab, sb) and aa < sa and ab <= sb
            checks.append({"claim": "Adam gives smaller alpha and beta than SGD", "measured": bool(trend_ok),
                           "detail": f"min-alpha pair: Adam ({_fmt([aa, ab])}), SGD ({_fmt([sa, sb])})"})
    elif name == "halfspace":
        fneg = (summary.get("aiming") or {}).get("fraction_negative") or 0.0
        trend_ok = fneg > 0
        checks.append({"claim": "Aiming fails at some iterations", "measured": fneg > 0,
                       "detail": f"a_k < 0 at {100 * fneg:.1f}% of steps"})
    passed = [c["measured"] for c in checks]
    if all(passed):
        agrees = "yes"
    elif holds:
        agrees = "partly"
    else:
        agrees = "no"
    quick = summary.get("quick")
    parts = []
    parts.append("The alpha-beta-condition holds along every measured run" if holds
                 else f"The condition fails (empty region) for {n_empty} configuration(s)")
    for c in checks[1:]:
        parts.append(("as in the paper, " if c["measured"] else "unlike the paper, ") + c["claim"] +
                     (" is observed" if c["measured"] else " is not observed") + f" [{c['detail']}]")
    sentence = "; ".join(parts) + "."
    if quick and trend_ok is not None:
        sentence += " (Quick run: short training and few seeds, so trends are not reliable.)"
    return {"agrees": agrees, "checks": checks, "sentence": sentence}
