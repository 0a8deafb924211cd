"""theory.claims: the claim-file schema, symbol scopes, and one-line errors for bad input.

Expected expressions are written by hand with the project's symbols; satisfiability verdicts are
derived by hand in each case's comment."""
from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from theory.claims import BASE_CONDITIONS, Claim, claim_from_dict, load_claim
from theory.conditions import ASSUMPTIONS
from theory.errors import InputError, UnknownNameError
from theory.symbols import L, alpha, beta, c, f, f_star, g2, gamma, gamma_b, k, sym

D0, K, sigma_int, sigma_pos = sym("D0"), sym("K"), sym("sigma_int"), sym("sigma_pos")


def base(**over) -> dict:
    data = {
        "name": "t",
        "assumptions": ["alpha_beta", "smooth"],
        "step": "gamma",
        "parameters": {"gamma": "gamma > 0 and gamma <= (alpha - beta)/(2*L)"},
        "one_step": {"A": "2*gamma*(alpha - beta - L*gamma)", "B": "2*gamma*(beta + L*gamma)"},
    }
    data.update(over)
    return {k_: v for k_, v in data.items() if v is not None}


def error(data, source="c.toml") -> str:
    with pytest.raises(InputError) as info:
        claim_from_dict(data, source)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{source}: ")
    return message


def test_valid_claim_fields():
    claim = claim_from_dict(base(rate={"bound": "D0/(gamma*(alpha - beta)*K) + 2*(L*gamma + beta)*sigma_int/(alpha - beta)"}))
    assert isinstance(claim, Claim)
    assert claim.name == "t" and claim.assumptions == ("alpha_beta", "smooth") and claim.path == "<dict>"
    assert claim.step == gamma
    assert dict(claim.parameters) == {gamma: (sp.Gt(gamma, 0), sp.Le(gamma, (alpha - beta) / (2 * L)))}
    assert claim.one_step["A"] == 2 * gamma * (alpha - beta - L * gamma)
    assert claim.one_step["B"] == 2 * gamma * (beta + L * gamma)
    assert claim.one_step["C"] == 0                                   # default
    assert claim.rate == D0 / (gamma * (alpha - beta) * K) + 2 * (L * gamma + beta) * sigma_int / (alpha - beta)
    assert claim.parameter_symbols == (alpha, beta, L, gamma)
    assert claim.all_conditions() == (sp.Gt(alpha, beta), sp.Ge(beta, 0), sp.Gt(L, 0),
                                      sp.Gt(gamma, 0), sp.Le(gamma, (alpha - beta) / (2 * L)))
    assert claim.hypotheses() == (ASSUMPTIONS["alpha_beta"], ASSUMPTIONS["smooth"])


def test_claim_is_immutable():
    claim = claim_from_dict(base())
    with pytest.raises(AttributeError):
        claim.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        claim.parameters[sym("zzz")] = ()  # type: ignore[index]
    with pytest.raises(TypeError):
        claim.one_step["A"] = sp.Integer(1)  # type: ignore[index]


def test_base_conditions():
    assert BASE_CONDITIONS == (sp.Gt(alpha, beta), sp.Ge(beta, 0), sp.Gt(L, 0))


def test_scopes_step_oracle_schedule():
    claim = claim_from_dict(base(
        step="min((f - f_star)/(c*g2), gamma_b)",
        parameters={"c": "c > 1/(2*(alpha - beta))", "gamma_b": "gamma_b > 0"},
        one_step={"A": "gamma_b", "B": "c", "C": "alpha"}))
    assert claim.step == sp.Min((f - f_star) / (c * g2), gamma_b)
    assert dict(claim.parameters) == {c: (sp.Gt(c, 1 / (2 * (alpha - beta))),), gamma_b: (sp.Gt(gamma_b, 0),)}
    sched = claim_from_dict(base(step="gamma/sqrt(k + 1)"))
    assert sched.step == gamma / sp.sqrt(k + 1)


def test_condition_on_alpha_beta_rides_with_a_parameter():
    claim = claim_from_dict(base(parameters={"gamma": "gamma > 0 and alpha >= beta + 1"}))
    assert claim.parameters[gamma] == (sp.Gt(gamma, 0), sp.Ge(alpha, beta + 1))
    assert sp.Ge(alpha, beta + 1) in claim.all_conditions()


def test_parameters_may_refer_to_each_other():
    claim = claim_from_dict(base(step="gamma", parameters={"gamma": "0 < gamma < gmax", "gmax": "gmax <= 1/L"}))
    assert claim.parameters[gamma] == (sp.Lt(0, gamma), sp.Lt(gamma, sym("gmax")))


def test_rate_only_and_sigma_pos():
    claim = claim_from_dict(base(one_step=None, rate={"bound": "D0/K + sigma_pos"}))
    assert claim.one_step is None and claim.rate == D0 / K + sigma_pos


