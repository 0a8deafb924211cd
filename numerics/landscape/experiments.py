"""The paper's experiments (THEORY.md section 8) rebuilt on data available offline.

Each experiment is a list of configurations (one varied setting) x a list of seeds; ``quick`` shrinks
sizes so that it finishes in well under a minute on 2 CPU cores (used by the tests), the full size in
under 10 minutes. Where the paper's workload cannot run here (Fashion-MNIST, CIFAR, ResNets, Penn
Treebank), the substitution is stated in ``substitution``; the MLP and CNN studies run on Fashion-MNIST
or CIFAR too when given ``dataset`` and ``data_dir`` (files on disk, see ``datasets``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import nn

from theory.errors import InputError, UnknownNameError

from . import datasets, models


@dataclass
class Config:
    """One training setting: everything ``measure.measure_run`` needs, plus a label and the varied value."""

    label: str
    value: Any
    model: Callable[[], nn.Module]
    loss_fn: Callable
    data: Any
    optimizer: Callable
    batch_size: int
    epochs: int
    penalty: Callable | None = None
    f_star: float | None = None
    params: dict = field(default_factory=dict)


@dataclass
class Experiment:
    name: str
    title: str
    varied: str
    paper_setup: str
    paper_finding: str
    substitution: str
    build: Callable[[bool, dict], list[Config]]
    seeds_quick: tuple[int, ...] = (0, 1)
    seeds_full: tuple[int, ...] = (0, 1, 2)

    def configs(self, quick: bool, options: dict | None = None) -> list[Config]:
        return self.build(quick, dict(options or {}))

    def seeds(self, quick: bool) -> tuple[int, ...]:
        return self.seeds_quick if quick else self.seeds_full


# ---------------------------------------------------------------------------------------------------
def _image_data(options: dict, quick: bool) -> tuple[torch.Tensor, torch.Tensor, str]:
    name = options.get("dataset") or "digits"
    limit = options.get("max_samples")
    if name == "digits":
        x, y = datasets.digits(limit or (640 if quick else None))
    elif name in ("fashion_mnist", "cifar10", "cifar100"):
        root = options.get("data_dir")
        if not root:
            raise InputError(f"dataset {name} needs --data-dir (files on disk; nothing is downloaded)")
        limit = limit or (2000 if not quick else 512)
        x, y = (datasets.fashion_mnist(root, "train", limit) if name == "fashion_mnist"
                else datasets.cifar(root, name, "train", limit))
    else:
        raise UnknownNameError("dataset", name, ["digits", "fashion_mnist", "cifar10", "cifar100"])
    return x, y, name


def _classes(y: torch.Tensor) -> int:
    return int(y.max()) + 1


def _sgd(lr: float, momentum: float = 0.0) -> Callable:
    return lambda p: torch.optim.SGD(p, lr=lr, momentum=momentum)


def _mlp(x: torch.Tensor, width: int, classes: int) -> Callable[[], nn.Module]:
    d = int(x[0].numel())
    return lambda: models.MLP(d, width, classes).double()


def _cnn(x: torch.Tensor, c2: int, classes: int, c1: int = 16) -> Callable[[], nn.Module]:
    ch, side = int(x.shape[1]), int(x.shape[-1])
    return lambda: models.CNN(ch, c1, c2, side, classes).double()


CE = nn.functional.cross_entropy


def _build_mlp_width(quick: bool, o: dict) -> list[Config]:
    x, y, name = _image_data(o, quick)
    widths = (16, 64) if quick else (32, 128, 512, 1024)
    epochs = 4 if quick else 8
    return [Config(f"width={w}", w, _mlp(x, w, _classes(y)), CE, (x, y), _sgd(0.09), 64, epochs,
                   params={"width": w, "lr": 0.09, "dataset": name}) for w in widths]


def _build_cnn_channels(quick: bool, o: dict) -> list[Config]:
    x, y, name = _image_data(o, quick)
    chans = (4, 16) if quick else (8, 32, 128, 256)
    epochs = 3 if quick else 5
    return [Config(f"channels={c}", c, _cnn(x, c, _classes(y)), CE, (x, y), _sgd(0.05), 64, epochs,
                   params={"conv2_channels": c, "conv1_channels": 16, "lr": 0.05, "dataset": name}) for c in chans]


def _build_batch_size(quick: bool, o: dict) -> list[Config]:
    x, y, name = _image_data(o, quick)
    sizes = (32, 128) if quick else (16, 64, 256)
    epochs = 2 if quick else 8
    return [Config(f"batch={b}", b, _cnn(x, 32, _classes(y)), CE, (x, y), _sgd(0.05), b, epochs,
                   params={"batch_size": b, "conv2_channels": 32, "lr": 0.05, "dataset": name}) for b in sizes]


def _build_optimizers(quick: bool, o: dict) -> list[Config]:
    x, y, name = _image_data(o, quick)
    width = 64 if quick else 256
    epochs = 3 if quick else 8
    opts = [("sgd", _sgd(0.09), {"lr": 0.09}),
            ("sgd_momentum", _sgd(0.01, 0.9), {"lr": 0.01, "momentum": 0.9}),
            ("adam", lambda p: torch.optim.Adam(p, lr=1e-3), {"lr": 1e-3})]
    return [Config(label, label, _mlp(x, width, _classes(y)), CE, (x, y), opt, 64, epochs,
                   params={"optimizer": label, "width": width, "dataset": name, **hp}) for label, opt, hp in opts]


def _halfspace_init(dim: int) -> Callable[[], nn.Module]:
    def make() -> nn.Module:
        m = models.Linear1(dim)
        with torch.no_grad():
            m.x.copy_(3.0 * torch.randn(dim, dtype=torch.float64))
        return m
    return make


def _build_halfspace(quick: bool, o: dict) -> list[Config]:
    dim = 2
    x, y = datasets.halfspace(n_per_class=20, dim=dim, variance=2.0)
    epochs = 15 if quick else 150
    lam = 1e-5
    return [Config("halfspace", "halfspace", _halfspace_init(dim), models.sigmoid_margin_loss, (x, y), _sgd(0.25),
                   1, epochs, penalty=models.L2Penalty(lam),
                   params={"lambda": lam, "n_per_class": 20, "variance": 2.0, "dim": dim, "lr": 0.25,
                           "batch_size": 1, "init": "N(0, 9 I)"})]


def _build_lstm(quick: bool, o: dict) -> list[Config]:
    n, length, vocab = (128, 12, 10) if quick else (512, 16, 12)
    x, y = datasets.markov_sequences(n_sequences=n, length=length, vocab=vocab)
    hidden = (16,) if quick else (16, 64)
    epochs = 4 if quick else 10
    return [Config(f"hidden={h}", h, (lambda h=h: models.LSTMLM(vocab, 16, h, 3).double()), models.sequence_ce,
                   (x, y), (lambda p: torch.optim.Adam(p, lr=0.01)), 32, epochs,
                   params={"hidden": h, "layers": 3, "vocab": vocab, "length": length, "sequences": n,
                           "optimizer": "adam", "lr": 0.01})
            for h in hidden]


EXPERIMENTS: dict[str, Experiment] = {e.name: e for e in [
    Experiment("mlp_width", "MLP hidden width", "width",
               "3-layer MLP (ReLU, square second layer, width 32..4096) on Fashion-MNIST, lr 0.09, batch 64, 4 seeds",
               "the condition holds; the smallest feasible alpha and beta first grow then shrink with width; "
               "beta*sigma_int shrinks with width",
               "scikit-learn digits (8x8) instead of Fashion-MNIST (or Fashion-MNIST from --data-dir); widths up to 1024",
               _build_mlp_width),
    Experiment("cnn_channels", "CNN second-layer channels", "conv2 channels",
               "CNN (2 conv + 1 FC) on CIFAR-10, 32..2048 convolutions in the second layer",
               "the condition holds; the feasible constants change little and beta*sigma_int shrinks with width",
               "digits as 1x8x8 images (or CIFAR-10 from --data-dir); conv2 channels up to 256",
               _build_cnn_channels),
    Experiment("batch_size", "batch size", "batch size",
               "ResNet9 on CIFAR-100, batch sizes 64..512",
               "the condition holds; beta*sigma_int (the neighbourhood) shrinks as the batch size grows",
               "the small CNN (conv2 = 32 channels) on digits instead of ResNet9 on CIFAR-100",
               _build_batch_size),
    Experiment("optimizers", "SGD vs SGD-momentum vs Adam", "optimizer",
               "ResNet / transformer workloads trained with SGD, SGD with momentum and Adam",
               "the condition holds for all three; Adam gives smaller alpha and beta than SGD",
               "the 3-layer MLP on digits",
               _build_optimizers, seeds_quick=(0,), seeds_full=(0, 1, 2)),
    Experiment("halfspace", "half-space learning", "(none)",
               "sigmoid loss on 20 + 20 Gaussian points (variance 2), lambda = 1e-5, SGD step 1/4, batch 1",
               "Aiming (and PL) fail at some iterations while the alpha-beta-condition holds",
               "as in the paper, in dimension 2 with class means +-(1, 1)/sqrt(2) and init N(0, 9 I)",
               _build_halfspace, seeds_quick=(0, 1), seeds_full=(0, 1, 2, 3)),
    Experiment("lstm", "3-layer LSTM language model", "hidden size",
               "3-layer LSTM on Penn Treebank and WikiText-2",
               "the condition holds along the runs of recurrent language models",
               "next-token prediction on sequences of a random Markov chain (synthetic, offline)",
               _build_lstm, seeds_quick=(0,), seeds_full=(0, 1, 2)),
]}


def get(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        raise UnknownNameError("experiment", name, EXPERIMENTS)
    return EXPERIMENTS[name]
