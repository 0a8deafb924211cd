"""Verdicts of `abcheck claim` on the example files and on deliberately wrong claims (soundness)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from abcheck.claim_verdict import decide_claim
from theory.claims import claim_from_dict, load_claim

EX = Path(__file__).resolve().parent.parent / "examples" / "claims"

SGD = {"name": "sgd", "assumptions": ["alpha_beta", "smooth"], "step": "gamma",
       "parameters": {"gamma": "gamma > 0 and gamma <= (alpha - beta)/(2*L)"},
       "rate": {"bound": "D0/(gamma*(alpha - beta)*K) + 2*(L*gamma + beta)*sigma_int/(alpha - beta)"}}


def test_true_sgd_claim_proved():
    assert decide_claim(load_claim(EX / "sgd.toml"), numerics=False).status == "proved"


@pytest.mark.parametrize("name", ["false_sgd_factor", "false_sgd_missing_neighbourhood", "false_sgd_range"])
def test_false_sgd_claims_not_proved(name):
    v = decide_claim(load_claim(EX / f"{name}.toml"), numerics=False)
    assert v.status != "proved"
    assert v.derived["A"]   # the best certified lemma is reported


def test_false_one_step_claim_refuted_with_exact_counterexample():
    data = dict(SGD, one_step={"A": "2*gamma*(alpha - beta - L*gamma)*101/100", "B": "2*gamma*(beta + L*gamma)"})
    data.pop("rate")
    v = decide_claim(claim_from_dict(data), numerics=False)
    assert v.status == "refuted"
    cx = {k: sp.Rational(x) for k, x in v.counterexample.items()}
    g, a, b, L_ = cx["gamma"], cx["alpha"], cx["beta"], cx["L"]
    # independent re-check of the counterexample: hypotheses hold and the claimed inequality fails
    assert cx["gd"] - a * (cx["f"] - cx["f_p"]) + b * (cx["f"] - cx["f_star"]) >= 0
    assert 2 * L_ * (cx["f"] - cx["f_star"]) - cx["g2"] >= 0
    assert cx["d2"] >= 0 and cx["g2"] >= 0 and cx["gd"] ** 2 <= cx["d2"] * cx["g2"]   # realizable
    assert cx["f"] >= cx["f_star"] and cx["f_p"] >= cx["f_star"] and a > b >= 0 and L_ > 0
    A = 2 * g * (a - b - L_ * g) * sp.Rational(101, 100); B = 2 * g * (b + L_ * g)
    assert -2 * g * cx["gd"] + g**2 * cx["g2"] > -A * (cx["f"] - cx["f_p"]) + B * (cx["f_p"] - cx["f_star"])


SGD_CONSTANTS = [  # (field, original text, strengthened variants): each strengthening must not be proved
    ("bound", "2*(L*gamma + beta)", ["2*(L*gamma + beta)*99/100", "2*(L*gamma + beta)*9/10", "(L*gamma + beta)"]),
    ("bound", "D0/(gamma*(alpha - beta)*K)", ["D0*99/(100*gamma*(alpha - beta)*K)", "D0*9/(10*gamma*(alpha - beta)*K)",
                                                "D0/(2*gamma*(alpha - beta)*K)"]),
    ("cond", "(alpha - beta)/(2*L)", ["(alpha - beta)*101/(200*L)", "(alpha - beta)*11/(20*L)", "(alpha - beta)/L"]),
]


@pytest.mark.parametrize("field,orig,variant", [(f, o, v) for f, o, vs in SGD_CONSTANTS for v in vs])
def test_soundness_strengthened_sgd_claims_never_proved(field, orig, variant):
    data = json.loads(json.dumps(SGD))
    if field == "bound":
        data["rate"]["bound"] = data["rate"]["bound"].replace(orig, variant)
    else:
        data["parameters"]["gamma"] = data["parameters"]["gamma"].replace(orig, variant)
    assert variant in json.dumps(data)
    assert decide_claim(claim_from_dict(data), numerics=False).status != "proved"


def test_cli_exit_codes(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nassumptions = ["nope"]\nstep = "gamma"\n[parameters]\ngamma = "gamma > 0"\n'
                   '[rate]\nbound = "D0"\n')
    r = subprocess.run([sys.executable, "-m", "abcheck.cli", "claim", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "nope" in r.stderr
    r = subprocess.run([sys.executable, "-m", "abcheck.cli", "claim", str(EX / "sgd.toml"), "--json",
                        "--no-numerics", "--no-coq"], capture_output=True, text=True)
    assert r.returncode == 0
    js = json.loads(r.stdout)
    assert js["status"] == "proved" and {"name", "derived", "certificate", "counterexample", "backends"} <= set(js)


def test_false_range_claim_refuted_numerically():
    """With numerics, the false range claim is refuted by simulation: SGD at the top edge gamma = (alpha - beta)/L
    of its stated range, on the family quadratic-interp (docs/claims.md)."""
    v = decide_claim(load_claim(EX / "false_sgd_range.toml"), numerics=True)
    assert v.status == "refuted_numerically", (v.status, v.reason, v.notes)
    fd = v.numerics[0]
    assert fd["function"] == "quadratic-interp" and fd["params"]["gamma"] == 2.0
    assert fd["ci_low"] > fd["bound"] and fd["seed"] == 0 and fd["iterations"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("name,expected", [("sps_max", "proved"), ("ngn", "proved"),
                                           ("ngn_paper_one_step", "proved"), ("ngn_any_gamma", "proved")])
def test_example_verdicts(name, expected):
    v = decide_claim(load_claim(EX / f"{name}.toml"), numerics=False)
    assert v.status == expected, (v.status, v.reason, v.notes)
    if name == "ngn_paper_one_step":
        assert v.backends["z3"]["status"] == "proved"   # the paper's form: a square times f_star in the certificate


@pytest.mark.slow
def test_ngn_any_gamma_with_a_smaller_positivity_error_is_not_proved():
    """C x 0.99 of the any-gamma NGN lemma: z3 finds a counterexample (a realizable point), never proved."""
    import tomllib
    from theory.claims import claim_from_dict
    data = tomllib.loads((EX / "ngn_any_gamma.toml").read_text())
    data["one_step"]["C"] = "99/100*" + "(" + data["one_step"]["C"] + ")"
    v = decide_claim(claim_from_dict(data, "c99"), numerics=False)
    assert v.status in ("refuted", "not_proved") and v.status != "proved"
