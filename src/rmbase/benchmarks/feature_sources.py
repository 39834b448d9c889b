"""From long benchmark tables (any sources, any modes) to the observed part of the feature table of bases.

One feature per (benchmark, mode): the six leaderboard v2 scores keep their names; a score with a mode
``<group>/<stage>/<reasoning>`` (the Swallow leaderboard's) becomes ``sw_<group>_<task>``, with a ``_reasoning``
suffix when it was run with reasoning on, so reasoning-on scores are never the same column as reasoning-off ones.
The stage is a property of the model (``models.stage``), not of the column. Any other benchmark keeps its name
(``<name>_raw`` for raw-scale rows). The source is not part of a feature: the same feature of the same model from
two sources is one cell with two observations; when they disagree, both are kept in ``conflicts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.benchmarks.sizes import is_size
from rmbase.model_ids import canonical_model_id, preferred_model_id

OLL_BLOCK = "oll-v2"
#: two observations of one cell disagree when they differ by more than this fraction of the feature's scale
#: (0.5 points on a 0-100 scale, 0.005 on a 0-1 scale: more than rounding)
CONFLICT_TOLERANCE = 0.005
MODEL_COLUMNS = ("params_b", "family", "stage", "reasoning", "release", "pretrained_from", "architecture", "sources")
#: stages as the tables write them -> the vocabulary of rmbase.selection.stage (pretrained, sft, instruct, reasoning)
_STAGES = {"pre": "pretrained", "base": "pretrained", "pretrained": "pretrained", "pre-trained": "pretrained",
           "continuously-pretrained": "pretrained", "chat": "instruct", "fine-tuned": "sft", "post": "instruct",
           "instruction-tuned": "instruct", "rl-tuned": "rl"}


def feature_name(benchmark: str, mode: str, scale: str, source: str = "") -> str:
    """The feature column of a long-table row (see the module docstring)."""
    b = str(benchmark).strip().lower()
    mode = "" if mode is None or mode != mode else str(mode).strip()
    if mode:
        group, _, rest = mode.partition("/")
        reasoning = rest.rpartition("/")[2]
        prefix = "sw" if str(source).startswith("swallow") or group.startswith(("en_", "ja_")) else "mode"
        return f"{prefix}_{group}_{b}" + ("_reasoning" if reasoning == "on" else "")
    return f"{b}_raw" if scale == "raw" else b


def feature_block(feature: str) -> str:
    """The source block a feature belongs to (what is hidden together when uncertainty is measured)."""
    if feature in SIX or feature == AVERAGE:
        return OLL_BLOCK
    if feature.startswith("sw_"):
        group = feature[3:].split("_")[0] + "_" + feature[3:].split("_")[1]
        return f"swallow {group}" + (" reasoning" if feature.endswith("_reasoning") else "")
    return feature


def source_label(source: str) -> str:
    """A short name of a row's source: ``oll-v2``, ``swallow <snapshot>``, or the source as given (a file); the
    observed cell's origin adds the row's mode, e.g. ``swallow model_2026-05-07_be9013b (en_post/post/on)``."""
    s = "" if source is None or source != source else str(source)
    if s.startswith(("open-llm-leaderboard", "mean-of-six")):
        return OLL_BLOCK
    if s.startswith("swallow-leaderboard:"):
        return "swallow " + s.partition(":")[2]
    return s or "(no source)"


@dataclass
class Observed:
    """The observed cells: one value per (model, feature) with its origin, the disagreements, the models."""

    values: pd.DataFrame                 # index model, columns features
    origin: pd.DataFrame                 # same shape: source label(s) of the observed value, "" when missing
    spread: pd.DataFrame                 # same shape: half the range of disagreeing observations (0 when they agree)
    models: pd.DataFrame                 # index model: MODEL_COLUMNS
    conflicts: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def observe(tables: list[pd.DataFrame], models: list[pd.DataFrame] | None = None) -> Observed:
    """Collect the observed feature cells of every model from long tables (columns ``model, benchmark, value,
    scale, source`` and optionally ``mode, date``) and model tables (``model`` and any of MODEL_COLUMNS, or the
    leaderboard's ``type``). Earlier model tables win for metadata; size rows of the long tables win over both."""
    notes: list[str] = []
    frames = []
    for t in tables:
        f = t.copy()
        for col, default in (("mode", ""), ("source", ""), ("scale", "normalised")):
            if col not in f:
                f[col] = default
            f[col] = f[col].fillna(default).astype(str)
        frames.append(f[["model", "benchmark", "value", "scale", "source", "mode"]])
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["model", "benchmark", "value", "scale", "source", "mode"])
    long["value"] = pd.to_numeric(long["value"], errors="coerce")
    spelling: dict[str, str] = {}

    def key(m: str) -> str:
        k = canonical_model_id(m)
        spelling.setdefault(k, preferred_model_id(m))
        return k

    for m in models or []:  # model tables first: their spelling wins for display
        for mid in m["model"].astype(str):
            key(mid)
    ids = long["model"].astype(str)
    long["key"] = ids.map({m: key(m) for m in ids.unique()})  # once per distinct id
    size_rows = is_size(long["benchmark"])
    sizes = long[size_rows & long["value"].notna()].drop_duplicates("key")
    long = long[~size_rows]
    missing = long["value"].isna()
    if missing.any():
        notes.append(f"{int(missing.sum())} score row(s) without a value left out")
        long = long[~missing]
    # a raw row beside a normalised row of the same measurement (model, benchmark, source, mode) is the same fact
    norm = long[long.scale.eq("normalised")].set_index(["key", "benchmark", "source", "mode"]).index
    dup_raw = long.scale.eq("raw") & long.set_index(["key", "benchmark", "source", "mode"]).index.isin(norm)
    if dup_raw.any():
        notes.append(f"{int(dup_raw.sum())} raw-scale row(s) beside the same normalised score left out (one fact)")
        long = long[~dup_raw]
    # names and labels once per distinct (benchmark, mode, scale, source), not once per row
    kinds = long[["benchmark", "mode", "scale", "source"]].drop_duplicates()
    kinds = kinds.assign(feature=[feature_name(*k) for k in kinds.itertuples(index=False, name=None)],
                         label=[source_label(so) + (f" ({md})" if md else "") for _, md, _, so in
                                kinds.itertuples(index=False, name=None)])
    long = long.merge(kinds, on=["benchmark", "mode", "scale", "source"], how="left", sort=False)
    long = long.drop_duplicates(["key", "feature", "source", "value"])
    grouped = long.groupby(["key", "feature"], sort=False)
    stats = grouped.agg(value=("value", "mean"), lo=("value", "min"), hi=("value", "max"), n=("value", "size"),
                        label=("label", "first"))
    several = long.drop_duplicates(["key", "feature", "label"]).duplicated(["key", "feature"], keep=False)
    if several.any():  # a cell from several sources: name them all (python joins only for those cells)
        multi = long.drop_duplicates(["key", "feature", "label"])[several]
        joined = multi.groupby(["key", "feature"], sort=False)["label"].agg(" + ".join)
        stats.loc[joined.index, "label"] = joined
    feature_max = long.assign(a=long["value"].abs()).groupby("feature")["a"].max()
    unit = np.where(feature_max.reindex(stats.index.get_level_values("feature")).to_numpy() > 1.5, 100.0, 1.0)
    disagree = (stats.hi - stats.lo) > CONFLICT_TOLERANCE * unit
    conflicts = _conflicts(long, stats.index[disagree.to_numpy()], spelling)
    if len(conflicts):
        notes.append(f"{int(disagree.sum())} cell(s) observed by several sources with disagreeing values: the mean "
                     "is used, its sd is half their range, and every value is kept in conflicts")
    stats["spread"] = np.where(disagree, (stats.hi - stats.lo) / 2, 0.0)
    values = stats["value"].unstack("feature")
    origin = stats["label"].unstack("feature").fillna("")
    spread = stats["spread"].unstack("feature").fillna(0.0)
    meta = _models(models or [], sizes, long, spelling)
    keys = list(dict.fromkeys([*values.index, *meta.index[meta.params_b.notna()]]))
    order = _column_order(values.columns)
    values = values.reindex(index=keys, columns=order)
    origin = origin.reindex(index=keys, columns=order).fillna("")
    spread = spread.reindex(index=keys, columns=order).fillna(0.0)
    meta = meta.reindex(keys)
    ids = [spelling[k] for k in keys]
    for frame in (values, origin, spread, meta):
        frame.index = pd.Index(ids, name="model")
        frame.columns.name = None
    return Observed(values=values, origin=origin, spread=spread, models=meta, conflicts=conflicts, notes=notes)


