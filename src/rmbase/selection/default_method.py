"""The default method of ``rmbase recommend`` per recipe and target: the one that holds up best out of study.

The evidence is computed by :func:`compute_evidence` (leave one study out for the pooled model, the study-only
predictors fitted on the study's recipe and applied to the other studies' bases, and the home study's leave-one-out
figures beside them) and stored in ``default_methods.json`` next to this module by
``python scripts/build_default_methods.py``; :func:`default_method` reads it (no fitting at ``recommend`` time).

The rule (:func:`choose`): the method with the highest mean Spearman over the out-of-study sets that have at least
:data:`MIN_N` bases that **every** compared method scores (the same bases for all: a method is not rewarded for
scoring bases the others cannot, nor punished for it); ties go to the method listed first in :data:`METHODS`. The home
study's figures are shown beside the choice but do not decide it (the issue: a default that wins within the study
and loses out of it is the failure to avoid). Sections of RewardBench follow the choice for its score (no study
outside the bundled one measures sections with a controlled recipe).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path

import numpy as np

METHODS = ("pooled", "oll_average", "study_elasticnet", "rank_average", "sparse_ridge", "bayesian_linear",
           "pairwise_ranker", "family_effect")
RECIPES = ("regression", "bradley_terry")
MIN_N = 5
FILE = "default_methods.json"


def _path() -> Path:
    return Path(str(resources.files("rmbase.selection") / FILE))


def choose(evidence: dict) -> dict:
    """``{recipe: {"method", "mean_spearman", "sets", "table"}}`` from the stored evidence (pure: no fitting)."""
    out = {}
    for recipe, sets in evidence["out_of_study"].items():
        usable = [s for s in sets if s["n_common"] >= MIN_N]
        table = []
        for m in METHODS:
            vals = [s["spearman"].get(m) for s in usable]
            if not usable or any(v is None for v in vals):
                continue
            table.append({"method": m, "mean_spearman": float(np.mean(vals)),
                          "per_set": {s["set"]: s["spearman"][m] for s in usable}})
        best = max(table, key=lambda r: (r["mean_spearman"], -METHODS.index(r["method"])))
        out[recipe] = {"method": best["method"], "mean_spearman": best["mean_spearman"],
                       "sets": [s["set"] for s in usable], "table": table}
    return out


@functools.lru_cache(maxsize=1)
def stored_evidence() -> dict:
    return json.loads(_path().read_text())


def default_method(recipe: str | None = None, target: str = "rewardbench") -> str:
    """The method ``recommend`` uses by default for ``recipe`` (None: the pooled model, which needs no recipe)
    and ``target``. Targets other than RewardBench v1 and its sections are only predicted by the pooled model."""
    from rmbase.selection.evidence import parse_target

    bench, _ = parse_target(target)
    if recipe is None or bench != "rewardbench":
        return "pooled"
    choice = choose(stored_evidence())
    if recipe not in choice:
        return "pooled"
    return choice[recipe]["method"]


def compute_evidence(*, n_jobs: int | None = None) -> dict:
    """Out-of-study Spearman of every method on the common bases of each held-out set, per recipe, and the home
    study's leave-one-out rows (slow: about a minute; run by scripts/build_default_methods.py)."""
    from rmbase.datasets import load_bundled
    from rmbase.selection.base_features import feature_table
    from rmbase.selection.compare import selection_table
    from rmbase.selection.evidence import RB1_LEADERBOARD, RB2_GRID, SKYWORK
    from rmbase.selection.external import external_validation
    from rmbase.selection.pooled_validation import home_study, leave_one_study_out

    table = feature_table()
    loso = {e["held_out"]: e for e in leave_one_study_out(table=table)}
    data = load_bundled()
    names = {RB2_GRID: "rb2_allenai_base_grid", SKYWORK: "skywork_reward_v2",
             RB1_LEADERBOARD: "rewardbench_v1_leaderboard"}
    study_methods = [m for m in METHODS if m not in ("pooled", "family_effect")]
    out: dict = {"out_of_study": {}, "home_study": {}, "rule": __doc__.split("The rule")[1].strip()}
    for recipe in RECIPES:
        ext = {s["set"]: s for s in external_validation(data, recipe=recipe, methods=study_methods)["sets"]}
        sets = []
        for study, name in names.items():
            e, x = loso[study], ext[name]
            preds = {b["base"]: b.get("predicted", {}) for b in x["bases"]}
            pooled = {b["base"]: b["predicted"] for b in e["bases"] if b["feature_status"] in ("observed", "mapped")}
            common = [b for b in preds if b in pooled and all(m in preds[b] for m in study_methods)]
            truth = {b["base"]: b["value"] for b in e["bases"]}
            row = {"set": study, "n_common": len(common), "spearman": {}}
            if len(common) >= 3:
                y = np.array([truth[b] for b in common])
                for m in study_methods:
                    row["spearman"][m] = _spearman([preds[b][m] for b in common], y)
                row["spearman"]["pooled"] = _spearman([pooled[b] for b in common], y)
            sets.append(row)
        out["out_of_study"][recipe] = sets
        rows = selection_table(data, recipes=(recipe,), methods=("oll_average", "sparse_ridge", "family_effect"),
                               schemes=("loo",), n_jobs=n_jobs)
        rows.append(home_study(recipe, scheme="loo", table=table))
        out["home_study"][recipe] = rows
    out["choice"] = {r: {k: v for k, v in c.items() if k != "table"} for r, c in choose(out).items()}
    return out


def _spearman(pred, y) -> float:
    from scipy import stats

    return float(stats.spearmanr(np.asarray(pred, dtype=float), y).statistic)
