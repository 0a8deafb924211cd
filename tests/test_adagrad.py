"""AdaGrad-norm-max theorem (proofs/adagrad.py): the rate, its soundness, the memory rules of proofs/rules.py.

Independent facts used: a hand derivation of the rate; direct simulation of the state recursion on random
gradient-norm sequences (Hypothesis); direct summation of the exact-sum form; Coq on the one fact about ln.
"""
from __future__ import annotations

import math
import random
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from conftest import require_coqc
from proofs import adagrad as ada
from proofs.kernel import check
from proofs.rules import instantiate_sums, log_potential, state_induction, weighted_telescoping
from theory.methods import b0
from theory.symbols import D0, G, K, alpha, beta, gamma, sigma_int

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def result():
    return ada.prove_adagrad_norm_max()


@pytest.fixture(scope="module")
def parts():
    bases, steps = ada.invariant_lemmas()
    memory = state_induction(ada.METHOD, ada.INVARIANTS, tuple(p.kernel for p in bases), tuple(p.kernel for p in steps))
    rem, wl, al = ada.remainder_lemmas()
    return {"bases": bases, "steps": steps, "memory": memory, "rem": rem, "wl": wl, "al": al,
            "one": ada.deterministic_one_step()}


def _point(rng: random.Random) -> dict:
    a = rng.uniform(0.2, 3.0)
    return {alpha: a, beta: a * rng.uniform(0, 0.9), gamma: rng.uniform(0.05, 2), b0: rng.uniform(0.1, 3),
            G: rng.uniform(0.1, 5), D0: rng.uniform(0, 10), sigma_int: rng.uniform(0, 1)}


def test_theorem_is_proved_with_every_rule(result):
    assert result.proved
    assert all(p.kernel.proved for p in result.proofs)
    assert [c.rule for c in result.rules] == ["state_induction", "log_potential", "weighted_telescoping",
                                              "telescoping_sum", "instantiate_sums"]
    assert all(c.holds for c in result.rules)


def test_rate_equals_the_hand_derivation(result):
    """By hand: sum_k a_k >= 2(alpha-beta) gamma P, P = (2/G)(sqrt(b0^2+(K+1)G) - sqrt(b0^2+G)); numerator
    D0 + sigma_int sum_k B_k + gamma^2 ln(1 + KG/b0^2) with sum_k B_k = 2 alpha gamma K/b0 - sum_k a_k."""
    rng = random.Random(1)
    for _ in range(20):
        pt = _point(rng)
        Kv = rng.randint(1, 500)
        a, bt, g, b, Gv, d, s = (float(pt[x]) for x in (alpha, beta, gamma, b0, G, D0, sigma_int))
        P = 2 * (math.sqrt(b * b + (Kv + 1) * Gv) - math.sqrt(b * b + Gv)) / Gv
        hand = (d + g * g * math.log(1 + Kv * Gv / b**2)) / (2 * (a - bt) * g * P) \
            + s * (a * Kv / ((a - bt) * b * P) - 1)
        got = float(result.bound.xreplace({**pt, K: Kv}))
        assert got == pytest.approx(hand, rel=1e-12)


def test_rate_dominates_the_exact_sum_form(result):
    """(D0 + sigma_int sum B_k + gamma^2 ln(1 + KG/b0^2))/sum a_k, summed term by term, is <= the stated rate."""
    rng = random.Random(2)
    for _ in range(30):
        pt = _point(rng)
        Kv = rng.randint(1, 300)
        a, bt, g, b, Gv, d, s = (float(pt[x]) for x in (alpha, beta, gamma, b0, G, D0, sigma_int))
        ak = [2 * (a - bt) * g / math.sqrt(b * b + (j + 1) * Gv) for j in range(Kv)]
        Bk = [2 * a * g / b - x for x in ak]
        exact = (d + s * sum(Bk) + g * g * math.log(1 + Kv * Gv / b**2)) / sum(ak)
        assert exact <= float(result.bound.xreplace({**pt, K: Kv})) * (1 + 1e-12)


