"""External validation: predictors fitted on a study's results, applied to reward models trained by others.

The study's predictors learn "RewardBench v1 score of a regression (or BT) RM trained on base B" from B's public
benchmark scores. Here they rank bases of three independent sources (bundled derived tables, see
``rmbase/datasets/external/DATA.md``): AllenAI's RewardBench 2 base grid (one recipe, 10 bases), Skywork-Reward-V2
(one data recipe, 7 bases of which only the Llama ones have leaderboard scores) and the public RewardBench v1
leaderboard (classifier RMs of many recipes, best per base). Other recipes, other benchmarks, few bases: agreement is
reported with its n, its p-value and the bases that could not be scored, including where it fails.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from rmbase.selection.compare import METHODS, make_estimator

EXTERNAL_METHODS = ("oll_average", "study_elasticnet", "rank_average", "sparse_ridge", "bayesian_linear",
                    "pairwise_ranker")
SETS = {
    "rb2_allenai_base_grid": ("rb2_base_grid.csv", "rb2_best",
                              "AllenAI RewardBench 2 sweep: best RB2 score per base (runs without label flipping); "
                              "one recipe family, 10 bases, some 70B/32B (outside the study's 0.5-10B range)"),
    "skywork_reward_v2": ("skywork_v2.csv", "rewardbench_v2",
                          "Skywork-Reward-V2 (same 26M-pair data for every base): RewardBench 2 score; Qwen3 bases "
                          "have no Open LLM Leaderboard v2 row"),
    "rewardbench_v1_leaderboard": ("rb1_leaderboard_bases.csv", "rb1_best",
                                   "public RewardBench v1 leaderboard, sequence classifiers with a high/medium-"
                                   "confidence base mapping: best RB1 score per base (many recipes; confounded by "
                                   "data and date)"),
}
MIN_N = 5


def _dir() -> Path:
    return Path(str(resources.files("rmbase.datasets") / "external"))


def load_external(name: str) -> tuple[pd.DataFrame, str]:
    """One external set joined with its bases' features (index: base), and its target column."""
    file, target, _ = SETS[name]
    df = pd.read_csv(_dir() / file)
    feats = pd.read_csv(_dir() / "base_features.csv").set_index("base")
    return df.join(feats, on="base"), target


def _agreement(pred: np.ndarray, truth: np.ndarray, bases: list[str]) -> dict:
    n = len(truth)
    out: dict = {"n": n}
    if n < 3:
        out.update(spearman=None, spearman_p=None, kendall=None, top1_hit=None, regret_at_1=None)
        return out
    sp = stats.spearmanr(pred, truth)
    kd = stats.kendalltau(pred, truth)
    top = int(np.argmax(pred))
    out.update(spearman=float(sp.statistic), spearman_p=float(sp.pvalue), kendall=float(kd.statistic),
               predicted_top=bases[top], actual_top=bases[int(np.argmax(truth))],
               top1_hit=bool(truth[top] == truth.max()), regret_at_1=float(truth.max() - truth[top]))
    return out


def external_validation(data, *, recipe: str = "regression", methods=EXTERNAL_METHODS) -> dict:
    """Rank agreement (Spearman, Kendall, top-1, regret@1 in the external target's units) of predictors fitted on
    ``data`` (target ``score`` of ``recipe``) with three external sets, on all scorable bases and on the bases
    inside the study's size range. JSON-ready."""
    fitted = {}
    for m in methods:
        X, y, _ = data.design(recipe, "score", drop_missing=True)
        fitted[m] = make_estimator(m).fit(X[list(METHODS[m].features)], y)
    train_params = data.feature_matrix()["params_b"]
    lo, hi = float(train_params.min()), float(train_params.max())
    sets = []
    for name, (_, target, description) in SETS.items():
        df, target = load_external(name)
        need = sorted({f for m in methods for f in METHODS[m].features})
        ok = df[need + [target]].notna().all(axis=1)
        unscorable = [{"base": b, "reason": "no Open LLM Leaderboard v2 scores"} for b in df.loc[~ok, "base"]]
        d = df[ok].reset_index(drop=True)
        in_range = d["params_b"].between(lo, hi).to_numpy()
        entry = {"set": name, "description": description, "target": target, "n_bases": len(df),
                 "n_scorable": len(d), "unscorable": unscorable,
                 "bases": [{"base": b, target: float(t), "params_b": float(p)}
                           for b, t, p in zip(d["base"], d[target], d["params_b"], strict=True)],
                 "methods": []}
        truth = d[target].to_numpy(dtype=float)
        for m, est in fitted.items():
            X = d[list(METHODS[m].features)]
            pred = X.iloc[:, 0].to_numpy(dtype=float) if m == "oll_average" else est.predict(X)
            row = {"method": m, "all": _agreement(pred, truth, list(d["base"])),
                   "study_size_range": _agreement(pred[in_range], truth[in_range], list(d.loc[in_range, "base"]))}
            for b, p in zip(entry["bases"], pred, strict=True):
                b.setdefault("predicted", {})[m] = float(p)
            entry["methods"].append(row)
        entry["verdict"] = _verdict(entry)
        sets.append(entry)
    from rmbase.io import sha256_file

    files = sorted({f for f, _, _ in SETS.values()} | {"base_features.csv"})
    return {"recipe_trained_on": recipe, "target_trained_on": "score (RewardBench v1, percent)",
            "methods": list(methods),
            "data_sha256": {f"external/{f}": sha256_file(_dir() / f) for f in files},
            "study_size_range_params_b": [lo, hi], "min_n_to_judge": MIN_N, "sets": sets,
            "summary": [f"{s['set']}: {s['verdict']}" for s in sets]}


def _verdict(entry: dict) -> str:
    n = entry["n_scorable"]
    if n < MIN_N:
        return (f"cannot judge: only {n} of {entry['n_bases']} bases have leaderboard scores (need >= {MIN_N}); "
                "shown for completeness")
    rows = {r["method"]: r["all"] for r in entry["methods"]}
    best = max(rows, key=lambda m: -np.inf if rows[m]["spearman"] is None else rows[m]["spearman"])
    base = rows.get("oll_average", {}).get("spearman")
    s = rows[best]
    text = (f"n={n}; best Spearman {s['spearman']:.2f} ({best}, p={s['spearman_p']:.2g})"
            + (f" vs oll_average {base:.2f}" if base is not None else ""))
    worst = min(rows, key=lambda m: np.inf if rows[m]["spearman"] is None else rows[m]["spearman"])
    text += f"; worst {rows[worst]['spearman']:.2f} ({worst})"
    if s["spearman_p"] is not None and s["spearman_p"] >= 0.05:
        text += "; not significant at 0.05"
    return text
