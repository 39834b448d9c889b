"""Schemas of the study tables and their validation: one clear :class:`InputError` per problem.

Row numbers in messages are 1-based data rows (the header is not counted), as a spreadsheet user counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.errors import InputError
from rmbase.training.recipes import RECIPE_NAMES

BENCHMARK_FEATURES = SIX  # the Open LLM Leaderboard v2's six (rmbase.benchmarks.leaderboard)
OLL_AVERAGE = AVERAGE
MODEL_FEATURES = ("params_b", "pretrain_tokens_t")
FEATURES = (*BENCHMARK_FEATURES, OLL_AVERAGE, *MODEL_FEATURES)
SECTIONS = ("chat", "chat_hard", "safety", "reasoning")
TARGETS = ("score", *SECTIONS)
RECIPES = RECIPE_NAMES  # the training recipes' registry is the one home of their names


@dataclass(frozen=True)
class TableSchema:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()          # must be finite numbers where present
    key: tuple[str, ...] = ("model",)      # must be unique
    allow_extra: bool = False
    text: tuple[str, ...] = field(default=("model",))


MODELS = TableSchema(
    "models", required=("model", "params_b", "pretrain_tokens_t"),
    optional=("hf_id", "publisher", "release", "family", "stage", "downloads_feb2025", "likes"),
    numeric=("params_b", "pretrain_tokens_t"),
)
RESULTS = TableSchema(
    "results", required=("model", "recipe", "score"), optional=SECTIONS,
    numeric=("score", *SECTIONS), key=("model", "recipe"), text=("model", "recipe"),
)
POST_TRAINING = TableSchema(
    "post_training", required=("model", "stage", "score"), optional=SECTIONS,
    numeric=("score", *SECTIONS), key=("model",), text=("model", "stage"),
)
BENCHMARKS_LONG = TableSchema(
    "benchmarks", required=("model", "benchmark", "value"), optional=("scale", "source", "date"),
    numeric=("value",), key=("model", "benchmark"), text=("model", "benchmark"),
)
BENCHMARKS_WIDE = TableSchema(
    "benchmarks", required=("model",), optional=(*BENCHMARK_FEATURES, OLL_AVERAGE),
    numeric=(*BENCHMARK_FEATURES, OLL_AVERAGE), key=("model",),
)


def validate(df: pd.DataFrame, schema: TableSchema, path: str) -> pd.DataFrame:
    """Check columns, emptiness, text and numeric cells and key uniqueness; return a cleaned copy."""
    cols = [str(c).strip() for c in df.columns]
    df = df.copy()
    df.columns = cols
    missing = [c for c in schema.required if c not in cols]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} in the {schema.name} table", path=path,
                         expected=f"columns {', '.join(schema.required)}")
    if not schema.allow_extra:
        allowed = set(schema.required) | set(schema.optional)
        extra = [c for c in cols if c not in allowed]
        if extra:
            raise InputError(f"unexpected column(s) {', '.join(extra)} in the {schema.name} table", path=path,
                             expected=f"only {', '.join([*schema.required, *schema.optional])}")
    if df.empty:
        raise InputError(f"the {schema.name} table has no rows", path=path)
    for col in schema.text:
        if col not in df:
            continue
        values = df[col]
        bad = values.isna() | values.astype(str).str.strip().eq("")
        if bad.any():
            raise InputError("empty value", path=path, row=int(np.flatnonzero(bad.to_numpy())[0]) + 1, column=col)
        df[col] = values.astype(str).str.strip()
    for col in schema.numeric:
        if col not in df:
            continue
        converted = pd.to_numeric(df[col], errors="coerce")
        bad = ~np.isfinite(converted.to_numpy(dtype=float))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raw = df[col].iloc[i]
            what = "missing value (NaN)" if pd.isna(raw) else f"non-numeric value {raw!r}"
            raise InputError(what, path=path, row=i + 1, column=col, expected="a finite number")
        df[col] = converted.astype(float)
    dup = df.duplicated(list(schema.key), keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        key = ", ".join(f"{k}={df[k].iloc[i]!r}" for k in schema.key)
        raise InputError(f"duplicate {schema.name} row ({key})", path=path, row=i + 1,
                         expected=f"one row per {' + '.join(schema.key)}")
    return df.reset_index(drop=True)


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InputError(f"unknown {what} {value!r}", expected=f"one of {', '.join(allowed)}")
    return value