@pytest.mark.parametrize("claimed", [
    ada.RATE * sp.Rational(99, 100),                                            # everything x 0.99
    ada.RATE.xreplace({ada.LOG_K: ada.LOG_K * sp.Rational(9, 10)}),             # the ln term x 0.9
    ada.rate_for(ada.P_K * sp.Rational(101, 100)),                              # the sum bound overstated by 1%
    ada.RATE - sigma_int / 100,                                                 # neighbourhood -1 -> -1.01
])
def test_strengthened_rates_are_not_proved(claimed):
    res = ada.prove_adagrad_norm_max(claimed=claimed)
    assert not res.proved
    assert res.rules[-1].rule == "instantiate_sums" and not res.rules[-1].holds
    # each is really stronger: smaller than the stated rate at a point meeting the hypotheses
    pt = {**_point(random.Random(3)), K: 10, ada.LOG_K: 1}
    assert float(claimed.xreplace(pt)) < float(ada.RATE.xreplace(pt))


@settings(max_examples=200, deadline=None)
@given(g=st.floats(0.05, 3), b=st.floats(0.05, 3), Gv=st.floats(0.01, 10),
       fracs=st.lists(st.floats(0, 1), min_size=1, max_size=60))
def test_state_recursion_meets_the_rules_conclusions(g, b, Gv, fracs):
    """Run c_k^2 = max(c_{k-1}^2, g2_k), b_k^2 = b_{k-1}^2 + c_k^2 on any gradient norms g2_k in [0, G]: the five
    invariants hold at every k, gamma/sqrt(X_k) <= gamma_k <= gamma/b0, and sum_k R_k <= gamma^2 ln(1 + KG/b0^2)."""
    c2, b2, total = 0.0, b * b, 0.0
    for j, fr in enumerate(fracs):
        assert 0 <= c2 <= Gv * (1 + 1e-12) and b2 > 0 and b * b <= b2 * (1 + 1e-12) <= (b * b + j * Gv) * (1 + 1e-9)
        g2v = fr * Gv
        M = max(c2, g2v)
        step = g / math.sqrt(b2 + M)
        assert g / math.sqrt(b * b + (j + 1) * Gv) <= step * (1 + 1e-12) and step <= g / b * (1 + 1e-12)
        total += g * g - b2 * step * step
        c2, b2 = M, b2 + M
    assert total <= g * g * math.log(1 + len(fracs) * Gv / (b * b)) * (1 + 1e-9) + 1e-12


def test_induction_rule_refuses_wrong_premises(parts):
    bases, steps = [p.kernel for p in parts["bases"]], [p.kernel for p in parts["steps"]]
    assert parts["memory"].holds
    swapped = (steps[1], steps[0], *steps[2:])
    assert "after one step" in state_induction(ada.METHOD, ada.INVARIANTS, tuple(bases), swapped).reason
    # the base of b2_prev > 0 is not a proof of b2_prev >= b0^2 at the start
    wrong_base = (*bases[:3], bases[2], bases[4])
    assert not state_induction(ada.METHOD, ada.INVARIANTS, wrong_base, tuple(steps)).holds
    # a step lemma assuming something that is not an invariant (g2 <= c2_prev) is refused, though certified
    extra = replace(steps[0].lemma, hypotheses=steps[0].lemma.hypotheses + (("bogus", ada._c2 - ada.g2_),))
    certs = parts["steps"][0].certificates
    kr = check(extra, certs)
    assert kr.proved
    assert "not k >= 0" in state_induction(ada.METHOD, ada.INVARIANTS, tuple(bases), (kr, *steps[1:])).reason
    # an invariant that reads the oracle is refused
    bad_inv = ((ada.g2_, False),) + ada.INVARIANTS[1:]
    assert not state_induction(ada.METHOD, bad_inv, tuple(bases), tuple(steps)).holds
    # a base lemma may not assume the state
    kb = check(replace(bases[2].lemma, positive=bases[2].lemma.positive + (ada._b,)), parts["bases"][2].certificates)
    assert not state_induction(ada.METHOD, ada.INVARIANTS, (*bases[:2], kb, *bases[3:]), tuple(steps)).holds


