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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import ConfigDict

from rmbase.config import Config
from rmbase.datasets import BENCHMARK_FEATURES, TARGETS
from rmbase.errors import InputError
from rmbase.model_ids import ModelIdIndex
from rmbase.selection.feature_frame import DEFAULT_FEATURES
from rmbase.selection.pool import RULE as POOL_RULE
from rmbase.selection.pool import count_left_out


class RecommendConfig(Config):
    model_config = ConfigDict(frozen=True)

    method: str | None = None      # None: the recipe's default (rmbase.selection.default_method)
    recipe: str = "regression"
    targets: tuple[str, ...] = TARGETS
    alpha: float = 0.1              # 1 - nominal interval coverage
    max_params: float | None = None
    top: int = 10
    # default candidate pool = bundled rows of these leaderboard types (the study's bases are all chat/instruct
    # models); explicit --candidates and --benchmarks files are not filtered by type
    pool_types: tuple[str, ...] = ("chat", "fine-tuned")
    top_k: int = 3                  # P(top-k) among the candidates
    today_since: str = "2025-01-01"  # today's bases: released on or after this date (todays_bases)
    samples: int = 4000             # draws of the predictive distribution for P(best) and P(top-k)
    seed: int = 0


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


def _oof(method: str, X, y, scheme: str, groups, n_jobs) -> np.ndarray:
    """Out-of-fold predictions; a slow method's are kept in the per-user cache for this very design
    (:mod:`rmbase.selection.oof_cache`: computed on the first call on a machine, read on later ones)."""
    from rmbase.selection.compare import SLOW_METHODS, make_estimator
    from rmbase.validation import out_of_fold_predictions

    if method not in SLOW_METHODS:
        return out_of_fold_predictions(make_estimator(method), X, y, scheme=scheme, groups=groups, n_jobs=n_jobs)
    from rmbase.selection import oof_cache

    stored = oof_cache.lookup(method, scheme, X, y, groups)
    if stored is not None:
        return stored
    pred = out_of_fold_predictions(make_estimator(method), X, y, scheme=scheme, groups=groups, n_jobs=n_jobs)
    oof_cache.store(method, scheme, X, y, groups, pred)
    return pred


def fit_target(data, *, recipe: str, target: str, method: str, alpha: float, n_jobs: int | None = None) -> dict:
    """Fit ``method`` for one target on all models of ``recipe``; conformal half-width and its checked coverage."""
    from rmbase.selection.compare import (  # scikit-learn: on use
        METHODS,
        _groups,
        make_estimator,
        method_design,
    )

    make_estimator(method)
    features = list(METHODS[method].features)
    X, y, dropped = method_design(data, METHODS[method], recipe, target)
    est = make_estimator(method).fit(X, y)
    oof = _oof(method, X, y, "loo", None, n_jobs)
    res = y.to_numpy() - oof
    out = {"target": target, "estimator": est, "features": features, "n_train": len(y), "residuals": res,
           "halfwidth": conformal_halfwidth(res, alpha), "coverage_loo": _coverage_loo(res, alpha),
           "coverage_lofo": None, "mean_abs_residual": float(np.mean(np.abs(res))), "dropped": dropped}
    groups = _groups(data, X.index)
    if groups is not None:
        oof_f = _oof(method, X, y, "lofo", groups, n_jobs)
        out["coverage_lofo"] = _coverage_lofo(y.to_numpy() - oof_f, groups, alpha)
    return out


BUNDLED_SOURCE = "bundled leaderboard_v2 table"
POST_STAGES = ("sft", "dpo", "rl", "instruct", "reasoning")
REASONING_ONLY = "only reasoning-on scores (run with thinking on: not comparable with other bases' scores)"
SCORE_COLUMNS = ("params_b", *BENCHMARK_FEATURES, "oll_average")


