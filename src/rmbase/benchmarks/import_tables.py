"""Importers of tables: the Open LLM Leaderboard contents table (local CSV/Parquet or the Hub dataset), wide raw
leaderboard tables (e.g. the final leaderboard's raw scores), and plain long CSVs ``model, benchmark, value``.

All are vectorised (pandas): the 4,574-row final leaderboard imports in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rmbase.benchmarks.benchmark_table import ATTRIBUTES, COLUMNS, SCALES, BenchmarkTable
from rmbase.benchmarks.leaderboard import AVERAGE, DISPLAY_NAMES, LM_EVAL_TASKS, SIX
from rmbase.benchmarks.sizes import PARAMS_B, SIZE_SCALE, check_sizes, is_size
from rmbase.errors import InputError
from rmbase.io import read_table
from rmbase.model_ids import preferred_model_id
from rmbase.ranges import SCALES as SCALE_RANGES
from rmbase.ranges import check_column, describe

HUB_CONTENTS = "open-llm-leaderboard/contents"

# the Hub dataset's display columns -> rmbase names (the "clean" form)
HUB_COLUMNS = {
    "fullname": "model", "eval_name": "eval_name", "Precision": "precision", "Type": "type",
    "Chat Template": "chat_template", "Official Providers": "official_provider",
    "Submission Date": "submission_date", "#Params (B)": "params_b", "Average ⬆️": "average",
    **{k: v for b, name in DISPLAY_NAMES.items() for k, v in ((f"{name} Raw", f"{b}_raw"), (name, b))},
}
# other spellings of the six in wide tables (lm-eval group names as columns)
WIDE_ALIASES = {group: b for b, (group, _) in LM_EVAL_TASKS.items()}
MODEL_COLUMNS = ("model", "Model", "fullname", "model_id", "model_name")


def _clean_columns(df: pd.DataFrame) -> pd.DataFrame:
    df = df.rename(columns=lambda c: str(c).strip())
    if "fullname" in df.columns:
        df = df.drop(columns=[c for c in ("Model", "model") if c in df.columns]).rename(columns=HUB_COLUMNS)
    df = df.rename(columns=WIDE_ALIASES)
    for name in MODEL_COLUMNS[1:]:
        if name in df.columns and "model" not in df.columns:
            df = df.rename(columns={name: "model"})
    return df


def is_contents(df: pd.DataFrame) -> bool:
    cols = set(df.columns)
    return "model" in cols and any(f"{b}_raw" in cols for b in SIX) and any(b in cols for b in SIX)


def is_wide(df: pd.DataFrame) -> bool:
    return "model" in df.columns and "benchmark" not in df.columns and any(b in df.columns for b in SIX)


def is_long(df: pd.DataFrame) -> bool:
    return {"model", "benchmark", "value"} <= set(df.columns)


def _check_models(df: pd.DataFrame, path: str) -> pd.Series:
    models = df["model"]
    bad = models.isna() | models.astype(str).str.strip().eq("")
    if bad.any():
        raise InputError("empty model id", path=path, row=int(np.flatnonzero(bad.to_numpy())[0]) + 1,
                         column="model")
    return models.astype(str).map(preferred_model_id)


def _numeric(df: pd.DataFrame, col: str, path: str) -> pd.Series:
    """Numbers; empty cells stay NaN (skipped later, counted); text that is not a number is an error."""
    if pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
        return df[col].astype(float)
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna() & df[col].notna() & df[col].astype(str).str.strip().ne("")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"non-numeric value {describe(df[col].iloc[i])}", path=path, row=i + 1, column=col,
                         expected="a number")
    return values.astype(float)


def _melt(df: pd.DataFrame, models: pd.Series, columns: dict[str, tuple[str, str]], path: str, source: pd.Series,
          table: BenchmarkTable) -> pd.DataFrame:
    """Wide columns -> long rows; ``columns`` maps a column to (benchmark, scale). NaN cells are counted, dropped."""
    parts = []
    for col, (bench, scale) in columns.items():
        values = _numeric(df, col, path)
        _check_range(values, scale, path, col)
        part = pd.DataFrame({"model": models, "benchmark": bench, "value": values, "scale": scale,
                             "source": source, "date": df.get("submission_date"),
                             "official_provider": df.get("official_provider"),
                             "chat_template": df.get("chat_template"), "precision": df.get("precision")})
        missing = part.value.isna()
        if missing.any():
            table.warn("missing score skipped", f"{path}: {int(missing.sum())} empty '{col}' cell(s), first at row "
                       f"{int(np.flatnonzero(missing.to_numpy())[0]) + 1}", int(missing.sum()))
        parts.append(part[~missing])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*COLUMNS, *ATTRIBUTES])


def _row_sources(df: pd.DataFrame, path: str) -> pd.Series:
    """``file#rowN`` (1-based data rows) for tables that do not name their sources."""
    return f"{Path(path).name}#row" + pd.Series(range(1, len(df) + 1), index=df.index).astype(str)


