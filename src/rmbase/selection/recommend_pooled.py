"""``recommend --method pooled``: the ranking from the pooled RM evidence of every study
(:func:`rmbase.selection.pooled.fit_pooled`), one fit per call and every candidate predicted in one pass, with
P(best) and P(top-k) from the fit's joint predictive draws (weights shared within a draw, so candidates' errors are
correlated as the fit's uncertainty makes them).

The result has the keys of :func:`rmbase.selection.recommend.recommend` (so the terminal table, the JSON and the
HTML page read it the same way); only the overall target is predicted (sections: ``recommend`` with a study-only
method), and the interval is the predictive distribution's central ``1 - alpha`` range (its coverage is judged by
leaving whole studies out, docs/selection.md), not a conformal one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rmbase.errors import InputError

TARGET_OF = {"score": "rewardbench", "chat": "rewardbench:chat", "chat_hard": "rewardbench:chat_hard",
             "safety": "rewardbench:safety", "reasoning": "rewardbench:reasoning"}


def _support(status: str, measured: bool, flags: list[str]) -> str:
    if measured:
        return "measured"
    if status == "size only":
        return "size only"
    if any(not f.startswith("family") for f in flags):
        return "extrapolated"
    return status if status in ("observed", "mapped") else "observed"


def recommend_pooled(data, scores, config, method_choice: dict) -> dict:
    """The pooled ranking of the candidates ``scores`` (:class:`~rmbase.selection.candidates.CandidateScores`)
    names: its scored table, the incomplete ones and those no table scores."""
    from rmbase.provenance import provenance
    from rmbase.selection.candidates import candidate_releases
    from rmbase.selection.pooled import fit_pooled
    from rmbase.selection.rank_probability import rank_probabilities
    from rmbase.selection.recommend import pareto_front
    from rmbase.selection.support import outranking_notes
    from rmbase.selection.todays_bases import study_best, todays_bases

    if scores.file is not None:
        raise InputError("--method pooled reads the bundled feature table of bases; a --benchmarks file goes with a "
                         "study-only method (e.g. --method oll_average)", path=scores.file)
    target = config.targets[0] if config.targets else "score"
    fit = fit_pooled(TARGET_OF.get(target, target), recipe=config.recipe)
    ids = list(dict.fromkeys([*scores.table.index, *scores.incomplete, *scores.no_scores]))
    pred = fit.predict(ids, alpha=config.alpha, n=config.samples, seed=config.seed)
    draws = fit.sample(ids, n=config.samples, seed=config.seed)
    ok = np.isfinite(draws).all(axis=0)
    if config.max_params is not None:
        ok &= ~(pred["params_b"].to_numpy(dtype=float) > config.max_params)
    unscorable = [{"model": m, "reason": "no benchmark scores and no size in any table or its name"}
                  for m, good in zip(ids, np.isfinite(draws).all(axis=0), strict=True) if not good]
    keep = [i for i in range(len(ids)) if ok[i]]
    if not keep:
        why = "; ".join(f"{u['model']}: {u['reason']}" for u in unscorable[:10]) or "the filters left none"
        raise InputError(f"no candidate can be scored ({why})")
    measured = data.target_table(config.recipe)
    rows = []
    for i in keep:
        m = ids[i]
        p = pred.loc[m]
        k = m if m in measured.index else m.rpartition("/")[2]
        mv = measured.loc[k, target] if k in measured.index and target in measured.columns else np.nan
        is_measured = bool(pd.notna(mv))
        if is_measured:
            draws[:, i] = float(mv)
        flags = [*scores.flags.get(m, []), *p["extrapolation"]]
        rows.append({"model": m, "params_b": float(p["params_b"]), "oll_average": None,
                     "in_training_data": is_measured, "measured": {target: float(mv)} if is_measured else None,
                     "ranked_by": "measured" if is_measured else "predicted",
                     "rank_value": float(mv) if is_measured else float(p["mean"]),
                     "scores_from": "bundled", "drivers": [], "family": p["family"], "stage": p["stage"],
                     "feature_status": p["feature_status"], "studies": list(p["studies"]), "flags": flags,
                     "support": _support(p["feature_status"], is_measured, flags),
                     "extrapolates": [], "extrapolation": [], "sd": float(p["sd"]),
                     target: {"predicted": float(p["mean"]), "low": float(p["lo"]), "high": float(p["hi"])},
                     "_col": i})
    rows.sort(key=lambda r: -r["rank_value"])
    cols = [r.pop("_col") for r in rows]
    draws = draws[:, cols]
    k_top = min(config.top_k, len(rows))
    probs = rank_probabilities(draws, ks=(k_top,))
    scored = np.array([r["support"] != "size only" for r in rows], dtype=bool)
    front = np.zeros(len(rows), dtype=bool)
    front[scored] = pareto_front(np.array([r["params_b"] for r in rows])[scored],
                                 np.array([r["rank_value"] for r in rows])[scored])
    for rank, r in enumerate(rows, start=1):
        r.update(rank=rank, pareto=bool(front[rank - 1]), p_best=float(probs["p_best"].iloc[rank - 1]),
                 p_top_k=float(probs[f"p_top_{k_top}"].iloc[rank - 1]))
    outranking_notes(rows)
    release = candidate_releases(data, [r["model"] for r in rows])
    for r in rows:
        r["release"] = release.get(r["model"])
    half = float(np.nanmedian([r[target]["high"] - r[target]["predicted"] for r in rows]))
    from rmbase.selection.pool import RULE as POOL_RULE
    from rmbase.selection.pool import count_left_out

    return {
        "unmatched_probes": None, "recipe": config.recipe, "method": "pooled",
        "method_description": "pooled RM evidence of every study: one latent base quality, a level and scale per "
                              "study grid, stage effects, family offsets (docs/selection.md)",
        "method_choice": method_choice, "target": target, "units": fit.units, "studies_used": fit.studies_used,
        "notes": list(fit.notes),
        "probabilities": {"k": k_top, "samples": config.samples, "seed": config.seed,
                          "kind": "share of the pooled fit's joint predictive draws (weights shared within a draw) "
                                  "in which a base is the best (in the top k); a measured base at its published "
                                  "score"},
        "size_only": None,
        "pool": {"rule": POOL_RULE, "left_out": scores.left_out, "left_out_counts": count_left_out(scores.left_out)},
        "interval": {"nominal_coverage": 1 - config.alpha, "kind": "central range of the pooled predictive draws",
                     "per_target": {target: {"halfwidth": half, "empirical_coverage_loo": None,
                                             "empirical_coverage_lofo": None, "n_train": len(fit.train),
                                             "mean_abs_residual": None}}},
        "selected_features": {target: list(fit.config.features)},
        "n_candidates": len(rows), "n_size_only": sum(r["support"] == "size only" for r in rows),
        "top": config.top, "ranking": rows,
        "todays_bases": todays_bases(rows, draws, release, since=config.today_since, target=target,
                                     study_gains=study_best(data, config.recipe, target)),
        "pareto_front": [r["model"] for r in rows if r["pareto"]], "training_range": {},
        "unscorable": unscorable, "no_scores": [],
        "sources": {"bundled": "bundled feature table of bases", "file": None, "from_file": {},
                    "replaced_bundled": {}, "rule": ""},
        "provenance": provenance(config=config.to_dict(), data=data.data_sha256, dataset=data.name,
                                 candidates_source="bundled feature table", pooled_studies=fit.studies_used),
    }
