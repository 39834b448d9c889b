"""Each recipe's default method for ``recommend``: the predictor that holds up best on bases unlike the ones it was
fitted to, not only within the study.

The rule (:func:`choose_method`): among the methods judged for a recipe, rank them on each **held-out** criterion —
mean coverage@5-10 leaving whole families out (``lofo``: a new base mostly comes from a family the study did not
train), and the Spearman of each external set or held-out study with at least ``MIN_N`` scorable bases — and take the
best mean rank (a method without a figure on a criterion ranks last on it). Ties go to the within-study leave-one-out
coverage. The same rule picks the predictor of the report's answer box from the figures on the same page
(:func:`evidence_from_study`), so the box and the evidence cannot disagree.

Until the pooled evidence's own validation (leave one study out) is available, ``default_method`` applies the rule to
the figures docs/selection.md measures (:data:`MEASURED`, from ``python benchmarks/bench_selection.py`` and
``rmbase study``'s external validation on the bundled data).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from rmbase.errors import InputError

MIN_N = 5  # an external set with fewer scorable bases is shown, never used to choose

# (method, recipe, criterion, value): docs/selection.md, bundled data, target score. lofo = mean coverage@5-10
# leaving one family out; loo = the same leaving one base out (tie-break only); rb2_allenai_base_grid and
# rewardbench_v1_leaderboard = Spearman of predictors fitted on the study's regression results (external sets).
MEASURED: tuple[tuple[str, str, str, float], ...] = (
    *((m, "regression", "loo", v) for m, v in (
        ("oll_average", 0.683), ("study_elasticnet", 0.570), ("rank_average", 0.561), ("sparse_ridge", 0.707),
        ("bayesian_linear", 0.683), ("pairwise_ranker", 0.521), ("family_effect", 0.707))),
    *((m, "regression", "lofo", v) for m, v in (
        ("oll_average", 0.683), ("study_elasticnet", 0.470), ("rank_average", 0.605), ("sparse_ridge", 0.561),
        ("bayesian_linear", 0.544), ("pairwise_ranker", 0.498), ("family_effect", 0.544))),
    *((m, "regression", "rb2_allenai_base_grid", v) for m, v in (
        ("oll_average", 0.94), ("study_elasticnet", 0.95), ("rank_average", 0.96), ("sparse_ridge", 0.76),
        ("bayesian_linear", 0.76), ("pairwise_ranker", 0.88))),
    *((m, "regression", "rewardbench_v1_leaderboard", v) for m, v in (
        ("oll_average", 0.72), ("study_elasticnet", 0.78), ("rank_average", 0.65), ("sparse_ridge", 0.35),
        ("bayesian_linear", 0.35), ("pairwise_ranker", 0.52))),
    *((m, "bradley_terry", "loo", v) for m, v in (
        ("oll_average", 0.554), ("study_elasticnet", 0.225), ("sparse_ridge", 0.244), ("bayesian_linear", 0.232),
        ("family_effect", 0.547))),
    *((m, "bradley_terry", "lofo", v) for m, v in (
        ("oll_average", 0.554), ("study_elasticnet", 0.293), ("sparse_ridge", 0.197), ("bayesian_linear", 0.232),
        ("family_effect", 0.232))),
)
MEASURED_SOURCE = ("docs/selection.md (python benchmarks/bench_selection.py; rmbase study's external_validation), "
                   "bundled data paper-2505.10775, target score")
RULE = ("best mean rank over the held-out criteria (coverage@5-10 leaving whole families out; Spearman on each "
        f"external set or held-out study with >= {MIN_N} scorable bases); ties: leave-one-out coverage")


def choose_method(rows: Iterable[dict], recipe: str) -> dict:
    """The default method of ``recipe`` from validation rows ``{method, recipe, criterion, value}`` (criterion
    ``loo`` is the tie-break; every other criterion is held out). Returns ``{method, recipe, rule, mean_rank,
    criteria: {criterion: {method: value}}}``."""
    table: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["recipe"] == recipe and r["value"] is not None and np.isfinite(r["value"]):
            table.setdefault(r["criterion"], {})[r["method"]] = float(r["value"])
    held_out = {c: v for c, v in table.items() if c != "loo"}
    methods = sorted({m for v in table.values() for m in v})
    if not methods:
        raise InputError(f"no validation figures for recipe {recipe!r}", expected="selection rows of that recipe")
    if not held_out:  # nothing held out: the within-study figure alone (said so in the rule)
        held_out = {"loo": table["loo"]}
    mean_rank = {}
    for m in methods:
        ranks = []
        for vals in held_out.values():  # 1 + the methods strictly better (equal figures share a rank)
            ranks.append(1 + sum(v > vals[m] for v in vals.values()) if m in vals else len(methods))
        mean_rank[m] = float(np.mean(ranks))
    loo = table.get("loo", {})
    best = min(methods, key=lambda m: (mean_rank[m], -loo.get(m, -np.inf), m))
    return {"method": best, "recipe": recipe, "rule": RULE, "mean_rank": mean_rank, "criteria": table}


def measured_rows() -> list[dict]:
    return [{"method": m, "recipe": r, "criterion": c, "value": v} for m, r, c, v in MEASURED]


def default_method(recipe: str, target: str = "score") -> dict:
    """The default method of ``recipe`` (``target`` kept for the pooled validation, which judges per target; the
    measured figures here are all for ``score``), with the figures that chose it and where they come from."""
    choice = choose_method(measured_rows(), recipe)
    choice.update(target=target, source=MEASURED_SOURCE)
    return choice


def evidence_from_study(study: dict) -> list[dict]:
    """Validation rows from a study.json: its ``selection`` rows (loo, lofo; criterion = coverage@5-10) and its
    ``external_validation`` sets with at least ``MIN_N`` scorable bases (criterion = set, value = Spearman), for
    the recipe the external predictors were fitted on."""
    rows = [{"method": r["method"], "recipe": r["recipe"], "criterion": r["validation"],
             "value": r["coverage_mean_5_10"]} for r in study.get("selection") or []]
    ext = study.get("external_validation") or {}
    recipe = ext.get("recipe_trained_on")
    for s in ext.get("sets") or []:
        if s.get("n_scorable", 0) < MIN_N:
            continue
        for m in s.get("methods") or []:
            rho = (m.get("all") or {}).get("spearman")
            if rho is not None:
                rows.append({"method": m["method"], "recipe": recipe, "criterion": s["set"], "value": rho})
    return rows
