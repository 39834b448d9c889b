"""Agreement between the two training recipes (Bradley-Terry vs multi-attribute regression) across bases."""

from __future__ import annotations

import pandas as pd
from scipy import stats

from rmbase.metrics import coverage_at_k

OVERLAP_KS = (1, 3, 5, 10)


def recipe_comparison(results: pd.DataFrame, target: str = "score", *, first: str = "bradley_terry",
                      second: str = "regression") -> dict | None:
    """None when the results do not hold both recipes."""
    wide = results.pivot(index="model", columns="recipe", values=target)
    if first not in wide or second not in wide:
        return None
    wide = wide[[first, second]].dropna()
    diff = wide[first] - wide[second]
    per_model = [{"model": m, first: float(wide.loc[m, first]), second: float(wide.loc[m, second]),
                  "difference": float(d)} for m, d in diff.items()]
    n = len(wide)
    return {
        "target": target, "n_models": n, "difference": f"{first} - {second}",
        "mean_difference": float(diff.mean()),
        "pearson": float(stats.pearsonr(wide[first], wide[second]).statistic),
        "spearman": float(stats.spearmanr(wide[first], wide[second]).statistic),
        "top_k_overlap": [{"k": k, "overlap": coverage_at_k(wide[first].to_numpy(), wide[second].to_numpy(), k)}
                          for k in OVERLAP_KS if k <= n],
        "per_model": per_model,
    }