def test_false_invariant_is_not_certified():
    """b2_prev <= b0^2 + k G/2 is false (g2 = G every step); its step lemma's certificate does not carry over."""
    from proofs.schedules import _lemma
    P = b0**2 + ada.k * G / 2 - ada._b
    upd = {ada._b: ada.METHOD.state[1].update, ada._c2: ada.METHOD.state[0].update, ada.k: ada.k + 1}
    lem = _lemma("false_step", P.xreplace(upd), ada._state_ctx())
    good = ada.invariant_lemmas()[1][4]
    assert not check(lem, {c: v for c, v in good.certificates.items()}).proved


def test_log_rule_refuses_wrong_premises(parts):
    m, rem, wl, al = parts["memory"], parts["rem"].kernel, parts["wl"].kernel, parts["al"].kernel
    U = b0**2 + ada.k * G
    ok = log_potential(rem, wl, al, m, ada.METHOD, ada._b, U, ada.R_k, gamma**2)
    assert ok.holds and ok.data["log"] == (gamma**2, (G * K + b0**2) / b0**2)
    assert not log_potential(rem, wl, al, m, ada.METHOD, ada._b, U, ada.R_k, -gamma**2).holds      # w < 0
    assert not log_potential(rem, wl, al, m, ada.METHOD, ada._b, U, 2 * ada.R_k, gamma**2).holds   # other R
    assert not log_potential(rem, wl, al, m, ada.METHOD, ada._b, b0**2 + ada.k * G / 2, ada.R_k, gamma**2).holds
    assert not log_potential(rem, wl, al, m, ada.METHOD, ada._c2, U, ada.R_k, gamma**2).holds   # c2 > 0 unproved
    bad_memory = state_induction(ada.METHOD, ada.INVARIANTS, (), ())       # an induction that does not hold
    assert not bad_memory.holds and not log_potential(rem, wl, al, bad_memory, ada.METHOD, ada._b, U, ada.R_k, gamma**2).holds


def test_telescoping_rule_refuses_a_remainder_it_does_not_see(parts, result):
    m = parts["memory"]
    rem = log_potential(parts["rem"].kernel, parts["wl"].kernel, parts["al"].kernel, m, ada.METHOD, ada._b,
                        b0**2 + ada.k * G, ada.R_k, gamma**2)
    a_low, a_pos = result.proofs[-4].kernel, result.proofs[-3].kernel
    assert a_low.lemma.name == "adagrad_A_lower" and a_pos.lemma.name == "adagrad_a_positive"
    one = parts["one"].kernel
    args = (one, a_low, a_pos, ada.METHOD.step, ada.a_k, ada.B_k, ada.a_k)
    assert weighted_telescoping(*args, memory=m, remainder=rem).holds
    assert not weighted_telescoping(*args, memory=m).holds               # R on the right side but not accounted
    assert not weighted_telescoping(*args).holds                         # the step reads the state: needs memory
    assert not weighted_telescoping(*args, remainder=rem).holds          # remainder without invariants


def test_instantiate_refuses_a_clashing_log_symbol(result):
    tele, total, inst = result.rules[2], result.rules[3], result.rules[4]
    final = result.proofs[-1].kernel
    c = 2 * (alpha - beta) * gamma
    args = (tele, ((ada.S_ADA, total, c, -c),), final, ada.RATE)
    assert instantiate_sums(*args, const=(0, 2 * alpha * gamma / b0), log_symbol=ada.LOG_K).holds
    assert not instantiate_sums(*args, const=(0, 2 * alpha * gamma / b0), log_symbol=ada.S_ADA).holds
    assert not instantiate_sums(*args, const=(0, alpha * gamma / b0), log_symbol=ada.LOG_K).holds   # wrong sum of B
    assert inst.data["bound"].has(sp.log)


