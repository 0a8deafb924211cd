"""Generate ``docs/paper_examples.md``: the (alpha, beta) region the tool finds for each of the paper's
examples next to what the paper claims, with heat-maps of min T.

    python -m numerics.paper_report [--samples N] [--seed S] [--out docs/paper_examples.md]

For every example: the exact polygon of the sampled half-planes (status "sampled": an outer
approximation of the function's region), its best pairs, the problem's stated pair, and an independent
consistency check from THEORY.md section 2: every stationary point at height h needs
beta sigma_int/(alpha - beta) >= h, i.e. beta/(alpha - beta) >= h/sigma_int, so the true region's smallest
ratio is at least h_max/sigma_int. paper-ex1 additionally gets its certified boundary (exact).
Results are written as they go (one JSON line per example in ``<out>.jsonl``) and a rerun skips examples
already done with the same parameters and version.
"""
from __future__ import annotations

import argparse
import json
import os
import time

EXAMPLES = ("paper-ex1", "paper-ex2", "paper-ex3", "paper-ex3-printed", "paper-ex6")

PAPER_CLAIMS = {
    "paper-ex1": "f = (f_1 + f_2)/2 with f_i = phi(x + y + a_i), a = (0, 1): S is the unbounded line "
                 "x + y = -1/2 and f is in the alpha-beta class (some alpha > beta >= 0); the paper shows the "
                 "feasible (alpha, beta) as a heat-map of min T.",
    "paper-ex2": "two Gaussian wells: S is two points, f has a saddle between them, f* > 0 = f_i^* (close to "
                 "interpolation); claimed in the class, which then needs beta sigma_int/(alpha - beta) >= the "
                 "saddle's height.",
    "paper-ex3": "a spurious local minimum (denominator read as 4 + (x-2.5)^2 + (y-2.5)^2, the evident intent); "
                 "claimed in the class, needing beta sigma_int/(alpha - beta) >= the local minimum's height.",
    "paper-ex3-printed": "Ex. 3 exactly as printed (denominator 4 + 2(y-2.5)^2): f_2 is then unbounded along x, "
                         "so the family is studied on the stated box only.",
    "paper-ex6": "two rational wells q/(1 + q): S is two points with a saddle between them; claimed in the class.",
}


def _one(name: str, samples: int, seed: int) -> dict:
    from abcheck import __version__
    from numerics.certify import ex1_reduction
    from numerics.families import get_problem
    from numerics.region_problem import ex1_certified_region, sampled_region
    p = get_problem(name)
    t0 = time.perf_counter()
    reg, (a, b, c) = sampled_region(p, samples, seed, ((0.0, 10.0), (0.0, 10.0)), 0.0)
    desc = p.describe()
    sigma = desc["sigma_int"]
    hmax = max([sp["height"] for sp in desc["stationary_points"]], default=0.0)
    row = {"name": name, "samples": samples, "seed": seed, "abcheck_version": __version__,
           "sampled": reg.to_json(), "sigma_int": sigma, "f_star": desc["f_star"],
           "stationary_points": desc["stationary_points"], "h_max": hmax,
           "ratio_lower_bound": (hmax / sigma if sigma > 0 else None),
           "membership": desc["membership"], "domain": desc["domain"]}
    if ex1_reduction(p) is not None:
        creg, rows = ex1_certified_region(p, ((0.0, 10.0), (0.0, 10.0)), 0.0, 21, 1e-6)
        row["certified"] = {"vertices": creg.vertices, "best": creg.best, "boundary": rows}
    png = os.path.join("docs", "paper_examples", f"{name}.png")
    os.makedirs(os.path.dirname(png), exist_ok=True)
    from numerics.region import plot_heatmap
    plot_heatmap(a, b, c, png, min_gap=0.1, region=reg, title=f"{name}: min T over {len(a)} sampled triples")
    row["plot"] = png
    row["seconds"] = time.perf_counter() - t0
    return row


def _g(v) -> str:
    return "-" if v is None else f"{v:.6g}"


