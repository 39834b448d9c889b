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


class LeaveOneStudyOut:
    """Splitter over long RM evidence rows grouped by study (scikit-learn's ``split`` / ``get_n_splits``): each
    fold holds out every row of one study, whatever its recipes, RM benchmarks and targets, so that a study's own
    RM results never inform its prediction. ``only`` restricts which studies are held out (the others stay in
    every training fold); ``never_train`` names studies left out of every training fold (validation-only sets)."""

    def __init__(self, only=None, never_train=()):
        self.only, self.never_train = only, tuple(never_train)

    def _held(self, groups) -> list[str]:
        studies = list(dict.fromkeys(np.asarray(groups).astype(str)))
        return [s for s in studies if self.only is None or s in set(self.only)]

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return len(self._held(groups))

    def split(self, X, y=None, groups=None):
        if groups is None:
            raise ValueError("leave-one-study-out needs groups (the study of each row)")
        g = np.asarray(groups).astype(str)
        out = np.isin(g, list(self.never_train))
        for s in self._held(g):
            test = g == s
            yield np.flatnonzero(~test & ~out), np.flatnonzero(test)
