"""RM benchmark data: load a registered benchmark's rows from the Hub (its spec's ``hub`` and ``split``, e.g.
``allenai/reward-bench`` split ``filtered``) or from local JSON / JSONL / Parquet files with the same columns, and
validate every row against the spec.

Pairwise rows (RewardBench v1): ``id, subset, prompt, chosen, rejected`` (chosen/rejected are strings).
Best-of-n rows (RewardBench 2): ``id, subset, prompt, chosen, rejected`` with chosen/rejected lists of strings
(``num_correct``, when present, must equal ``len(chosen)``). A prompt is a string or a list of ``{role, content}``
messages. Every problem is an :class:`InputError` naming the file, row (1-based) and column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rmbase.errors import InputError
from rmbase.rm_eval.registry import get_benchmark
from rmbase.rm_eval.spec import RMBenchmark

REQUIRED = ("id", "subset", "prompt", "chosen", "rejected")


@dataclass(frozen=True)
class Example:
    """One prompt with its completions: the first ``num_correct`` are chosen, the rest rejected."""

    id: str
    subset: str
    prompt: str | list[dict]
    completions: tuple[str, ...]
    num_correct: int = 1


def benchmark_info(benchmark: str) -> RMBenchmark:
    """The registered spec of ``benchmark`` (an unknown name is an :class:`InputError`)."""
    return get_benchmark(benchmark)


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a local ``.json`` (a list of objects), ``.jsonl`` or ``.parquet`` file."""
    from rmbase.io import check_input_file

    p = check_input_file(path, expected="a .json, .jsonl or .parquet file")
    suffix = p.suffix.lower()
    if suffix == ".jsonl":
        rows = []
        with open(p, encoding="utf-8") as f:
            for i, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"not valid JSON: {exc.msg}", path=str(p), row=i) from exc
        records: Any = rows
    elif suffix == ".json":
        try:
            records = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not valid JSON: {exc}", path=str(p)) from exc
        if isinstance(records, dict) and isinstance(records.get("data"), list):
            records = records["data"]
    elif suffix in (".parquet", ".pq"):
        try:
            import pyarrow.parquet as pq

            records = pq.read_table(p).to_pylist()
        except Exception as exc:  # pyarrow raises several types for unreadable files
            raise InputError(f"cannot read as Parquet: {exc}", path=str(p)) from exc
    else:
        raise InputError(f"unsupported file type '{suffix or '(none)'}'", path=str(p),
                         expected="a .json, .jsonl or .parquet file")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError("expected a list of row objects", path=str(p))
    if not records:
        raise InputError("the file has no rows", path=str(p))
    return records


def load_hub_records(benchmark: str, *, revision: str | None = None) -> list[dict[str, Any]]:
    """Rows of the benchmark's Hub dataset (needs the network and the ``datasets`` package)."""
    spec = benchmark_info(benchmark)
    if spec.hub is None:
        raise InputError(f"benchmark {benchmark!r} has no Hub dataset", expected="--data with a local file")
    try:
        from datasets import load_dataset

        ds = load_dataset(spec.hub, split=spec.split, revision=revision)
    except Exception as exc:  # network, auth, missing package: one message
        raise InputError(f"cannot load {spec.hub} (split {spec.split}) from the Hugging Face Hub: {exc}",
                         expected="network access, or --data with a local copy") from exc
    return [dict(r) for r in ds]


def _text(value: Any, where: dict[str, Any], column: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"expected a string, got {type(value).__name__}", column=column, **where)
    if not value.strip():
        raise InputError("empty text", column=column, **where)
    return value


def _prompt(value: Any, where: dict[str, Any]) -> str | list[dict]:
    if isinstance(value, str):
        return _text(value, where, "prompt")
    if isinstance(value, list) and value and all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in value):
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise InputError("expected a string or a list of {role, content} messages", column="prompt", **where)


def _texts(value: Any, where: dict[str, Any], column: str) -> list[str]:
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays from Parquet readers
        value = value.tolist()
    if not isinstance(value, list) or not value:
        raise InputError("expected a non-empty list of strings", column=column, **where)
    return [_text(v, where, column) for v in value]


def validate_records(records: list[dict[str, Any]], benchmark: str, *, source: str = "data") -> list[Example]:
    """Validate rows and turn them into :class:`Example` objects (errors name the row and column)."""
    spec = benchmark_info(benchmark)
    allowed = set(spec.accepted_subsets)
    examples: list[Example] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(records, start=1):
        where = {"path": source, "row": i}
        missing = [c for c in REQUIRED if c not in row or row[c] is None]
        if missing:
            raise InputError(f"missing column(s) {', '.join(missing)}", expected=", ".join(REQUIRED), **where)
        if isinstance(row["id"], bool) or not isinstance(row["id"], (str, int)):
            raise InputError("expected a string or integer id", column="id", **where)
        ex_id = str(row["id"])
        if ex_id in seen:
            raise InputError(f"duplicate id {ex_id!r} (first at row {seen[ex_id]})", column="id", **where)
        seen[ex_id] = i
        subset = row["subset"]
        if not isinstance(subset, str) or subset not in allowed:
            raise InputError(f"unknown subset {subset!r}", column="subset",
                             expected=f"a {benchmark} subset: {', '.join(sorted(allowed))}", **where)
        prompt = _prompt(row["prompt"], where)
        if spec.pairwise:
            chosen = [_text(row["chosen"], where, "chosen")]
            rejected = [_text(row["rejected"], where, "rejected")]
        else:
            chosen = _texts(row["chosen"], where, "chosen")
            rejected = _texts(row["rejected"], where, "rejected")
            nc = row.get("num_correct")
            if nc is not None and (isinstance(nc, bool) or not isinstance(nc, int) or nc != len(chosen)):
                raise InputError(f"num_correct={nc!r} but {len(chosen)} chosen completion(s)",
                                 column="num_correct", **where)
        check = spec.id_checks.get(subset)
        problem = check(ex_id) if check is not None else None
        if problem:
            raise InputError(problem, column="id", **where)
        examples.append(Example(id=ex_id, subset=subset, prompt=prompt, completions=tuple(chosen + rejected),
                                num_correct=len(chosen)))
    return examples


def load_examples(benchmark: str, data: str | Path | None = None, *,
                  revision: str | None = None) -> tuple[list[Example], str, str]:
    """Examples of ``benchmark`` from ``data`` (a local file) or the Hub; returns (examples, source, sha256).

    The hash is of the file bytes for local data and of the validated rows for Hub data.
    """
    import hashlib

    if data is not None:
        from rmbase.io import sha256_file

        records = read_records(data)
        source, digest = str(data), sha256_file(data)
    else:
        spec = benchmark_info(benchmark)
        records = load_hub_records(benchmark, revision=revision)
        source = f"hf://datasets/{spec.hub}@{revision or 'main'}:{spec.split}"
        digest = hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()
    return validate_records(records, benchmark, source=source), source, digest
