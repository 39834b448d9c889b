"""The feature frame every predictor and the planner read: named feature columns as floats, sizes as logarithms,
every value finite. numpy and pandas only (no scikit-learn), so that the planner imports it without the
predictors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rmbase.benchmarks.leaderboard import AVERAGE, SIX

# Features a candidate usually has (the bundled leaderboard table has no pre-training token counts).
DEFAULT_FEATURES = (*SIX, AVERAGE, "params_b")
LOG_FEATURES = ("params_b", "pretrain_tokens_t")


def as_frame(X, features) -> pd.DataFrame:
    """``X`` restricted to ``features`` as floats, sizes logged. A plain array must have exactly these columns.

    Built column by column in numpy (a DataFrame's list indexing costs more than the fits it feeds)."""
    features = list(features)
    A = _feature_columns(X, features) if isinstance(X, pd.DataFrame) else np.array(X, dtype=float)
    return _logged(_check_width(A, features), features)


def _feature_columns(X: pd.DataFrame, features: list[str]) -> np.ndarray:
    missing = [f for f in features if f not in X.columns]
    if missing:
        raise ValueError(f"X lacks feature column(s) {missing}")
    return np.column_stack([np.asarray(X[c], dtype=float) for c in features]) if features else np.empty((len(X), 0))


def _check_width(A: np.ndarray, features: list[str]) -> np.ndarray:
    if A.ndim != 2 or A.shape[1] != len(features):
        raise ValueError(f"X must have {len(features)} columns ({features}); got shape {A.shape}")
    return A


def _logged(A: np.ndarray, features: list[str]) -> pd.DataFrame:
    """Sizes as logarithms (they must be positive); every value must be finite."""
    for j, c in enumerate(features):
        if c in LOG_FEATURES:
            if (A[:, j] <= 0).any():
                raise ValueError(f"{c} must be positive (it enters as a logarithm)")
            A[:, j] = np.log(A[:, j])
    if not np.isfinite(A).all():
        raise ValueError("X has missing or non-finite feature values")
    return pd.DataFrame(A, columns=features, copy=False)