@dataclass
class CandidateScores:
    """The candidates' feature rows and where each value came from.

    ``table``: index model id, the features; ``unscorable``: [{model, reason}]; ``from_file``: model -> the columns
    the user's file gave; ``replaced``: model -> the bundled values the file's replaced (both had the model);
    ``no_scores``: candidates with no scores in any table; ``incomplete``: candidates with some scores but not all
    the features, with their size where a table has it (model -> params_b or None); ``left_out``: bases the pool
    rule took out of the default pool (:mod:`rmbase.selection.pool`); ``flags``: pool flags of the candidates."""

    table: pd.DataFrame
    unscorable: list[dict]
    source: str
    file: str | None = None
    from_file: dict[str, list[str]] = field(default_factory=dict)
    replaced: dict[str, list[str]] = field(default_factory=dict)
    no_scores: list[str] = field(default_factory=list)
    incomplete: dict[str, float | None] = field(default_factory=dict)
    left_out: list[dict] = field(default_factory=list)
    flags: dict[str, list[str]] = field(default_factory=dict)
    file_models: list[str] = field(default_factory=list)

    def to_score(self, candidates) -> list[str]:
        """The candidates worth the commands that score them: those no table scores, and, when the user named the
        candidates, those a table knows without all the features (e.g. a base only Swallow lists)."""
        out = [*self.no_scores, *(m for m in self.incomplete if candidates and m not in self.no_scores)]
        if candidates:  # in the order the user named them
            from rmbase.model_ids import canonical_model_id

            given = [canonical_model_id(c) for c in candidates]
            out.sort(key=lambda m: given.index(canonical_model_id(m)) if canonical_model_id(m) in given
                     else len(given))
        return out


def _user_wide(path: str) -> pd.DataFrame:
    """A user's benchmark file as model x (params_b, the six, oll_average): anything ``benchmarks import`` reads;
    sizes come as ``params_b`` rows, a ``params_b`` column or lm-eval's recorded parameter count."""
    from rmbase.benchmarks import import_files
    from rmbase.benchmarks.sizes import sizes

    table = import_files([path])
    wide = table.wide().reindex(columns=[c for c in SCORE_COLUMNS if c != "params_b"])
    given = sizes(table.frame)
    wide = wide.reindex(index=sorted(set(wide.index) | set(given)))
    wide.insert(0, "params_b", [given.get(m, np.nan) for m in wide.index])
    return wide


def bundled_wide() -> pd.DataFrame:
    """The bundled feature table of bases (:func:`rmbase.selection.base_features.feature_table`: the harmonised
    table when :mod:`rmbase.benchmarks` has it, else the Open LLM Leaderboard v2 tables) as model x
    ``params_b, the six, oll_average``; a base the table knows only by its size has NaN scores."""
    from rmbase.selection.base_features import feature_table

    ft = feature_table()
    meta = candidate_metadata()
    wide = ft.values.reindex(columns=[c for c in SCORE_COLUMNS if c != "params_b"])
    wide = wide.reindex(wide.index.union(meta.index))
    wide.insert(0, "params_b", meta["params_b"].reindex(wide.index).astype(float))
    return wide


