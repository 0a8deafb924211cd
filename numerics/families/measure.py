"""Re-measure a family's sampled membership (the stored constants in ``measured.py`` come from here).

    python -m numerics.families.measure NAME [--seed S] [--grid G] [--param k=v ...]

Prints one JSON object: the Membership fields plus name, params, seed and abcheck_version. Families that
measure at construction (exact 1-D reductions) simply report that measurement.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict


def measure_family(name: str, seed: int = 0, grid: int = 161, **params) -> dict:
    """The membership of get_problem(name, **params), freshly measured where the family supports it."""
    from abcheck import __version__
    from numerics.families import get_problem
    p = get_problem(name, **params)
    m = p.measure_membership(seed=seed, grid=grid) if hasattr(p, "measure_membership") else p.membership
    out = asdict(m)
    out.update({"name": name, "params": dict(p.params), "seed": seed, "grid": grid, "abcheck_version": __version__})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m numerics.families.measure")
    ap.add_argument("name")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--grid", type=int, default=161)
    ap.add_argument("--param", action="append", default=[])
    a = ap.parse_args(argv)
    params = dict(item.split("=", 1) for item in a.param)
    json.dump(measure_family(a.name, a.seed, a.grid, **params), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
