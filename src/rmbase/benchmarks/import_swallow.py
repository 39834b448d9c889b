"""Read the Swallow LLM Leaderboard's ``model.yml`` (github.com/swallow-llm/leaderboard, ``_data/model.yml``).

Two schemas are known (see docs/benchmarks.md, "Swallow LLM Leaderboard"):

- ``swallow-2025`` (before 2025-07): one English group ``en_basic`` (10 few-shot tasks, ``En Avg``) for pre-trained
  *and* post-trained models; ``base_model`` is a display name; no ``is_post`` field;
- ``swallow-2026``: ``en_pre`` (the same 10 tasks, pre-trained checkpoints) and ``en_post`` (0-shot tasks of
  post-trained models, ``avg``), ``is_post``, ``reasoning`` (``on``, ``on (medium)``, ``N/A``), ``pre_training``
  (a display name), ``model_id``; the 2026-05 file adds the task ``MIFEvalJa`` to ``en_post``.

Only English groups become rows; Japanese (``ja_*``), MT-Bench (``*_mtb``) and ``other`` groups, group averages and
API models without a Hugging Face id are left out with counted notes. A score's mode is
``<group>/<stage>/<reasoning>`` (e.g. ``en_post/post/on``). The defect rules across files live in
:mod:`rmbase.benchmarks.swallow_rules`; this module reads one file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rmbase.errors import InputError
from rmbase.model_ids import preferred_model_id

ENGLISH_GROUPS = ("en_basic", "en_pre", "en_post")
SCHEMAS = {"swallow-2025": ("en_basic",), "swallow-2026": ("en_pre", "en_post")}
AVERAGE_TASKS = ("avg", "en avg")
KNOWN_TASKS = {  # lower-case task names of the English groups (Contract A); others are imported with a note
    "en_basic": ("openbookqa", "triviaqa", "hellaswag", "squad2", "xwino", "mmlu", "gsm8k", "math", "bbh",
                 "humaneval"),
    "en_post": ("hellaswag", "mifevalja", "mmlu_pro", "gpqa", "math500", "aime", "lcb"),
}
KNOWN_TASKS["en_pre"] = KNOWN_TASKS["en_basic"]
SENTINEL = -0.01  # "not run" in the leaderboard's files (API models)
SENTINEL_TOLERANCE = 1e-9
SOURCE_PREFIX = "swallow-leaderboard"
PRIVATE = "(private)"
NO_BASE = ("", "－", "-", "—", PRIVATE)
# the 2025 schema has no is_post: a model is post-trained when its base is private (the leaderboard's convention for
# chat/instruct models of undisclosed bases) or its name says so; a 2026 file imported with it overrides this
POST_MARKERS = re.compile(r"(instruct|chat|(^|[-_ .])it($|[-_ .])|dpo|sft|(^|[-_ ])rl($|[-_ ])|thinking|reasoning)",
                          re.IGNORECASE)
DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
MODEL_COLUMNS = ("model", "name", "family", "params_b", "active_params", "release", "stage", "reasoning",
                 "base_name", "snapshot")


def task_name(task: str) -> str:
    """``MMLU-Pro`` -> ``mmlu_pro``, ``MATH500`` -> ``math500`` (lower case, other characters as ``_``)."""
    return re.sub(r"[^a-z0-9]+", "_", str(task).strip().lower()).strip("_")


def display_key(name: str) -> str:
    """A display name or id tail compared loosely: lower case, runs of spaces/``-``/``_`` as one ``-``."""
    return re.sub(r"[\s_\-]+", "-", str(name).strip().lower())


def reasoning_mode(value: Any, *, path: str, entry: str) -> str:
    """``on``, ``on (medium)``, ``on (high)`` -> ``on``; ``N/A``, ``off``, empty -> ``off``."""
    text = "" if value is None else str(value).strip().lower()
    if text in ("", "n/a", "na", "off", "none", "false"):
        return "off"
    if text.startswith("on") or text == "true":
        return "on"
    raise InputError(f"{entry}: unknown reasoning value {str(value)!r}", path=path,
                     expected="'on', 'on (medium)', 'N/A' or 'off'")


@dataclass
class SwallowFile:
    """One ``model.yml``: its schema, the English scores as long rows (``model, benchmark, value, scale, source,
    mode, date`` plus ``group``), one row per model (:data:`MODEL_COLUMNS`) and counted notes."""

    path: str
    schema: str
    snapshot: str  # the file's stem, e.g. model_2026-05-07_be9013b
    date: str  # the snapshot date: found in the file name, else the file's modification date (UTC)
    scores: pd.DataFrame
    models: pd.DataFrame
    dated_by_name: bool = True
    notes: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"{SOURCE_PREFIX}:{self.snapshot}"

    def note(self, kind: str, example: str, count: int = 1) -> None:
        if count > 0:
            self.notes[kind] += count
            self.examples.setdefault(kind, example)


def _modification_date(path: str) -> str:
    """A downloaded file's snapshot date when its name has none: when it was written (UTC), so that a newer download
    wins over the bundled snapshots under the newest-snapshot rule."""
    import datetime as dt
    import os

    return dt.datetime.fromtimestamp(os.path.getmtime(path), dt.UTC).strftime("%Y-%m-%d")


def is_swallow_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in (".yml", ".yaml")


def _load_yaml(path: str) -> Any:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:  # the C loader where PyYAML has it (the same safe constructors)
            return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loaders
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot parse as YAML: {exc}", path=path,
                         expected="a Swallow LLM Leaderboard model.yml") from exc


def detect_schema(data: Any, path: str) -> str:
    """``swallow-2025`` or ``swallow-2026`` from the English groups the entries carry; anything else is refused."""
    if not isinstance(data, list) or not data or not all(isinstance(e, dict) for e in data):
        raise InputError("not a Swallow model.yml (expected a YAML list of model entries)", path=path,
                         expected="a list of entries with id, name and results")
    groups: set[str] = set()
    for i, e in enumerate(data, start=1):
        results = e.get("results")
        if not isinstance(results, dict):
            raise InputError(f"entry {i} ({_label(e)}) has no 'results' mapping", path=path,
                             expected="results: {group: {task: score}}")
        groups |= {str(g) for g in results}
    found = [name for name, gs in SCHEMAS.items() if groups & set(gs)]
    if len(found) != 1:
        what = "both the 2025 (en_basic) and 2026 (en_pre/en_post) groups" if found else \
            f"no English group of a known schema (groups: {', '.join(sorted(groups)[:8]) or 'none'})"
        raise InputError(f"unknown Swallow model.yml schema: {what}", path=path,
                         expected="the 2025 schema (en_basic) or the 2026 schema (en_pre, en_post)")
    return found[0]


def _label(entry: dict) -> str:
    for key in ("id", "model_id", "name"):
        if entry.get(key) not in (None, ""):
            return f"{key} {str(entry[key])!r}"
    return "no id or name"


def entry_id(entry: dict, index: int, path: str) -> str:
    """The entry's Hugging Face id (``id`` or ``model_id``); an entry without one, or whose two disagree, is
    refused with a message naming the file and the entry."""
    ids = {k: str(entry[k]).strip() for k in ("id", "model_id") if entry.get(k) not in (None, "")}
    ids = {k: v for k, v in ids.items() if v}
    if not ids:
        raise InputError(f"entry {index} ({_label(entry)}) has no id", path=path,
                         expected="an 'id' or 'model_id' (the Hugging Face id) in every entry")
    if len(set(ids.values())) > 1:
        raise InputError(f"entry {index}: id {ids['id']!r} and model_id {ids['model_id']!r} differ", path=path,
                         expected="the same Hugging Face id in both fields")
    return next(iter(ids.values()))


def _number(value: Any, *, path: str, where: str, allow_missing: bool = True) -> float:
    if value is None and allow_missing:
        return np.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where}: non-numeric value {str(value)[:40]!r}", path=path, expected="a number")
    return float(value)


def _is_api(entry: dict, model: str) -> bool:
    """API models: an id that is not ``organisation/name``, or ``params: 0`` (the file's mark of an undisclosed
    API model, e.g. ``google/gemini-3-pro-preview``)."""
    params = entry.get("params")
    return "/" not in model or (isinstance(params, int | float) and not isinstance(params, bool) and params == 0)


def _stage_2025(entry: dict, model: str) -> str:
    base = str(entry.get("base_model") or "").strip()
    named = POST_MARKERS.search(model.rpartition("/")[2]) or POST_MARKERS.search(str(entry.get("name") or ""))
    return "post" if base == PRIVATE or named else "pre"


def read_swallow(path: str | Path) -> SwallowFile:
    """One ``model.yml`` -> :class:`SwallowFile` (scores in 0-1, ``scale='raw'``; the sentinel -0.01 as missing)."""
    p = str(path)
    data = _load_yaml(p)
    schema = detect_schema(data, p)
    stem = Path(p).stem
    m = DATE_IN_NAME.search(Path(p).name)
    date = m.group(1) if m else _modification_date(p)
    out = SwallowFile(path=p, schema=schema, snapshot=stem, date=date, dated_by_name=m is not None,
                      scores=pd.DataFrame(), models=pd.DataFrame(columns=list(MODEL_COLUMNS)))
    if m is None:
        out.note("snapshot date taken from the file's modification time (a date in the name, model_YYYY-MM-DD.yml, "
                 "sets it)", f"{p}: {date}")
    rows: list[dict[str, Any]] = []
    models: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, e in enumerate(data, start=1):
        model = entry_id(e, i, p)
        entry = f"entry {i} ({model!r})"
        if _is_api(e, model):
            out.note("API model without a Hugging Face id skipped", f"{p}: {model}")
            continue
        model = preferred_model_id(model)
        if model in seen:
            raise InputError(f"{entry}: the model is listed twice (first as entry {seen[model]})", path=p,
                             expected="one entry per model")
        seen[model] = i
        if schema == "swallow-2025":
            stage, reasoning, base = _stage_2025(e, model), "off", e.get("base_model")
        else:
            is_post = e.get("is_post")
            if not isinstance(is_post, bool):
                raise InputError(f"{entry}: is_post is {is_post!r}", path=p, expected="true or false")
            stage = "post" if is_post else "pre"
            reasoning = reasoning_mode(e.get("reasoning"), path=p, entry=entry) if is_post else "off"
            base = e.get("pre_training") if is_post else e.get("base")
        params = _number(e.get("params"), path=p, where=f"{entry} params")
        active = _number(e.get("active_params"), path=p, where=f"{entry} active_params")
        models.append({"model": model, "name": str(e.get("name") or ""), "family": str(e.get("family") or ""),
                       "params_b": params, "active_params": active, "release": str(e.get("date") or ""),
                       "stage": stage, "reasoning": reasoning,
                       "base_name": "" if base is None or str(base).strip() in NO_BASE else str(base).strip(),
                       "snapshot": stem})
        for group, tasks in e["results"].items():
            group = str(group)
            if group not in ENGLISH_GROUPS:
                n = len(tasks) if isinstance(tasks, dict) else 1
                out.note(f"non-English or MT-Bench group left out ({group})", f"{p}: {model}", n)
                continue
            if not isinstance(tasks, dict):
                raise InputError(f"{entry}: group {group!r} is not a mapping of task: score", path=p)
            mode = f"{group}/{stage}/{reasoning}"
            for task, value in tasks.items():
                where = f"{entry} {group} {task}"
                if str(task).strip().lower() in AVERAGE_TASKS:
                    out.note("group average left out (not a task)", f"{p}: {model} {group} {task}")
                    continue
                v = _number(value, path=p, where=where)
                if np.isnan(v):
                    out.note("missing score (empty)", f"{p}: {where}")
                    continue
                if abs(v - SENTINEL) < SENTINEL_TOLERANCE:
                    out.note("negative sentinel -0.01 ('not run') read as missing", f"{p}: {where}")
                    continue
                if not 0.0 <= v <= 1.0:
                    raise InputError(f"{where}: score {v:g} outside 0-1", path=p,
                                     expected="a score in 0-1 (or -0.01, the leaderboard's 'not run')")
                bench = task_name(task)
                if bench not in KNOWN_TASKS[group]:
                    out.note("task not in the known list (imported under its lower-case name)",
                             f"{p}: {group} {task} -> {bench}")
                rows.append({"model": model, "benchmark": bench, "value": v, "scale": "raw", "source": out.source,
                             "mode": mode, "date": out.date, "group": group})
    if not models:
        raise InputError("no model with a Hugging Face id in the file", path=p)
    out.scores = pd.DataFrame.from_records(rows, columns=["model", "benchmark", "value", "scale", "source", "mode",
                                                          "date", "group"])
    out.models = pd.DataFrame.from_records(models, columns=list(MODEL_COLUMNS))
    return out
