"""Schemas of the study tables and their validation: one clear :class:`InputError` per problem.

Row numbers in messages are 1-based data rows (the header is not counted), as a spreadsheet user counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rmbase import ranges as R
from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.datasets.targets import SECTIONS, TARGETS  # noqa: F401  (read from here too)
from rmbase.errors import InputError
from rmbase.training.recipes import recipe_names as recipes  # noqa: F401  (the live registry, read by the loaders)

BENCHMARK_FEATURES = SIX  # the Open LLM Leaderboard v2's six (rmbase.benchmarks.leaderboard)
OLL_AVERAGE = AVERAGE
MODEL_FEATURES = ("params_b", "pretrain_tokens_t")
# model features a models table may leave out (most bases do not publish them): the analyses then go without them
OPTIONAL_MODEL_FEATURES = ("pretrain_tokens_t",)
FEATURES = (*BENCHMARK_FEATURES, OLL_AVERAGE, *MODEL_FEATURES)


@dataclass(frozen=True)
class TableSchema:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()          # must be finite numbers where present
    key: tuple[str, ...] = ("model",)      # must be unique
    allow_extra: bool = False
    text: tuple[str, ...] = field(default=("model",))
    ranges: dict[str, R.Range] = field(default_factory=dict)  # numeric column -> its range rule (rmbase.ranges)
    may_be_missing: tuple[str, ...] = ()   # numeric columns whose empty cells mean "unknown", not an error
    one_of: tuple[str, ...] = ()           # at least one of these columns must be present


_RM = dict.fromkeys(TARGETS, R.RM_SCORE_PERCENT)  # the study tables hold published RM figures in percent
MODELS = TableSchema(
    "models", required=("model", "params_b"),
    optional=("pretrain_tokens_t", "hf_id", "publisher", "release", "family", "stage", "downloads_feb2025", "likes"),
    numeric=("params_b", "pretrain_tokens_t"),
    ranges={"params_b": R.PARAMS_B, "pretrain_tokens_t": R.PRETRAIN_TOKENS_T}, may_be_missing=OPTIONAL_MODEL_FEATURES,
)
RESULTS = TableSchema(
    "results", required=("model", "recipe"), optional=TARGETS,
    numeric=TARGETS, key=("model", "recipe"), text=("model", "recipe"), ranges=_RM, one_of=TARGETS,
)
POST_TRAINING = TableSchema(
    "post_training", required=("model", "stage", "score"), optional=SECTIONS,
    numeric=("score", *SECTIONS), key=("model",), text=("model", "stage"), ranges=_RM,
)
BENCHMARKS_LONG = TableSchema(
    "benchmarks", required=("model", "benchmark", "value"), optional=("scale", "source", "mode", "date"),
    numeric=("value",), key=("model", "benchmark"), text=("model", "benchmark"), ranges={"value": R.NORMALISED},
)
BENCHMARKS_WIDE = TableSchema(
    "benchmarks", required=("model",), optional=(*BENCHMARK_FEATURES, OLL_AVERAGE),
    numeric=(*BENCHMARK_FEATURES, OLL_AVERAGE), key=("model",),
    ranges=dict.fromkeys((*BENCHMARK_FEATURES, OLL_AVERAGE), R.NORMALISED),
)


def validate(df: pd.DataFrame, schema: TableSchema, path: str) -> pd.DataFrame:
    """Check columns, emptiness, text and numeric cells and key uniqueness; return a cleaned copy."""
    cols = [str(c).strip() for c in df.columns]
    df = df.copy()
    df.columns = cols
    if len(set(cols)) < len(cols):
        dup = next(c for c in cols if cols.count(c) > 1)
        raise InputError(f"column '{dup}' appears twice in the {schema.name} table", path=path)
    missing = [c for c in schema.required if c not in cols]
    if schema.one_of and not any(c in cols for c in schema.one_of):
        missing.append(" or ".join(schema.one_of))
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
        df[col] = numeric_column(df[col], path=path, column=col, rng=schema.ranges.get(col),
                                 allow_missing=col in schema.may_be_missing)
    dup = df.duplicated(list(schema.key), keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        key = ", ".join(f"{k}={df[k].iloc[i]!r}" for k in schema.key)
        raise InputError(f"duplicate {schema.name} row ({key})", path=path, row=i + 1,
                         expected=f"one row per {' + '.join(schema.key)}")
    return df.reset_index(drop=True)


def numeric_column(values: pd.Series, *, path: str, column: str, rng: R.Range | None = None,
                   allow_missing: bool = False) -> pd.Series:
    """A column of numbers: text that is not a number is an error naming the cell (``inf`` is a number, and out of
    every range); then the range rule of the column, if any; empty cells only where ``allow_missing``."""
    if values.dtype == bool:
        raise InputError("true/false values", path=path, row=1, column=column, expected="numbers")
    converted = pd.to_numeric(values, errors="coerce")
    text = converted.isna() & values.notna() & values.astype(str).str.strip().ne("")
    if text.any():
        i = int(np.flatnonzero(text.to_numpy())[0])
        raise InputError(f"non-numeric value {R.describe(values.iloc[i])}", path=path, row=i + 1, column=column,
                         expected="a finite number")
    R.check_column(converted.to_numpy(dtype=float), rng or R.FINITE, path=path, column=column,
                   allow_missing=allow_missing)
    return converted.astype(float)


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InputError(f"unknown {what} {value!r}", expected=f"one of {', '.join(allowed)}")
    return value