def test_coq_proves_the_ln_fact_and_rejects_a_false_one(tmp_path):
    coqc = require_coqc()
    src = ROOT / "proofs" / "coq" / "log_potential.v"
    good = tmp_path / "log_potential.v"
    good.write_text(src.read_text())
    r = subprocess.run([coqc, str(good.name)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    bad = tmp_path / "log_potential_false.v"     # (v - u) <= ln v - ln u is false (u = 1, v = 10)
    bad.write_text(src.read_text().replace("(v - u) / v <= ln v - ln u", "(v - u) <= ln v - ln u"))
    r = subprocess.run([coqc, str(bad.name)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0


def test_cli_prove_adagrad(capsys):
    import json
    from abcheck.cli import main
    assert main(["prove", "adagrad_norm_max", "--json", "--no-z3", "--no-coq"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["status"] == "proved" and js["assumptions"] == ["alpha_beta", "bounded_gradients"]
    assert [r["holds"] for r in js["rules"]] == [True] * 5 and "log" in js["bound"]
    assert js["remainder"] != "0"


def test_verify_cross_checks_on_an_interpolating_problem(capsys):
    """A short run on pseudo-huber (sigma_int = 0, proved G): the bound is evaluated with the problem's G."""
    import json
    from abcheck.cli import main
    rc = main(["verify", "--theorem", "adagrad_norm_max", "--json", "--no-z3", "--no-coq", "--seeds", "200",
               "--iters", "30"])
    js = json.loads(capsys.readouterr().out)["theorems"][0]
    assert rc == 0 and js["numerics"]["verdict"] == "consistent" and js["numerics"]["problem"] == "pseudo-huber"
    from numerics.families import get_problem
    assert js["numerics"]["bound_inputs"]["G"] == get_problem("pseudo-huber").grad_sq_bound
    assert js["numerics"]["bound_inputs"]["sigma_int"] == 0


def test_verify_refuses_a_problem_without_a_proved_gradient_bound():
    from abcheck.commands.verify import numeric_params
    from numerics.families import get_problem
    from proofs.theorems import prove
    from theory.errors import InputError
    result = prove("adagrad_norm_max")
    with pytest.raises(InputError, match="no proved gradient bound"):
        numeric_params(result, get_problem("saddle-tight"), {})
    assert numeric_params(result, get_problem("saddle-tight"), {"G": 3.0})["G"] == 3.0


def test_z3_and_coq_agree(result, tmp_path):
    require_coqc()
    from proofs.theorems import run_backends
    b = run_backends(result, out_dir=tmp_path)
    assert b["z3"]["status"] == "proved" and b["coq"]["status"] == "proved"
    assert any(x["path"].endswith("log_potential.v") and x["status"] == "proved" for x in b["coq"]["lemmas"])


def test_claim_with_bounded_gradients_must_declare_G(tmp_path):
    from theory.claims import load_claim
    from theory.errors import InputError
    text = 'name = "x"\nassumptions = ["alpha_beta", "bounded_gradients"]\nstep = "gamma"\n' \
           '[parameters]\ngamma = "gamma > 0"\n{G}[one_step]\nA = "gamma"\nB = "0"\n'
    p = tmp_path / "c.toml"
    p.write_text(text.format(G=""))
    with pytest.raises(InputError, match="'bounded_gradients' uses G; declare it"):
        load_claim(p)
    p.write_text(text.format(G='G = "G > 0"\n'))
    assert load_claim(p).assumptions == ("alpha_beta", "bounded_gradients")


def test_a_theorem_stating_fewer_assumptions_than_its_rules_used_is_not_proved():
    from proofs.theorems import prove
    r = prove("adagrad_norm_max")
    assert r.proved and "bounded_gradients" in r.rules[-1].assumptions
    r.spec = replace(r.spec, assumptions=("alpha_beta",))      # drops bounded gradients: must not be proved
    assert not r.proved
