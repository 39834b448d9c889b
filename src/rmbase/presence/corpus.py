"""Corpora for presence scoring: JSONL or Parquet files (or a folder of them), or a Hugging Face dataset streamed.

A corpus yields :class:`Doc` records in a fixed order with a global row number (blank JSONL lines are not records).
A record that cannot be scored is never an error: it is yielded with a ``problem`` and counted by the scorer:

* ``unparsable``: a JSONL line that is not a JSON object;
* ``invalid_utf8``: bytes that are not UTF-8 (a JSONL line, a binary Parquet value, lone surrogates in JSON);
* ``missing_text`` / ``not_text``: no text field in this record, or a value that is not a string;
* ``empty``: the text is empty or only whitespace;
* ``missing_category``: no category, or an empty one;
* ``bad_category``: a category that is not text (a number, a list, an object): never turned into text silently.

A missing file, a folder without corpus files, or a field name that no record has (Parquet: not in the schema;
JSONL: in none of the first :data:`FIELD_SCAN` records) is an :class:`InputError` before any work starts.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rmbase.errors import InputError

FIELD_SCAN = 1000
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")
PROBLEMS = ("unparsable", "invalid_utf8", "missing_text", "not_text", "empty", "missing_category", "bad_category")


@dataclass(frozen=True)
class Doc:
    row: int
    text: str | None
    category: str | None
    problem: str | None = None


def _looks_like_path(source: str) -> bool:
    return (source.startswith(("/", ".", "~")) or source.lower().endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES)
            or source.count("/") > 1 or "\\" in source)


def _text(value: Any) -> tuple[str | None, str | None]:
    """(text, problem) of a field value."""
    if value is None:
        return None, "missing_text"
    if isinstance(value, bytes | bytearray | memoryview):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None, "invalid_utf8"
    if not isinstance(value, str):
        return None, "not_text"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (e.g. "\udc80" in JSON)
        return None, "invalid_utf8"
    if not value.strip():
        return None, "empty"
    return value, None


def _category(value: Any) -> tuple[str | None, str | None]:
    """(category, problem) of a field value: text only (bytes decoded); a number, list or object is refused."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    if value is None or (isinstance(value, float) and value != value):
        return None, "missing_category"
    if not isinstance(value, str):
        return None, "bad_category"
    text = value.strip()
    return (text, None) if text else (None, "missing_category")


def make_doc(row: int, record: dict, text_field: str, category_field: str) -> Doc:
    category, bad = _category(record.get(category_field))
    if text_field not in record:
        return Doc(row, None, category, "missing_text")
    text, problem = _text(record[text_field])
    return Doc(row, text, category, problem or bad)


