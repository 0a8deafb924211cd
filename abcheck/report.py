"""Turning theorem and claim results into JSON (stable field names) and text for people."""
from __future__ import annotations

import json
import sys

import sympy as sp

from abcheck import __version__


def expr_text(e) -> str:
    return sp.sstr(e)


def certificate_json(certs: dict) -> dict:
    out = {}
    for label, c in certs.items():
        out[label] = {
            "terms": [{"multiplier": expr_text(t.multiplier), "factors": [expr_text(f) for f in t.factors]}
                      for t in c.terms],
            "equalities": [{"multiplier": expr_text(q.multiplier), "equality": expr_text(q.equality)}
                           for q in c.eq_terms],
            "squares": [{"weight": expr_text(s.weight), "base": expr_text(s.base)} for s in c.squares],
            "facts": [{"expr": expr_text(f.expr), "lower": expr_text(f.lower), "strict": f.strict}
                      for f in c.facts],
            "slack": expr_text(c.slack),
        }
    return out


def theorem_json(r) -> dict:
    from proofs.theorems import condition_text
    d = r.derivation
    sympy_status = "proved" if r.proved else "failed"
    return {
        "name": r.spec.name,
        "status": "proved" if r.proved else "not_proved",
        "method": r.method.name,
        "step": expr_text(r.method.step),
        "assumptions": list(r.spec.assumptions),
        "A": expr_text(d.A), "B": expr_text(d.B), "C": expr_text(d.C),
        "bound": expr_text(r.bound),
        "bound_latex": sp.latex(r.bound),
        "rate_general": expr_text(d.rate),
        "parameter_conditions": [condition_text(e, s) for e, s in r.conditions],
        "derived_conditions": [condition_text(e, s) for e, s in d.conditions],
        "backends": {
            "sympy": {"status": sympy_status,
                      "lemmas": [{"lemma": lem.name, "proved": k.proved, "reason": k.reason}
                                 for lem, _, k in r.lemmas]},
            **r.backends,
        },
        "certificate": {lem.name: certificate_json(certs) for lem, certs, _ in r.lemmas},
        "rules": [{"rule": c.rule, "holds": c.holds, "statement": c.statement, "reason": c.reason}
                  for c in getattr(r, "rules", [])],
        "remainder": expr_text(getattr(d, "remainder", 0)),
        "seconds": round(r.seconds, 3),
        "abcheck_version": __version__,
    }


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def theorem_text(r, js: dict) -> str:
    lines = [f"Theorem {js['name']}: {r.spec.description}",
             f"  step size      : gamma_k = {js['step']}",
             f"  assumptions    : {', '.join(js['assumptions'])}",
             f"  conditions     : {'; '.join(js['parameter_conditions']) or '(none beyond alpha > beta >= 0, L > 0)'}",
             "  one-step lemma : E||x+ - x_p||^2 <= d2 - A (f - f*) + B sigma_int + C sigma_pos",
             f"                   A = {js['A']}", f"                   B = {js['B']}", f"                   C = {js['C']}",
             *([f"                   + E R_k, R_k = {js['remainder']} (summed along the trajectory)"]
               if js["remainder"] != "0" else []),
             f"  rate           : min_k E[f(x_k) - f*] <= {js['bound']}",
             f"  LaTeX          : {js['bound_latex']}",
             "  certificates   :"]
    for lem, certs, k in r.lemmas:
        lines.append(f"    {lem.name}: {'certified' if k.proved else 'NOT certified: ' + k.reason}")
        for label, c in certs.items():
            parts = [f"({expr_text(t.multiplier)})*[{' * '.join(expr_text(f) for f in t.factors)}]" for t in c.terms]
            parts += [f"({expr_text(q.multiplier)})*[{expr_text(q.equality)} = 0]" for q in c.eq_terms]
            parts += [f"({expr_text(q.weight)})*({expr_text(q.base)})^2" for q in c.squares]
            if c.facts:
                parts.append(f"[{len(c.facts)} certified fact(s): " +
                             "; ".join(f"{expr_text(fa.expr)} >= {expr_text(fa.lower)}" for fa in c.facts) + "]")
            if c.slack != 0:
                parts.append(f"slack {expr_text(c.slack)}")
            lines.append(f"      case {label}: goal = " + (" + ".join(parts) or "0"))
    for c in js["rules"]:
        lines.append(f"  rule {c['rule']:<20}: {'holds' if c['holds'] else 'FAILS: ' + c['reason']}: {c['statement']}")
    lines.append("  backends       : " + ", ".join(f"{k}: {v['status']}" + (f" ({v['reason']})" if v.get("reason") and v["status"] == "skipped" else "")
                                         for k, v in js["backends"].items()))
    lines.append(f"  status         : {js['status'].upper()}  ({js['seconds']} s)")
    return "\n".join(lines)
