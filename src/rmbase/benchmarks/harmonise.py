"""ONE harmonised feature table of bases: every source's scores, observed or mapped, with origin and uncertainty.

Sources (the bundled Open LLM Leaderboard v2 table, the bundled Swallow leaderboard table, a user's imported files)
become features (:mod:`rmbase.benchmarks.feature_sources`). A missing feature that other sources imply is filled by
a low-rank factor model of the whole models x features matrix (:mod:`rmbase.benchmarks.completion`), with the
model's size and stage (pre-/post-trained) as covariates; its stated sd is scaled per source block so that nominal
90% intervals cover 90% of cells hidden from the training matrix (:mod:`rmbase.benchmarks.harmonise_fit`).
docs/benchmarks.md ("Harmonised feature table") gives the method, why, and the held-out figures.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from rmbase.benchmarks.completion import FactorCompletion
from rmbase.benchmarks.feature_sources import Observed, feature_block, observe
from rmbase.benchmarks.harmonise_fit import Z90, calibration_factors, choose_rank, hide_blocks
from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.config import Config
from rmbase.config_types import NonNegativeInt, PositiveInt, Seed

SELECTION_FEATURES: tuple[str, ...] = (*SIX, AVERAGE, "params_b")
COVARIATES = ("log2_params", "is_post")
_PRE_STAGES = {"pretrained"}


class HarmoniseConfig(Config):
    """How the harmonised table is fitted. ``rank='auto'`` chooses among ``ranks`` by hiding training cells."""

    rank: PositiveInt | Literal["auto"] = 3
    ranks: tuple[PositiveInt, ...] = (1, 2, 3, 4, 5)
    folds: Annotated[int, Field(ge=2)] = 5
    repeats: PositiveInt = 2
    seed: Seed = 0
    min_observed: NonNegativeInt = 8       # a feature observed for fewer models is kept as observed but never mapped
    covariates: bool = True     # size (log2 params_b) and stage (post-trained or not) inform the mapping


@dataclass
class FeatureTable:
    """The harmonised feature table (Contract B). All frames share ``values``' index (model id) and columns."""

    values: pd.DataFrame
    status: pd.DataFrame       # "observed" | "mapped" | "" (missing)
    origin: pd.DataFrame       # where a value came from (source labels, or "mapped from <block>: <tasks>; ...")
    sd: pd.DataFrame           # uncertainty in the feature's units (0 for observed, unless sources disagree)
    models: pd.DataFrame       # index model id: params_b, family, stage, reasoning, release, pretrained_from, ...
    conflicts: pd.DataFrame    # model, feature, source, value, mode, scale: every value of a disagreeing cell
    notes: list[str] = field(default_factory=list)
    fit: dict[str, Any] = field(default_factory=dict)   # rank, calibration factors, fitted features, config

    def rows(self, models: list[str]) -> list[str]:
        """The table's ids for ``models`` (any spelling; a name without organisation works); absent ones skipped."""
        from rmbase.model_ids import ModelIdIndex

        index = ModelIdIndex(self.values.index)
        return [hits[-1] for hits in map(index.find, models) if hits]

    def selection_features(self) -> pd.DataFrame:
        """``model x (six, oll_average, params_b)``: what every predictor reads (NaN where unknown)."""
        return self.values.reindex(columns=list(SELECTION_FEATURES))

    def cells(self, models: list[str] | None = None) -> pd.DataFrame:
        """Long view: ``model, feature, value, status, origin, sd`` of the known cells (of ``models`` if given)."""
        ids = self.values.index if models is None else pd.Index(models)
        parts = {name: frame.loc[ids].stack(future_stack=True) for name, frame in
                 (("value", self.values), ("status", self.status), ("origin", self.origin), ("sd", self.sd))}
        long = pd.DataFrame(parts)
        long.index.names = ["model", "feature"]
        return long[long.status.ne("")].reset_index()

    def copy(self) -> FeatureTable:
        return replace(self, values=self.values.copy(), status=self.status.copy(), origin=self.origin.copy(),
                       sd=self.sd.copy(), models=self.models.copy(), conflicts=self.conflicts.copy(),
                       notes=list(self.notes), fit=dict(self.fit))


def build_feature_table(tables: list[Any] | Any, models: list[pd.DataFrame] | pd.DataFrame | None = None,
                        config: HarmoniseConfig | None = None) -> FeatureTable:
    """The harmonised table from long benchmark tables (DataFrames or ``BenchmarkTable``s; columns ``model,
    benchmark, value, scale, source`` and optionally ``mode``) and model tables (``model`` plus metadata)."""
    tables = tables if isinstance(tables, list | tuple) else [tables]
    frames = [getattr(t, "frame", t) for t in tables]
    model_frames = [] if models is None else (list(models) if isinstance(models, list | tuple) else [models])
    config = config or HarmoniseConfig()
    from rmbase import user_cache

    key = _cache_key(frames, model_frames, config)
    table = user_cache.load(CACHE_KIND, key, FeatureTable) if key else None
    if table is None:
        table = fill(observe(frames, model_frames), config)
        if key:
            user_cache.store(CACHE_KIND, key, table)
    return table


