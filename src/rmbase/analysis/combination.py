"""The study's benchmark combination (ElasticNet over polynomial features), judged in sample as the study did and
out of fold (nested leave-one-out: the whole grid search redone inside every outer fold)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor

import pandas as pd

from rmbase.datasets.schema import BENCHMARK_FEATURES
from rmbase.metrics import coverage_mean
from rmbase.study_elasticnet import StudyElasticNet
from rmbase.validation import judge, submit_out_of_fold, worker_count


def _with_gain(m: dict, best_single: float) -> dict:
    m = dict(m)
    # relative gain of mean coverage@5..10 over the best single feature, in percent (the study's "+18%")
    m["gain_over_best_single"] = 100.0 * (m["coverage_mean_5_10"] / best_single - 1.0) if best_single > 0 else None
    order = ["coverage_mean_5_10", "gain_over_best_single", "spearman", "mae", "regret_at_1", "regret_at_3"]
    return {k: m[k] for k in order}


def combination_analysis(X: pd.DataFrame, y: pd.Series, *, features=BENCHMARK_FEATURES, seed: int = 0,
                         n_jobs: int | None = None, out_of_fold: bool = True, executor: Executor | None = None) -> dict:
    """``{"paper": {params, features, nonzero_features, nonzero_terms, best_single_feature, in_sample, out_of_fold}}``.

    The best single feature is chosen among ``features`` by in-sample mean coverage@5..10, as the study compares.
    The outer folds run in ``executor`` when given, else in ``n_jobs`` forked workers (see
    :func:`rmbase.validation.out_of_fold_predictions`).
    """
    jobs = worker_count(n_jobs, len(y)) if out_of_fold else 1
    if executor is None and jobs > 1:
        from rmbase.processes import worker_pool

        with worker_pool(jobs) as pool:
            return start_combination(X, y, features=features, seed=seed, out_of_fold=out_of_fold, executor=pool)()
    return start_combination(X, y, features=features, seed=seed, out_of_fold=out_of_fold, executor=executor)()


def start_combination(X: pd.DataFrame, y: pd.Series, *, features=BENCHMARK_FEATURES, seed: int = 0,
                      out_of_fold: bool = True, executor: Executor | None = None) -> Callable[[], dict]:
    """:func:`combination_analysis` in two steps: the outer folds go to ``executor`` now (the in-sample fit runs
    here meanwhile, when the returned function is called) and the returned function collects the result. Its
    ``estimator`` attribute is the in-sample StudyElasticNet (fitted once the function has run)."""
    features = [f for f in features if f in X.columns]
    Xf = X[features]
    estimator = StudyElasticNet(random_state=seed)
    collect_oof = submit_out_of_fold(estimator, Xf, y, scheme="loo", executor=executor) if out_of_fold else None

    def finish() -> dict:
        fitted = estimator.fit(Xf, y)
        singles = {f: coverage_mean(Xf[f].to_numpy(float), y.to_numpy(float)) for f in features}
        best_single = max(singles, key=lambda f: (singles[f], -features.index(f)))
        result = {
            "params": fitted.chosen_params(),
            "features": features,
            "nonzero_features": fitted.nonzero_features(features),
            "nonzero_terms": fitted.nonzero_terms(features),
            "best_single_feature": best_single,
            "best_single_coverage_mean_5_10": singles[best_single],
            "in_sample": _with_gain(judge(fitted.predict(Xf), y), singles[best_single]),
        }
        if collect_oof is not None:
            oof = collect_oof()
            result["out_of_fold"] = _with_gain(judge(oof, y), singles[best_single])
            result["out_of_fold"]["validation"] = "nested leave-one-out (grid search inside every outer fold)"
            result["out_of_fold_predictions"] = {m: float(p) for m, p in zip(Xf.index, oof, strict=True)}
        return {"paper": result}

    finish.estimator = estimator  # type: ignore[attr-defined]

    return finish