@pytest.mark.parametrize("over, fragment", [
    ({"one_step": None}, "needs a [one_step] table, a [rate] table, or both"),
    ({"extra": 1}, "unknown key 'extra'"),
    ({"name": None}, "missing key 'name'"),
    ({"step": None}, "missing key 'step'"),
    ({"assumptions": None}, "missing key 'assumptions'"),
    ({"name": ""}, "name: must be a non-empty"),
    ({"name": "a\nb"}, "name: must be a non-empty"),
    ({"name": 3}, "name: must be a string, got int"),
    ({"assumptions": "smooth"}, "assumptions: must be a list of strings, got str"),
    ({"assumptions": ["smooth", "smooth"]}, "assumptions: 'smooth' is listed twice"),
    ({"assumptions": [1]}, "assumptions: must be a string, got int"),
    ({"step": 0.5}, "step: must be a string, got float"),
    ({"step": "gamma*x"}, "step: unknown symbol 'x' at column 7"),
    ({"step": "__import__('os')"}, "step: unexpected token '__import__' at column 1"),
    ({"step": "gamma + D0"}, "may appear only in [rate] bound"),
    ({"step": "2gamma"}, "step: missing operator before 'gamma' at column 2"),
    ({"one_step": {"A": "f", "B": "1"}}, "one_step.A: unknown symbol 'f' at column 1"),
    ({"one_step": {"A": "gamma", "B": "g2"}}, "f, f_star, g2 and k may appear only in step"),
    ({"one_step": {"A": "gamma", "B": "sigma_int"}}, "one_step.B: unknown symbol 'sigma_int'"),
    ({"one_step": {"A": "gamma", "B": "k"}}, "one_step.B: unknown symbol 'k'"),
    ({"one_step": {"A": "gamma"}}, "one_step: missing key 'B'"),
    ({"one_step": {"A": "gamma", "B": "1", "D": "1"}}, "one_step: unknown key 'D'"),
    ({"one_step": {"A": "gamma", "B": "1", "C": 0}}, "one_step.C: must be a string, got int"),
    ({"one_step": "A"}, "one_step: must be a table"),
    ({"rate": {"bound": "f/K"}}, "rate.bound: unknown symbol 'f'"),
    ({"rate": {"bound": "D0/K", "extra": "1"}}, "rate: unknown key 'extra'"),
    ({"rate": {}}, "rate: missing key 'bound'"),
    ({"rate": {"bound": "D0/0"}}, "rate.bound: division by zero"),
    ({"rate": {"bound": "nan"}}, "rate.bound: non-finite literal 'nan'"),
    ({"parameters": {"gamma": "gamma > 0 and D0 > 0"}}, "parameters.gamma: unknown symbol 'D0'"),
    ({"parameters": {"gamma": 1}}, "parameters.gamma: must be a string, got int"),
    ({"parameters": {"gamma": "gamma"}}, "parameters.gamma: unexpected end of expression"),
    ({"parameters": {"gamma": "beta > 0"}}, "parameters.gamma: the condition does not mention gamma"),
    ({"parameters": {"alpha": "alpha > 1"}}, "parameters.alpha: 'alpha' is always declared"),
    ({"parameters": {"L": "L > 1"}}, "'L' is always declared"),
    ({"parameters": {"f_star": "f_star > 1"}}, "'f_star' is a reserved name"),
    ({"parameters": {"K": "K > 1"}}, "'K' is a reserved name"),
    ({"parameters": {"step": "step > 1"}}, "'step' is a reserved name"),
    ({"parameters": {"min": "min > 1"}}, "parameters.min: a parameter name must be"),
    ({"parameters": {"lambda": "lambda > 1"}}, "parameters.lambda: a parameter name must be"),
    ({"parameters": {"__class__": "x > 1"}}, "parameters.__class__: a parameter name must be"),
    ({"parameters": {"nan": "nan > 1"}}, "parameters.nan: a parameter name must be"),
    ({"parameters": "gamma > 0"}, "parameters: must be a table"),
])
def test_bad_input_one_line(over, fragment):
    message = error(base(**over))
    assert fragment in message, message


def test_unknown_assumption_is_unknown_name_error():
    with pytest.raises(UnknownNameError) as info:
        claim_from_dict(base(assumptions=["alpha_beta", "convex"]), "c.toml")
    message = str(info.value)
    assert message.startswith("c.toml: assumptions: unknown assumption 'convex'; known: ")
    for name in ASSUMPTIONS:
        assert name in message


