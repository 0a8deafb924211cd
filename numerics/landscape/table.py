"""The results table of the landscape experiments (markdown), generated from their ``summary.json`` files.

Per configuration: the feasible ranges of alpha and beta (the extent of the exact polygon inside the
window; an end equal to the window edge 10 means "at least up to the window"), the best
beta / (alpha - beta) and where it is attained, the PL constant mu_min (delta = 2) and the range of the
relaxed-PL constants over delta in {1, 1.25, 1.5, 1.75, 2}, and the fraction of steps where Aiming fails (a_k < 0). Per
experiment: the paper's qualitative finding, whether the measurement agrees, and the sentence of
``assess``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from theory.errors import InputError

from .assess import assess

START, END = "<!-- landscape-table:start -->", "<!-- landscape-table:end -->"


def _clean(x: float) -> float:
    """Floating-point dust of the polygon computation (|x| < 1e-12) shown as 0."""
    return 0.0 if abs(x) < 1e-12 else x


def _g(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{_clean(x):.{digits}g}"


def _range(vals: list[float], hi_edge: float | None) -> str:
    if not vals:
        return "empty"
    lo, hi = _clean(min(vals)), _clean(max(vals))
    top = f"{hi:.3g}" + ("+" if hi_edge is not None and hi >= hi_edge - 1e-9 else "")
    return f"[{lo:.3g}, {top}]"


def config_row(exp: str, cfg: dict) -> list[str]:
    reg = cfg.get("region") or {}
    verts = reg.get("vertices") or []
    win = reg.get("window") or {"alpha": [0, 10], "beta": [0, 10]}
    ar = _range([v[0] for v in verts], win["alpha"][1])
    br = _range([v[1] for v in verts], win["beta"][1])
    best = (reg.get("best") or {}).get("min_ratio")
    best_s = "-" if best is None else f"{_g(best['value'])} at ({_g(best['alpha'])}, {_g(best['beta'])})"
    mu = (cfg.get("pl") or {}).get("mu_min") or {}
    mus = [v for v in mu.values() if v is not None]
    mu_s = "-" if not mus else f"{_g(mu.get('2'))} ({_g(min(mus))} .. {_g(max(mus))})"
    aim = cfg.get("aiming") or {}
    fneg = aim.get("fraction_negative")
    early = aim.get("fraction_negative_first_20pct")
    aim_s = "-" if fneg is None else f"{100 * fneg:.1f}% (first 20%: {_g(None if early is None else 100 * early, 3)}%)"
    seeds = len(cfg.get("runs") or [])
    g = cfg.get("region_gap_0_1")
    gap_s = "-" if g is None else ("no" if g["empty"] else "yes")
    return [exp, cfg["label"], str(seeds), str(cfg.get("steps", 0)), ar, br, gap_s, best_s, mu_s, aim_s]


def results_table(summaries: Iterable[dict]) -> str:
    """Markdown: a per-configuration table, then a per-experiment comparison with the paper."""
    summaries = list(summaries)
    head = ["experiment", "setting", "seeds", "steps", "alpha range", "beta range", "feasible with alpha >= beta + 0.1",
            "best beta/(alpha-beta) at (alpha, beta)", "PL mu_min: delta=2 (range over delta 1..2)",
            "Aiming fails (a_k < 0)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in summaries:
        for cfg in s.get("configs", []):
            lines.append("| " + " | ".join(config_row(s["experiment"], cfg)) + " |")
    lines += ["", "| experiment | run size | paper's workload | paper's finding | agrees | measured |",
              "|---|---|---|---|---|---|"]
    for s in summaries:
        a = assess(s)  # recomputed: the checks of the current version
        size = "quick" if s.get("quick") else "full"
        lines.append(f"| {s['experiment']} | {size} | {s.get('paper_setup', '')} | {s.get('paper_finding', '')} | "
                     f"{a['agrees']} | {a['sentence']} |")
    return "\n".join(lines) + "\n"


def load_summaries(folders: Iterable[str | Path]) -> list[dict]:
    out = []
    for f in folders:
        p = Path(f) / "summary.json"
        if not p.exists():
            raise InputError(f"no summary.json in {str(f)!r}; run the experiment first")
        try:
            s = json.loads(p.read_text())
        except json.JSONDecodeError:
            raise InputError(f"{str(p)!r} is not valid JSON") from None
        if "experiment" not in s or "configs" not in s:
            raise InputError(f"{str(p)!r} is not a landscape summary")
        out.append(s)
    return out


def update_doc(path: str | Path, table: str, note: str = "") -> None:
    """Replace the text between the table markers of ``path`` (appending the markers if absent)."""
    path = Path(path)
    text = path.read_text() if path.exists() else ""
    block = f"{START}\n{note}{table}{END}"
    if START in text and END in text:
        pre, rest = text.split(START, 1)
        _, post = rest.split(END, 1)
        text = pre + block + post
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    path.write_text(text)