def feature_status(models, features) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Per model: ``mapped`` when any of ``features`` is a mapped cell of the feature table, else ``observed``;
    and where the mapped cells came from (origin -> features)."""
    from rmbase.selection.base_features import feature_table

    ft = feature_table()
    status, origin = {}, {}
    cols = [f for f in features if f in ft.status.columns]
    for m in models:
        if m not in ft.status.index:
            continue
        st = ft.status.loc[m, cols]
        status[m] = "mapped" if (st == "mapped").any() else "observed"
        if (st == "mapped").any() and m in ft.origin.index:
            for f in cols:  # origin -> the features mapped from it
                if st[f] == "mapped":
                    origin.setdefault(m, {}).setdefault(str(ft.origin.at[m, f]), []).append(f)
    return status, origin


def candidate_metadata() -> pd.DataFrame:
    """Per base of the bundled tables (index: model): ``params_b, family, stage, reasoning, release,
    architecture`` (the feature table's models, with the leaderboard's model type as ``type``)."""
    from rmbase.benchmarks import load_bundled_models
    from rmbase.selection.base_features import feature_table

    meta = feature_table().models.copy()
    types = load_bundled_models().set_index("model")["type"]
    meta["type"] = types.reindex(meta.index)
    meta["oll"] = meta.index.isin(types.index)
    return _with_swallow(meta)


def _with_swallow(meta: pd.DataFrame) -> pd.DataFrame:
    """The bundled Swallow models (``rmbase.datasets.load_swallow``) added where the feature table lacks them
    (size, stage, reasoning, release), and their release dates where it has none."""
    try:
        from rmbase.datasets import load_swallow
    except ImportError:  # an rmbase without the Swallow tables
        return meta
    sw = load_swallow()[1].drop_duplicates("model").set_index("model")
    stage = [("reasoning" if r == "on" else "instruct") if s == "post" else "pretrained"
             for s, r in zip(sw["stage"], sw["reasoning"], strict=True)]
    add = pd.DataFrame({"params_b": sw["params_b"].astype(float), "family": sw["family"], "stage": stage,
                        "reasoning": sw["reasoning"], "release": sw["release"].astype(str),
                        "pretrained_from": sw.get("pretrained_from"), "architecture": "", "sources": "swallow",
                        "type": None, "oll": False}, index=sw.index)
    out = pd.concat([meta, add.loc[add.index.difference(meta.index)]])
    dated = add["release"].reindex(out.index)
    empty = out["release"].isna() | out["release"].astype(str).eq("")
    out.loc[empty & dated.notna(), "release"] = dated[empty & dated.notna()]
    if "reasoning" in out:
        on = add["reasoning"].reindex(out.index).eq("on") & ~out["oll"].astype(bool)
        out.loc[on, "reasoning"] = "on"
    return out


def merged_scores(benchmarks: str | None) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, list[str]], list]:
    """The bundled table with a user's file added: the user's values win where both have a model (cell by cell);
    ``oll_average`` is the mean of the six after the merge (the leaderboard's definition) wherever the file gave
    any of the six. Returns (table, from_file, replaced, the file's model ids as they appear in the table)."""
    bundled = bundled_wide()
    if benchmarks is None:
        return bundled, {}, {}, []
    user = _user_wide(benchmarks)
    found, _ = ModelIdIndex(bundled.index).join(user.index)
    merged = bundled.copy()
    from_file: dict[str, list[str]] = {}
    replaced: dict[str, list[str]] = {}
    ids = []
    six = list(BENCHMARK_FEATURES)
    for m in user.index:
        target = found.get(m, m)
        ids.append(target)
        if target not in merged.index:
            merged.loc[target] = np.nan
        given = [c for c in SCORE_COLUMNS if pd.notna(user.loc[m, c])]
        old = merged.loc[target]
        replaced_cols = [c for c in given if pd.notna(old[c]) and not np.isclose(old[c], user.loc[m, c])]
        for c in given:
            merged.loc[target, c] = user.loc[m, c]
        if set(given) & set(six) and "oll_average" not in given:
            merged.loc[target, "oll_average"] = merged.loc[target, six].mean(skipna=False)
        from_file[target] = given
        if replaced_cols:
            replaced[target] = replaced_cols
    return merged, from_file, replaced, ids


def candidate_scores(*, candidates: list[str] | None = None, benchmarks: str | None = None,
                     max_params: float | None = None, pool_types: tuple[str, ...] | None = None,
                     features: tuple[str, ...] = DEFAULT_FEATURES, file_pool: bool = False) -> CandidateScores:
    """Feature rows of the candidates and the candidates that cannot be scored, with the reason and the source of
    every value.

    Scores: the bundled leaderboard v2 table, with ``benchmarks`` (a file ``rmbase benchmarks import`` reads)
    added to it: the file's values win where both have a model. Pool: ``candidates`` (any spelling) when given;
    else the file's models with ``file_pool``; else the bundled rows of ``pool_types`` plus the file's models, less
    the bases the pool rule leaves out (:mod:`rmbase.selection.pool`; named candidates stay, flagged)."""
    from rmbase.selection.pool import pool_flags, split_pool
    from rmbase.selection.stage import normalise_stage

    wide, from_file, replaced, file_ids = merged_scores(benchmarks)
    meta = candidate_metadata()
    flags = pool_flags(meta)
    for m in meta.index[meta["reasoning"].eq("on") & ~meta["oll"].astype(bool)]:
        flags.setdefault(m, []).append(REASONING_ONLY)
    left_out: list[dict] = []
    source = BUNDLED_SOURCE if benchmarks is None else f"{BUNDLED_SOURCE} or {benchmarks}"
    unscorable: list[dict] = []
    no_scores: list[str] = []
    if candidates:
        found, unknown = ModelIdIndex(wide.index).join(candidates)
        no_scores.extend(unknown)
        unscorable.extend({"model": c, "reason": f"no benchmark scores in the {source}"} for c in unknown)
        wide = wide.loc[list(dict.fromkeys(found.values()))]
    elif benchmarks is not None and file_pool:
        wide = wide.loc[list(dict.fromkeys(file_ids))]
    elif pool_types:
        # leaderboard rows by their type; other bases of the feature table (e.g. Swallow's) when post-trained
        types = meta["type"].reindex(wide.index)
        post = meta["stage"].reindex(wide.index).map(normalise_stage).isin(POST_STAGES)
        keep = np.where(types.notna() & types.astype(str).ne(""), types.isin(pool_types), post) \
            | wide.index.isin(file_ids)
        kept, left_out = split_pool(wide.index[keep], flags)
        wide = wide.loc[kept]
    wide = wide.reindex(columns=sorted(set(features) | set(SCORE_COLUMNS), key=str))
    # the leaderboard average is the mean of the six by definition: fill it where a table gave only the six
    wide["oll_average"] = wide["oll_average"].fillna(wide[list(BENCHMARK_FEATURES)].mean(axis=1, skipna=False))
    wide = wide[list(features)]
    missing = wide.isna()
    incomplete: dict[str, float | None] = {}
    for m in wide.index[missing.any(axis=1)]:
        cols = [c for c in wide.columns if missing.loc[m, c]]
        where = benchmarks if m in from_file else BUNDLED_SOURCE
        unscorable.append({"model": m, "reason": f"missing {', '.join(cols)} in the {where}"})
        size = wide.loc[m, "params_b"] if "params_b" in wide else np.nan
        incomplete[m] = float(size) if pd.notna(size) else None
    wide = wide[~missing.any(axis=1)]
    if max_params is not None:
        wide = wide[wide["params_b"] <= max_params]
    if (wide.get("params_b", pd.Series(dtype=float)) <= 0).any():
        bad = wide.index[wide["params_b"] <= 0][0]
        raise InputError(f"candidate {bad!r} has params_b <= 0", path=source, column="params_b")
    return CandidateScores(table=wide, unscorable=unscorable, source=source, file=benchmarks,
                           from_file={m: c for m, c in from_file.items() if m in wide.index},
                           replaced={m: c for m, c in replaced.items() if m in wide.index}, no_scores=no_scores,
                           incomplete=incomplete, left_out=left_out,
                           flags={m: f for m, f in flags.items() if m in wide.index or m in incomplete},
                           file_models=list(dict.fromkeys(file_ids)))


def candidate_table(*, candidates: list[str] | None = None, benchmarks: str | None = None,
                    max_params: float | None = None, pool_types: tuple[str, ...] | None = None,
                    features: tuple[str, ...] = DEFAULT_FEATURES) -> tuple[pd.DataFrame, list[dict]]:
    """:func:`candidate_scores` as (feature rows, unscorable)."""
    out = candidate_scores(candidates=candidates, benchmarks=benchmarks, max_params=max_params,
                           pool_types=pool_types, features=features)
    return out.table, out.unscorable


def candidate_families(data, models) -> list[str | None]:
    """Each candidate's family: the models table's ``family`` for a model of the training data, else the bundled
    study family its id names (:func:`rmbase.model_ids.model_family`), else None (no family offset)."""
    from rmbase.model_ids import model_family

    table = data.models
    known: dict[str, str] = {}
    if "family" in table:
        for col in ("model", "hf_id"):
            if col in table:
                for m, f in zip(table[col], table["family"], strict=True):
                    if isinstance(m, str) and isinstance(f, str):
                        known[m] = f
    index = ModelIdIndex(known)
    return [next((known[h] for h in reversed(index.find(m))), None) or model_family(m) for m in models]


def _stages(models: list[str]) -> dict[str, str]:
    """Post-training stage of each candidate the bundled metadata knows, else the one its name states
    (:func:`rmbase.selection.stage.infer_stage`)."""
    from rmbase.selection.stage import infer_stage, normalise_stage

    meta = candidate_metadata()["stage"]
    out = {}
    for m in models:
        known = normalise_stage(meta[m]) if m in meta.index else "unknown"
        out[m] = known if known != "unknown" else infer_stage(m)
    return out


def _releases(data, models: list[str]) -> dict[str, str]:
    """Release date (ISO text) of each model the bundled metadata or the study's models table dates."""
    meta = candidate_metadata()["release"]
    study = {}
    if "release" in data.models:
        for col in ("hf_id", "model"):
            if col in data.models:
                study.update({str(m): str(r) for m, r in zip(data.models[col], data.models["release"], strict=True)
                              if isinstance(m, str) and isinstance(r, str) and r})
    out = {}
    for m in models:
        r = meta.get(m) if m in meta.index else None
        r = r if isinstance(r, str) and r else study.get(m) or study.get(m.rpartition("/")[2])
        if r:
            out[m] = r
    return out


def _origin(model: str, scores: CandidateScores) -> str:
    """Where a candidate's features came from: ``bundled``, ``file`` (all of them) or ``file+bundled``."""
    given = scores.from_file.get(model)
    if given is None:
        return "bundled"
    return "file" if set(given) >= {"params_b", *BENCHMARK_FEATURES} else "file+bundled"


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


def recipe_default(recipe: str) -> dict:
    """The recipe's default method (:func:`rmbase.selection.default_method.default_method`) with the stored
    out-of-study evidence that chose it: ``{method, chosen_by, mean_spearman, sets, table}``."""
    from rmbase.selection.default_method import choose, default_method, stored_evidence

    method = default_method(recipe)
    c = choose(stored_evidence()).get(recipe, {})
    sets = ", ".join(c.get("sets", []))
    return {"method": method, "mean_spearman": c.get("mean_spearman"), "sets": c.get("sets", []),
            "table": c.get("table", []),
            "chosen_by": f"the {recipe} recipe's default: the highest mean Spearman out of study ({sets}"
                         + (f": {c['mean_spearman']:.2f}" if c.get("mean_spearman") is not None else "")
                         + "; docs/selection.md)"}


def recommend(data, *, candidates: list[str] | None = None, benchmarks: str | None = None,
              config: RecommendConfig | None = None, n_jobs: int | None = None, probes=None) -> dict:
    """Rank candidate bases by predicted RM score (``config.recipe``), with intervals, P(best) and P(top-k) among
    the candidates, the evidence behind each row, the Pareto front and the drivers.

    ``config.method`` None: the recipe's default method (:func:`rmbase.selection.default_method.default_method`).
    Candidates without benchmark scores whose size is known stay in the ranking with a size-only prediction and
    its wider interval (``support == "size only"``).

    ``probes`` (a :func:`rmbase.probe.table.load_probe_table` table): each ranked candidate's probe accuracies are
    shown beside its prediction (``row["probes"]``); the predictor does not use them, since the bases it is fitted
    on have none (with probes of the training bases, ``rmbase study --probes`` measures how they relate).

    Raises :class:`InputError` when no candidate can be scored (the message lists why for each)."""
    from rmbase.selection.compare import METHODS, make_estimator  # scikit-learn: on use
    from rmbase.selection.no_scores import size_only_rows
    from rmbase.selection.support import outranking_notes, scope_flags, study_scope, support_of

    config = config or RecommendConfig()
    method_choice = {"method": config.method, "chosen_by": "--method"}
    if config.method is None:
        method_choice = recipe_default(config.recipe)
        config = config.model_copy(update={"method": method_choice["method"]})
    if config.method != "pooled":
        make_estimator(config.method)
    if not 0 < config.alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {config.alpha}")
    if config.top < 1:
        raise InputError(f"--top must be at least 1, got {config.top}")
    scores = candidate_scores(candidates=candidates, benchmarks=benchmarks, max_params=config.max_params,
                              pool_types=config.pool_types)
    if config.method == "pooled":
        from rmbase.selection.recommend_pooled import recommend_pooled

        return recommend_pooled(data, scores, config, method_choice)
    cand, unscorable = scores.table, scores.unscorable
    if benchmarks is not None and not candidates and not scores.from_file:
        # the file was given to rank its models: ranking only the bundled table would answer another question
        why = "; ".join(f"{u['model']}: {u['reason']}" for u in unscorable if u["model"] in scores.file_models)
        raise InputError(f"no model of the file can be scored ({why or 'the filters left none of its '}"
                         f"{'' if why else str(len(scores.file_models)) + ' model(s)'})", path=benchmarks,
                         expected="params_b and the six leaderboard benchmarks for at least one model")
    sizes = {**{m: None for m in scores.no_scores}, **scores.incomplete}
    size_rows, size_fit = size_only_rows(sizes, data=data, recipe=config.recipe, alpha=config.alpha)
    if config.max_params is not None:
        size_rows = [r for r in size_rows if r["params_b"] <= config.max_params]
    if cand.empty and not size_rows:
        why = "; ".join(f"{u['model']}: {u['reason']}" for u in unscorable[:10]) or "the filters left none"
        hint = ""
        if scores.no_scores:
            from rmbase.selection.no_scores import guidance

            g = guidance(scores.no_scores[:1], data=data, recipe=config.recipe, candidates=candidates)[0]
            hint = f"; to score {g['model']}: {g['commands'][0]} (then {g['commands'][1]})"
        raise InputError(f"no candidate can be scored ({why}){hint}")
    if "family" in METHODS[config.method].features:
        cand = cand.assign(family=candidate_families(data, cand.index))
    available = [t for t in config.targets if t in data.results.columns and data.results[t].notna().any()]
    fits = {t: fit_target(data, recipe=config.recipe, target=t, method=config.method, alpha=config.alpha,
                          n_jobs=n_jobs) for t in available}
    main = fits["score"] if "score" in fits else fits[available[0]]
    pred = {t: f["estimator"].predict(cand[f["features"]]) if len(cand) else np.zeros(0) for t, f in fits.items()}
    measured = data.target_table(config.recipe)
    known = [m if m in measured.index else m.rpartition("/")[2] for m in cand.index]
    known = [k if k in measured.index else None for k in known]
    # the ranking key: the published RM result where the study trained the base with this recipe, else the
    # prediction, so that measured and predicted bases are ranked together
    key = np.array([float(measured.loc[k, main["target"]]) if k is not None and main["target"] in measured.columns
                    and pd.notna(measured.loc[k, main["target"]]) else float(pred[main["target"]][i])
                    for i, k in enumerate(known)])
    drivers = _drivers(main["estimator"], cand[main["features"]]) if len(cand) else []
    # mapped features carry an sd: their spread through each target's predictor widens that base's interval
    from rmbase.selection.feature_noise import N_FEATURE_DRAWS, feature_sd, propagate

    noisy_sd = feature_sd([m for m in cand.index if m not in scores.from_file], [f for f in main["features"]])
    noisy_sd = noisy_sd[(noisy_sd > 0).any(axis=1)]
    spread: dict[str, dict[str, float]] = {t: {} for t in fits}
    offsets: dict[str, np.ndarray] = {}
    if len(noisy_sd):
        pos = [list(cand.index).index(m) for m in noisy_sd.index]
        for t, f in fits.items():
            P = propagate(f["estimator"], cand.iloc[pos][f["features"]], noisy_sd.reindex(columns=[
                c for c in f["features"] if c != "family"], fill_value=0.0), seed=config.seed)
            spread[t] = dict(zip(noisy_sd.index, P.std(axis=0), strict=True))
            if t == main["target"]:
                offsets = {m: P[:, j] - P[:, j].mean() for j, m in enumerate(noisy_sd.index)}
    from scipy.stats import norm

    z = float(norm.ppf(1 - config.alpha / 2))
    top = 100.0 if float(np.nanmax(data.target_table(config.recipe)[main["target"]])) > 1 else 1.0  # score range
    numeric = [f for f in main["features"] if f != "family"]
    train_X = data.feature_matrix()[numeric]
    lo, hi = train_X.min(), train_X.max()
    # flag only clear extrapolation: the same base can carry slightly different figures in two tables
    slack = 0.02 * (hi - lo)
    used = set(getattr(main["estimator"], "selected_features_", numeric))
    scope = study_scope(data)
    status, status_origin = feature_status([m for m in cand.index if m not in scores.from_file], numeric)
    stages = _stages(list(cand.index) + [r["model"] for r in size_rows])
    families = dict(zip(list(cand.index) + [r["model"] for r in size_rows],
                        candidate_families(data, list(cand.index) + [r["model"] for r in size_rows]), strict=True))
    rows = []
    for i in range(len(cand)):
        m = cand.index[i]
        k = known[i]
        outside = [{"feature": f, "value": float(cand[f].iloc[i]), "low": float(lo[f]), "high": float(hi[f]),
                    "used_by_predictor": f in used}
                   for f in numeric if not lo[f] - slack[f] <= cand[f].iloc[i] <= hi[f] + slack[f]]
        size = float(cand["params_b"].iloc[i])
        flags = [*scores.flags.get(m, []), *scope_flags(size, families[m], stages.get(m), scope)]
        extrapolates = [o["feature"] for o in outside if o["used_by_predictor"]]
        row = {"model": m, "params_b": size,
               "oll_average": float(cand["oll_average"].iloc[i]) if "oll_average" in cand else None,
               "in_training_data": k is not None,
               # a base the study trained: its published RM result beside the prediction
               "measured": None if k is None else {t: float(measured.loc[k, t]) for t in fits
                                                   if t in measured.columns},
               "ranked_by": "predicted" if k is None else "measured", "rank_value": float(key[i]),
               "scores_from": _origin(m, scores), "drivers": drivers[i],
               "family": _family_or_none(cand, i) if "family" in cand else families[m],
               "stage": stages.get(m), "feature_status": status.get(m, "observed"),
               "mapped_from": status_origin.get(m), "studies": [data.name], "flags": flags,
               "support": support_of("measured" if k is not None else status.get(m, "observed"), flags,
                                     extrapolates),
               # the features the main target's predictor uses, outside their training range (all: extrapolation)
               "extrapolates": extrapolates, "extrapolation": outside,
               "_residuals": np.zeros(0) if k is not None else main["residuals"],
               "_offsets": None if k is not None else offsets.get(m),
               "feature_spread": spread[main["target"]].get(m)}
        for t, f in fits.items():
            p = float(pred[t][i])
            hw = float(np.hypot(f["halfwidth"], z * spread[t].get(m, 0.0)))
            row[t] = {"predicted": p, "low": max(p - hw, 0.0), "high": min(p + hw, top)}
        rows.append(row)
    for r in size_rows:
        m = r["model"]
        flags = [*scores.flags.get(m, []), "size only: no benchmark scores",
                 *scope_flags(r["params_b"], families[m], stages.get(m), scope),
                 *(["size-only line capped at the score's range"] if r["capped"] else [])]
        rows.append({"model": m, "params_b": r["params_b"], "oll_average": None, "in_training_data": False,
                     "measured": None, "ranked_by": "predicted (size only)", "rank_value": r["predicted"],
                     "scores_from": "none", "drivers": [], "family": families[m], "stage": stages.get(m),
                     "feature_status": "size only", "size_from": r["size_from"], "studies": [data.name],
                     "flags": flags, "support": "size only", "extrapolates": [], "extrapolation": [],
                     "_residuals": np.asarray(size_fit["loo_residuals"]),
                     **{t: None for t in fits if t != main["target"]},
                     main["target"]: {"predicted": r["predicted"], "low": r["low"], "high": r["high"]}})
    rows.sort(key=lambda r: -r["rank_value"])
    # the size/score front among bases with scores (a size-only prediction only restates the size)
    scored = np.array([r["support"] != "size only" for r in rows], dtype=bool)
    front = np.zeros(len(rows), dtype=bool)
    front[scored] = pareto_front(np.array([r["params_b"] for r in rows])[scored],
                                 np.array([r["rank_value"] for r in rows])[scored])
    from rmbase.selection.rank_probability import rank_probabilities, residual_draws

    draws = residual_draws([r["rank_value"] for r in rows], [r.pop("_residuals") for r in rows],
                           n=config.samples, seed=config.seed)
    for j, r in enumerate(rows):  # the mapped features' share of the uncertainty, drawn with it
        off = r.pop("_offsets", None)
        if off is not None:
            draws[:, j] += off[np.arange(config.samples) % N_FEATURE_DRAWS]
    k_top = min(config.top_k, len(rows))
    probs = rank_probabilities(draws, ks=(k_top,))
    for rank, (r, is_front) in enumerate(zip(rows, front, strict=True), start=1):
        r.update(rank=rank, pareto=bool(is_front), p_best=float(probs["p_best"].iloc[rank - 1]),
                 p_top_k=float(probs[f"p_top_{k_top}"].iloc[rank - 1]))
    outranking_notes(rows)
    from rmbase.selection.todays_bases import todays_bases

    release = _releases(data, [r["model"] for r in rows])
    for r in rows:
        r["release"] = release.get(r["model"])
    from rmbase.selection.todays_bases import study_best

    todays = todays_bases(rows, draws, release, since=config.today_since, target=main["target"],
                          study_gains=study_best(data, config.recipe, main["target"]))
    in_table = {r["model"] for r in size_rows}
    unscorable = [u for u in unscorable if u["model"] not in in_table]
    no_scores = []
    if scores.to_score(candidates):
        from rmbase.selection.no_scores import guidance

        no_scores = guidance(scores.to_score(candidates), data=data, recipe=config.recipe, candidates=candidates,
                             benchmark_mae=main["mean_abs_residual"])
    from rmbase.provenance import provenance

    unmatched_probes = None
    if probes is not None:
        from rmbase.probe.table import attach_probes

        unmatched_probes = attach_probes(rows, probes)
    return {
        "unmatched_probes": unmatched_probes,
        "recipe": config.recipe, "method": config.method, "method_description": METHODS[config.method].description,
        "method_choice": method_choice,
        "probabilities": {"k": k_top, "samples": config.samples, "seed": config.seed,
                          "kind": "share of draws of the predictive distribution in which a base is the best (in "
                                  "the top k): its prediction plus a resampled out-of-fold residual of the fit that "
                                  "made it (independent per base); a measured base at its published score"},
        "size_only": None if not size_fit else {k: v for k, v in size_fit.items() if k != "loo_residuals"},
        "pool": {"rule": POOL_RULE, "left_out": scores.left_out, "left_out_counts": count_left_out(scores.left_out)},
        "interval": {"nominal_coverage": 1 - config.alpha, "kind": "split conformal on leave-one-out residuals",
                     "per_target": {t: {"halfwidth": f["halfwidth"], "empirical_coverage_loo": f["coverage_loo"],
                                        "empirical_coverage_lofo": f["coverage_lofo"], "n_train": f["n_train"],
                                        "mean_abs_residual": f["mean_abs_residual"]} for t, f in fits.items()}},
        "selected_features": {t: list(getattr(f["estimator"], "selected_features_", f["features"]))
                              for t, f in fits.items()},
        "n_candidates": len(rows), "n_size_only": len(size_rows), "top": config.top, "ranking": rows,
        "todays_bases": todays,
        "pareto_front": [r["model"] for r in rows if r["pareto"]],
        "training_range": {f: [float(lo[f]), float(hi[f])] for f in numeric},
        "unscorable": unscorable, "no_scores": no_scores,
        "sources": {"bundled": BUNDLED_SOURCE, "file": benchmarks, "from_file": scores.from_file,
                    "replaced_bundled": scores.replaced,
                    "rule": "the file's values win where the bundled table has the same model; oll_average is "
                            "the mean of the six after merging"},
        "provenance": provenance(config=config.to_dict(), data=data.data_sha256, dataset=data.name,
                                 candidates_source=benchmarks or "bundled leaderboard_v2"),
    }
