"""The long benchmark table (DESIGN.md): model, benchmark, value, scale, source, mode, date — as a library object.

``mode`` is part of a score's identity: the task group, pre- or post-trained, reasoning on or off of the source's
run (e.g. ``en_post/post/on`` for the Swallow LLM Leaderboard); empty for sources without modes (the Open LLM
Leaderboard, lm-eval runs). Files without a ``mode`` column read as mode "".

A :class:`BenchmarkTable` holds the seven public columns plus the run attributes that the duplicate rule needs
(``official_provider``, ``chat_template``, ``precision``), the counted warnings of the import and, after
:meth:`BenchmarkTable.resolve_duplicates`, the record of which rows were dropped and why.
Files written by :meth:`BenchmarkTable.write` hold only the seven public columns (so that ``rmbase study
--benchmarks FILE`` reads them) and come with a ``FILE.provenance.json`` sidecar.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rmbase.benchmarks.duplicates import DUPLICATE_RULE, resolve
from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.errors import InputError
from rmbase.model_ids import ModelIdIndex, canonical_model_id, preferred_model_id

COLUMNS = ("model", "benchmark", "value", "scale", "source", "mode", "date")
ATTRIBUTES = ("official_provider", "chat_template", "precision")
SCALES = ("raw", "normalised")


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object) for c in (*COLUMNS, *ATTRIBUTES)})


def models_path(path: str | os.PathLike) -> Path:
    """Where :meth:`BenchmarkTable.write` puts a source's models metadata: ``scores.csv`` -> ``scores.models.csv``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.models.csv")