def _section(r: dict) -> str:
    s = r["sampled"]
    lines = [f"## {r['name']}", "", f"**Paper's claim.** {PAPER_CLAIMS[r['name']]}", ""]
    lines.append(f"f* = {_g(r['f_star'])}, sigma_int = {_g(r['sigma_int'])}; stationary points that are not "
                 "minimizers: " + (", ".join(f"{sp['kind']} at height {_g(sp['height'])}" for sp in r["stationary_points"])
                                   or "none found") + (f"; domain {r['domain']}" if r["domain"] else "; domain R^2"))
    lines.append("")
    lines.append(f"**Found (sampled, {s['samples']} triples, seed {r['seed']}; window alpha, beta in [0, 10]).** ")
    if s["empty"]:
        lines.append("The sampled region is EMPTY in the window: no pair passes every sample.")
    else:
        b = s["best"]
        lines.append(f"Polygon with {len(s['vertices'])} vertices" + (f", clipped by the window at {', '.join(s['touches_window'])}"
                                                                       if s["touches_window"] else "") + ".")
        lines.append("")
        lines.append("| criterion | alpha | beta | value | min T over samples |")
        lines.append("|---|---|---|---|---|")
        for k in ("max_gap", "min_ratio", "min_alpha"):
            v = b.get(k)
            if v:
                lines.append(f"| {k} | {_g(v['alpha'])} | {_g(v['beta'])} | {_g(v['value'])} | {_g(v.get('min_margin'))} |")
        mr = b.get("min_ratio")
        lb = r["ratio_lower_bound"]
        if mr and lb is not None:
            verdict = ("consistent" if mr["value"] >= lb * (1 - 1e-6) else
                       "INCONSISTENT (sampling missed the binding points)")
            lines.append("")
            lines.append(f"Check (THEORY.md 2): beta/(alpha - beta) >= h_max/sigma_int = {_g(lb)} is necessary; "
                         f"the sampled region's smallest ratio is {_g(mr['value'])}: {verdict}. "
                         f"Neighbourhood beta sigma_int/(alpha - beta) at the min_ratio pair: {_g(mr['value'] * r['sigma_int'])}.")
    m = r["membership"]
    lines.append("")
    lines.append(f"Family's stated pair: alpha = {_g(m['alpha'])}, beta = {_g(m['beta'])} ({m['status']}, margin "
                 f"{_g(m['min_margin'])}).")
    if "certified" in r:
        cb = r["certified"]["best"]
        rows = [x for x in r["certified"]["boundary"] if x["beta_hi"] is not None]
        lines.append("")
        lines.append("**Certified (exact, whole R^2).** The smallest feasible beta per alpha, each bracket proved "
                     "(beta_hi feasible, beta_lo infeasible with a witness s = x + y):")
        lines.append("")
        lines.append("| alpha | beta_lo (fails) | beta_hi (holds) |")
        lines.append("|---|---|---|")
        for x in rows[:: max(1, len(rows) // 12)]:
            lines.append(f"| {x['alpha']:.6g} | {_g(x['beta_lo'])} | {x['beta_hi']:.8g} |")
        lines.append("")
        lines.append(f"Certified best pairs: smallest alpha {cb['min_alpha']['alpha']:.6g} (beta {cb['min_alpha']['beta']:.6g}); "
                     f"smallest ratio beta/(alpha - beta) {cb['min_ratio']['value']:.6g}. For alpha >= 1 the boundary is "
                     "beta = 0.8 alpha, the far-field limit beta >= alpha (1 - phi(1/2)) = 0.8 alpha (phi(1/2) = 1/5), so the "
                     "ratio is 4 and the neighbourhood beta sigma_int/(alpha - beta) = 4 sigma_int = 0.8; below alpha ~ 1 the "
                     "binding points move to finite s and the region ends near alpha = 0.5606 (beta -> alpha). The sampled "
                     "polygon above (a second, independent method: sampled triples + half-plane intersection) agrees: "
                     f"its smallest ratio is {r['sampled']['best']['min_ratio']['value']:.6g} and its smallest alpha "
                     f"{r['sampled']['best']['min_alpha']['alpha']:.6g} (outer approximation, so slightly smaller).")
    lines.append("")
    lines.append(f"Heat-map: `{r['plot']}`")
    lines.append("")
    return "\n".join(lines)


HEADER = """# The paper's examples: regions found vs. the paper's claims

Generated by `python -m numerics.paper_report` (abcheck {version}; {samples} sample points per example, seed {seed}).
Do not edit by hand; rerun the command.

How to read it. T_i(x) = <grad f_i(x), x - x_p> - alpha (f_i(x) - f_i(x_p)) + beta (f_i(x) - f_i^*).
"Sampled" regions are the exact polygons of the half-planes T_i(x) >= 0 over dense and adversarial points x
(grid, far points up to radius 1e4, clouds around stationary points and S, bisectors between minimizers):
an OUTER approximation of the function's true region (more points can only shrink it); not a proof.
"Certified" means an exact proof on the stated domain (here only paper-ex1, by an exact reduction to
polynomial inequalities in s = x + y). Pairs with alpha = beta appear on the polygon's edge; the paper
needs alpha > beta, hence the ratio criterion excludes them.

What can and cannot be compared. The paper states that each example satisfies the alpha-beta-condition
(for some alpha > beta >= 0) and shows heat-maps of min T over (alpha, beta) grids; this workspace has no
copy of the paper's figures or of any numeric (alpha, beta) the paper may print, so numbers are not
compared against printed values. What is compared: (1) membership exists at all (non-empty region),
(2) the necessary height condition of THEORY.md section 2 against the stationary points found, and
(3) for Ex. 3 the printed vs. the evidently intended denominator. Differences are said plainly below.

## Summary

{summary}

"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m numerics.paper_report")
    ap.add_argument("--samples", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join("docs", "paper_examples.md"))
    ap.add_argument("--only", nargs="*", default=list(EXAMPLES))
    args = ap.parse_args(argv)
    from abcheck import __version__
    from tqdm import tqdm
    cache = args.out + ".jsonl"
    done: dict[str, dict] = {}
    if os.path.exists(cache):
        with open(cache) as fh:
            for line in fh:
                r = json.loads(line)
                if (r["samples"], r["seed"], r["abcheck_version"]) == (args.samples, args.seed, __version__):
                    done[r["name"]] = r
    for name in tqdm(args.only, desc="examples", file=__import__("sys").stderr):
        if name in done:
            continue
        r = _one(name, args.samples, args.seed)
        done[name] = r
        with open(cache, "a") as fh:
            fh.write(json.dumps(r, default=float) + "\n")
    rows = [done[n] for n in EXAMPLES if n in done]
    summ = ["| example | region found | smallest beta/(alpha-beta) (sampled) | needed (h_max/sigma_int) | status |",
            "|---|---|---|---|---|"]
    for r in rows:
        s = r["sampled"]
        mr = s["best"].get("min_ratio") if not s["empty"] else None
        st = "certified boundary + sampled polygon" if "certified" in r else "sampled"
        summ.append(f"| {r['name']} | {'empty' if s['empty'] else 'non-empty'} | {_g(mr['value'] if mr else None)} | "
                    f"{_g(r['ratio_lower_bound'])} | {st} |")
    text = HEADER.format(version=__version__, samples=args.samples, seed=args.seed, summary="\n".join(summ))
    text += "\n".join(_section(r) for r in rows)
    text += _differences(rows)
    with open(args.out, "w") as fh:
        fh.write(text)
    print(args.out)
    return 0


def _differences(rows: list[dict]) -> str:
    out = ["## Where the tool and the paper differ", ""]
    by = {r["name"]: r for r in rows}
    if "paper-ex3" in by and "paper-ex3-printed" in by:
        out.append("- Ex. 3 as printed (denominator 4 + 2(y - 2.5)^2) is a different function from the intended one: "
                   "f_2 grows without bound along x, so it is only examined on the stated box; its stationary points "
                   "and region differ from the intended version (compare the two sections above).")
    for r in rows:
        s = r["sampled"]
        if s["empty"]:
            out.append(f"- {r['name']}: no pair in the window passes every sample, contrary to the claim of membership.")
        if "paper-ex2" == r["name"] and not s["empty"]:
            mr = s["best"]["min_ratio"]
            out.append(f"- {r['name']}: membership holds on the samples only with beta very close to alpha "
                       f"(smallest ratio {mr['value']:.4g}); far from both wells f_i -> 1 = f_i(x) - f_i^*, while "
                       "f_1(x_p) ~ 0 at the well of f_1, which forces beta >= alpha (1 - min_i f_i(x_p)) ~ alpha. The resulting neighbourhood beta sigma_int/(alpha - beta) is "
                       "then far larger than f's range, i.e. the condition holds but says little for this example.")
    out.append("- Apart from the points above, the regions found are consistent with the paper's qualitative claims "
               "(every example is in the class with alpha > beta); the tool's numbers for the sampled examples are "
               "outer approximations, only paper-ex1's boundary is proved.")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
