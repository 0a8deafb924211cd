"""Counter-based sampling of the indices i_k for many seeds at once.

Seed s (of a run with base seed ``seed``) draws its minibatch at step k from a hash of
(seed, s, k, j): the murmur3 32-bit finalizer chained over the counters,

    h = fmix(fmix(fmix(fmix(seed) + k C1) ^ fmix(s + C2)) + fmix(j + C3))      (all mod 2^32),

computed in numpy uint32 arithmetic (wrapping mod 2^32, identical on every platform). Consequences:
  * same (seed, s, k) -> same indices, on any machine and for any number of seeds run together
    (seed s of a 10-seed run equals seed s of a 1,000-seed run);
  * no Python loop over seeds, no per-seed generator; a block of steps is drawn in one call.

With replacement: i = floor(h n / 2^32) (bias below n / 2^32).
Without replacement: the batch is the b indices with the smallest hash keys among all n, a uniformly
random b-subset (ties have probability below n^2 / 2^32 and are broken by index).
"""
from __future__ import annotations

import numpy as np
import torch

_M32 = 0xFFFFFFFF
_C1, _C2, _C3 = 0x27D4EB2F, 0x165667B1, 0x61C88647
_U = np.uint32


def fmix32(x: np.ndarray) -> np.ndarray:
    """The murmur3 finalizer on uint32 arrays (numpy uint32 arithmetic wraps mod 2^32)."""
    x = np.asarray(x, dtype=np.uint32)
    x = x ^ (x >> _U(16))
    x = x * _U(0x85EBCA6B)
    x ^= x >> _U(13)
    x = x * _U(0xC2B2AE35)
    return x ^ (x >> _U(16))


def _fmix_int(x: int) -> int:
    x &= _M32
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & _M32
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & _M32
    return x ^ (x >> 16)


def seed_keys(seed: int, seed_ids: torch.Tensor) -> np.ndarray:
    """fmix(s + C2 mod 2^32) for each seed id, [S] uint32 (computed once per run)."""
    del seed
    ids = np.asarray(torch.as_tensor(seed_ids).reshape(-1).numpy(), dtype=np.int64)
    return fmix32(((ids + _C2) & _M32).astype(np.uint32))


def hash_block(seed: int, keys: np.ndarray, k0: int, count: int, m: int, offset: int = 0) -> np.ndarray:
    """32-bit hashes [count, S, m] (uint32) for steps k0 .. k0 + count - 1, seeds with ``keys`` and
    j = offset .. offset + m - 1."""
    s = _fmix_int(_fmix_int(seed & _M32) ^ ((seed >> 32) & _M32))
    ks = np.arange(k0, k0 + count, dtype=np.int64)
    hk = fmix32(((s + (ks & _M32) * _C1) & _M32).astype(np.uint32))         # [count]
    h = fmix32(hk.reshape(-1, 1) ^ keys.reshape(1, -1))                      # [count, S]
    hj = fmix32((np.arange(offset, offset + m, dtype=np.int64) + _C3).astype(np.uint32))  # [m]
    return fmix32(h[:, :, None] + hj)                                        # [count, S, m], wraps


def sample_block(seed: int, keys: np.ndarray, k0: int, count: int, n: int, batch: int,
                 replacement: bool = True) -> torch.Tensor:
    """Indices [count, S, batch] (int64 tensor) for steps k0 .. k0 + count - 1."""
    if replacement:
        h = hash_block(seed, keys, k0, count, batch).astype(np.uint64)
        return torch.from_numpy(((h * np.uint64(n)) >> np.uint64(32)).astype(np.int64))
    h = torch.from_numpy(hash_block(seed, keys, k0, count, n, offset=1 << 20).astype(np.int64))
    if batch == n:
        return torch.argsort(h, dim=-1, stable=True)
    return torch.topk(h, batch, dim=-1, largest=False, sorted=True).indices


def sample_indices(seed: int, seed_ids: torch.Tensor, k: int, n: int, batch: int,
                   replacement: bool = True) -> torch.Tensor:
    """Indices [S, batch] (int64) drawn at step k for the seeds ``seed_ids`` [S] of base seed ``seed``."""
    return sample_block(seed, seed_keys(seed, seed_ids), k, 1, n, batch, replacement)[0]
