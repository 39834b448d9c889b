"""Honest judgement of predictors: out-of-fold predictions with the whole fit (hyperparameter search included)
redone inside every outer fold, and the ranking metrics of those predictions."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import LeaveOneGroupOut, LeaveOneOut

from rmbase import metrics

SCHEMES = ("loo", "lofo")  # leave-one-out; leave-one-family-out


def out_of_fold_predictions(estimator, X: pd.DataFrame, y: pd.Series, *, scheme: str = "loo",
                            groups=None, n_jobs: int | None = None, executor: Executor | None = None) -> np.ndarray:
    """Prediction for every model from an estimator fitted without it (nested: ``estimator.fit`` runs its own
    inner search in each outer fold). ``scheme='lofo'`` holds out a whole family at a time (``groups``).

    What :func:`sklearn.model_selection.cross_val_predict` computes (a clone fitted on each fold's training rows
    predicts its test rows), without its per-call machinery. The folds run in ``executor`` when given, else in
    ``n_jobs`` forked workers (:func:`rmbase.processes.fork_executor`) when ``n_jobs`` is 2 or more (-1: every
    core), else here."""
    jobs = worker_count(n_jobs, len(y))
    if executor is None and jobs > 1:
        from rmbase.processes import worker_pool

        with worker_pool(jobs) as pool:
            return submit_out_of_fold(estimator, X, y, scheme=scheme, groups=groups, executor=pool)()
    return submit_out_of_fold(estimator, X, y, scheme=scheme, groups=groups, executor=executor)()


def submit_out_of_fold(estimator, X: pd.DataFrame, y: pd.Series, *, scheme: str = "loo", groups=None,
                       executor: Executor | None = None) -> Callable[[], np.ndarray]:
    """:func:`out_of_fold_predictions` in two steps: the folds are handed to ``executor`` now (or run when the
    returned function is called, without one), and the returned function collects the predictions."""
    folds = outer_folds(X, y, scheme=scheme, groups=groups)
    futures = None if executor is None else [executor.submit(_fold_prediction, estimator, X, y, train, test)
                                             for train, test in folds]

    def collect() -> np.ndarray:
        parts = ([_fold_prediction(estimator, X, y, train, test) for train, test in folds] if futures is None
                 else [f.result() for f in futures])
        pred = np.empty(len(y), dtype=float)
        for (_, test), part in zip(folds, parts, strict=True):
            pred[test] = part
        return pred

    return collect


def outer_folds(X, y, *, scheme: str = "loo", groups=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) row positions of every outer fold of ``scheme`` (``loo``; ``lofo``: one family held out at a
    time, ``groups``)."""
    if scheme == "loo":
        cv, groups = LeaveOneOut(), None
    elif scheme == "lofo":
        if groups is None:
            raise ValueError("leave-one-family-out needs groups (the family of each model)")
        cv = LeaveOneGroupOut()
    else:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    return list(cv.split(X, y, groups))


def worker_count(n_jobs: int | None, n_folds: int) -> int:
    """Worker processes for ``n_folds`` folds: 1 for ``n_jobs`` None or 1, every core for -1, never more than
    the folds."""
    if not n_jobs or n_jobs == 1:
        return 1
    import os

    cores = os.cpu_count() or 1
    return max(1, min(n_folds, cores if n_jobs < 0 else n_jobs))


def _fold_prediction(estimator, X, y, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    return np.asarray(clone(estimator).fit(_rows(X, train), _rows(y, train)).predict(_rows(X, test)), dtype=float)


def _rows(a, idx):
    return a.iloc[idx] if isinstance(a, (pd.DataFrame, pd.Series)) else np.asarray(a)[idx]


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
