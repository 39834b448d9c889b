"""``rmbase recommend``: predicted RM score (overall and per section) for candidate bases, with conformal prediction
intervals whose coverage is checked out of fold, the ranking, the size/score Pareto front and the features that drive
each prediction.

Intervals are split-conformal on out-of-fold residuals (jackknife style): a predictor is fitted on all training
models; its leave-one-out absolute residuals R_1..R_n give the half-width q = the ceil((n + 1)(1 - alpha))-th smallest
R. Coverage is checked honestly: for every training model i, the half-width built from the other models' residuals
must contain i's own out-of-fold error (leave-one-out), and for every family, the half-width built from the other
families' leave-one-family-out residuals must contain that family's errors.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ConfigDict

from rmbase.config import Config
from rmbase.datasets import BENCHMARK_FEATURES, TARGETS
from rmbase.errors import InputError
from rmbase.selection.compare import METHODS, _groups, make_estimator, method_design
from rmbase.selection.predictors import DEFAULT_FEATURES
from rmbase.selection.validation import out_of_fold_predictions


class RecommendConfig(Config):
    model_config = ConfigDict(frozen=True)

    method: str = "sparse_ridge"
    recipe: str = "regression"
    targets: tuple[str, ...] = TARGETS
    alpha: float = 0.1              # 1 - nominal interval coverage
    max_params: float | None = None
    top: int = 10
    # default candidate pool = bundled rows of these leaderboard types (the study's bases are all chat/instruct
    # models); explicit --candidates and --benchmarks files are not filtered by type
    pool_types: tuple[str, ...] = ("chat", "fine-tuned")


def conformal_halfwidth(residuals: np.ndarray, alpha: float) -> float:
    """Split-conformal half-width: the ceil((n+1)(1-alpha))-th smallest absolute residual (inf if n too small)."""
    r = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    k = math.ceil((len(r) + 1) * (1 - alpha))
    return float(r[k - 1]) if k <= len(r) else float("inf")


def _coverage_loo(res: np.ndarray, alpha: float) -> float:
    covered = [abs(res[i]) <= conformal_halfwidth(np.delete(res, i), alpha) for i in range(len(res))]
    return float(np.mean(covered))


def _coverage_lofo(res: np.ndarray, groups: np.ndarray, alpha: float) -> float:
    covered = []
    for g in np.unique(groups):
        q = conformal_halfwidth(res[groups != g], alpha)
        covered.extend(np.abs(res[groups == g]) <= q)
    return float(np.mean(covered))


def fit_target(data, *, recipe: str, target: str, method: str, alpha: float, n_jobs: int | None = None) -> dict:
    """Fit ``method`` for one target on all models of ``recipe``; conformal half-width and its checked coverage."""
    make_estimator(method)
    features = list(METHODS[method].features)
    X, y, dropped = method_design(data, METHODS[method], recipe, target)
    est = make_estimator(method).fit(X, y)
    oof = out_of_fold_predictions(make_estimator(method), X, y, scheme="loo", n_jobs=n_jobs)
    res = y.to_numpy() - oof
    out = {"target": target, "estimator": est, "features": features, "n_train": len(y),
           "halfwidth": conformal_halfwidth(res, alpha), "coverage_loo": _coverage_loo(res, alpha),
           "coverage_lofo": None, "mean_abs_residual": float(np.mean(np.abs(res))), "dropped": dropped}
    groups = _groups(data, X.index)
    if groups is not None:
        oof_f = out_of_fold_predictions(make_estimator(method), X, y, scheme="lofo", groups=groups, n_jobs=n_jobs)
        out["coverage_lofo"] = _coverage_lofo(y.to_numpy() - oof_f, groups, alpha)
    return out


def _split_sizes(path: str) -> tuple[dict[str, float], str]:
    """Model sizes given in a benchmark table (a ``params_b`` column, or rows with benchmark ``params_b``), and a
    path to the table without them for the benchmark importer (the input itself when it has none)."""
    import os
    import tempfile

    from rmbase.io import read_table

    if Path(path).suffix.lower() not in (".csv", ".parquet", ".pq"):
        return {}, path
    df = read_table(path)
    cols = [str(c).strip() for c in df.columns]
    df.columns = cols
    if "model" not in cols:
        return {}, path
    if "params_b" in cols:
        sizes, rest = df[["model", "params_b"]], df.drop(columns="params_b")
    elif "benchmark" in cols and "value" in cols and df["benchmark"].astype(str).str.strip().eq("params_b").any():
        is_size = df["benchmark"].astype(str).str.strip().eq("params_b")
        sizes = df.loc[is_size, ["model", "value"]].rename(columns={"value": "params_b"})
        rest = df[~is_size]
    else:
        return {}, path
    from rmbase.datasets.schema import numeric_column
    from rmbase.ranges import PARAMS_B

    # checked over the file's rows, so that the message names the file's row
    full = pd.Series(None, index=df.index, dtype=object)
    full[sizes.index] = sizes["params_b"]
    vals = numeric_column(full, path=path, column="params_b", rng=PARAMS_B, allow_missing=True)[sizes.index]
    given = {str(m).strip(): float(v) for m, v in zip(sizes["model"], vals, strict=True) if np.isfinite(v)}
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="rmbase_scores_")
    os.close(fd)
    rest.to_csv(tmp, index=False)
    return given, tmp


def resolve_ids(names, index) -> tuple[dict[str, str], list[str]]:
    """Match user-given model names (any spelling ``canonical_model_id`` unifies, or the name without its
    organisation) to entries of ``index``. Returns ({given: index entry}, [unmatched names])."""
    from rmbase.model_ids import ModelIdIndex

    ids = ModelIdIndex(index)
    found, unknown = {}, []
    for c in names:
        hits = ids.find(str(c))
        hit = hits[-1] if hits else None
        if hit is None:
            unknown.append(str(c))
        else:
            found[str(c)] = hit
    return found, unknown


def candidate_table(*, candidates: list[str] | None = None, benchmarks: str | None = None,
                    max_params: float | None = None, pool_types: tuple[str, ...] | None = None,
                    features: tuple[str, ...] = DEFAULT_FEATURES) -> tuple[pd.DataFrame, list[dict]]:
    """Feature rows of the candidates (index: model id) and the candidates that cannot be scored, with the reason.

    Sources: ``benchmarks`` (a file ``rmbase benchmarks import`` reads; ``params_b`` from the file, as a benchmark row
    or column, else from the bundled table) or the bundled leaderboard v2 table. ``candidates`` restricts to these ids
    (any spelling)."""
    from rmbase.benchmarks import import_files, load_bundled_models, load_bundled_wide
    from rmbase.model_ids import canonical_model_id

    bundled = load_bundled_wide()
    if benchmarks is not None:
        given_sizes, path = _split_sizes(benchmarks)
        try:
            wide = import_files([path]).wide()
        finally:
            if path != benchmarks:
                Path(path).unlink(missing_ok=True)
        sizes = load_bundled_models().assign(key=lambda m: m.model.map(canonical_model_id)).set_index("key")
        given = {canonical_model_id(m): v for m, v in given_sizes.items()}
        wide["params_b"] = [given.get(canonical_model_id(m), sizes["params_b"].get(canonical_model_id(m), np.nan))
                            for m in wide.index]
        source = benchmarks
    else:
        wide, source = bundled, "bundled leaderboard_v2 table"
        if pool_types and not candidates:
            types = load_bundled_models().set_index("model")["type"]
            wide = wide[types.reindex(wide.index).isin(pool_types).to_numpy()]
    wide = wide.reindex(columns=sorted(set(features) | {*BENCHMARK_FEATURES, "oll_average"}, key=str))
    # the leaderboard average is the mean of the six by definition: fill it where a file gave only the six
    wide["oll_average"] = wide["oll_average"].fillna(wide[list(BENCHMARK_FEATURES)].mean(axis=1, skipna=False))
    wide = wide[list(features)]
    unscorable: list[dict] = []
    if candidates:
        found, unknown = resolve_ids(candidates, wide.index)
        unscorable.extend({"model": c, "reason": f"no benchmark scores in the {source}"} for c in unknown)
        wide = wide.loc[list(dict.fromkeys(found.values()))]
    missing = wide.isna()
    for m in wide.index[missing.any(axis=1)]:
        cols = [c for c in wide.columns if missing.loc[m, c]]
        unscorable.append({"model": m, "reason": f"missing {', '.join(cols)} in the {source}"})
    wide = wide[~missing.any(axis=1)]
    if max_params is not None:
        wide = wide[wide["params_b"] <= max_params]
    if (wide.get("params_b", pd.Series(dtype=float)) <= 0).any():
        bad = wide.index[wide["params_b"] <= 0][0]
        raise InputError(f"candidate {bad!r} has params_b <= 0", path=source, column="params_b")
    return wide, unscorable


def candidate_families(data, models) -> list[str | None]:
    """Each candidate's family: the models table's ``family`` for a model of the training data, else the bundled
    study family its id names (:func:`rmbase.model_ids.model_family`), else None (no family offset)."""
    from rmbase.model_ids import canonical_model_id, model_family, short_name

    table = data.models
    known: dict[str, str] = {}
    if "family" in table:
        for col in ("model", "hf_id"):
            if col in table:
                for m, f in zip(table[col], table["family"], strict=True):
                    if isinstance(m, str) and isinstance(f, str):
                        known[canonical_model_id(m)] = f
                        known[short_name(m)] = f
    return [known.get(canonical_model_id(m)) or known.get(short_name(m)) or model_family(m) for m in models]


def _family_or_none(cand: pd.DataFrame, i: int) -> str | None:
    f = cand["family"].iloc[i] if "family" in cand else None
    return f if isinstance(f, str) else None


def pareto_front(size: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Mask of candidates no other candidate beats on both (smaller-or-equal size and higher-or-equal score, one
    strictly)."""
    size, score = np.asarray(size, float), np.asarray(score, float)
    n = len(size)
    front = np.ones(n, dtype=bool)
    for i in range(n):
        dom = (size <= size[i]) & (score >= score[i]) & ((size < size[i]) | (score > score[i]))
        front[i] = not dom.any()
    return front