def _check_range(values: pd.Series, scale: str, path: str, col: str) -> None:
    """The shared range rule of the scale (rmbase.ranges); empty cells are skipped and counted by the caller."""
    check_column(values.to_numpy(dtype=float), SCALE_RANGES[scale], path=path, column=col, allow_missing=True)


def import_contents(df: pd.DataFrame, path: str) -> BenchmarkTable:
    """The leaderboard contents table: its own normalised scores (and average) plus the raw columns."""
    table = BenchmarkTable()
    models = _check_models(df, path)
    source = ("open-llm-leaderboard/contents:" + df["eval_name"].astype(str)) if "eval_name" in df \
        else _row_sources(df, path)
    cols: dict[str, tuple[str, str]] = {}
    for b in SIX:
        if b in df:
            cols[b] = (b, "normalised")
        if f"{b}_raw" in df:
            cols[f"{b}_raw"] = (b, "raw")
    if "average" in df:
        cols["average"] = (AVERAGE, "normalised")
    table.frame = _melt(df, models, cols, path, source, table)
    return table


def import_wide(df: pd.DataFrame, path: str) -> BenchmarkTable:
    """A wide table of the six (columns named as rmbase or as the lm-eval groups). Values all within 0-1 are raw
    accuracies; a table with any value above 1 is on the 0-100 normalised scale (recorded as a warning kind)."""
    table = BenchmarkTable()
    models = _check_models(df, path)
    present = [b for b in SIX if b in df]
    numbers = pd.concat([_numeric(df, b, path) for b in present], axis=1)
    scale = "normalised" if float(np.nanmax(numbers.to_numpy())) > 1.0 else "raw"
    table.warn(f"wide table read as {scale} scores", f"{path}: " + ("all values within 0-1" if scale == "raw"
                                                                   else "values above 1"))
    table.frame = _melt(df, models, {b: (b, scale) for b in present}, path, _row_sources(df, path), table)
    if PARAMS_B in df:  # the candidates' sizes, beside their scores
        values = _numeric(df, PARAMS_B, path)
        check_sizes(values, path=path, column=PARAMS_B)
        size = pd.DataFrame({"model": models, "benchmark": PARAMS_B, "value": values, "scale": SIZE_SCALE,
                             "source": _row_sources(df, path)})[values.notna()]
        table.frame = pd.concat([table.frame, size], ignore_index=True)
    return table


