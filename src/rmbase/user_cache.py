"""The per-user cache of results that are slow to compute and fully determined by their inputs (the harmonised
feature table, the slow predictors' out-of-fold predictions).

Nothing precomputed ships with the package: the first call on a machine computes a result and stores it here; later
calls with the very same inputs read it. An entry's key is a hash of everything the result depends on (the input
values, the config, the versions of rmbase and of the libraries, and the source code of the modules that compute it),
so edited data, another config, an upgrade or a code change never read a stale entry. The folder is
``$RMBASE_CACHE_DIR/<kind>`` (default ``~/.cache/rmbase/<kind>``); delete it to start over. A cache that cannot be
read or written is skipped: the result is then computed as without it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

import pandas as pd

CACHE_ENV = "RMBASE_CACHE_DIR"


def cache_dir(kind: str) -> Path:
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "rmbase"
    return Path(root).expanduser() / kind


@functools.cache  # a module's source does not change while a process runs
def source_hash(*modules: str) -> str:
    """sha256 of the source files of ``modules`` (dotted names): a cached result computed by other code never
    matches. A module whose source cannot be read makes the hash unique to this process (nothing is reused
    by another)."""
    import importlib.util

    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        try:
            h.update(Path(spec.origin).read_bytes())  # type: ignore[union-attr, arg-type]
        except (OSError, TypeError, AttributeError):
            h.update(os.urandom(16))
    return h.hexdigest()


def frame_hash(h: Any, frame: pd.DataFrame) -> None:
    """Feed a table (columns, dtypes, index and values) into the hash object ``h``."""
    h.update(json.dumps([list(map(str, frame.columns)), list(map(str, frame.dtypes)),
                         frame.index.name, len(frame)]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())


def versions() -> str:
    import numpy
    import pandas

    from rmbase import __version__

    return f"rmbase {__version__}|numpy {numpy.__version__}|pandas {pandas.__version__}"


def load(kind: str, key: str, expect: type) -> Any | None:
    """The entry ``key`` of ``kind`` if it exists, unpickles and is an ``expect``; else None.

    Entries are pickles in the user's own cache folder (the same trust as any file in their home)."""
    try:
        with open(cache_dir(kind) / f"{key}.pkl", "rb") as f:
            obj = pickle.load(f)
    except Exception:  # noqa: BLE001 - a missing, truncated or foreign entry is a miss, never an error
        return None
    return obj if isinstance(obj, expect) else None


def store(kind: str, key: str, obj: Any) -> None:
    """Keep ``obj`` as entry ``key`` of ``kind`` (atomically; a cache that cannot be written is skipped)."""
    from rmbase.io import atomic_write

    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        atomic_write(cache_dir(kind) / f"{key}.pkl", lambda f: pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL))
