"""`abcheck functions list/show` end to end (in-process through abcheck.cli.main)."""
from __future__ import annotations

import json
import textwrap

import pytest

from abcheck import __version__
from abcheck.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_json(capsys):
    code, out, _ = run(capsys, "functions", "list", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["abcheck_version"] == __version__
    names = [p["name"] for p in data["problems"]]
    assert "saddle-tight" in names and names == sorted(names)
    assert set(data["problems"][0]) == {"name", "summary", "features", "params"}


def test_list_text(capsys):
    code, out, _ = run(capsys, "functions", "list")
    assert code == 0 and "paper-ex1" in out and "features:" in out


def test_show_json_fields(capsys):
    code, out, _ = run(capsys, "functions", "show", "saddle-tight", "--param", "A=4", "--json")
    assert code == 0
    d = json.loads(out)
    p = d["problem"]
    assert p["params"]["A"] == 4.0 and p["membership"]["status"] == "sampled"
    assert {"f_star", "f_star_i", "sigma_int", "L", "stationary_points", "membership", "domain"} <= set(p)
    assert d["validation"] is None and d["abcheck_version"] == __version__


def test_show_check_and_plot(capsys, tmp_path):
    out_png = tmp_path / "ex2.png"
    code, out, _ = run(capsys, "functions", "show", "paper-ex2", "--check", "--plot", str(out_png))
    assert code == 0 and "all checks passed (sampled)" in out
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv,msg", [
    (["functions", "show", "nope"], "unknown problem"),
    (["functions", "show", "saddle-tight", "--param", "A"], "key=value"),
    (["functions", "show", "saddle-tight", "--param", "A=zz"], "must be float"),
    (["functions", "show", "saddle-tight", "--param", "A=2", "--param", "A=3"], "twice"),
    (["functions", "show", "highdim", "--param", "d=3", "--plot", "x.png"], "2-D"),
    (["functions", "show", "saddle-tight", "--plot", "x.jpg"], "PNG"),
    (["functions", "show", "missing.py:factory"], "not found"),
])
def test_bad_input_is_one_line_exit_2(capsys, argv, msg):
    code, _, err = run(capsys, *argv)
    assert code == 2 and msg in err and err.count("\n") == 1 and "Traceback" not in err


def test_no_action_exits_2(capsys):
    code, _, _ = run(capsys, "functions")
    assert code == 2


def test_user_factory_violations_exit_1(capsys, tmp_path):
    f = tmp_path / "bad.py"
    f.write_text(textwrap.dedent('''
        import torch
        from numerics.problem import FunctionProblem, Membership
        C = torch.tensor([[0.0, 0.0], [2.0, 0.0]], dtype=torch.float64)
        def factory(fstar2="0.0"):
            return FunctionProblem(name="bad", d=2, n=2,
                losses=lambda x: 0.5 * ((x.unsqueeze(-2) - C) ** 2).sum(-1),
                project=lambda x: torch.tensor([1.0, 0.0], dtype=torch.float64).expand_as(x).clone(),
                f_star_i=[0.0, float(fstar2)], f_star=0.5, L=1.0, membership=Membership(alpha=1.0, beta=0.0))
    '''))
    code, out, _ = run(capsys, "functions", "show", f"{f}:factory", "--json")
    assert code == 0 and json.loads(out)["validation"]["ok"] is True
    code, out, _ = run(capsys, "functions", "show", f"{f}:factory", "--param", "fstar2=0.3", "--json")
    assert code == 1
    rep = json.loads(out)["validation"]
    bad = [c for c in rep["checks"] if not c["ok"]]
    assert bad and bad[0]["name"] == "f_star_i" and bad[0]["component"] == 1 and bad[0]["point"] is not None
