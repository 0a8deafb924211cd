"""``abcheck landscape``: the quick experiments end to end, resume, interruption, bad input, the table."""
from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pytest

from abcheck.cli import main
from numerics.landscape import experiments as E
from numerics.landscape.runner import run_experiment


def _fakes():
    """The fake-dataset writers of test_landscape_datasets.py, loaded by path (works in any import mode)."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("_landscape_fakes", Path(__file__).with_name("test_landscape_datasets.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _columns(folder):
    """All stored per-step columns of a result folder, pooled (read back independently of the summary)."""
    cols = {}
    with open(folder / "runs.jsonl") as fh:
        for line in fh:
            rec = json.loads(line)
            for k, v in rec["measurement"]["columns"].items():
                cols.setdefault(k, []).extend(v)
    return {k: np.array(v) for k, v in cols.items()}


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    """Every experiment at --quick size, once (halfspace through the CLI with figures)."""
    root = tmp_path_factory.mktemp("landscape")
    out = {}
    for name in E.EXPERIMENTS:
        folder = root / name
        if name == "halfspace":
            continue
        out[name] = (folder, run_experiment(name, quick=True, out_dir=folder, progress=False, figures=False))
    return root, out


def test_halfspace_cli_json(tmp_path, capsys):
    out = tmp_path / "hs"
    assert main(["landscape", "--experiment", "halfspace", "--quick", "--json", "--out", str(out)]) == 0
    s = json.loads(capsys.readouterr().out)
    exp = E.get("halfspace")
    cfg = exp.configs(True)[0]
    assert s["steps"] == cfg.epochs * 40 * len(exp.seeds(True)) and len(s["runs"]) == len(exp.seeds(True))
    cols = _columns(out)
    assert len(cols["a"]) == s["steps"]
    # Aiming fraction recounted from the stored columns
    assert s["aiming"]["fraction_negative"] == pytest.approx(np.mean(cols["a"] < 0))
    # PL (delta = 2) recomputed by hand: min |g|^2 / (2 b) over steps with b > 0
    pos = cols["b"] > 0
    assert s["pl"]["mu_min"]["2"] == pytest.approx(np.min(cols["grad_norm"][pos] ** 2 / (2 * cols["b"][pos])), rel=1e-9)
    assert set(s["pl"]["mu_min"]) >= {"1", "1.25", "1.5", "1.75"}
    # every vertex of the reported region satisfies T >= 0 on every stored step (up to rounding)
    reg = s["region"]
    assert set(reg) >= {"vertices", "best"} and not reg["empty"]
    scale = np.abs(cols["a"]) + 10 * (np.abs(cols["b"]) + np.abs(cols["c"]))
    for al, be in reg["vertices"]:
        t = cols["a"] - al * cols["b"] + be * cols["c"]
        assert np.all(t >= -1e-9 * (1 + scale))
    # the paper's point on this problem: Aiming fails at some iterations while the alpha-beta-condition holds
    assert s["aiming"]["fraction_negative"] > 0 and s["assessment"]["agrees"] == "yes"
    for r in s["runs"]:
        assert r["replay"]["checked"] and r["replay"]["max_abs_loss_diff"] == 0.0
    for png in s["configs"][0]["figures"]:
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert s["abcheck_version"] and s["seeds"] == list(exp.seeds(True))
    # resume: a second call measures nothing new and reports the same region
    lines = (out / "runs.jsonl").read_text().count("\n")
    assert main(["landscape", "--experiment", "halfspace", "--quick", "--json", "--out", str(out), "--no-figures"]) == 0
    s2 = json.loads(capsys.readouterr().out)
    assert (out / "runs.jsonl").read_text().count("\n") == lines
    assert s2["region"]["vertices"] == reg["vertices"]
    # a larger window: same stored runs, a larger polygon that contains the old one's vertices' constraints
    assert main(["landscape", "--experiment", "halfspace", "--quick", "--json", "--out", str(out), "--no-figures",
                 "--window", "0,100,0,100"]) == 0
    s3 = json.loads(capsys.readouterr().out)
    assert s3["region"]["window"] == {"alpha": [0.0, 100.0], "beta": [0.0, 100.0]}
    assert s3["region"]["best"]["max_gap"]["value"] >= reg["best"]["max_gap"]["value"]


def test_quick_experiments(quick_results):
    for name, (folder, s) in quick_results[1].items():
        exp = E.get(name)
        cfgs = exp.configs(True)
        assert [c["label"] for c in s["configs"]] == [c.label for c in cfgs]
        for c, cfg in zip(s["configs"], cfgs):
            n = len(cfg.data[0])
            assert c["steps"] == math.ceil(n / cfg.batch_size) * cfg.epochs * len(exp.seeds(True)), name
            assert all(r["replay"]["max_abs_loss_diff"] == 0.0 for r in c["runs"])
            assert c["region"]["samples"] == c["steps"]
        cols = _columns(folder)
        assert s["aiming"]["fraction_negative"] == pytest.approx(np.mean(cols["a"] < 0))
        assert s["complete"] and s["assessment"]["sentence"]


def test_table_from_summaries(quick_results, tmp_path, capsys):
    root, res = quick_results
    doc = tmp_path / "doc.md"
    doc.write_text("# title\n\nintro\n")
    folders = [str(f) for f, _ in res.values()]
    assert main(["landscape", "--table", "--results", *folders, "--write", str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith("# title\n\nintro\n") and "from quick runs" in text
    for name, (_, s) in res.items():
        for c in s["configs"]:
            row = [ln for ln in text.splitlines() if ln.startswith(f"| {name} | {c['label']} |")]
            assert len(row) == 1
            assert f"{100 * c['aiming']['fraction_negative']:.1f}%" in row[0]
    # rewriting replaces the block instead of appending a second one
    assert main(["landscape", "--table", "--results", *folders, "--write", str(doc)]) == 0
    assert doc.read_text().count("landscape-table:start") == 1


def test_interrupted_run_keeps_what_it_measured(tmp_path):
    base = E.get("optimizers")
    calls = {"n": 0}

    def build(quick, options):
        cfgs = base.configs(True)[:2]
        good = cfgs[1].model

        def flaky():
            calls["n"] += 1
            if calls["n"] == 1:
                raise KeyboardInterrupt
            return good()
        cfgs[1].model = flaky
        return cfgs

    exp = E.Experiment("flaky", "flaky", "x", "", "", "", build, seeds_quick=(0,))
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, quick=True, out_dir=tmp_path, progress=False, figures=False)
    s = json.loads((tmp_path / "summary.json").read_text())
    assert not s["complete"] and [c["label"] for c in s["configs"]] == ["sgd"] and s["steps"] > 0
    done = (tmp_path / "runs.jsonl").read_text().count("\n")
    s2 = run_experiment(exp, quick=True, out_dir=tmp_path, progress=False, figures=False)
    assert s2["complete"] and len(s2["configs"]) == 2
    assert (tmp_path / "runs.jsonl").read_text().count("\n") == done + 1   # only the missing run was measured


WORKLOAD = textwrap.dedent('''
    import numpy as np, torch
    from torch import nn
    from numerics.landscape import Config

    X = torch.randn(32, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    Y = (X[:, 0] > 0).long()

    class Noisy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 2).double()
            self.rng = np.random.default_rng()
        def forward(self, x):
            return self.lin(x) + torch.tensor(self.rng.normal(size=2) * 1e-3)

    def sgd(p):
        return torch.optim.SGD(p, lr=0.1)

    def noisy(quick):
        return Config("noisy", 0, Noisy, nn.functional.cross_entropy, (X, Y), sgd, 8, 1)

    def negative(quick):
        return Config("neg", 0, lambda: nn.Linear(4, 2).double(),
                      lambda o, t: nn.functional.cross_entropy(o, t) - 3.0, (X, Y), sgd, 8, 1)

    def fine():
        return [Config("lin", 0, lambda: nn.Linear(4, 2).double(), nn.functional.cross_entropy, (X, Y), sgd, 8, 1)]

    def broken():
        return 42
''')


def _err(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    err = [ln for ln in err if ln.startswith("abcheck:")]
    assert len(err) == 1
    return err[0]


def test_bad_input_one_line_exit_2(tmp_path, capsys):
    wl = tmp_path / "wl.py"
    wl.write_text(WORKLOAD)
    out = str(tmp_path / "o")
    assert main(["landscape", "--experiment", "resnet900"]) == 2
    assert "unknown experiment 'resnet900'" in _err(capsys)
    assert main(["landscape", "--experiment", "halfspace", "--seeds", "1,x"]) == 2
    assert "--seeds" in _err(capsys)
    assert main(["landscape", "--workload", f"{wl}:noisy", "--out", out, "--no-figures"]) == 2
    assert "replay mismatch at step 0" in _err(capsys)
    assert main(["landscape", "--workload", f"{wl}:negative", "--out", out + "n", "--no-figures"]) == 2
    assert "negative" in _err(capsys)
    assert main(["landscape", "--workload", f"{wl}:negative", "--out", out + "m", "--no-figures",
                 "--f-star", "-3", "--json"]) == 0
    capsys.readouterr()
    assert main(["landscape", "--workload", f"{wl}:broken", "--out", out + "b"]) == 2
    assert "must return a Config" in _err(capsys)
    import torch
    ref = tmp_path / "ref.pt"
    torch.save({"weight": torch.zeros(3, 4, dtype=torch.float64), "bias": torch.zeros(2, dtype=torch.float64)}, ref)
    assert main(["landscape", "--workload", f"{wl}:fine", "--out", out + "r", "--reference", str(ref)]) == 2
    assert "'weight' has shape (3, 4)" in _err(capsys)
    (tmp_path / "junk.pt").write_bytes(b"not a tensor file")
    assert main(["landscape", "--workload", f"{wl}:fine", "--reference", str(tmp_path / "junk.pt")]) == 2
    assert "cannot read reference file" in _err(capsys)
    assert main(["landscape", "--experiment", "mlp_width", "--dataset", "fashion_mnist", "--quick"]) == 2
    assert "--data-dir" in _err(capsys)
    assert main(["landscape", "--experiment", "halfspace", "--window", "0,1,2"]) == 2
    assert "--window" in _err(capsys)
    assert main(["landscape", "--table", "--results", str(tmp_path / "none")]) == 2
    assert "no summary.json" in _err(capsys)


def test_fashion_mnist_from_disk(tmp_path, capsys):
    fake_fashion = _fakes().fake_fashion
    data = tmp_path / "fmnist"
    data.mkdir()
    fake_fashion(data, n=24)
    assert main(["landscape", "--experiment", "mlp_width", "--quick", "--dataset", "fashion_mnist", "--data-dir",
                 str(data), "--seeds", "0", "--no-figures", "--json", "--out", str(tmp_path / "o")]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["options"]["dataset"] == "fashion_mnist" and s["configs"][0]["params"]["dataset"] == "fashion_mnist"
    # 24 examples, batch 64: one step per epoch
    assert s["configs"][0]["steps"] == E.get("mlp_width").configs(True)[0].epochs


def test_per_sample_region_inside_minibatch_region(tmp_path, capsys):
    # T_B = mean_{i in B} T_i, so a pair feasible for every single example is feasible for every minibatch:
    # each vertex of the per-sample polygon must satisfy the minibatch constraints
    wl = tmp_path / "wl.py"
    wl.write_text(WORKLOAD)
    out = tmp_path / "ps"
    assert main(["landscape", "--workload", f"{wl}:fine", "--per-sample", "--seeds", "0,1", "--json",
                 "--no-figures", "--out", str(out)]) == 0
    s = json.loads(capsys.readouterr().out)
    ps = s["configs"][0]["per_sample"]
    assert ps["samples"] == 32 * 2  # one epoch of 32 examples, two seeds
    cols = _columns(out)
    for al, be in ps["region"]["vertices"]:
        t = cols["a"] - al * cols["b"] + be * cols["c"]
        assert np.all(t >= -1e-9 * (1 + np.abs(cols["a"]) + 10 * np.abs(cols["b"]) + 10 * np.abs(cols["c"])))


def test_cnn_on_cifar_files(tmp_path):
    fake_cifar = _fakes().fake_cifar
    data = tmp_path / "c10"
    data.mkdir()
    fake_cifar(data, "cifar10", n_per_batch=4)  # 5 batches x 4 = 20 images 3 x 32 x 32
    s = run_experiment("cnn_channels", quick=True, out_dir=tmp_path / "o", progress=False, figures=False, seeds=[0],
                       options={"dataset": "cifar10", "data_dir": str(data)})
    cfg = E.get("cnn_channels").configs(True, {"dataset": "cifar10", "data_dir": str(data)})[0]
    assert cfg.data[0].shape == (20, 3, 32, 32)
    assert [c["steps"] for c in s["configs"]] == [cfg.epochs, cfg.epochs]  # one minibatch per epoch
