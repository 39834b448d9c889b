"""Loading the study tables (bundled or user files) into one validated :class:`StudyData`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from rmbase.datasets import schema as S
from rmbase.errors import InputError
from rmbase.io import read_table, sha256_file

BUNDLED = {"paper-2505.10775": "paper_2505_10775"}
#: the study's default base of each size group (its Llama-3.x instruct model): what gains are measured against
#: and where the plan's ``study_default`` strategy starts
STUDY_DEFAULT_BASES = {"<3B": "Llama-3.2-1B-Instruct", "3-6B": "Llama-3.2-3B-Instruct", ">=6B": "Llama-3.1-8B-Instruct"}


@dataclass
class StudyData:
    """The tables one study needs. ``models`` and ``results`` are wide; ``benchmarks`` is the long table."""

    name: str
    models: pd.DataFrame
    results: pd.DataFrame
    benchmarks: pd.DataFrame
    post_training: pd.DataFrame | None = None
    data_sha256: dict[str, str] = field(default_factory=dict)
    ignored_benchmarks: list[str] = field(default_factory=list)
    sources: dict[str, dict] = field(default_factory=dict)   # model -> where its results, row and scores came from
    unused_features: list[str] = field(default_factory=list)  # set by design(): optional features left out

    def feature_matrix(self) -> pd.DataFrame:
        """Models x FEATURES (NaN where a benchmark is missing); ``oll_average`` is computed when not given."""
        wide = self.benchmarks.pivot(index="model", columns="benchmark", values="value")
        feats = wide.reindex(columns=list(S.BENCHMARK_FEATURES))
        given_avg = wide[S.OLL_AVERAGE] if S.OLL_AVERAGE in wide else pd.Series(np.nan, index=wide.index)
        feats[S.OLL_AVERAGE] = given_avg.fillna(feats[list(S.BENCHMARK_FEATURES)].mean(axis=1, skipna=False))
        meta = self.models.set_index("model").reindex(columns=list(S.MODEL_FEATURES))
        return meta.join(feats, how="left")[list(S.FEATURES)]

    def target_table(self, recipe: str) -> pd.DataFrame:
        S.check_choice(recipe, tuple(sorted(self.results.recipe.unique())), "recipe for this dataset")
        return self.results[self.results.recipe == recipe].set_index("model").drop(columns="recipe")

    def design(self, recipe: str, target: str, *, drop_missing: bool = False,
               min_models: int = 5) -> tuple[pd.DataFrame, pd.Series, list[str]]:
        """Aligned (features, target) over the models that have a result for ``recipe``.

        Models with a missing feature are an :class:`InputError` listing them, unless ``drop_missing``; then they
        are left out and returned as the third element so that the caller can report them. Fewer than
        ``min_models`` complete models are an error.
        """
        targets = self.target_table(recipe)
        if target not in targets.columns or targets[target].isna().all():
            raise InputError(f"target {target!r} is not in the results table",
                             expected=f"one of {', '.join(c for c in S.TARGETS if c in targets)}")
        X = self.feature_matrix().reindex(targets.index)
        # an optional model feature (pre-training tokens: most bases do not publish it) unknown for any model is
        # left out of the analyses, not a reason to drop models; the caller reports it (unused_features)
        self.unused_features = [f for f in S.OPTIONAL_MODEL_FEATURES if X[f].isna().any()]
        X = X.drop(columns=self.unused_features)
        missing_rows = X.index[X.isna().any(axis=1)].tolist()
        if missing_rows:
            detail = "; ".join(f"{m}: {', '.join(X.columns[X.loc[m].isna()])}" for m in missing_rows[:10])
            if not drop_missing:
                raise InputError(f"{len(missing_rows)} model(s) lack features ({detail}); pass --drop-missing to "
                                 "leave them out")
            X = X.drop(index=missing_rows)
        y = targets.loc[X.index, target].astype(float)
        if len(y) < min_models:
            raise InputError(f"only {len(y)} models with complete data; the analyses need at least 5")
        return X, y, missing_rows


def _bundled_dir(name: str) -> Path:
    if name not in BUNDLED:
        raise InputError(f"unknown dataset {name!r}", expected=f"one of {', '.join(BUNDLED)}")
    return Path(str(resources.files("rmbase.datasets") / BUNDLED[name]))


def load_bundled(name: str = "paper-2505.10775") -> StudyData:
    root = _bundled_dir(name)
    return load_tables(root / "models.csv", root / "rewardbench.csv", root / "benchmarks.csv",
                       post_training=root / "post_training.csv", name=name)


def _read_benchmarks(path: str) -> tuple[pd.DataFrame, list[str]]:
    raw = read_table(path)
    cols = {str(c).strip() for c in raw.columns}
    if {"benchmark", "value"} <= cols:
        raw.columns = [str(c).strip() for c in raw.columns]
        # model sizes (benchmark params_b, written by `rmbase benchmarks import`) are not scores: the study takes
        # sizes from its models table, so they are listed as ignored, never range-checked as 0-100 scores
        # (their values are masked for the score checks, so that row numbers in messages stay the file's)
        size = raw["benchmark"].astype(str).str.strip().str.lower().eq("params_b")
        sized = bool(size.any())
        has_size = sized
        # rows with a mode (another source's tasks, e.g. Swallow's en_pre/pre/off bbh) are not the study's
        # leaderboard features: listed as ignored under "benchmark [mode]", their values masked like sizes
        moded = raw["mode"].fillna("").astype(str).str.strip().ne("") if "mode" in raw else size & False
        if moded.any():
            raw = raw.assign(benchmark=raw["benchmark"].astype(str).where(
                ~moded, raw["benchmark"].astype(str) + " [" + raw["mode"].astype(str) + "]"))
            size = size | moded
            sized = True
        df = S.validate(raw.assign(value=raw["value"].where(~size, 0.0)) if sized else raw, S.BENCHMARKS_LONG, path)
        if "scale" in df:
            raw_rows = df[df.scale.astype(str).str.lower().eq("raw")
                          & df.benchmark.isin(S.BENCHMARK_FEATURES)]
            if len(raw_rows):
                i = int(raw_rows.index[0])
                raise InputError("raw (0-1) benchmark score; the study uses leaderboard-normalised 0-100 scores",
                                 path=path, row=i + 1, column="scale",
                                 expected="scale 'normalised' (convert with `rmbase benchmarks import`)")
    else:
        wide = S.validate(raw, S.BENCHMARKS_WIDE, path)
        df = wide.melt(id_vars="model", var_name="benchmark", value_name="value")
        has_size = False
    known = (*S.BENCHMARK_FEATURES, S.OLL_AVERAGE)
    long = {"benchmark", "value"} <= cols
    ignored = set(df.benchmark) - set(known) | ({"params_b"} if long and has_size else set())
    modes = {b.rpartition(" [")[2].rstrip("]") for b in ignored if b.endswith("]") and " [" in b}
    ignored = sorted({b for b in ignored if not (b.endswith("]") and " [" in b)}
                     | {f"scores of mode {m} (another source's tasks)" for m in modes})
    return df[df.benchmark.isin(known)].reset_index(drop=True), ignored


def _check_post_training(table: pd.DataFrame, path: str, base_stage: str = "base") -> pd.DataFrame:
    """The post-training table's own rule, checked where its file is known: exactly one row of ``base_stage``
    (the reference every delta is taken from)."""
    rows = [i + 1 for i, stage in enumerate(table["stage"]) if stage == base_stage]
    if len(rows) != 1:
        where = f" (rows {', '.join(map(str, rows[:5]))})" if rows else ""
        raise InputError(f"needs exactly one row with stage {base_stage!r}, found {len(rows)}{where}", path=path,
                         column="stage", expected=f"one {base_stage!r} row: the reference of every delta")
    return table


def load_tables(models: str | os.PathLike, results: str | os.PathLike, benchmarks: str | os.PathLike, *,
                post_training: str | os.PathLike | None = None, name: str | None = None) -> StudyData:
    """Load and cross-check user tables (CSV or Parquet) in the bundled schema."""
    models, results, benchmarks = str(models), str(results), str(benchmarks)
    m = S.validate(read_table(models), S.MODELS, models)
    r = S.validate(read_table(results), S.RESULTS, results)
    bad_recipe = ~r.recipe.isin(S.recipes())
    if bad_recipe.any():
        i = int(np.flatnonzero(bad_recipe.to_numpy())[0])
        raise InputError(f"unknown recipe {r.recipe.iloc[i]!r}", path=results, row=i + 1, column="recipe",
                         expected=f"one of {', '.join(S.recipes())}")
    unknown = ~r.model.isin(m.model)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(f"model {r.model.iloc[i]!r} has a result but no row in the models table ({models})",
                         path=results, row=i + 1, column="model")
    b, ignored = _read_benchmarks(benchmarks)
    no_bench = sorted(set(r.model) - set(b.model))
    if no_bench:
        i = int(np.flatnonzero(r.model.eq(no_bench[0]).to_numpy())[0])
        raise InputError(f"model {no_bench[0]!r} has a result but no benchmark row in {benchmarks}"
                         + (f" ({len(no_bench)} such models: {', '.join(no_bench[:5])}...)" if len(no_bench) > 1 else ""),
                         path=results, row=i + 1, column="model")
    p = None
    if post_training is not None:
        post_training = str(post_training)
        p = _check_post_training(S.validate(read_table(post_training), S.POST_TRAINING, post_training),
                                 post_training)
    hashes = {Path(f).name if name else f: sha256_file(f)
              for f in (models, results, benchmarks, post_training) if f is not None}
    return StudyData(name=name or "user-tables", models=m, results=r, benchmarks=b, post_training=p,
                     data_sha256=hashes, ignored_benchmarks=ignored)


def load_results_study(results: list[tuple[pd.DataFrame, dict, str, str]], *, models: str | os.PathLike | None = None,
                       benchmarks: str | os.PathLike | None = None,
                       post_training: str | os.PathLike | None = None) -> StudyData:
    """A study over results gathered from sweep stores, evaluate folders or tables (``results``: one
    ``(wide, sources, label, sha256)`` per input, see :mod:`rmbase.datasets.rm_results`); the models and benchmark
    tables are optional for bases the bundled tables know. ``StudyData.sources`` says where each value came from."""
    from rmbase.datasets.rm_results import assemble

    frames, sources, hashes = [], {}, {}
    seen: dict[tuple[str, str], str] = {}
    for wide, src, label, sha in results:
        for m, r in zip(wide.model, wide.recipe, strict=True):
            if (m, r) in seen:
                raise InputError(f"{m} ({r}) has results in two inputs: {seen[(m, r)]} and {label}", path=label,
                                 column="model", expected="one result per base and recipe")
            seen[(m, r)] = label
        frames.append(wide)
        sources.update(src)
        hashes[label] = sha
    r = pd.concat(frames, ignore_index=True)
    bad_recipe = ~r.recipe.isin(S.recipes())
    if bad_recipe.any():
        raise InputError(f"unknown recipe {r.recipe[bad_recipe].iloc[0]!r}", column="recipe",
                         expected=f"one of {', '.join(S.recipes())}")
    m = b = None
    ignored: list[str] = []
    if models is not None:
        m = S.validate(read_table(models), S.MODELS, str(models))
        hashes[str(models)] = sha256_file(models)
    if benchmarks is not None:
        b, ignored = _read_benchmarks(str(benchmarks))
        hashes[str(benchmarks)] = sha256_file(benchmarks)
    m, r, b, per_model = assemble(r, sources, models=m, benchmarks=b)
    p = None
    if post_training is not None:
        p = _check_post_training(S.validate(read_table(post_training), S.POST_TRAINING, str(post_training)),
                                 str(post_training))
    return StudyData(name="results:" + ",".join(label for _, _, label, _ in results), models=m, results=r,
                     benchmarks=b, post_training=p, data_sha256=hashes, ignored_benchmarks=ignored,
                     sources=per_model)