@dataclass
class BenchmarkTable:
    """Long benchmark scores with their import warnings (counted by kind) and duplicate-resolution record."""

    frame: pd.DataFrame = field(default_factory=empty_frame)
    warnings: Counter = field(default_factory=Counter)
    warning_examples: dict[str, str] = field(default_factory=dict)
    duplicates: pd.DataFrame | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # file -> sha256
    removed: pd.DataFrame | None = None  # cells a source's stated rules removed (e.g. Swallow extraction failures)
    replaced: pd.DataFrame | None = None  # values an older snapshot of the same source had (newest wins)
    model_info: pd.DataFrame | None = None  # one row per model: a source's metadata (Swallow: stage, pretrained_from)

    def __post_init__(self) -> None:
        for col in (*COLUMNS, *ATTRIBUTES):
            if col not in self.frame:
                self.frame[col] = np.nan if col == "value" else None
        self.frame["mode"] = self.frame["mode"].fillna("").astype(str)
        self.frame = self.frame[[*COLUMNS, *ATTRIBUTES]].reset_index(drop=True)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_records(cls, records: list[dict[str, Any]], **kw: Any) -> BenchmarkTable:
        frame = pd.DataFrame.from_records(records) if records else empty_frame()
        return cls(frame=frame, **kw)

    def warn(self, kind: str, example: str, count: int = 1) -> None:
        """Count a skippable problem; the first example of each kind is kept for the message."""
        if count <= 0:
            return
        self.warnings[kind] += count
        self.warning_examples.setdefault(kind, example)

    @staticmethod
    def concat(tables: list[BenchmarkTable]) -> BenchmarkTable:
        frames = [t.frame for t in tables if len(t.frame)]
        out = BenchmarkTable(frame=pd.concat(frames, ignore_index=True) if frames else empty_frame())
        for t in tables:
            for kind, n in t.warnings.items():
                out.warn(kind, t.warning_examples.get(kind, ""), n)
            out.inputs.update(t.inputs)
            for name in ("removed", "replaced", "model_info"):
                part = getattr(t, name)
                if part is not None and len(part):
                    old = getattr(out, name)
                    setattr(out, name, part if old is None else pd.concat([old, part], ignore_index=True))
        if out.model_info is not None:
            out.model_info = out.model_info.drop_duplicates("model", keep="last").reset_index(drop=True)
        return out

    # ------------------------------------------------------------------ views
    def __len__(self) -> int:
        return len(self.frame)

    @property
    def models(self) -> list[str]:
        return sorted(self.frame.model.unique())

    def public(self) -> pd.DataFrame:
        """The seven DESIGN.md columns only."""
        return self.frame[list(COLUMNS)].copy()

    def for_model(self, model: str) -> pd.DataFrame:
        """The rows of ``model`` in any spelling (or by its name without organisation)."""
        hits = ModelIdIndex(pd.unique(self.frame.model)).find(model)
        hit = self.frame[self.frame.model.isin(hits)]
        return hit[list(COLUMNS)].reset_index(drop=True)

    def wide(self, scale: str = "normalised", benchmarks: tuple[str, ...] | None = None, mode: str = ""
             ) -> pd.DataFrame:
        """Models x benchmarks (one scale, one mode: by default the rows without a mode, as the leaderboard's);
        duplicates must have been resolved."""
        sub = self.frame[self.frame.scale.eq(scale) & self.frame["mode"].eq(mode)]
        if sub.duplicated(["model", "benchmark"]).any():
            raise InputError("the table has several values per model and benchmark; resolve duplicates first")
        wide = sub.pivot(index="model", columns="benchmark", values="value")
        wide.columns.name = None
        if benchmarks is not None:
            wide = wide.reindex(columns=list(benchmarks))
        return wide.sort_index()

    # ------------------------------------------------------------------ cleaning
    def normalise_ids(self) -> BenchmarkTable:
        """One spelling per model: the preferred id (``Meta-Llama-3.1-*`` -> ``Llama-3.1-*``), case of the first
        spelling seen for each canonical key."""
        f = self.frame
        if f.empty:
            return self
        first: dict[str, str] = {}
        spelling = {}
        for m in pd.unique(f.model):  # once per distinct id
            spelling[m] = first.setdefault(canonical_model_id(m), preferred_model_id(m))
        self.frame = f.assign(model=f.model.map(spelling))
        return self

    def add_averages(self) -> BenchmarkTable:
        """Add ``oll_average`` (normalised) for each (model, source) with all six normalised scores and no average."""
        f = self.frame
        norm = f[f.scale.eq("normalised")]
        six = norm[norm.benchmark.isin(SIX)]
        if six.empty:
            return self
        keys = ["model", "source"]
        stats = six.groupby(keys, sort=False, dropna=False).agg(n=("benchmark", "size"),
                                                                 distinct=("benchmark", "nunique"),
                                                                 value=("value", "mean"))
        stats = stats[(stats.n == len(SIX)) & (stats.distinct == len(SIX))]
        have = norm[norm.benchmark.eq(AVERAGE)].set_index(keys).index
        stats = stats[~stats.index.isin(have)]
        if stats.empty:
            return self
        firsts = six.drop_duplicates(keys).set_index(keys).drop(columns=["value", "benchmark"])
        rows = stats[["value"]].join(firsts, how="left").reset_index().assign(benchmark=AVERAGE)
        self.frame = pd.concat([f, rows[f.columns]], ignore_index=True)
        return self

    def resolve_duplicates(self, on_conflict: str = "error") -> BenchmarkTable:
        """One value per (model, benchmark, scale, mode) by the recorded rule (:mod:`rmbase.benchmarks.duplicates`)."""
        res = resolve(self.frame, on_conflict)
        for kind, example, count in res.warnings:
            self.warn(kind, example, count)
        self.frame, self.duplicates = res.frame, res.dropped
        return self

    def restrict_to(self, models: pd.DataFrame, path: str = "models table") -> BenchmarkTable:
        """Keep the models of a models table (columns ``model`` and optionally ``hf_id``, as the study's
        ``models.csv``) and name them as it does. A row matches by ``hf_id`` (any spelling), else by ``model``
        (as an id, or as the name without organisation). Models of the table without scores are a counted warning."""
        if "model" not in models.columns:
            raise InputError("no 'model' column", path=path, expected="a models table with model (and hf_id) columns")
        index = ModelIdIndex(pd.unique(self.frame.model))
        parts, missing = [], []
        for row in models.itertuples(index=False):
            hf = getattr(row, "hf_id", None)
            hits = index.find(str(hf) if isinstance(hf, str) and hf.strip() else row.model)
            if not hits:
                missing.append(str(row.model))
                continue
            if len(hits) > 1:
                raise InputError(f"model {row.model!r} matches several ids ({', '.join(sorted(hits))})",
                                 path=path, expected="an hf_id column with organisation/name ids")
            parts.append(self.frame[self.frame.model.eq(hits[0])].assign(model=str(row.model)))
        if missing:
            self.warn("model of the models table without scores", ", ".join(missing[:5]), len(missing))
        if self.model_info is not None:
            self.warn("source's models metadata not written (--models renames the models)",
                      f"{len(self.model_info)} model row(s)")
            self.model_info = None
        self.frame = (pd.concat(parts, ignore_index=True) if parts else self.frame.iloc[0:0]).reset_index(drop=True)
        return self

    # ------------------------------------------------------------------ output
    def summary(self) -> dict[str, Any]:
        return {
            "rows": len(self.frame), "models": int(self.frame.model.nunique()),
            "benchmarks": sorted(self.frame.benchmark.unique()),
            "warnings": dict(self.warnings), "warning_examples": dict(self.warning_examples),
            "duplicates_dropped": 0 if self.duplicates is None else int(len(self.duplicates)),
            "modes": sorted(m for m in self.frame["mode"].unique() if m),
            "removed_by_rules": 0 if self.removed is None else int(len(self.removed)),
            "replaced_by_newer_snapshot": 0 if self.replaced is None else int(len(self.replaced)),
        }

    def write(self, path: str | os.PathLike, *, config: dict[str, Any] | None = None, names: str = "hf") -> Path:
        """Write the public columns (CSV or Parquet by suffix) and ``PATH.provenance.json``, each atomically; a table
        with :attr:`model_info` (a Swallow import) also writes them as ``models_path(PATH)`` (``scores.models.csv``).

        ``names='short'`` writes model names without the organisation (``Llama-3.1-8B-Instruct``), as the study's
        tables name models; two models that would get the same short name are an :class:`InputError`."""
        from rmbase.io import atomic_write_json, atomic_write_parquet, atomic_write_text, sha256_file
        from rmbase.provenance import provenance

        p = Path(path)
        suffix = p.suffix.lower()
        if suffix not in (".csv", ".parquet", ".pq"):
            raise InputError(f"unsupported output type '{p.suffix or '(none)'}'", path=str(p),
                             expected="a .csv or .parquet file")
        data = self.public().sort_values(["model", "benchmark", "scale", "mode"], kind="stable")
        if names not in ("hf", "short"):
            raise InputError(f"unknown names option {names!r}", expected="hf or short")
        if names == "short":
            short = data.model.str.rpartition("/")[2]
            pairs = pd.DataFrame({"model": data.model, "short": short}).drop_duplicates()
            clash = pairs.duplicated("short", keep=False)
            if clash.any():
                name = pairs.short[clash].iloc[0]
                both = sorted(pairs.model[pairs.short.eq(name)])[:3]
                raise InputError(f"models {' and '.join(both)} have the same name without organisation",
                                 expected="--names hf, or --models FILE to keep and name the models of a models "
                                          "table")
            data = data.assign(model=short)
        models_file = None
        if self.model_info is not None and len(self.model_info):
            meta = self.model_info
            if names == "short":
                meta = meta.assign(model=meta.model.str.rpartition("/")[2])
            models_file = models_path(p)
            atomic_write_text(models_file, meta.to_csv(index=False, float_format="%.6g"))
        if suffix == ".csv":
            atomic_write_text(p, data.to_csv(index=False, float_format="%.6f"))
        else:
            atomic_write_parquet(p, data)
        dup = [] if self.duplicates is None else self.duplicates.to_dict(orient="records")
        extra = {name: getattr(self, name).to_dict(orient="records") for name in ("removed", "replaced")
                 if getattr(self, name) is not None and len(getattr(self, name))}
        record = provenance(config=config, data=dict(self.inputs), packages=("rmbase", "pandas", "pyarrow"),
                            output_sha256=sha256_file(p), summary=self.summary(),
                            duplicate_rule=DUPLICATE_RULE, duplicates_dropped=dup,
                            models_file=None if models_file is None else str(models_file),
                            **{f"{k}_cells": v for k, v in extra.items()})
        atomic_write_json(str(p) + ".provenance.json", record)
        return p