def _drivers(est, X: pd.DataFrame, k: int = 3) -> list[list[dict]]:
    if not hasattr(est, "contributions"):
        return [[] for _ in range(len(X))]
    C = est.contributions(X)
    out = []
    for _, row in C.iterrows():
        top = row.reindex(row.abs().sort_values(ascending=False).index)[:k]
        out.append([{"feature": f, "contribution": float(v)} for f, v in top.items()])
    return out


def recommend(data, *, candidates: list[str] | None = None, benchmarks: str | None = None,
              config: RecommendConfig | None = None, n_jobs: int | None = None, probes=None) -> dict:
    """Rank candidate bases by predicted RM score (``config.recipe``), with intervals, Pareto front and drivers.

    ``probes`` (a :func:`rmbase.probe.table.load_probe_table` table): each ranked candidate's probe accuracies are
    shown beside its prediction (``row["probes"]``); the predictor does not use them, since the bases it is fitted
    on have none (with probes of the training bases, ``rmbase study --probes`` measures how they relate).

    Raises :class:`InputError` when no candidate can be scored (the message lists why for each)."""
    config = config or RecommendConfig()
    make_estimator(config.method)
    if not 0 < config.alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {config.alpha}")
    if config.top < 1:
        raise InputError(f"--top must be at least 1, got {config.top}")
    cand, unscorable = candidate_table(candidates=candidates, benchmarks=benchmarks, max_params=config.max_params,
                                       pool_types=config.pool_types)
    if cand.empty:
        why = "; ".join(f"{u['model']}: {u['reason']}" for u in unscorable[:10]) or "the filters left none"
        raise InputError(f"no candidate can be scored ({why})")
    if "family" in METHODS[config.method].features:
        cand = cand.assign(family=candidate_families(data, cand.index))
    available = [t for t in config.targets if t in data.results.columns and data.results[t].notna().any()]
    fits = {t: fit_target(data, recipe=config.recipe, target=t, method=config.method, alpha=config.alpha,
                          n_jobs=n_jobs) for t in available}
    main = fits["score"] if "score" in fits else fits[available[0]]
    pred = {t: f["estimator"].predict(cand[f["features"]]) for t, f in fits.items()}
    order = np.argsort(-pred[main["target"]], kind="stable")
    front = pareto_front(cand["params_b"].to_numpy(), pred[main["target"]])
    drivers = _drivers(main["estimator"], cand[main["features"]])
    measured = data.target_table(config.recipe)
    numeric = [f for f in main["features"] if f != "family"]
    train_X = data.feature_matrix()[numeric]
    lo, hi = train_X.min(), train_X.max()
    # flag only clear extrapolation: the same base can carry slightly different figures in two tables
    slack = 0.02 * (hi - lo)
    rows = []
    for rank, i in enumerate(order, start=1):
        m = cand.index[i]
        known = m if m in measured.index else m.rpartition("/")[2]
        known = known if known in measured.index else None
        row = {"rank": rank, "model": m, "params_b": float(cand["params_b"].iloc[i]),
               "oll_average": float(cand["oll_average"].iloc[i]) if "oll_average" in cand else None,
               "pareto": bool(front[i]), "in_training_data": known is not None,
               # a base the study trained: its published RM result beside the prediction
               "measured": None if known is None else {t: float(measured.loc[known, t]) for t in fits
                                                       if t in measured.columns},
               "drivers": drivers[i],
               "family": _family_or_none(cand, i),
               "extrapolates": [f for f in numeric
                                if not lo[f] - slack[f] <= cand[f].iloc[i] <= hi[f] + slack[f]]}
        for t, f in fits.items():
            p = float(pred[t][i])
            row[t] = {"predicted": p, "low": p - f["halfwidth"], "high": p + f["halfwidth"]}
        rows.append(row)
    from rmbase.provenance import provenance

    unmatched_probes = None
    if probes is not None:
        from rmbase.probe.table import attach_probes

        unmatched_probes = attach_probes(rows, probes)
    return {
        "unmatched_probes": unmatched_probes,
        "recipe": config.recipe, "method": config.method, "method_description": METHODS[config.method].description,
        "interval": {"nominal_coverage": 1 - config.alpha, "kind": "split conformal on leave-one-out residuals",
                     "per_target": {t: {"halfwidth": f["halfwidth"], "empirical_coverage_loo": f["coverage_loo"],
                                        "empirical_coverage_lofo": f["coverage_lofo"], "n_train": f["n_train"],
                                        "mean_abs_residual": f["mean_abs_residual"]} for t, f in fits.items()}},
        "selected_features": {t: list(getattr(f["estimator"], "selected_features_", f["features"]))
                              for t, f in fits.items()},
        "n_candidates": len(cand), "top": config.top, "ranking": rows,
        "pareto_front": [r["model"] for r in rows if r["pareto"]],
        "training_range": {f: [float(lo[f]), float(hi[f])] for f in numeric},
        "unscorable": unscorable,
        "provenance": provenance(config=config.to_dict(), data=data.data_sha256, dataset=data.name,
                                 candidates_source=benchmarks or "bundled leaderboard_v2"),
    }
