"""The built-in theorems end to end: every lemma is certified by the kernel, confirmed by z3 and compiled
by Coq; and the rate specialisation is exactly THEORY.md's SGD rate."""
import json
import re
import subprocess
import sys

import pytest

from proofs.theorems import prove, run_backends
from conftest import require_coqc


def test_sgd_all_backends(tmp_path):
    require_coqc()
    r = prove("sgd")
    b = run_backends(r, out_dir=tmp_path)
    assert r.proved
    assert b["z3"]["status"] == "proved"
    assert b["coq"]["status"] == "proved"
    for lem in b["coq"]["lemmas"]:
        text = open(lem["path"]).read()
        assert not re.search(r"\b(Admitted|admit|Axiom)\s*\.", text)


@pytest.mark.slow
def test_sps_max_all_backends(tmp_path):
    require_coqc()
    r = prove("sps_max")
    b = run_backends(r, out_dir=tmp_path)
    assert r.proved and b["z3"]["status"] == "proved" and b["coq"]["status"] == "proved"
    # the admissible range of c came out of the derivation: c > 1/(2(alpha - beta)), and nothing else
    assert [str(e) for e, strict in r.derivation.conditions] == ["2*alpha*c - 2*beta*c - 1"]


def test_prove_cli_json_fields():
    out = subprocess.run([sys.executable, "-m", "abcheck.cli", "prove", "sgd", "--json", "--no-coq"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    for key in ("name", "status", "backends", "bound", "bound_latex", "A", "B", "parameter_conditions"):
        assert key in js
    assert set(js["backends"]) >= {"sympy", "z3", "coq"}
    assert js["status"] == "proved" and js["backends"]["coq"]["status"] == "skipped"


@pytest.mark.parametrize("argv", [["prove", "nope"], ["prove", "sgd", "--param", "alpha=1", "--param", "beta=2"],
                                  ["prove", "sgd", "--param", "L=-1"], ["prove", "sgd", "--param", "gamma=nan"],
                                  ["verify", "--param", "alpha=2", "--param", "beta=1", "--param", "L=1",
                                   "--param", "gamma=0.9", "--theorem", "sgd", "--no-coq"]])
def test_bad_input_one_line_exit_2(argv):
    out = subprocess.run([sys.executable, "-m", "abcheck.cli", *argv], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, (out.returncode, out.stderr)
    errors = [line for line in out.stderr.splitlines() if line.startswith("abcheck: error:")]
    assert len(errors) == 1 and "Traceback" not in out.stderr, out.stderr
