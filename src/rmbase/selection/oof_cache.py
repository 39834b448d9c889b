"""Out-of-fold predictions of the slow predictors (the study's ElasticNet: about 0.8 s per fit, 54 fits per target
for leave-one-out and leave-one-family-out) on the bundled study, stored with the package so that ``recommend``
builds its conformal intervals without refitting them at every call.

An entry is used only when the design it was computed on is the one ``recommend`` fits (same models, features,
values and target: a hash of the design); anything else (a user's study, corrected tables) is computed as before.
Rebuilt by ``python scripts/build_oof_cache.py``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

FILE = "oof_cache.json"


def _path() -> Path:
    return Path(str(resources.files("rmbase.selection") / FILE))


def design_hash(X: pd.DataFrame, y: pd.Series, groups=None) -> str:
    """sha256 of a design: its index, columns, values, target and (for leave-one-family-out) the groups."""
    h = hashlib.sha256()
    h.update(json.dumps([list(map(str, X.index)), list(map(str, X.columns))]).encode())
    h.update(np.ascontiguousarray(X.select_dtypes("number").to_numpy(dtype=float)).round(9).tobytes())
    h.update(np.ascontiguousarray(y.to_numpy(dtype=float)).round(9).tobytes())
    if groups is not None:
        h.update(json.dumps([str(g) for g in groups]).encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _entries() -> dict:
    path = _path()
    return json.loads(path.read_text()) if path.is_file() else {}


def lookup(method: str, scheme: str, X: pd.DataFrame, y: pd.Series, groups=None) -> np.ndarray | None:
    """The stored out-of-fold predictions of ``method`` under ``scheme`` for this exact design, else None."""
    entry = _entries().get(f"{method}|{scheme}|{design_hash(X, y, groups)}")
    return None if entry is None else np.asarray(entry, dtype=float)


def key(method: str, scheme: str, X: pd.DataFrame, y: pd.Series, groups=None) -> str:
    return f"{method}|{scheme}|{design_hash(X, y, groups)}"
