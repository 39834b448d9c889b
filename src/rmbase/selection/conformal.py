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
from collections.abc import Callable
from concurrent.futures import Executor

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


def _start_oof(method: str, X, y, scheme: str, groups, executor) -> Callable[[], np.ndarray]:
    """Out-of-fold predictions, in two steps: the folds go to ``executor`` now (or run when the returned function is
    called, without one). A slow method's are kept in the per-user cache for this very design
    (:mod:`rmbase.selection.oof_cache`: computed on the first call on a machine, read on later ones)."""
    from rmbase.selection.compare import SLOW_METHODS, make_estimator
    from rmbase.validation import submit_out_of_fold

    if method not in SLOW_METHODS:
        return submit_out_of_fold(make_estimator(method), X, y, scheme=scheme, groups=groups, executor=executor)
    from rmbase.selection import oof_cache

    stored = oof_cache.lookup(method, scheme, X, y, groups)
    if stored is not None:
        return lambda: stored
    collect = submit_out_of_fold(make_estimator(method), X, y, scheme=scheme, groups=groups, executor=executor)

    def finish() -> np.ndarray:
        pred = collect()
        oof_cache.store(method, scheme, X, y, groups, pred)
        return pred

    return finish


def start_fit_target(data, *, recipe: str, target: str, method: str, alpha: float,
                     executor: Executor | None = None, family_check: bool = True) -> Callable[[], dict]:
    """:func:`fit_target` in two steps: the out-of-fold folds go to ``executor`` now (every target's at once keeps
    the workers busy), and the returned function fits ``method`` on all models and collects the intervals.
    ``family_check=False``: no leave-one-family-out predictions (``coverage_lofo`` None)."""
    from rmbase.selection.compare import (  # scikit-learn: on use
        METHODS,
        SLOW_METHODS,
        _groups,
        make_estimator,
        method_design,
    )

    make_estimator(method)
    features = list(METHODS[method].features)
    X, y, dropped = method_design(data, METHODS[method], recipe, target)
    loo = _start_oof(method, X, y, "loo", None, executor)
    groups = _groups(data, X.index)
    lofo = None if groups is None or not family_check else _start_oof(method, X, y, "lofo", groups, executor)

    def finish() -> dict:
        from rmbase.selection import oof_cache

        est = (oof_cache.fitted(method, X, y, lambda: make_estimator(method)) if method in SLOW_METHODS
               else make_estimator(method).fit(X, y))
        res = y.to_numpy() - loo()
        out = {"target": target, "estimator": est, "features": features, "n_train": len(y), "residuals": res,
               "halfwidth": conformal_halfwidth(res, alpha), "coverage_loo": _coverage_loo(res, alpha),
               "coverage_lofo": None, "mean_abs_residual": float(np.mean(np.abs(res))), "dropped": dropped}
        if lofo is not None:
            out["coverage_lofo"] = _coverage_lofo(y.to_numpy() - lofo(), groups, alpha)
        return out

    return finish


def fit_target(data, *, recipe: str, target: str, method: str, alpha: float, n_jobs: int | None = None) -> dict:
    """Fit ``method`` for one target on all models of ``recipe``; conformal half-width and its checked coverage.
    The out-of-fold folds run in ``n_jobs`` forked workers when it is 2 or more."""
    return fit_targets(data, recipe=recipe, targets=[target], method=method, alpha=alpha, n_jobs=n_jobs)[target]


def fit_targets(data, *, recipe: str, targets: list[str], method: str, alpha: float,
                n_jobs: int | None = None, family_check: bool = True) -> dict[str, dict]:
    """:func:`fit_target` for every target, with every target's out-of-fold folds handed to one pool of
    ``n_jobs`` forked workers at once (when 2 or more, and something is left to compute): the in-sample fits run
    here meanwhile. The same results as one target at a time, in one process."""
    import contextlib

    from rmbase.validation import worker_count

    jobs = worker_count(n_jobs, 1 << 16)  # n_jobs workers (every core for -1)
    pool = contextlib.nullcontext(None)
    if jobs > 1:
        from rmbase.processes import worker_pool

        pool = worker_pool(jobs)
    with pool as executor:
        finish = {t: start_fit_target(data, recipe=recipe, target=t, method=method, alpha=alpha, executor=executor,
                                      family_check=family_check) for t in targets}
        return {t: f() for t, f in finish.items()}
