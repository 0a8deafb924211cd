"""Incremental result files: nothing measured is lost when a run is interrupted, and a rerun resumes.

* ``runs.jsonl``: one line per finished (configuration, seed) run, appended and flushed when it ends,
  keyed by a fingerprint of everything that determines it; a rerun with the same fingerprint loads it.
* ``partial.jsonl``: the step rows of the run in progress, appended as they are measured (flushed
  every ``flush_every`` steps); emptied when the run finishes.
* ``summary.json``: rewritten atomically (temporary file + rename) after each finished run.
"""
from __future__ import annotations

from numerics.jsonl import read_records

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def fingerprint(obj: Any) -> str:
    """A short stable hash of a JSON-ready object."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def write_json_atomic(path: Path, obj: Any) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as fh:
        json.dump(obj, fh, indent=1, sort_keys=False)
        fh.write("\n")
    os.replace(tmp, path)


class RunStore:
    """The result folder of one experiment (see the module docstring)."""

    def __init__(self, folder: str | os.PathLike, flush_every: int = 50) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.runs_path = self.folder / "runs.jsonl"
        self.partial_path = self.folder / "partial.jsonl"
        self.flush_every = flush_every
        self._partial = None
        self._pending = 0

    def load(self) -> dict[str, dict]:
        """Finished runs by key (a truncated last line, from a crash while writing, is ignored)."""
        return {rec["key"]: rec for rec in read_records(self.runs_path)}

    def start_run(self, header: dict) -> None:
        self._partial = open(self.partial_path, "w")
        self._partial.write(json.dumps({"start": header}) + "\n")
        self._partial.flush()
        self._pending = 0

    def step(self, k: int, row: dict) -> None:
        if self._partial is None:
            return
        self._partial.write(json.dumps({"k": k, **row}) + "\n")
        self._pending += 1
        if self._pending >= self.flush_every:
            self._partial.flush()
            self._pending = 0

    def close_partial(self) -> None:
        if self._partial is not None:
            self._partial.flush()
            self._partial.close()
            self._partial = None

    def finish_run(self, record: dict) -> None:
        self.close_partial()
        with open(self.runs_path, "a") as fh:
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        open(self.partial_path, "w").close()

    def partial_steps(self) -> int:
        """Steps measured by an interrupted run (0 if none)."""
        if not self.partial_path.exists():
            return 0
        with open(self.partial_path) as fh:
            return max(0, sum(1 for _ in fh) - 1)
