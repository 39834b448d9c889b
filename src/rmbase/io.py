"""Small I/O helpers shared by every room: tables in CSV or Parquet, atomic writes (text, JSON, Parquet, npz),
hashing."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from rmbase.errors import InputError

TABLE_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}


def check_input_file(path: str | os.PathLike, *, expected: str | None = None) -> Path:
    """An input file that exists and can be read; a missing path, a folder or an unreadable file is one
    :class:`InputError` that says which (never "file not found" for a folder)."""
    p = Path(path)
    if str(path).strip() == "":
        raise InputError("empty file name", expected=expected or "a file")
    if p.is_dir():
        raise InputError("is a folder, not a file", path=str(p), expected=expected or "a file")
    if not p.exists():
        parent = next((a for a in p.parents if a.exists()), None)
        hint = f" ({parent} is a file)" if parent is not None and not parent.is_dir() else ""
        raise InputError("file not found" + hint, path=str(p), expected=expected)
    if not os.access(p, os.R_OK):
        raise InputError("permission denied (cannot read the file)", path=str(p))
    return p


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV, TSV or Parquet file; anything else (or a file that does not parse) is an :class:`InputError`."""
    p = check_input_file(path, expected="a .csv, .tsv or .parquet file")
    kind = TABLE_SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise InputError(f"unsupported file type '{p.suffix or '(none)'}'", path=str(p),
                         expected="a .csv, .tsv or .parquet file")
    try:
        if kind == "parquet":
            return pd.read_parquet(p)
        return pd.read_csv(p, sep="\t" if kind == "tsv" else ",")
    except pd.errors.EmptyDataError as exc:
        raise InputError("the file is empty", path=str(p)) from exc
    except Exception as exc:  # pandas/pyarrow raise many types for unparsable files
        raise InputError(f"cannot parse as {kind}: {exc}", path=str(p)) from exc


def check_output_path(path: str | os.PathLike | None, *, kind: str = "dir", option: str = "--out",
                      suffixes: tuple[str, ...] | None = None) -> Path:
    """Validate an output path before any work starts (nothing is created): ``kind`` is ``"dir"`` (a folder that
    may exist) or ``"file"``; ``suffixes`` restricts a file's type. Refused, as an :class:`InputError` naming the
    option and the path: an empty path, a file where a folder is wanted (and the reverse), a path below a file
    (``FILE/sub``), and a place the user cannot write to (probed by creating and removing a temporary file in the
    nearest existing folder)."""
    if path is None or str(path).strip() == "":
        raise InputError(f"{option} is empty", expected="a path" + (" to a folder" if kind == "dir" else ""))
    p = Path(path).expanduser()
    if p.exists():
        if kind == "dir" and not p.is_dir():
            raise InputError(f"{option} is an existing file, not a folder", path=str(p),
                             expected="a folder (new or existing)")
        if kind == "file" and p.is_dir():
            raise InputError(f"{option} is a folder, not a file", path=str(p), expected="a file name")
    if kind == "file" and suffixes is not None and p.suffix.lower() not in suffixes:
        raise InputError(f"{option}: unsupported output type '{p.suffix or '(none)'}'", path=str(p),
                         expected=f"a {' or '.join(suffixes)} file")
    ancestor = p if p.exists() and p.is_dir() else p.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"{option}: {ancestor} is a file, so nothing can be written below it", path=str(p),
                         expected="a path whose parents are folders")
    try:
        fd, probe = tempfile.mkstemp(dir=ancestor, prefix=".rmbase-write-check.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{option}: cannot write in {ancestor} ({exc.strerror or exc})", path=str(p),
                         expected="a place you can write to") from exc
    return p


def user_os_error(exc: OSError) -> InputError | None:
    """An OS error a user can cause (permissions, a file where a folder should be, a full or read-only disk, a
    name too long) as one :class:`InputError` naming the path; ``None`` for anything else (a bug: let it show)."""
    import errno

    user = (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError)
    codes = {errno.ENOSPC, errno.EROFS, errno.ENAMETOOLONG, errno.EDQUOT, errno.EACCES, errno.EPERM}
    if not (isinstance(exc, user) or exc.errno in codes):
        return None
    where = exc.filename if exc.filename is not None else None
    return InputError(exc.strerror or str(exc), path=None if where is None else str(where))


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_frame(df: pd.DataFrame) -> str:
    """A stable hash of a table's contents (column names, order and values)."""
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
    return h.hexdigest()


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], *, mode: str = "wb") -> Path:
    """The one atomic write of rmbase: ``write(f)`` fills a temporary file (opened with ``mode``) beside ``path``,
    which then replaces ``path`` in one step, so readers (and a resumed run) see the old or the complete new
    content, never half of it; on any error the temporary file is removed and ``path`` is left as it was."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({"encoding": "utf-8"} if "b" not in mode else {})) as f:
            write(f)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return p


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file (UTF-8) atomically (:func:`atomic_write`)."""
    atomic_write(path, lambda f: f.write(text), mode="w")


def atomic_write_parquet(path: str | os.PathLike, frame: pd.DataFrame) -> None:
    """Write a table as Parquet (no index) atomically (:func:`atomic_write`)."""
    atomic_write(path, lambda f: frame.to_parquet(f, index=False))


def atomic_write_npz(path: str | os.PathLike, **arrays: Any) -> None:
    """Write numpy arrays as an uncompressed ``.npz`` atomically (:func:`atomic_write`)."""
    import numpy as np

    atomic_write(path, lambda f: np.savez(f, **arrays))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if np.isnan(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


@contextlib.contextmanager
def staged_output_dir(out: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success its files are moved into ``out`` (created if needed).

    On any error nothing is written to ``out``: the staging folder is removed.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.staging."))
    try:
        yield stage
        out.mkdir(parents=True, exist_ok=True)
        for item in stage.iterdir():
            target = out / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)

