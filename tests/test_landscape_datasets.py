"""Dataset loaders on tiny fake copies in the real on-disk formats (nothing is downloaded)."""
from __future__ import annotations

import gzip
import os
import pickle
import struct

import numpy as np
import pytest
import torch

from numerics.landscape import datasets
from theory.errors import InputError


def write_idx(path, arr: np.ndarray, compress: bool = True) -> None:
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    data = header + arr.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        with open(path, "wb") as fh:
            fh.write(data)


def fake_fashion(root, n=12, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    ext = ".gz" if compress else ""
    write_idx(os.path.join(root, "train-images-idx3-ubyte" + ext), images, compress)
    write_idx(os.path.join(root, "train-labels-idx1-ubyte" + ext), labels, compress)
    return images, labels


def test_fashion_mnist_idx_gzip_roundtrip(tmp_path):
    images, labels = fake_fashion(tmp_path)
    x, y = datasets.fashion_mnist(tmp_path)
    assert x.shape == (12, 1, 28, 28) and x.dtype == torch.float64 and y.dtype == torch.long
    np.testing.assert_allclose(x[:, 0].numpy() * 255.0, images, atol=1e-9)
    np.testing.assert_array_equal(y.numpy(), labels)
    x5, _ = datasets.fashion_mnist(tmp_path, max_samples=5)
    assert x5.shape[0] == 5


def test_fashion_mnist_uncompressed_and_errors(tmp_path):
    images, labels = fake_fashion(tmp_path, n=3, compress=False)
    x, y = datasets.fashion_mnist(tmp_path)
    np.testing.assert_array_equal(y.numpy(), labels)
    with pytest.raises(InputError, match="no file t10k-images"):
        datasets.fashion_mnist(tmp_path, split="test")
    with open(tmp_path / "train-labels-idx1-ubyte", "wb") as fh:  # bad magic
        fh.write(b"\x01\x02\x03\x04")
    with pytest.raises(InputError, match="bad magic"):
        datasets.fashion_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", labels, compress=False)
    raw = (tmp_path / "train-images-idx3-ubyte").read_bytes()
    (tmp_path / "train-images-idx3-ubyte").write_bytes(raw[:-5])  # truncated
    with pytest.raises(InputError, match="data bytes"):
        datasets.fashion_mnist(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        datasets.fashion_mnist(tmp_path / "nope")


def fake_cifar(root, name="cifar10", n_per_batch=4, seed=0):
    rng = np.random.default_rng(seed)
    sub = root / ("cifar-10-batches-py" if name == "cifar10" else "cifar-100-python")
    sub.mkdir()
    files = [f"data_batch_{i}" for i in range(1, 6)] if name == "cifar10" else ["train"]
    key = b"labels" if name == "cifar10" else b"fine_labels"
    all_data, all_labels = [], []
    for f in files:
        data = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10 if name == "cifar10" else 100, size=n_per_batch)]
        d = {b"data": data, key: labels, b"batch_label": b"fake"}
        if name == "cifar100":
            d[b"coarse_labels"] = [v // 5 for v in labels]
        with open(sub / f, "wb") as fh:
            pickle.dump(d, fh, protocol=2)
        all_data.append(data)
        all_labels += labels
    return np.concatenate(all_data), np.array(all_labels)


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_cifar_pickle_batches(tmp_path, name):
    data, labels = fake_cifar(tmp_path, name)
    x, y = datasets.cifar(tmp_path, name)
    assert x.shape == (len(labels), 3, 32, 32)
    np.testing.assert_array_equal(y.numpy(), labels)
    # the CIFAR layout: the first 1024 bytes of a row are the red channel, row-major 32 x 32
    np.testing.assert_allclose(x[1, 0].numpy().reshape(-1) * 255.0, data[1, :1024], atol=1e-9)
    np.testing.assert_allclose(x[2, 2, 31, 31].item() * 255.0, data[2, 3071], atol=1e-9)


def test_cifar_refuses_code_in_pickles(tmp_path):
    sub = tmp_path / "cifar-100-python"
    sub.mkdir()
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    with open(sub / "train", "wb") as fh:
        pickle.dump({b"data": Evil()}, fh)
    with pytest.raises(InputError, match="refusing to load"):
        datasets.cifar(tmp_path, "cifar100")
    assert not marker.exists()
    with pytest.raises(InputError, match="missing CIFAR file"):
        datasets.cifar(tmp_path, "cifar10")


def test_digits_and_synthetic():
    x, y = datasets.digits()
    assert x.shape == (1797, 1, 8, 8) and float(x.max()) == 1.0 and float(x.min()) == 0.0
    assert set(y.tolist()) == set(range(10))
    a, b = datasets.halfspace(n_per_class=20, dim=2, variance=2.0)
    assert a.shape == (40, 2) and float(b.sum()) == 0.0
    # variance 2 around the class means (+-(1,1)/sqrt 2): sample variance within a loose band
    dev = torch.cat([a[:20] - a[:20].mean(0), a[20:] - a[20:].mean(0)])
    assert 0.8 < float(dev.var()) < 3.5
    s, t = datasets.markov_sequences(n_sequences=10, length=6, vocab=5)
    assert s.shape == (10, 6) and torch.equal(s[:, 1:], t[:, :-1]) and int(t.max()) < 5
