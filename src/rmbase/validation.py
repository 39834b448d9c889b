"""Honest judgement of predictors: out-of-fold predictions with the whole fit (hyperparameter search included)
redone inside every outer fold, and the ranking metrics of those predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import LeaveOneGroupOut, LeaveOneOut, cross_val_predict

from rmbase import metrics

SCHEMES = ("loo", "lofo")  # leave-one-out; leave-one-family-out


def out_of_fold_predictions(estimator, X: pd.DataFrame, y: pd.Series, *, scheme: str = "loo",
                            groups=None, n_jobs: int | None = None) -> np.ndarray:
    """Prediction for every model from an estimator fitted without it (nested: ``estimator.fit`` runs its own
    inner search in each outer fold). ``scheme='lofo'`` holds out a whole family at a time (``groups``)."""
    if scheme == "loo":
        cv, groups = LeaveOneOut(), None
    elif scheme == "lofo":
        if groups is None:
            raise ValueError("leave-one-family-out needs groups (the family of each model)")
        cv = LeaveOneGroupOut()
    else:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    return cross_val_predict(clone(estimator), X, y, cv=cv, groups=groups, n_jobs=n_jobs)


def in_sample_predictions(estimator, X: pd.DataFrame, y: pd.Series) -> np.ndarray:
    return clone(estimator).fit(X, y).predict(X)


def judge(prediction, y) -> dict[str, float]:
    """The metric set of study.json (coverage_mean_5_10, spearman, mae, regret_at_1, regret_at_3)."""
    return metrics.ranking_report(np.asarray(prediction, dtype=float), np.asarray(y, dtype=float))
