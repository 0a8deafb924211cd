"""Seeding and deterministic kernels for replayable training runs.

A replay (run 2) must visit exactly the iterates x_0, ..., x_K of run 1. That holds when every source of
randomness is reseeded identically (Python ``random``, NumPy's global generator, torch's CPU generator,
the DataLoader's generator) and every kernel is deterministic (``torch.use_deterministic_algorithms``).
The contexts below set those and restore the caller's settings on exit, so that other code in the same
process is unaffected.
"""
from __future__ import annotations

import contextlib
import random
from typing import Iterator

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy's global generator and torch's CPU generator with ``seed``."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


@contextlib.contextmanager
def deterministic(threads: int | None = 1) -> Iterator[None]:
    """Run the body with ``torch.use_deterministic_algorithms(True)`` and at most ``threads`` intra-op
    threads (the same count in run 1 and run 2, so reductions happen in the same order)."""
    prev_det = torch.are_deterministic_algorithms_enabled()
    prev_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    prev_threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    if threads is not None:
        torch.set_num_threads(max(1, min(prev_threads, int(threads))))
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(prev_det, warn_only=prev_warn)
        torch.set_num_threads(prev_threads)


@contextlib.contextmanager
def frozen_rng() -> Iterator[None]:
    """Run the body without consuming torch randomness: the state of torch's CPU generator is restored
    on exit. Used for the extra forward pass at the reference point, so that measuring does not change
    the dropout masks (or anything drawn from torch's generator) of the trajectory being replayed.
    NumPy's and Python's global generators are not saved (saving NumPy's costs ~0.5 ms per step): a
    model that draws from them in ``forward`` makes the replay check fail loudly, never silently."""
    torch_state = torch.get_rng_state()
    try:
        yield
    finally:
        torch.set_rng_state(torch_state)
