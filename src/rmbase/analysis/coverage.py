"""Coverage curves C(feature, k) = |top-k by feature ∩ top-k by target| / k and the study's feature filter."""

from __future__ import annotations

import pandas as pd

from rmbase.metrics import coverage_curve, coverage_mean

FILTER = {5: 0.4, 10: 0.7}  # the study keeps a benchmark when C >= 0.4 at k = 5 and C >= 0.7 at k = 10


def coverage_table(X: pd.DataFrame, y: pd.Series) -> list[dict]:
    rows = []
    for feature in X.columns:
        for k, c in coverage_curve(X[feature].to_numpy(float), y.to_numpy(float)).items():
            rows.append({"feature": feature, "k": k, "coverage": c})
    return rows


def study_filter(X: pd.DataFrame, y: pd.Series, thresholds: dict[int, float] = FILTER) -> list[dict]:
    """Per feature: coverage at each threshold k, the mean over k = 5..10, and whether it passes the filter."""
    out = []
    for feature in X.columns:
        curve = coverage_curve(X[feature].to_numpy(float), y.to_numpy(float), thresholds.keys())
        out.append({"feature": feature, **{f"coverage_at_{k}": curve[k] for k in thresholds},
                    "coverage_mean_5_10": coverage_mean(X[feature].to_numpy(float), y.to_numpy(float)),
                    "passes": all(curve[k] >= t for k, t in thresholds.items())})
    return out
