"""Datasets available offline: scikit-learn's digits (ships with the package), synthetic problems, and
loaders for the paper's datasets from files on disk (never downloaded).

* ``digits()``: 1797 images 8x8 (1 channel), pixel values / 16 in [0, 1], 10 classes.
* ``fashion_mnist(root, split)``: the IDX files ``{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]``.
* ``cifar(root, name, split)``: the "python version" pickle batches of CIFAR-10 (``data_batch_1..5``,
  ``test_batch``) or CIFAR-100 (``train``, ``test``; fine labels), looked up in ``root`` or in its
  ``cifar-10-batches-py`` / ``cifar-100-python`` sub-folder. The pickles are read with an unpickler that
  only admits the NumPy array constructors, so a crafted file cannot run code.
* ``halfspace(...)``: THEORY.md section 7: two Gaussian classes with variance 2 (labels +-1).
* ``markov_sequences(...)``: next-token prediction on sequences of a random Markov chain.

Images come as float64 tensors [N, C, H, W]; labels as int64 [N].
"""
from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import torch

from theory.errors import InputError

DTYPE = torch.float64


def _limit(x: torch.Tensor, y: torch.Tensor, max_samples: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    if max_samples is not None:
        if max_samples < 1:
            raise InputError(f"max_samples must be >= 1, got {max_samples}")
        x, y = x[:max_samples], y[:max_samples]
    return x, y


def digits(max_samples: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's digits as ([N, 1, 8, 8] float64 in [0, 1], [N] int64)."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = torch.tensor(d.images / 16.0, dtype=DTYPE).unsqueeze(1)
    y = torch.tensor(d.target, dtype=torch.long)
    return _limit(x, y, max_samples)


# ---------------------------------------------------------------------------------------------------
# IDX (Fashion-MNIST / MNIST)
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (gzip-compressed when the name ends in .gz)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read IDX file {str(path)!r}: {exc.strerror or exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise InputError(f"{str(path)!r} is not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise InputError(f"{str(path)!r} is truncated (IDX header)")
    dims = struct.unpack(">" + "I" * ndim, raw[4:header])
    dt = np.dtype(_IDX_TYPES[raw[2]])
    count = int(np.prod(dims)) if dims else 1
    if len(raw) - header != count * dt.itemsize:
        raise InputError(f"{str(path)!r} has {len(raw) - header} data bytes, its header says {count * dt.itemsize}")
    return np.frombuffer(raw, dtype=dt, offset=header).reshape(dims)


def _find(root: Path, names: list[str]) -> Path:
    for n in names:
        for cand in (root / n, root / (n + ".gz")):
            if cand.exists():
                return cand
    raise InputError(f"no file {names[0]}[.gz] in {str(root)!r}")


def fashion_mnist(root: str | os.PathLike, split: str = "train",
                  max_samples: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST (or MNIST) from the IDX files in ``root``: ([N, 1, 28, 28] in [0, 1], [N])."""
    if split not in ("train", "test"):
        raise InputError(f"split must be 'train' or 'test', got {split!r}")
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"data directory {str(root)!r} does not exist")
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(_find(root, [f"{prefix}-images-idx3-ubyte"]))
    labels = read_idx(_find(root, [f"{prefix}-labels-idx1-ubyte"]))
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise InputError(f"Fashion-MNIST files in {str(root)!r} disagree: images {images.shape}, labels {labels.shape}")
    x = torch.tensor(images.astype(np.float64) / 255.0, dtype=DTYPE).unsqueeze(1)
    y = torch.tensor(labels.astype(np.int64))
    return _limit(x, y, max_samples)


# ---------------------------------------------------------------------------------------------------
# CIFAR python pickles
class _SafeUnpickler(pickle.Unpickler):
    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _load_batch(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            d = _SafeUnpickler(io.BytesIO(fh.read()), encoding="bytes").load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise InputError(f"cannot read CIFAR batch {str(path)!r}: {exc}") from None
    if not isinstance(d, dict):
        raise InputError(f"{str(path)!r} is not a CIFAR batch (not a dict)")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in d.items()}


def cifar(root: str | os.PathLike, name: str = "cifar10", split: str = "train",
          max_samples: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 / CIFAR-100 from the python pickle batches: ([N, 3, 32, 32] in [0, 1], [N])."""
    if name not in ("cifar10", "cifar100"):
        raise InputError(f"unknown CIFAR variant {name!r}; known: cifar10, cifar100")
    if split not in ("train", "test"):
        raise InputError(f"split must be 'train' or 'test', got {split!r}")
    root = Path(root)
    sub = root / ("cifar-10-batches-py" if name == "cifar10" else "cifar-100-python")
    base = sub if sub.is_dir() else root
    if not base.is_dir():
        raise InputError(f"data directory {str(root)!r} does not exist")
    if name == "cifar10":
        files = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        label_key = "labels"
    else:
        files, label_key = [split], "fine_labels"
    xs, ys = [], []
    for f in files:
        p = base / f
        if not p.exists():
            raise InputError(f"missing CIFAR file {f!r} in {str(base)!r}")
        d = _load_batch(p)
        if "data" not in d or label_key not in d:
            raise InputError(f"{str(p)!r} lacks 'data' or {label_key!r}")
        data = np.asarray(d["data"])
        labels = np.asarray(d[label_key], dtype=np.int64)
        if data.ndim != 2 or data.shape[1] != 3072 or data.shape[0] != labels.shape[0]:
            raise InputError(f"{str(p)!r}: data has shape {data.shape}, labels {labels.shape}; expected [N, 3072] and [N]")
        xs.append(data.reshape(-1, 3, 32, 32))
        ys.append(labels)
        if max_samples is not None and sum(len(v) for v in ys) >= max_samples:
            break
    x = torch.tensor(np.concatenate(xs).astype(np.float64) / 255.0, dtype=DTYPE)
    y = torch.tensor(np.concatenate(ys))
    return _limit(x, y, max_samples)


# ---------------------------------------------------------------------------------------------------
# synthetic
def halfspace(n_per_class: int = 20, dim: int = 2, variance: float = 2.0, separation: float = 1.0,
              data_seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two Gaussian classes in R^dim, means +-separation * (1, ..., 1) / sqrt(dim), covariance
    variance * I, labels +1 / -1 (float64): the half-space learning data of THEORY.md section 7."""
    g = torch.Generator().manual_seed(data_seed)
    mean = torch.full((dim,), separation / dim ** 0.5, dtype=DTYPE)
    pos = mean + variance ** 0.5 * torch.randn(n_per_class, dim, generator=g, dtype=DTYPE)
    neg = -mean + variance ** 0.5 * torch.randn(n_per_class, dim, generator=g, dtype=DTYPE)
    x = torch.cat([pos, neg])
    y = torch.cat([torch.ones(n_per_class, dtype=DTYPE), -torch.ones(n_per_class, dtype=DTYPE)])
    return x, y


def markov_sequences(n_sequences: int = 256, length: int = 16, vocab: int = 12, concentration: float = 0.3,
                     data_seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Token sequences of a random first-order Markov chain (transition rows ~ Dirichlet(concentration)),
    as next-token prediction pairs (inputs [N, length] int64, targets [N, length] int64 = inputs shifted)."""
    rng = np.random.default_rng(data_seed)
    trans = rng.dirichlet(np.full(vocab, concentration), size=vocab)
    seq = np.empty((n_sequences, length + 1), dtype=np.int64)
    seq[:, 0] = rng.integers(0, vocab, size=n_sequences)
    for t in range(length):
        u = rng.random(n_sequences)
        cdf = np.cumsum(trans[seq[:, t]], axis=1)
        seq[:, t + 1] = np.minimum((u[:, None] > cdf).sum(axis=1), vocab - 1)
    s = torch.tensor(seq)
    return s[:, :-1].contiguous(), s[:, 1:].contiguous()