CACHE_KIND = "features"
# the code the table depends on: a change in any of them is another cache key
_CACHE_MODULES = ("rmbase.benchmarks.harmonise", "rmbase.benchmarks.harmonise_fit", "rmbase.benchmarks.completion",
                  "rmbase.benchmarks.feature_sources", "rmbase.benchmarks.leaderboard", "rmbase.benchmarks.sizes",
                  "rmbase.model_ids")


def _cache_key(frames: list[pd.DataFrame], model_frames: list[pd.DataFrame], config: HarmoniseConfig) -> str | None:
    """The per-user cache key of a table (:mod:`rmbase.user_cache`, kind ``features``): every input table's
    values, the config, the versions and the harmonising code; None (no caching) when an input cannot be hashed."""
    import hashlib

    from rmbase import user_cache

    h = hashlib.sha256()
    try:
        for group in (frames, model_frames):
            h.update(f"{len(group)} tables".encode())
            for f in group:
                user_cache.frame_hash(h, f)
    except (TypeError, ValueError):
        return None
    h.update(config.model_dump_json().encode())
    h.update(user_cache.versions().encode())
    h.update(user_cache.source_hash(*_CACHE_MODULES).encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _bundled() -> FeatureTable:
    tables, models, notes = bundled_sources()
    table = build_feature_table(tables, models)
    table.notes[:0] = notes
    return table


def bundled_feature_table() -> FeatureTable:
    """The harmonised table of the bundled sources (OLL v2 and, where bundled, Swallow); fitted once per process."""
    return _bundled().copy()


def feature_table_with(tables: list[Any], models: list[pd.DataFrame] | None = None,
                       config: HarmoniseConfig | None = None) -> FeatureTable:
    """The bundled sources plus a user's long tables (e.g. ``recommend --benchmarks FILE``: lm-eval runs, a newer
    Swallow ``model.yml``), harmonised together: the user's scores inform the mapping and get theirs mapped. Size
    rows of the user's tables win over the bundled sizes; the bundled metadata come first otherwise."""
    if not tables and not models:
        return bundled_feature_table()
    bundled, bundled_models, notes = bundled_sources()
    frames = [getattr(t, "frame", t) for t in tables]
    table = build_feature_table([*bundled, *frames], [*bundled_models, *(models or [])], config)
    table.notes[:0] = notes
    return table


def bundled_sources() -> tuple[list[pd.DataFrame], list[pd.DataFrame], list[str]]:
    """The bundled long tables and model tables, in priority order for metadata (leaderboard v2 first)."""
    from rmbase.benchmarks.bundled import load_bundled_models, load_bundled_scores

    tables, models, notes = [load_bundled_scores()], [load_bundled_models()], []
    external = _external_bases()
    if external is not None:
        tables.append(external[0])
        models.append(external[1])
    try:
        from rmbase.datasets import load_swallow
    except ImportError:
        notes.append("the Swallow leaderboard table is not bundled in this version: leaderboard v2 only")
    else:
        scores, sw_models = load_swallow()
        tables.append(scores)
        models.append(sw_models)
    return tables, models, notes


def _external_bases() -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The leaderboard v2 rows of the external RM grids' bases (``datasets/external/base_features.csv``: the same
    leaderboard and row rule; the 27B-72B bases the candidate table leaves out) as a long table and sizes."""
    from importlib import resources

    path = resources.files("rmbase.datasets") / "external" / "base_features.csv"
    if not path.is_file():
        return None
    wide = pd.read_csv(str(path)).dropna(subset=[AVERAGE])
    long = wide.melt(id_vars=["base", "oll_run"], value_vars=[*SIX, AVERAGE], var_name="benchmark")
    long = long.assign(model=long["base"], scale="normalised",
                       source="open-llm-leaderboard/contents:" + long["oll_run"].astype(str))
    return long[["model", "benchmark", "value", "scale", "source"]], wide[["base", "params_b"]].rename(
        columns={"base": "model"})


# ---------------------------------------------------------------------------------------------------- fitting
def covariates(models: pd.DataFrame) -> pd.DataFrame:
    """``log2_params`` and ``is_post`` (1 post-trained, 0 pre-trained, NaN unknown) of each model."""
    stage = models["stage"].astype(object).where(models["stage"].notna(), "").astype(str).str.strip().str.lower()
    post = np.where(stage.eq(""), np.nan, np.where(stage.isin(_PRE_STAGES), 0.0, 1.0))
    size = pd.to_numeric(models["params_b"], errors="coerce")
    return pd.DataFrame({"log2_params": np.log2(size.where(size > 0)), "is_post": post}, index=models.index)


def lineage(models: pd.DataFrame) -> list[str]:
    """The group of each model for hiding: its pre-trained checkpoint's id when known, else its own."""
    from rmbase.model_ids import canonical_model_id

    base = models["pretrained_from"].fillna("").astype(str)
    return [canonical_model_id(b or m) for m, b in zip(models.index, base, strict=True)]


