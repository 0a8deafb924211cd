"""``abcheck simulate`` and ``abcheck sweep``: JSON fields, plots, resume, claim files and bad input (exit 2)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from abcheck.cli import main

HERE = Path(__file__).resolve().parent
QUAD = f"{HERE / 'simulate_problems.py'}:quadratic"
THEOREM1 = "D0/(K*gamma*(alpha - beta)) + 2*L*gamma*sigma_int/(alpha - beta) + 2*beta*sigma_int/(alpha - beta)"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_json_consistent(capsys):
    code, out, err = run(capsys, "simulate", "--method", "sgd", "--problem", QUAD, "--param", "gamma=0.3",
                         "--seeds", "300", "--iters", "100", "--bound", THEOREM1, "--json", "--seed", "3")
    assert code == 0, err
    d = json.loads(out)
    for f in ("verdict", "estimate", "ci_low", "ci_high", "bound", "ratio", "seeds", "iterations", "diverged",
              "seed", "params", "abcheck_version", "ci_method", "quantity"):
        assert f in d
    assert d["verdict"] == "consistent" and d["seeds"] == 300 and d["iterations"] == 100 and d["seed"] == 3
    assert d["bound"] == pytest.approx(18 / (100 * 0.3) + 2 * 0.3 * (2 / 3))


def test_simulate_violated_exit_1(capsys):
    code, out, _ = run(capsys, "simulate", "--method", "sgd", "--problem", QUAD, "--param", "gamma=0.3",
                       "--seeds", "300", "--iters", "100", "--bound", "0.01", "--json")
    assert code == 1 and json.loads(out)["verdict"] == "violated"


def test_simulate_plot_writes_png_and_pdf(tmp_path, capsys):
    png = tmp_path / "conv.png"
    code, out, err = run(capsys, "simulate", "--method", "sps_max", "--problem", QUAD, "--seeds", "50",
                         "--iters", "40", "--bound", "D0/K + sigma_int", "--plot", str(png))
    assert code == 0, err
    for f in ("conv.png", "conv.pdf", "conv_steps.png", "conv_steps.pdf"):
        assert (tmp_path / f).stat().st_size > 1000
    assert (tmp_path / "conv.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "verdict" in out


def test_simulate_claim_file(tmp_path, capsys):
    claim = tmp_path / "sgd.toml"
    claim.write_text(
        'name = "my-sgd"\nassumptions = ["alpha_beta", "smooth"]\nstep = "gamma"\n'
        '[parameters]\ngamma = "0 < gamma <= (alpha - beta)/(2*L)"\n'
        f'[rate]\nbound = "{THEOREM1}"\n')
    code, out, err = run(capsys, "simulate", "--claim", str(claim), "--problem", QUAD, "--param", "gamma=0.4",
                         "--seeds", "200", "--iters", "80", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["verdict"] == "consistent" and d["params"]["alpha"] == 1.0 and d["params"]["gamma"] == 0.4
    # outside the claim's parameter condition: bad input
    code, _, err = run(capsys, "simulate", "--claim", str(claim), "--problem", QUAD, "--param", "gamma=0.9",
                       "--seeds", "5", "--iters", "5")
    assert code == 2 and "violates" in err and err.count("\n") == 1


def test_sweep_resume_and_plot(tmp_path, capsys):
    out_file = tmp_path / "sweep.jsonl"
    args = ["sweep", "--method", "sgd", "--problem", QUAD, "--seeds", "100", "--iters", "50", "--bound", THEOREM1,
            "--out", str(out_file), "--json"]
    code, out, err = run(capsys, *args, "--values", "gamma=0.1,0.3")
    assert code == 0, err
    assert len(out_file.read_text().splitlines()) == 2
    code, out, err = run(capsys, *args, "--values", "gamma=0.1,0.3,0.5", "--plot", str(tmp_path / "s.png"))
    assert code == 0, err
    assert len(out_file.read_text().splitlines()) == 3  # the first two were reused, not recomputed
    d = json.loads(out)
    assert [r["value"] for r in d["results"]] == [0.1, 0.3, 0.5]
    assert d["best_value"] in (0.1, 0.3, 0.5) and (tmp_path / "s.pdf").exists()
    est = {r["value"]: r["estimate"] for r in d["results"]}
    assert d["best_estimate"] == min(est.values())


@pytest.mark.parametrize("argv,match", [
    (["simulate", "--method", "adam", "--problem", QUAD], "unknown method"),
    (["simulate", "--method", "sgd", "--problem", "nope"], "unknown problem"),
    (["simulate", "--method", "sgd", "--problem", "missing.py:f"], "not found"),
    (["simulate", "--method", "sgd", "--problem", f"{HERE / 'simulate_problems.py'}:not_a_problem"], "not a"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--seeds", "0"], "seeds"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--seeds", "100000000", "--iters", "100"], "MiB"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--seeds", "10", "--iters", "2000000000"], "MiB"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--seeds", "10", "--iters", "3000000000"], "2^31"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--param", "gamma=-1"], "violates"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--param", "gamma=nan"], "finite"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--param", "gamma"], "NAME=VALUE"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--bound", "__import__('os')"], ""),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--bound", "D0 + zeta"], "zeta"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--x0", "1,2,3"], "x0"),
    (["simulate", "--method", "sgd", "--problem", QUAD, "--plot", "out.gif", "--seeds", "2", "--iters", "2"], ".png"),
    (["simulate", "--claim", "nope.toml", "--problem", QUAD], "not found"),
    (["sweep", "--method", "sgd", "--problem", QUAD, "--vary", "gamma=1:0.1:3"], "LOW <= HIGH"),
    (["sweep", "--method", "sgd", "--problem", QUAD, "--vary", "gamma=0.1:1"], "LOW:HIGH:COUNT"),
    (["sweep", "--method", "sgd", "--problem", QUAD], "exactly one"),
])
def test_bad_input_is_one_line_exit_2(capsys, argv, match):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("abcheck: error:") and err.count("\n") == 1 and match in err
    assert "Traceback" not in err