def import_long(df: pd.DataFrame, path: str) -> BenchmarkTable:
    """A plain long table ``model, benchmark, value`` (+ optional scale, source, mode, date, precision,
    chat_template, official_provider). Without ``scale``: the six and their average (rows without a mode) are taken
    as normalised when above 1 anywhere, else raw; other benchmarks as raw."""
    table = BenchmarkTable()
    out = pd.DataFrame({"model": _check_models(df, path)})
    bench = df["benchmark"]
    bad = bench.isna() | bench.astype(str).str.strip().eq("")
    if bad.any():
        raise InputError("empty benchmark name", path=path, row=int(np.flatnonzero(bad.to_numpy())[0]) + 1,
                         column="benchmark")
    out["benchmark"] = bench.astype(str).str.strip().str.lower().map(lambda b: WIDE_ALIASES.get(b, b))
    out["value"] = _numeric(df, "value", path)
    size = is_size(out.benchmark)  # a model's size (billions), not a score: its own kind and range
    check_sizes(out.value, path=path, column="value", rows=size)
    if "scale" in df:
        scale = df["scale"].astype(str).str.strip().str.lower()
        given = df["scale"].notna() & scale.ne("")
        bad_size = size & given & scale.ne(SIZE_SCALE)
        if bad_size.any():
            i = int(np.flatnonzero(bad_size.to_numpy())[0])
            raise InputError(f"params_b with scale {df['scale'].iloc[i]!r}", path=path, row=i + 1, column="scale",
                             expected=f"'{SIZE_SCALE}' (or empty) for a model size")
        bad = ~scale.isin(SCALES) & ~size
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"unknown scale {df['scale'].iloc[i]!r}", path=path, row=i + 1, column="scale",
                             expected="raw or normalised (billions for params_b)")
        out["scale"] = scale.where(~size, SIZE_SCALE)
    else:
        six = out.benchmark.isin([*SIX, AVERAGE]) & (df["mode"].fillna("").astype(str).str.strip().eq("")
                                                     if "mode" in df else True)
        hi = out.value[six].max() if six.any() else 0.0
        out["scale"] = np.where(size, SIZE_SCALE, np.where(six & (hi > 1.0), "normalised", "raw"))
        if six.any():
            table.warn("scale inferred (no 'scale' column)", f"{path}: leaderboard benchmarks read as "
                       f"{'normalised' if hi > 1.0 else 'raw'}")
    for scale in SCALES:
        sel = out.scale.eq(scale) & ~size
        if sel.any():
            _check_range(out.value.where(sel, 0.0), scale, path, "value")
    out["source"] = df["source"].astype(str) if "source" in df else _row_sources(df, path)
    out["mode"] = df["mode"].fillna("").astype(str).str.strip() if "mode" in df else ""
    out["date"] = df.get("date")
    for col in ATTRIBUTES:
        out[col] = df.get(col)
    missing = out.value.isna()
    if missing.any():
        table.warn("missing score skipped", f"{path}: row {int(np.flatnonzero(missing.to_numpy())[0]) + 1} has no "
                   "value", int(missing.sum()))
    table.frame = out[~missing].reset_index(drop=True)
    return table


def import_table(path: str | Path) -> BenchmarkTable:
    """A local CSV/TSV/Parquet in any of the three forms, detected from its columns."""
    p = str(path)
    df = _clean_columns(read_table(p))
    if df.empty:
        raise InputError("the table has no rows", path=p)
    if is_long(df):
        return import_long(df, p)
    if is_contents(df):
        return import_contents(df, p)
    if is_wide(df):
        return import_wide(df, p)
    raise InputError(f"unrecognised table (columns: {', '.join(map(str, df.columns[:12]))})", path=p,
                     expected="columns model, benchmark, value; or a leaderboard table with a model column and "
                              f"{', '.join(SIX)} (optionally *_raw) columns")


def load_hub_contents(name: str = HUB_CONTENTS) -> BenchmarkTable:
    """The leaderboard contents table from the Hugging Face Hub (needs ``datasets`` and network access)."""
    try:
        from datasets import load_dataset
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError("reading the Hub dataset needs the 'datasets' package (pip install rmbase[train])") from exc
    try:
        df = load_dataset(name, split="train").to_pandas()
    except Exception as exc:
        raise InputError(f"cannot load the Hub dataset {name!r}: {exc}",
                         expected="network access to huggingface.co, or a local CSV/Parquet copy") from exc
    df = _clean_columns(df)
    if not is_contents(df):
        raise InputError(f"the Hub dataset {name!r} does not have the contents table's columns")
    table = import_contents(df, f"hf://{name}")
    table.inputs[f"hf://{name}"] = "hub"
    return table