@dataclass
class _Cells:
    """The table under construction as numpy arrays (pandas cell writes are slow): value, status, origin, sd."""

    value: np.ndarray
    status: np.ndarray
    origin: np.ndarray
    sd: np.ndarray
    columns: list[str]

    def col(self, name: str) -> int:
        return self.columns.index(name)


def fill(obs: Observed, config: HarmoniseConfig) -> FeatureTable:
    """Fit the factor model on ``obs`` and fill every missing cell of the fitted features it can."""
    frame = obs.values.copy()
    if AVERAGE not in frame and all(c in frame for c in SIX):
        frame[AVERAGE] = np.nan
    frame["params_b"] = obs.models["params_b"].reindex(frame.index) if "params_b" not in frame else frame["params_b"]
    known = frame.notna().to_numpy()
    columns = list(frame.columns)
    origin = obs.origin.reindex(columns=columns).fillna("").to_numpy(dtype=object)
    origin[:, columns.index("params_b")] = "model metadata"
    cells = _Cells(value=frame.to_numpy(dtype=float), status=np.where(known, "observed", "").astype(object),
                   origin=np.where(known, origin, "").astype(object),
                   sd=np.where(known, obs.spread.reindex(columns=columns).fillna(0.0).to_numpy(dtype=float), np.nan),
                   columns=columns)
    notes = list(obs.notes)
    counts = frame.notna().sum()
    scores = [c for c in columns if c not in (AVERAGE, "params_b")]
    fitted = [c for c in scores if counts[c] >= config.min_observed]
    thin = [c for c in scores if c not in fitted]
    if thin:
        notes.append(f"{len(thin)} feature(s) observed for fewer than {config.min_observed} models kept as "
                     f"observed but never mapped: {', '.join(thin[:8])}" + (" ..." if len(thin) > 8 else ""))
    fit: dict[str, Any] = {"features": fitted, "config": config.to_dict(), "method": "factor model (EM, rank k)"}
    matrix = frame[fitted]
    cov = covariates(obs.models).reindex(frame.index) if config.covariates else None
    blocks = [feature_block(c) for c in fitted]
    has_scores = matrix.notna().any(axis=1).to_numpy()
    if len(fitted) >= 2 and has_scores.sum() >= 3:
        x = matrix.to_numpy(dtype=float)[has_scores]
        c = None if cov is None else cov.to_numpy(dtype=float)[has_scores]
        groups = [g for g, keep in zip(lineage(obs.models.reindex(frame.index)), has_scores, strict=True) if keep]
        _fit_and_fill(x, c, fitted, blocks, groups, np.flatnonzero(has_scores), config, fit, cells, notes)
    _average(cells, fit)
    mapped = int((cells.status == "mapped").sum())
    notes.append(f"{mapped} cell(s) mapped (status 'mapped', with origin and sd); {len(frame)} model(s)")

    def wrap(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a, index=frame.index, columns=pd.Index(columns))

    return FeatureTable(values=wrap(cells.value), status=wrap(cells.status), origin=wrap(cells.origin),
                        sd=wrap(cells.sd), models=obs.models, conflicts=obs.conflicts, notes=notes, fit=fit)


