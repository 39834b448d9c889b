"""``rmbase recommend``: predicted RM score (overall and per section) for candidate bases, with conformal prediction
intervals whose coverage is checked out of fold (:mod:`rmbase.selection.conformal`), the ranking, the size/score
Pareto front and the features that drive each prediction. The candidates' feature rows and what is known of each
come from :mod:`rmbase.selection.candidates`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rmbase.datasets import BENCHMARK_FEATURES
from rmbase.errors import InputError
from rmbase.selection.candidates import (
    BUNDLED_SOURCE,
    CandidateScores,
    candidate_families,
    candidate_releases,
    candidate_scores,
    candidate_stages,
    feature_status,
)
from rmbase.selection.configs import RecommendConfig
from rmbase.selection.conformal import fit_targets
from rmbase.selection.pool import RULE as POOL_RULE
from rmbase.selection.pool import count_left_out


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
              config: RecommendConfig | None = None, n_jobs: int | None = None, probes=None,
              family_check: bool = True) -> dict:
    """Rank candidate bases by predicted RM score (``config.recipe``), with intervals, P(best) and P(top-k) among
    the candidates, the evidence behind each row, the Pareto front and the drivers.

    ``config.method`` None: the recipe's default method (:func:`rmbase.selection.default_method.default_method`).
    Candidates without benchmark scores whose size is known stay in the ranking with a size-only prediction and
    its wider interval (``support == "size only"``).

    ``probes`` (a :func:`rmbase.probe.table.load_probe_table` table): each ranked candidate's probe accuracies are
    shown beside its prediction (``row["probes"]``); the predictor does not use them, since the bases it is fitted
    on have none (with probes of the training bases, ``rmbase study --probes`` measures how they relate).

    ``family_check=False`` leaves out the intervals' leave-one-family-out coverage check
    (``interval.per_target[t].empirical_coverage_lofo`` is then None) for a caller that does not show it: it
    costs one nested fit per family (the study's answer box uses the ranking only).

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
    # alpha, top and max_params: their ranges are the config's (rmbase.selection.configs)
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
    fits = fit_targets(data, recipe=config.recipe, targets=available, method=config.method, alpha=config.alpha,
                       n_jobs=n_jobs, family_check=family_check)
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
    stages = candidate_stages(list(cand.index) + [r["model"] for r in size_rows])
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

    release = candidate_releases(data, [r["model"] for r in rows])
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
