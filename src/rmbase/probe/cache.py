"""The probe cache: per-chunk arrays on disk, each written atomically, in a work folder keyed by a fingerprint of
everything that changes them (model, revision, data hash, pairs used, template, dtype, max length, truncation).

A rerun with the same fingerprint reuses every complete chunk; a chunk that cannot be read, or that holds other
pairs, is computed again. Changing which probes run or the CV options does not touch the forward-pass cache; a
rerun that changes the fingerprint is refused, naming the changed keys (``--restart`` discards the cache).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from rmbase.io import atomic_write_npz


def fingerprint(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def rows_key(rows: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, rows)).encode()).hexdigest()[:16]


class ChunkCache:
    """Chunks of arrays in the work folder ``root`` (:func:`rmbase.io.work_folder`), keyed by ``key``: a folder
    started with another key is refused, naming the changed keys, unless ``restart``."""

    def __init__(self, root: Path, key: dict[str, Any], *, restart: bool = False):
        from rmbase.io import work_folder

        self.key = key
        self.fingerprint = fingerprint(key)
        self.dir = work_folder(root, key, restart=restart, what="probe run")[0]

    def path(self, kind: str, index: int) -> Path:
        return self.dir / f"{kind}-{index:05d}.npz"

    def load(self, kind: str, index: int, rows: str) -> dict[str, np.ndarray] | None:
        p = self.path(kind, index)
        if not p.exists():
            return None
        try:
            with np.load(p, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError):
            return None  # damaged: computed again
        if str(data.get("rows", "")) != rows:
            return None
        return data

    def save(self, kind: str, index: int, rows: str, arrays: dict[str, Any]) -> None:
        atomic_write_npz(self.path(kind, index), rows=np.array(rows), **arrays)
