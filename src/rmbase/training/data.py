"""Training data: preference pairs and attribute-scored responses, loaded, validated and counted.

Formats read (JSONL, JSON, Parquet, CSV/TSV, or a Hugging Face Hub dataset id ``org/name[:split]``):

* **pairs** — ``prompt, chosen, rejected[, margin]``. ``prompt`` is a string or a list of ``{role, content}``
  messages; ``chosen``/``rejected`` are the two final responses (strings).
* **HH-RLHF dialogues** — only ``chosen, rejected``, each a full ``"\\n\\nHuman: … \\n\\nAssistant: …"``
  dialogue. The turns before the last assistant turn become the prompt messages (they must be the same on both
  sides), the last assistant turns are the responses.
* **HelpSteer2-Preference** — ``prompt, response_1, response_2, preference_strength`` (−3…3; negative: response 1
  is better, positive: response 2). Ties (strength 0) are dropped and counted; ``|strength|`` is kept as
  ``strength``.
* **attributes** (regression) — ``prompt, response`` plus one numeric column per attribute (HelpSteer2:
  helpfulness, correctness, coherence, complexity, verbosity, each 0…4).

Problems a run can go on without (empty responses, chosen identical to rejected, duplicate pairs, missing attribute
values, ties) are dropped and counted in a :class:`DataReport` (``on_bad_rows="error"`` turns them into errors).
Anything else (missing columns, wrong types, values out of range, nothing left) is an :class:`InputError` naming
the file, the 1-based row and the column.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rmbase.errors import InputError
from rmbase.training.merge_search import HELPSTEER2_ATTRIBUTES

HELPSTEER2_RANGE = (0.0, 4.0)
PAIR_COLUMNS = ("prompt", "chosen", "rejected")
HS2_PREF_COLUMNS = ("prompt", "response_1", "response_2", "preference_strength")
_HH_TURN = re.compile(r"\n\n(Human|Assistant): ")


@dataclass
class DataReport:
    """What happened to the rows of one input: how many were read, kept, and dropped for which reason."""

    source: str
    format: str
    rows_read: int = 0
    rows_kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    sha256: str = ""

    def drop(self, reason: str, n: int = 1) -> None:
        if n:
            self.dropped[reason] += n

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "format": self.format, "rows_read": self.rows_read,
                "rows_kept": self.rows_kept, "dropped": dict(self.dropped), "sha256": self.sha256}

    def warnings(self) -> list[str]:
        return [f"{self.source}: dropped {n} row(s): {reason}" for reason, n in sorted(self.dropped.items())]


# ----------------------------------------------------------------------------------------------- reading

def read_records(source: str | Path) -> tuple[pd.DataFrame, str]:
    """Rows of a local file (JSONL/JSON/Parquet/CSV/TSV, optionally .gz for JSONL) or a Hub dataset id."""
    path = Path(source)
    name = path.name.lower()
    if path.exists():
        if path.is_dir():
            raise InputError("is a folder, not a data file", path=str(path),
                             expected="a .jsonl, .json, .parquet, .csv or .tsv file")
        if name.endswith((".jsonl", ".jsonl.gz", ".json", ".json.gz")):
            return _read_json_lines(path), _sha(path)
        from rmbase.io import read_table

        return read_table(path), _sha(path)
    if re.fullmatch(r"[\w.-]+/[\w.-]+(:[\w.-]+)?", str(source)) and not str(source).startswith((".", "/")):
        return _read_hub(str(source))
    raise InputError("file not found", path=str(source),
                     expected="a local .jsonl/.parquet/.csv file or a Hub dataset id org/name[:split]")


def _sha(path: Path) -> str:
    from rmbase.io import sha256_file

    return sha256_file(path)


def _read_json_lines(path: Path) -> pd.DataFrame:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from exc
    stripped = text.lstrip()
    if not stripped:
        raise InputError("the file is empty", path=str(path))
    if stripped.startswith("["):  # a JSON array of records
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc}", path=str(path)) from exc
    else:
        records = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg}", path=str(path), row=i,
                                 expected="one JSON object per line") from exc
    bad = next((i for i, r in enumerate(records, start=1) if not isinstance(r, dict)), None)
    if bad is not None:
        raise InputError("not a JSON object", path=str(path), row=bad, expected="one JSON object per record")
    return pd.DataFrame.from_records(records)


def _read_hub(spec: str) -> tuple[pd.DataFrame, str]:  # pragma: no cover - needs the Hub
    name, _, split = spec.partition(":")
    try:
        from datasets import load_dataset

        ds = load_dataset(name, split=split or "train")
    except Exception as exc:
        raise InputError(f"cannot load Hub dataset: {exc}", path=spec,
                         expected="an existing dataset id org/name[:split] (and network access)") from exc
    return ds.to_pandas(), f"hub:{name}@{getattr(ds, '_fingerprint', '')}:{split or 'train'}"


# ----------------------------------------------------------------------------------------------- pairs

def detect_pair_format(columns: list[str]) -> str:
    cols = set(columns)
    if set(HS2_PREF_COLUMNS) <= cols:
        return "helpsteer2_preference"
    if set(PAIR_COLUMNS) <= cols:
        return "pairs"
    if {"chosen", "rejected"} <= cols:
        return "hh_dialogues"
    return "unknown"


def load_pairs(source: str | Path, *, on_bad_rows: str = "drop") -> tuple[pd.DataFrame, DataReport]:
    """Preference pairs as a frame ``prompt (list of messages), chosen, rejected, margin (or NaN)``."""
    df, sha = read_records(source)
    fmt = detect_pair_format(list(df.columns))
    report = DataReport(source=str(source), format=fmt, rows_read=len(df), sha256=sha)
    if fmt == "unknown":
        raise InputError(f"no preference-pair columns (found: {', '.join(map(str, df.columns)) or 'none'})",
                         path=str(source), column="chosen",
                         expected="prompt, chosen, rejected[, margin] or HelpSteer2-Preference's prompt, "
                         "response_1, response_2, preference_strength, or HH-RLHF chosen/rejected dialogues")
    if len(df) == 0:
        raise InputError("no rows", path=str(source), expected="at least one preference pair")
    rows = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        pair = _pair_from_record(rec, fmt, str(source), i, report, on_bad_rows)
        if pair is not None:
            rows.append(pair)
    out = pd.DataFrame(rows, columns=["prompt", "chosen", "rejected", "margin", "row"])
    if len(out):
        key = out.apply(lambda r: json.dumps([r["prompt"], r["chosen"], r["rejected"]]), axis=1)
        dup = key.duplicated()
        if dup.any():
            _bad(report, on_bad_rows, "duplicate pair (same prompt, chosen and rejected)", str(source),
                 int(out.loc[dup, "row"].iloc[0]), n=int(dup.sum()))
            out = out[~dup].reset_index(drop=True)
    report.rows_kept = len(out)
    if len(out) == 0:
        raise InputError(f"no usable preference pairs left (dropped: {dict(report.dropped)})", path=str(source))
    return out, report


def _bad(report: DataReport, policy: str, reason: str, path: str, row: int, column: str | None = None,
         n: int = 1) -> None:
    if policy == "error":
        raise InputError(reason, path=path, row=row, column=column,
                         expected="clean data, or --on-bad-rows drop to drop and count such rows")
    report.drop(reason, n)


def _text(value: Any, path: str, row: int, column: str) -> str | None:
    """A string value; None/NaN -> None (counted by the caller); other types are an error."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if not isinstance(value, str):
        raise InputError(f"expected text, got {type(value).__name__}", path=path, row=row, column=column,
                         expected="a string")
    return value