class Corpus:
    """``source``: a .jsonl/.parquet file, a folder of them (sorted by name), or a Hub dataset id (streamed with
    ``datasets.load_dataset(source, subset, split=split, streaming=True)``). ``limit``: read at most this many
    records."""

    def __init__(self, source: str | os.PathLike, *, text_field: str = "text", category_field: str = "category",
                 split: str = "train", subset: str | None = None, revision: str | None = None,
                 limit: int | None = None):
        self.source = str(source)
        self.text_field, self.category_field = text_field, category_field
        self.split, self.subset, self.revision, self.limit = split, subset, revision, limit
        path = Path(self.source).expanduser()
        if path.exists():
            self.kind = "files"
            self.files = self._files(path)
        elif _looks_like_path(self.source):
            raise InputError("corpus file not found", path=self.source,
                             expected="a .jsonl or .parquet file, a folder of them, or a Hub dataset id")
        else:
            self.kind, self.files = "hub", []

    @staticmethod
    def _files(path: Path) -> list[Path]:
        if path.is_file():
            if not path.name.lower().endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES):
                raise InputError(f"unsupported corpus file type '{path.suffix or '(none)'}'", path=str(path),
                                 expected="a .jsonl or .parquet file")
            return [path]
        files = sorted(p for p in path.iterdir()
                       if p.is_file() and p.name.lower().endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES))
        if not files:
            raise InputError("the folder holds no .jsonl or .parquet file", path=str(path))
        return files

    # -- checks -------------------------------------------------------------------------------------------------
    def check(self) -> None:
        """InputError when the text or category field is absent from a file (see the module docstring)."""
        if self.kind == "hub":
            next(iter(self._hub_records()), None)  # the field check runs on the first streamed record
            return
        for f in self.files:
            if f.name.lower().endswith(PARQUET_SUFFIXES):
                self._check_parquet(f)
            else:
                self._check_jsonl(f)

    def _check_parquet(self, f: Path) -> None:
        import pyarrow.parquet as pq

        try:
            names = pq.ParquetFile(f).schema_arrow.names
        except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
            raise InputError(f"cannot read as Parquet: {exc}", path=str(f)) from exc
        for field in (self.text_field, self.category_field):
            if field not in names:
                raise InputError("no such column", path=str(f), column=field,
                                 expected=f"one of {', '.join(names)} (set --text-field / --category-field)")

    def _check_jsonl(self, f: Path) -> None:
        seen: dict[str, None] = {}
        found = {self.text_field: False, self.category_field: False}
        records = 0
        for _, record, _ in _jsonl_records(f):
            if record is None:
                continue
            records += 1
            seen.update(dict.fromkeys(record))
            for field in found:
                found[field] = found[field] or field in record
            if all(found.values()) or records >= FIELD_SCAN:
                break
        if records == 0:
            return  # an empty file or one without any JSON object: its lines are counted as unparsable
        for field, ok in found.items():
            if not ok:
                raise InputError(f"no record among the first {records} has this field", path=str(f), column=field,
                                 expected=f"one of {', '.join(list(seen)[:20])} (set --text-field / "
                                 "--category-field)")

    # -- reading ------------------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Doc]:
        for row, record_or_problem in enumerate(self._records()):
            if self.limit is not None and row >= self.limit:
                return
            if isinstance(record_or_problem, str):
                yield Doc(row, None, None, record_or_problem)
            else:
                yield make_doc(row, record_or_problem, self.text_field, self.category_field)

    def _records(self) -> Iterator[dict | str]:
        if self.kind == "hub":
            yield from self._hub_records()
            return
        for f in self.files:
            if f.name.lower().endswith(PARQUET_SUFFIXES):
                yield from self._parquet_records(f)
            else:
                for _, record, problem in _jsonl_records(f):
                    yield record if record is not None else problem

    def _parquet_records(self, f: Path) -> Iterator[dict]:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(f)
        for batch in pf.iter_batches(batch_size=1024, columns=[self.text_field, self.category_field]):
            yield from batch.to_pylist()

    def _hub_records(self) -> Iterator[dict]:
        try:
            import datasets
        except ImportError as exc:
            raise InputError("streaming a Hub corpus needs the datasets package", expected="pip install datasets") \
                from exc
        try:
            stream = datasets.load_dataset(self.source, self.subset, split=self.split, streaming=True,
                                           revision=self.revision)
        except Exception as exc:  # the Hub client raises many types (no network, unknown id, bad split)
            raise InputError(f"cannot stream the dataset: {exc}", path=self.source) from exc
        first = True
        for record in stream:
            if first:
                for field in (self.text_field, self.category_field):
                    if field not in record:
                        raise InputError("the dataset has no such field", path=self.source, column=field,
                                         expected=f"one of {', '.join(record)}")
                first = False
            yield record

    def fingerprint(self) -> dict[str, Any]:
        """What identifies the corpus for resumption: each file's name, size and sha256, or the Hub id/revision."""
        from rmbase.io import sha256_file

        common = {"text_field": self.text_field, "category_field": self.category_field, "limit": self.limit}
        if self.kind == "hub":
            return {"hub": self.source, "subset": self.subset, "split": self.split, "revision": self.revision,
                    **common}
        return {"files": [{"name": f.name, "bytes": f.stat().st_size, "sha256": sha256_file(f)}
                          for f in self.files], **common}


@contextlib.contextmanager
def _open_binary(path: Path) -> Iterator[Any]:
    try:
        handle = path.open("rb")  # noqa: SIM115 - closed below; a failed open is the user's InputError
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from exc
    with handle:
        yield handle


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, record, problem) of every non-blank line; bytes are decoded line by line (strict UTF-8)."""
    with _open_binary(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None, "invalid_utf8"
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                yield number, None, "unparsable"
                continue
            if not isinstance(record, dict):
                yield number, None, "unparsable"
                continue
            yield number, record, None