def _fit_and_fill(x: np.ndarray, cov: np.ndarray | None, columns: list[str], blocks: list[str], groups: list[str],
                  rows: np.ndarray, config: HarmoniseConfig, fit: dict[str, Any], cells: _Cells,
                  notes: list[str]) -> None:
    kw = dict(covariates=cov, folds=config.folds, repeats=config.repeats, seed=config.seed)
    rank = config.rank
    if rank == "auto":
        rank, errors = choose_rank(x, blocks, groups, tuple(config.ranks), target="oll-v2", **kw)
        fit["rank_errors"] = errors
    rank = int(min(rank, max(1, len(columns) - 1)))
    fc = FactorCompletion(rank=rank, seed=config.seed).fit(x, cov)
    six = [columns.index(c) for c in SIX] if all(c in columns for c in SIX) else None
    hidden = hide_blocks(x, blocks, groups, rank=rank, init=fc, mean_of=six, **kw)
    factors = calibration_factors(hidden, blocks)
    mean, raw_sd = fc.predict(x, cov)
    scale = np.array([factors.get(b, factors["*"]) for b in blocks])
    fit.update(rank=rank, calibration=factors, hidden_cells=len(hidden.truth), model=fc, x=x, covariates=cov,
               rows=list(rows),
               coverage_before_scaling=float(np.mean(np.abs(hidden.z) <= Z90)) if len(hidden.z) else None)
    observed = np.isfinite(x)
    texts = np.array([_origin_text(columns, blocks, observed[i], None if cov is None else cov[i])
                      for i in range(len(x))], dtype=object)
    clipped = 0
    for j, c in enumerate(columns):
        todo = ~observed[:, j]
        lo, hi = (0.0, 100.0) if np.nanmax(np.abs(x[:, j])) > 1.5 else (0.0, 1.0)
        filled = np.clip(mean[todo, j], lo, hi)
        clipped += int((filled != mean[todo, j]).sum())
        at, k = rows[todo], cells.col(c)
        cells.value[at, k] = filled
        cells.status[at, k] = "mapped"
        cells.origin[at, k] = texts[todo]
        cells.sd[at, k] = raw_sd[todo, j] * scale[j]
    if clipped:
        notes.append(f"{clipped} mapped value(s) outside the feature's scale clipped to it (0-100 or 0-1)")
    notes.append(f"mapping: rank-{rank} factor model over {len(columns)} features; sds scaled per "
                 "source block to cover 90% of hidden cells: " + ", ".join(f"{b} x{f:.2f}" for b, f in
                                                                           factors.items()))


def _origin_text(columns: list[str], blocks: list[str], observed_row: np.ndarray,
                 covariate_row: np.ndarray | None) -> str:
    """``mapped from swallow en_pre: mmlu, bbh; oll-v2: ifeval + size, stage``: the row's observed evidence."""
    parts: dict[str, list[str]] = {}
    for c, b, seen in zip(columns, blocks, observed_row, strict=True):
        if seen:
            name = str(c)
            if b.startswith("swallow"):
                name = name.removeprefix("sw_").split("_", 2)[-1].removesuffix("_reasoning")
            parts.setdefault(b, []).append(name)
    text = "mapped from " + "; ".join(b if v == [b] else f"{b}: {', '.join(v)}" for b, v in parts.items())
    known = [] if covariate_row is None else [n for n, v in zip(("size", "stage"), covariate_row[:2], strict=True)
                                               if np.isfinite(v)]
    return text + (f" + {', '.join(known)}" if known else "")


def _average(cells: _Cells, fit: dict[str, Any]) -> None:
    """``oll_average`` where it is not observed: the mean of the six (observed or mapped), its sd from the joint
    predictive covariance of the mapped ones (mapped scores of one model are correlated, not independent)."""
    if AVERAGE not in cells.columns:
        return
    six = [cells.col(c) for c in SIX]
    avg = cells.col(AVERAGE)
    need = np.isnan(cells.value[:, avg]) & np.isfinite(cells.value[:, six]).all(axis=1)
    fc = fit.get("model")
    fit_columns = list(fit["features"])
    fit_rows = {r: i for i, r in enumerate(fit.get("rows", []))}
    # the factors' posterior covariance of every fitted row, once (joint covariance of a row's mapped cells)
    v = fc._posterior(fit["x"], fit["covariates"])[2] if fc is not None else None
    for r in np.flatnonzero(need):
        mapped = [k for k in six if cells.status[r, k] == "mapped"]
        cells.value[r, avg] = float(cells.value[r, six].mean())
        if not mapped:
            cells.status[r, avg], cells.origin[r, avg], cells.sd[r, avg] = "observed", "mean of the six", 0.0
            continue
        sds = cells.sd[r, mapped].astype(float)
        var = float(np.sum(sds ** 2))  # without the fit: independent errors
        if fc is not None and r in fit_rows:
            i = fit_rows[r]
            idx = np.array([fit_columns.index(cells.columns[k]) for k in mapped])
            wc, s = fc.w_[idx], fc.scale_[idx]
            cov = (wc @ v[i] @ wc.T + np.diag(fc.psi_[idx])) * np.outer(s, s)
            if "mean" in fit["calibration"]:  # the mean's own measured factor on its joint predictive variance
                var = float(cov.sum()) * fit["calibration"]["mean"] ** 2
            else:  # the joint correlation with each cell's calibrated sd
                d = np.sqrt(np.diag(cov))
                var = float(np.sum(cov / np.outer(d, d) * np.outer(sds, sds)))
        cells.status[r, avg] = "mapped"
        cells.origin[r, avg] = f"mean of the six ({len(mapped)} mapped)"
        cells.sd[r, avg] = np.sqrt(var) / len(SIX)