def _prompt_messages(value: Any, path: str, row: int) -> list[dict] | None:
    if isinstance(value, str):
        return [{"role": "user", "content": value}] if value.strip() else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "tolist"):  # numpy arrays from parquet
        value = value.tolist()
    if isinstance(value, list) and value and all(isinstance(m, dict) and isinstance(m.get("role"), str)
                                                 and isinstance(m.get("content"), str) for m in value):
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise InputError("a prompt must be a string or a non-empty list of {role, content} messages",
                     path=path, row=row, column="prompt", expected="str or list of {role, content}")


def _pair_from_record(rec: dict, fmt: str, path: str, row: int, report: DataReport,
                      policy: str) -> dict | None:
    margin = float("nan")
    if fmt == "hh_dialogues":
        parsed = parse_hh_pair(_text(rec.get("chosen"), path, row, "chosen"),
                               _text(rec.get("rejected"), path, row, "rejected"))
        if parsed is None:
            _bad(report, policy, "HH dialogue that does not end in an assistant turn after the same prompt",
                 path, row, "chosen")
            return None
        prompt, chosen, rejected = parsed
    elif fmt == "helpsteer2_preference":
        strength = rec.get("preference_strength")
        try:
            strength = float(strength)
        except (TypeError, ValueError) as exc:
            raise InputError(f"not a number: {strength!r}", path=path, row=row, column="preference_strength",
                             expected="an integer from -3 to 3") from exc
        if math.isnan(strength) or not -3 <= strength <= 3:
            raise InputError(f"preference strength {strength} out of range", path=path, row=row,
                             column="preference_strength", expected="an integer from -3 to 3")
        if strength == 0:
            report.drop("tie (preference_strength 0)")
            return None
        prompt = _prompt_messages(rec.get("prompt"), path, row)
        r1 = _text(rec.get("response_1"), path, row, "response_1")
        r2 = _text(rec.get("response_2"), path, row, "response_2")
        chosen, rejected = (r1, r2) if strength < 0 else (r2, r1)
        margin = abs(strength)
    else:
        prompt = _prompt_messages(rec.get("prompt"), path, row)
        chosen = _text(rec.get("chosen"), path, row, "chosen")
        rejected = _text(rec.get("rejected"), path, row, "rejected")
        if "margin" in rec and rec["margin"] is not None:
            try:
                margin = float(rec["margin"])
            except (TypeError, ValueError) as exc:
                raise InputError(f"not a number: {rec['margin']!r}", path=path, row=row, column="margin",
                                 expected="a number") from exc
    if prompt is None:
        _bad(report, policy, "empty prompt", path, row, "prompt")
        return None
    if not chosen or not chosen.strip() or not rejected or not rejected.strip():
        _bad(report, policy, "empty chosen or rejected response", path, row, "chosen")
        return None
    if chosen == rejected:
        _bad(report, policy, "chosen identical to rejected", path, row, "rejected")
        return None
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected, "margin": margin, "row": row}


