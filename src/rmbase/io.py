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


def check_distinct_outputs(outputs: dict[str, str | os.PathLike | None]) -> None:
    """Refuse, before any work, two outputs of one command that name the same file (``{option: path}``; None
    skipped): the second would silently overwrite the first."""
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        key = Path(path).expanduser().resolve()
        if key in seen:
            raise InputError(f"{seen[key]} and {option} name the same file; the second would overwrite the first",
                             path=str(path), expected="a different path for each output")
        seen[key] = option


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


def user_file_mode(path: str | os.PathLike) -> None:
    """Give a file made by :func:`tempfile.mkstemp` (always 0600) the mode of any file the user creates: 0666
    less the umask, the one rule for every output rmbase writes."""
    mask = os.umask(0o022)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], *, mode: str = "wb") -> Path:
    """The one atomic write of rmbase: ``write(f)`` fills a temporary file (opened with ``mode``) beside ``path``,
    which then replaces ``path`` in one step, so readers (and a resumed run) see the old or the complete new
    content, never half of it; on any error the temporary file is removed and ``path`` is left as it was. The
    file gets the user's umask (:func:`user_file_mode`)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({"encoding": "utf-8"} if "b" not in mode else {})) as f:
            write(f)
        user_file_mode(tmp)
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
    """Yield a temporary folder beside ``out``; on success its items are moved into ``out`` (created if needed),
    each replacing the item of that name (other items of ``out`` are kept).

    All or nothing: on any error in the body nothing is written to ``out``. Before anything is moved, every
    destination is checked (a file where a folder goes, or the reverse, is an :class:`InputError` naming the user's
    path); the items ``out`` held are set aside and put back if a later move fails, so ``out`` never mixes new and
    old outputs. The staging folder is removed in every case.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.staging."))
    try:
        yield stage
        _commit_stage(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _kind(p: Path) -> str:
    return "folder" if p.is_dir() and not p.is_symlink() else "file"


def _commit_stage(stage: Path, out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError("the output exists and is a file, not a folder", path=str(out), expected="a folder")
    items = sorted(stage.iterdir())
    for item in items:
        target = out / item.name
        if (target.exists() or target.is_symlink()) and _kind(target) != _kind(item):
            raise InputError(f"a {_kind(target)} is in the way: this command writes a {_kind(item)} of that name "
                             "here (nothing was written)", path=str(target),
                             expected=f"remove or rename it, or choose another output than {out}")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    aside = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.previous."))
    moved: list[tuple[Path, Path | None]] = []
    try:
        for item in items:
            target = out / item.name
            old = None
            if target.exists() or target.is_symlink():
                old = aside / item.name
                os.replace(target, old)
            moved.append((target, old))
            os.replace(item, target)
    except BaseException as exc:
        for target, old in reversed(moved):  # put back what the output held before
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
            if old is not None:
                os.replace(old, target)
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        shutil.rmtree(aside, ignore_errors=True)
        if isinstance(exc, OSError) and (user := user_os_error(exc)) is not None:
            raise InputError(f"cannot write the output ({user}); nothing was changed", path=str(out)) from exc
        raise
    shutil.rmtree(aside, ignore_errors=True)


# ------------------------------------------------------------------------------------- checksummed records

def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


CORRUPT = object()  # what :func:`read_checked` returns for a file that does not verify


def write_checked(path: str | os.PathLike, data: Any) -> None:
    """Write ``{"sha256": ..., "data": data}`` atomically; the hash is of the canonical JSON of ``data``."""
    atomic_write_json(path, {"sha256": _digest(data), "data": data})


def read_checked(path: str | os.PathLike) -> Any:
    """The data of a :func:`write_checked` file, None when absent, :data:`CORRUPT` when it does not verify
    (truncated, edited, damaged)."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return CORRUPT
    try:
        obj = json.loads(raw)
        data = obj["data"]
        return data if obj["sha256"] == _digest(data) else CORRUPT
    except (json.JSONDecodeError, KeyError, TypeError):
        return CORRUPT


# ------------------------------------------------------------------------------------- work folders, resume

FINGERPRINT_NAME = "fingerprint.json"
RESTART_HINT = "the options of the earlier run to resume it, or --restart to discard its work and start afresh"


def changed_keys(old: Any, new: Any, prefix: str = "") -> list[str]:
    """The keys whose values differ between two JSON-like dicts, nested keys dotted (``options.dtype``)."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if old == new else [prefix or "(value)"]
    out: list[str] = []
    for key in sorted(set(old) | set(new), key=str):
        name = f"{prefix}.{key}" if prefix else str(key)
        if key not in old or key not in new:
            out.append(name)
        else:
            out.extend(changed_keys(old[key], new[key], name))
    return out


def config_changed(path: str | os.PathLike, changed: list[str], *, what: str = "run", subject: str | None = None,
                   expected: str = RESTART_HINT) -> InputError:
    """The one refusal when a folder holds the work of a run with other options: it names the changed keys.
    ``subject`` replaces "this folder holds the work of a <what>" (e.g. one cell of a sweep store)."""
    subject = subject or f"this folder holds the work of an earlier {what}"
    return InputError(f"{subject} with different options (changed: "
                      f"{', '.join(changed) or 'options'}); resuming would mix them", path=str(path),
                      expected=expected)


def work_folder(path: str | os.PathLike, fingerprint: dict[str, Any], *, restart: bool = False,
                what: str = "run") -> tuple[Path, bool]:
    """The one resume policy of rmbase: open the work folder ``path`` of a run whose result depends on
    ``fingerprint`` (a JSON-able dict of the options that change the result). Returns (folder, resumed).

    * a new or empty folder: created, the fingerprint written (checksummed) in it; not resumed;
    * a folder whose fingerprint is the same: resumed (the caller reuses what it finds there);
    * a folder whose fingerprint differs: refused with an :class:`InputError` naming the changed keys, and
      offering ``--restart``; with ``restart`` its contents are discarded and the run starts afresh;
    * a non-empty folder without a fingerprint is refused, even with ``restart`` (it is not a work folder, and
      nothing is deleted that rmbase did not write).

    Validate the folder with :func:`check_output_path` first; this creates it."""
    folder = Path(path)
    stamp = folder / FINGERPRINT_NAME
    current = json.loads(json.dumps(fingerprint, default=str))
    if folder.is_dir() and any(folder.iterdir()):
        old = read_checked(stamp)
        if old is None:  # never emptied, even with restart: it may hold anything
            raise InputError(f"the folder is not empty and is not the work folder of an earlier {what}", path=str(folder),
                             expected="a new or empty folder")
        if not restart:
            if old is CORRUPT:
                raise config_changed(folder, [f"{FINGERPRINT_NAME} (damaged)"], what=what)
            changed = changed_keys(old, current)
            if changed:
                raise config_changed(folder, changed, what=what)
            return folder, True
        for item in folder.iterdir():
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    write_checked(stamp, current)
    return folder, False