def _column_order(columns: pd.Index) -> list[str]:
    oll = [c for c in (*SIX, AVERAGE) if c in columns]
    sw = sorted(c for c in columns if c.startswith("sw_"))
    rest = sorted(c for c in columns if c not in oll and c not in sw)
    return [*oll, *sw, *rest]


def _conflicts(long: pd.DataFrame, cells: pd.Index, spelling: dict[str, str]) -> pd.DataFrame:
    cols = ["model", "feature", "source", "value", "mode", "scale"]
    if len(cells) == 0:
        return pd.DataFrame(columns=cols)
    hit = long.set_index(["key", "feature"]).index.isin(cells)
    out = long[hit].assign(model=lambda f: f.key.map(spelling))
    return out[cols].sort_values(["model", "feature", "source"]).reset_index(drop=True)


def _models(tables: list[pd.DataFrame], sizes: pd.DataFrame, long: pd.DataFrame,
            spelling: dict[str, str]) -> pd.DataFrame:
    """One row per model key: the first non-empty value of each metadata column over the model tables."""
    rows: dict[str, dict] = {}
    for t in tables:
        t = t.copy()
        if "stage" not in t and "type" in t:
            t["stage"] = t["type"]
        if "stage" in t:
            reasoning = (t["reasoning"].astype(str).str.lower().str.startswith("on") if "reasoning" in t
                         else pd.Series(False, index=t.index))
            t["stage"] = [_stage(v, r) for v, r in zip(t["stage"], reasoning, strict=True)]
        for rec in t.to_dict(orient="records"):
            k = canonical_model_id(str(rec["model"]))
            row = rows.setdefault(k, {})
            for col in MODEL_COLUMNS[:-1]:
                v = rec.get(col)
                if col not in row or _empty(row[col]):
                    row[col] = None if _empty(v) else v
    for k, v in zip(sizes["key"], sizes["value"], strict=True):
        rows.setdefault(k, {})["params_b"] = float(v)
    src = long.groupby("key")["label"].agg(lambda s: "; ".join(sorted(set(s))))
    for k in src.index:
        rows.setdefault(k, {})
    meta = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(MODEL_COLUMNS))
    meta["params_b"] = pd.to_numeric(meta["params_b"], errors="coerce")
    meta["sources"] = src.reindex(meta.index).fillna("")
    meta["pretrained_from"] = meta["pretrained_from"].map(
        lambda v: "" if _empty(v) else spelling.get(canonical_model_id(str(v)), preferred_model_id(str(v))))
    return meta


def _stage(value: object, reasoning: bool) -> str | None:
    """A table's stage in the selection room's vocabulary; a post-trained model run with reasoning on is
    ``reasoning``. Unknown words are kept (lower-cased), empty stays empty."""
    if _empty(value):
        return None
    s = str(value).strip().lower()
    s = _STAGES.get(s, s)
    return "reasoning" if reasoning and s not in ("pretrained", "") else s


def _empty(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())