def parse_hh_dialogue(text: str) -> list[dict] | None:
    """``"\\n\\nHuman: … \\n\\nAssistant: …"`` -> messages; None when it does not follow that shape."""
    if not text or not text.startswith("\n\nHuman: "):
        return None
    parts = _HH_TURN.split(text)
    # parts: ['', 'Human', content, 'Assistant', content, ...]
    messages = []
    for role, content in zip(parts[1::2], parts[2::2], strict=True):
        messages.append({"role": "user" if role == "Human" else "assistant", "content": content.strip()})
    return messages


def parse_hh_pair(chosen: str | None, rejected: str | None) -> tuple[list[dict], str, str] | None:
    """Split two HH dialogues into (shared prompt messages, chosen response, rejected response)."""
    if chosen is None or rejected is None:
        return None
    c, r = parse_hh_dialogue(chosen), parse_hh_dialogue(rejected)
    if not c or not r or c[-1]["role"] != "assistant" or r[-1]["role"] != "assistant" or c[:-1] != r[:-1]:
        return None
    if len(c) < 2:
        return None
    return c[:-1], c[-1]["content"], r[-1]["content"]


# ----------------------------------------------------------------------------------------------- attributes

def load_attributes(source: str | Path, *, attributes: tuple[str, ...] = HELPSTEER2_ATTRIBUTES,
                    value_range: tuple[float, float] | None = HELPSTEER2_RANGE,
                    on_bad_rows: str = "drop") -> tuple[pd.DataFrame, DataReport]:
    """Attribute-scored responses as a frame ``prompt (messages), response, <attributes…>``."""
    df, sha = read_records(source)
    report = DataReport(source=str(source), format="attributes", rows_read=len(df), sha256=sha)
    for col in ("prompt", "response", *attributes):
        if col not in df.columns:
            raise InputError("missing column", path=str(source), column=col,
                             expected="prompt, response and the attribute columns " + ", ".join(attributes))
    if len(df) == 0:
        raise InputError("no rows", path=str(source), expected="at least one scored response")
    rows = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        prompt = _prompt_messages(rec.get("prompt"), str(source), i)
        response = _text(rec.get("response"), str(source), i, "response")
        if prompt is None or not response or not response.strip():
            _bad(report, on_bad_rows, "empty prompt or response", str(source), i, "response")
            continue
        values = []
        for col in attributes:
            v = rec.get(col)
            try:
                v = float(v) if v is not None else float("nan")
            except (TypeError, ValueError) as exc:
                raise InputError(f"not a number: {v!r}", path=str(source), row=i, column=col,
                                 expected="a number") from exc
            if math.isnan(v):
                break
            if value_range is not None and not value_range[0] <= v <= value_range[1]:
                raise InputError(f"value {v} out of range", path=str(source), row=i, column=col,
                                 expected=f"a number from {value_range[0]:g} to {value_range[1]:g} "
                                 "(or set --attribute-range)")
            values.append(v)
        if len(values) < len(attributes):
            _bad(report, on_bad_rows, "missing attribute value", str(source), i, attributes[len(values)])
            continue
        rows.append({"prompt": prompt, "response": response, **dict(zip(attributes, values, strict=True)),
                     "row": i})
    out = pd.DataFrame(rows, columns=["prompt", "response", *attributes, "row"])
    report.rows_kept = len(out)
    if len(out) == 0:
        raise InputError(f"no usable rows left (dropped: {dict(report.dropped)})", path=str(source))
    return out, report


def write_seeded_splits(source: str | Path, sizes: dict[str, int], out_dir: str | Path, *, seed: int = 0,
                        prefix: str = "") -> dict[str, Path]:
    """Shuffle the records of a JSONL(.gz) file with ``seed`` and write disjoint consecutive slices of the given
    ``sizes`` (e.g. ``{"train": 500, "val": 100, "test": 300}``) to ``out_dir/{prefix}{name}.jsonl``, records
    unchanged. For examples and checks that carve train / validation / held-out sets from one public sample."""
    import random

    source = Path(source)
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if sum(sizes.values()) > len(rows):
        raise InputError(f"the splits ask for {sum(sizes.values())} records but the file has {len(rows)}",
                         path=str(source))
    random.Random(seed).shuffle(rows)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, start = {}, 0
    for name, n in sizes.items():
        paths[name] = out_dir / f"{prefix}{name}.jsonl"
        paths[name].write_text("".join(json.dumps(r) + "\n" for r in rows[start:start + n]), encoding="utf-8")
        start += n
    return paths
