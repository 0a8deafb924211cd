"""Append-only JSON-lines records, the format long runs write as they go so that they can resume."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator


def read_records(path: str | Path | None) -> Iterator[dict]:
    """The records of a JSON-lines file; blank lines and a line cut by an interruption are skipped."""
    if path is None or not Path(path).exists():
        return
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue
