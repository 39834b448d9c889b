"""Sections and scores from files of per-subset figures (``rmbase evaluate summarize``).

Accepted inputs:

* a CSV/TSV/Parquet table with ``subset`` and either ``correct, total`` or ``accuracy`` (and optionally ``model``,
  several models per file);
* a reward-bench results JSON: ``{subset: accuracy, "model": ..., ...}`` (non-numeric fields are metadata), or a
  list of such objects;
* rmbase's ``scores.jsonl`` (per-example scores): subsets are recomputed with the chosen rules.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pydantic import Field

from rmbase.config import Config
from rmbase.errors import InputError
from rmbase.rm_eval.registry import detect_rules, get_rules, subset_figures, summarize
from rmbase.rm_eval.rules import Summary, check_accuracy

METADATA_KEYS = {"model", "model_type", "chat_template", "ref_model", "revision"}


class SummarizeConfig(Config):
    """Options of ``rmbase evaluate summarize`` (written beside its ``--out`` file as OUT.config.yaml)."""

    file: str = Field(description="Per-subset figures: CSV/TSV/Parquet (model, subset, correct, total | accuracy), "
                      "a reward-bench results JSON, or an rmbase scores.jsonl.")
    rules: str | None = Field(None, description="v1 | v1-prior | v2, or a registered benchmark's (default: from "
                              "the subset names).")
    allow_partial: bool = Field(False, description="Allow sections with missing subsets (marked partial).")
    out: str | None = Field(None, description="Write the summaries as JSON to this file (and the resolved config "
                            "beside it, OUT.config.yaml).")


def _accuracy_tables_from_frame(df: Any, path: str) -> dict[str, dict[str, float]]:
    cols = {c.lower().strip(): c for c in df.columns}
    if "subset" not in cols:
        raise InputError("missing column 'subset'", path=path, expected="columns model, subset, correct, total "
                         "(or accuracy)")
    has_counts = "correct" in cols and "total" in cols
    if not has_counts and "accuracy" not in cols:
        raise InputError("needs columns 'correct' and 'total', or 'accuracy'", path=path)
    out: dict[str, dict[str, float]] = {}
    for i, row in enumerate(df.to_dict("records"), start=1):  # 1-based data rows, as every reader counts them
        model = str(row[cols["model"]]) if "model" in cols else Path(path).stem
        subset = row[cols["subset"]]
        if not isinstance(subset, str) or not subset.strip():
            raise InputError("empty subset name", path=path, row=i, column="subset")
        if has_counts:
            correct, total = row[cols["correct"]], row[cols["total"]]
            try:
                c, t = float(correct), float(total)
            except (TypeError, ValueError) as exc:
                raise InputError(f"non-numeric correct/total ({correct!r}, {total!r})", path=path, row=i) from exc
            if not (math.isfinite(c) and math.isfinite(t)) or t <= 0 or c < 0 or c > t:
                raise InputError(f"correct={correct!r}, total={total!r}", path=path, row=i,
                                 expected="0 <= correct <= total, total > 0")
            acc = c / t
        else:
            value = row[cols["accuracy"]]
            try:
                acc = float(value)
            except (TypeError, ValueError) as exc:
                raise InputError(f"non-numeric accuracy {value!r}", path=path, row=i, column="accuracy") from exc
            acc = check_accuracy(subset, acc, path=path, row=i)
        table = out.setdefault(model, {})
        if subset in table:
            raise InputError(f"duplicate subset {subset!r} for model {model!r}", path=path, row=i)
        table[subset] = acc
    if not out:
        raise InputError("the table has no rows", path=path)
    return out


def _known_subset_names() -> set[str]:
    """Every subset name of every registered rule set: such a key is a figure, never metadata."""
    from rmbase.rm_eval.registry import known_subsets, rule_names

    return {s for r in rule_names() for s in known_subsets(r)}


def _accuracy_table_from_json_obj(obj: dict[str, Any], path: str, k: int) -> tuple[str, dict[str, float]]:
    model = str(obj.get("model") or f"{Path(path).stem}" + (f"#{k}" if k else ""))
    table: dict[str, float] = {}
    subsets = _known_subset_names()
    for key, value in obj.items():
        if key in METADATA_KEYS or (isinstance(value, str | type(None)) and key not in subsets):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"subset {key!r} has a {type(value).__name__} value {value!r}", path=path,
                             expected="a number in [0, 1]")
        table[key] = check_accuracy(key, value, path=path)
    return model, table


def read_subset_tables(path: str | Path, rules: str | None = None) -> dict[str, dict[str, float]]:
    """``{model: {subset: accuracy}}`` from a table, a reward-bench results JSON or an rmbase scores.jsonl."""
    from rmbase.io import check_input_file

    p = check_input_file(path, expected="a table, a reward-bench results JSON or an rmbase scores.jsonl")
    suffix = p.suffix.lower()
    if suffix == ".jsonl":
        from rmbase.rm_eval.data import read_records

        records = read_records(p)
        for i, r in enumerate(records, start=1):
            if not {"id", "subset", "scores"} <= set(r) or not isinstance(r["scores"], list) or len(r["scores"]) < 2:
                raise InputError("expected an rmbase scores.jsonl row {id, subset, scores, num_correct}",
                                 path=str(p), row=i)
        rules = rules or detect_rules(r["subset"] for r in records)
        figures = subset_figures(records, rules)
        return {p.parent.name or p.stem: {k: f.accuracy for k, f in figures.items()}}
    if suffix == ".json":
        try:
            obj = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not valid JSON: {exc}", path=str(p)) from exc
        objs = obj if isinstance(obj, list) else [obj]
        if not objs or not all(isinstance(o, dict) for o in objs):
            raise InputError("expected an object {subset: accuracy, ...} or a list of them", path=str(p))
        out: dict[str, dict[str, float]] = {}
        for k, o in enumerate(objs):
            if "subsets" in o and isinstance(o["subsets"], dict):  # an rmbase results.json
                o = {"model": o.get("model"), **{s: v["accuracy"] for s, v in o["subsets"].items()}}
            model, table = _accuracy_table_from_json_obj(o, str(p), k)
            if model in out:
                raise InputError(f"model {model!r} appears twice", path=str(p))
            out[model] = table
        return out
    from rmbase.io import read_table

    return _accuracy_tables_from_frame(read_table(p), str(p))


def summarize_file(path: str | Path, rules: str | None = None, *,
                   allow_partial: bool = False) -> dict[str, Summary]:
    """One :class:`Summary` per model in the file; ``rules=None`` picks the rules (v1 / v1-prior / v2, or a
    registered benchmark's) from the subset names."""
    if rules is not None:
        get_rules(rules)  # an unknown name is an InputError before the file is read
    tables = read_subset_tables(path, rules)
    out = {}
    for model, table in tables.items():
        if not table:
            raise InputError(f"no subset figures for model {model!r}", path=str(path))
        try:
            out[model] = summarize(table, rules or detect_rules(table), allow_partial=allow_partial)
        except InputError as exc:
            raise InputError(f"model {model!r}: {exc}", path=str(path)) from exc
    return out