# ---- satisfiability of the parameter conditions --------------------------------------------------
@pytest.mark.parametrize("parameters, where", [
    # c > 0 and c < 0: empty by hand
    ({"gamma": "gamma > 0 and gamma < 0"}, "parameters.gamma"),
    # gamma > alpha and gamma < beta needs beta > alpha, against alpha > beta
    ({"gamma": "gamma > alpha and gamma < beta"}, "parameters.gamma"),
    # L > 0 is always declared: gamma*L < 0 and gamma > 0 is impossible
    ({"gamma": "gamma > 0 and gamma*L < 0"}, "parameters.gamma"),
    # beta >= 0 and alpha > beta force alpha > 0
    ({"gamma": "gamma > 0 and alpha <= 0"}, "parameters.gamma"),
    # squares are nonnegative: gamma^2 + 1 <= gmax < 1 is impossible, but each alone is satisfiable
    ({"gamma": "gamma^2 + 1 <= gmax", "gmax": "gmax < 1"}, "parameters"),
    # each satisfiable alone (gamma = 1; gb = 1), together gamma > 2 gb > 4 gamma > 0 is impossible
    ({"gamma": "gamma > 2*gb", "gb": "gb > 2*gamma and gb > 0"}, "parameters"),
    # min(gamma, 1) > 2 is impossible
    ({"gamma": "min(gamma, 1) > 2"}, "parameters.gamma"),
    # sqrt(gamma) < 0 is impossible where sqrt is defined
    ({"gamma": "sqrt(gamma) < 0"}, "parameters.gamma"),
])
def test_unsatisfiable_conditions_rejected(parameters, where):
    message = error(base(step="gamma", parameters=parameters))
    assert message.startswith(f"c.toml: {where}: ")
    assert "unsatisfiable" in message


@pytest.mark.parametrize("parameters", [
    {"gamma": "gamma > 0 and gamma <= (alpha - beta)/(2*L)"},      # gamma = (alpha - beta)/(4L)
    {"gamma": "gamma > 0 and alpha >= beta + 1"},                   # alpha = 2, beta = 0
    {"gamma": "gamma > 1/(2*(alpha - beta))"},                      # gamma large
    {"gamma": "gamma > 0 and log(gamma) > 5"},                      # gamma = e^6
    {"gamma": "gamma > 2*gb", "gb": "gb > 0"},                      # gb = 1, gamma = 3
    {"gamma": "abs(gamma - 1) < 1/10"},                             # gamma = 1
])
def test_satisfiable_conditions_accepted(parameters):
    claim = claim_from_dict(base(step="gamma", parameters=parameters))
    assert len(claim.parameters) == len(parameters)


def test_z3_unknown_does_not_reject(monkeypatch):
    """A z3 timeout/unknown must not reject the file, even when the conditions are in fact empty."""
    import z3
    monkeypatch.setattr(z3.Solver, "check", lambda self, *a: z3.unknown)
    claim = claim_from_dict(base(parameters={"gamma": "gamma > 0 and gamma < 0"}))
    assert claim.parameters[gamma] == (sp.Gt(gamma, 0), sp.Lt(gamma, 0))


# ---- files ---------------------------------------------------------------------------------------
def write(tmp_path: Path, text: str, name: str = "claim.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_load_claim_from_toml(tmp_path):
    p = write(tmp_path, '''
name = "my-step"
assumptions = ["alpha_beta", "smooth"]
step = "min((f - f_star)/(c*g2), gamma_b)"
[parameters]
c = "c > 1/(2*(alpha - beta))"
gamma_b = "gamma_b > 0"
[rate]
bound = "D0/K + beta*sigma_int/(alpha - beta)"
''')
    claim = load_claim(p)
    assert claim.path == str(p) and claim.name == "my-step"
    assert claim.rate == D0 / K + beta * sigma_int / (alpha - beta)


@pytest.mark.parametrize("text, fragment", [
    ('name = "x"\nstep = \n', "TOML syntax error: "),
    ('name = "x"\nname = "y"\n', "TOML syntax error: "),
    ('[one_step\n', "TOML syntax error: "),
    ('name = "x"\nassumptions = ["smooth"]\nstep = "gamma*x"\n[parameters]\ngamma = "gamma > 0"\n'
     '[rate]\nbound = "D0"\n', "claim.toml: step: unknown symbol 'x' at column 7"),
])
def test_load_claim_errors(tmp_path, text, fragment):
    p = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_claim(p)
    message = str(info.value)
    assert fragment in message and "\n" not in message and message.startswith(str(p))


def test_load_claim_file_problems(tmp_path):
    with pytest.raises(InputError, match="claim file not found"):
        load_claim(tmp_path / "missing.toml")
    with pytest.raises(InputError, match="cannot read claim file"):
        load_claim(tmp_path)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'name = "\xe9"\n')
    with pytest.raises(InputError, match="not UTF-8"):
        load_claim(bad)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 1_000_001)
    with pytest.raises(InputError, match="larger than"):
        load_claim(big)
