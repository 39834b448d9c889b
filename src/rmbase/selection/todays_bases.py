"""Today's bases: the best predicted base per size group among bases released since a date (2025 by default), with
P(best) within its group and the evidence behind it, beside the study's measured answer for the same sizes.

Built from a ranking of :func:`rmbase.selection.recommend.recommend` and its predictive draws, so that the report's
answer (study.json ``todays_bases``) and ``recommend --html`` show the same table. A base without a release date in
the bundled metadata is not counted as today's (counted in ``n_without_release``).
"""

from __future__ import annotations

import numpy as np

from rmbase.selection.rank_probability import best_probability
from rmbase.selection.support import WELL_SUPPORTED

SINCE = "2025-01-01"
# the study's groups (<3B, 3-6B, >=6B; its largest base has 10.3B) with the sizes beyond the study apart
GROUPS = (("<3B", 0.0, 3.0, "<3B"), ("3-6B", 3.0, 6.0, "3-6B"), ("6-10B", 6.0, 10.5, ">=6B"),
          (">10B", 10.5, np.inf, None))
ROW_KEYS = ("model", "params_b", "release", "predicted", "low", "high", "support", "feature_status", "studies",
            "flags", "stage", "outranks")


def group_of(params_b: float) -> str | None:
    for label, lo, hi, _ in GROUPS:
        if lo <= params_b < hi:
            return label
    return None


def todays_bases(rows: list[dict], draws: np.ndarray, release: dict[str, str], *, since: str = SINCE,
                 study_gains: list[dict] | None = None, target: str = "score") -> dict:
    """Per size group: the best predicted base released on or after ``since`` (by its ranking value), P(best)
    among the group's bases released since then (from ``draws``, columns aligned with ``rows``), the runner-up,
    how many bases the group holds, and the study's measured best of the matching group (``study_gains``: study.json
    ``gains``). JSON-ready."""
    recent = [i for i, r in enumerate(rows) if str(release.get(r["model"]) or "") >= since]
    n_without = sum(1 for r in rows if not release.get(r["model"]))
    measured = {g["group"]: g for g in study_gains or []}
    groups = []
    for label, _, _, study_group in GROUPS:
        members = [i for i in recent if group_of(rows[i]["params_b"]) == label]
        entry: dict = {"group": label, "n_bases": len(members), "best": None, "runner_up": None, "best_supported": None,
                       "study_group": study_group, "study_best": None}
        if study_group and study_group in measured:
            g = measured[study_group]
            entry["study_best"] = {"model": g["best_model"], "score": g["best_score"],
                                   "default_model": g.get("default_model"), "gain_points": g.get("gain_points")}
        if members:
            order = sorted(members, key=lambda i: -rows[i]["rank_value"])
            p = best_probability(draws[:, order]) if len(order) > 1 else np.ones(1)
            for slot, pos in (("best", 0), ("runner_up", 1)):
                if pos < len(order):
                    entry[slot] = {**_summary(rows[order[pos]], release, target), "p_best": float(p[pos])}
            # where the best is extrapolated or size-only: the best prediction that is not, beside it
            supported = [j for j, i in enumerate(order) if rows[i].get("support") in WELL_SUPPORTED]
            if supported and supported[0] > 0:
                j = supported[0]
                entry["best_supported"] = {**_summary(rows[order[j]], release, target), "p_best": float(p[j])}
        groups.append(entry)
    return {"since": since, "target": target, "n_released_since": len(recent), "n_without_release": n_without,
            "groups": groups,
            "note": "P(best) is among the group's bases released since then; each prediction's evidence is in "
                    "its row (support, studies, flags)"}


def _summary(row: dict, release: dict[str, str], target: str) -> dict:
    score = row.get(target) or {}
    out = {k: row.get(k) for k in ROW_KEYS if k in row}
    out.update(release=release.get(row["model"]), predicted=score.get("predicted"), low=score.get("low"),
               high=score.get("high"), measured=(row.get("measured") or {}).get(target))
    return out


def study_best(data, recipe: str, target: str) -> list[dict]:
    """The study's measured best base per size group of the study (``<3B``, ``3-6B``, ``>=6B``), in the shape of
    study.json ``gains`` (``group``, ``best_model``, ``best_score``)."""
    from rmbase.analysis.gains import SIZE_GROUPS

    scores = data.target_table(recipe)
    if target not in scores.columns:
        return []
    sizes = data.models.set_index("model")["params_b"].reindex(scores.index).astype(float)
    out = []
    for label, lo, hi in SIZE_GROUPS:
        s = scores[target][(sizes >= lo) & (sizes < hi)].dropna()
        if len(s):
            out.append({"group": label, "best_model": str(s.idxmax()), "best_score": float(s.max())})
    return out


def study_answer(data, study: dict) -> dict:
    """study.json's ``answer_method`` and ``todays_bases``: the predictor ``recommend`` uses by default for the
    study's recipe (chosen out of study: :mod:`rmbase.selection.default_method`, with the evidence that chose
    it, shown in the answer box), and today's bases ranked by it on the study's recipe and target (default candidate
    pool), beside the study's measured best per size group."""
    from rmbase.errors import InputError
    from rmbase.selection.recommend import RecommendConfig, recipe_default, recommend

    recipe, target = study["recipe"], study["target"]
    choice = recipe_default(recipe)
    try:
        # the ranking only: the intervals' leave-one-family-out check (a nested fit per family) is not shown here
        rec = recommend(data, config=RecommendConfig(method=choice["method"], recipe=recipe, targets=(target,)),
                        family_check=False)
    except InputError as exc:
        return {"answer_method": choice, "todays_bases": {"since": SINCE, "groups": [], "skipped": str(exc)}}
    todays = rec["todays_bases"]
    measured = {g["group"]: g for g in study.get("gains") or []}
    for g in todays["groups"]:
        m = measured.get(g["study_group"]) if g["study_group"] else None
        g["study_best"] = None if m is None else {"model": m["best_model"], "score": m["best_score"],
                                                  "default_model": m.get("default_model"),
                                                  "gain_points": m.get("gain_points")}
    todays.update(method=rec["method"], recipe=recipe, n_candidates=rec["n_candidates"],
                  pool_rule=rec["pool"]["rule"], left_out_of_pool=rec["pool"]["left_out_counts"])
    return {"answer_method": choice, "todays_bases": todays}
