"""One target's predictor with a split-conformal interval whose coverage is checked out of fold (``rmbase
recommend``'s intervals).

Intervals are split-conformal on out-of-fold residuals (jackknife style): a predictor is fitted on all training
models; its leave-one-out absolute residuals R_1..R_n give the half-width q = the ceil((n + 1)(1 - alpha))-th smallest
R. Coverage is checked honestly: for every training model i, the half-width built from the other models' residuals
must contain i's own out-of-fold error (leave-one-out), and for every family, the half-width built from the other
families' leave-one-family-out residuals must contain that family's errors.
"""

from __future__ import annotations

import math

import numpy as np


def conformal_halfwidth(residuals: np.ndarray, alpha: float) -> float:
    """Split-conformal half-width: the ceil((n+1)(1-alpha))-th smallest absolute residual (inf if n too small)."""
    r = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    k = math.ceil((len(r) + 1) * (1 - alpha))
    return float(r[k - 1]) if k <= len(r) else float("inf")


def _coverage_loo(res: np.ndarray, alpha: float) -> float:
    covered = [abs(res[i]) <= conformal_halfwidth(np.delete(res, i), alpha) for i in range(len(res))]
    return float(np.mean(covered))


def _coverage_lofo(res: np.ndarray, groups: np.ndarray, alpha: float) -> float:
    covered = []
    for g in np.unique(groups):
        q = conformal_halfwidth(res[groups != g], alpha)
        covered.extend(np.abs(res[groups == g]) <= q)
    return float(np.mean(covered))


def _oof(method: str, X, y, scheme: str, groups, n_jobs) -> np.ndarray:
    """Out-of-fold predictions; a slow method's are kept in the per-user cache for this very design
    (:mod:`rmbase.selection.oof_cache`: computed on the first call on a machine, read on later ones)."""
    from rmbase.selection.compare import SLOW_METHODS, make_estimator
    from rmbase.validation import out_of_fold_predictions

    if method not in SLOW_METHODS:
        return out_of_fold_predictions(make_estimator(method), X, y, scheme=scheme, groups=groups, n_jobs=n_jobs)
    from rmbase.selection import oof_cache

    stored = oof_cache.lookup(method, scheme, X, y, groups)
    if stored is not None:
        return stored
    pred = out_of_fold_predictions(make_estimator(method), X, y, scheme=scheme, groups=groups, n_jobs=n_jobs)
    oof_cache.store(method, scheme, X, y, groups, pred)
    return pred


def fit_target(data, *, recipe: str, target: str, method: str, alpha: float, n_jobs: int | None = None) -> dict:
    """Fit ``method`` for one target on all models of ``recipe``; conformal half-width and its checked coverage."""
    from rmbase.selection.compare import (  # scikit-learn: on use
        METHODS,
        _groups,
        make_estimator,
        method_design,
    )

    make_estimator(method)
    features = list(METHODS[method].features)
    X, y, dropped = method_design(data, METHODS[method], recipe, target)
    est = make_estimator(method).fit(X, y)
    oof = _oof(method, X, y, "loo", None, n_jobs)
    res = y.to_numpy() - oof
    out = {"target": target, "estimator": est, "features": features, "n_train": len(y), "residuals": res,
           "halfwidth": conformal_halfwidth(res, alpha), "coverage_loo": _coverage_loo(res, alpha),
           "coverage_lofo": None, "mean_abs_residual": float(np.mean(np.abs(res))), "dropped": dropped}
    groups = _groups(data, X.index)
    if groups is not None:
        oof_f = _oof(method, X, y, "lofo", groups, n_jobs)
        out["coverage_lofo"] = _coverage_lofo(y.to_numpy() - oof_f, groups, alpha)
    return out
