"""The study's benchmark combination (ElasticNet over polynomial features), judged in sample as the study did and
out of fold (nested leave-one-out: the whole grid search redone inside every outer fold)."""

from __future__ import annotations

import pandas as pd

from rmbase.datasets.schema import BENCHMARK_FEATURES
from rmbase.metrics import coverage_mean
from rmbase.selection.study_elasticnet import StudyElasticNet
from rmbase.validation import judge, out_of_fold_predictions


def _with_gain(m: dict, best_single: float) -> dict:
    m = dict(m)
    # relative gain of mean coverage@5..10 over the best single feature, in percent (the study's "+18%")
    m["gain_over_best_single"] = 100.0 * (m["coverage_mean_5_10"] / best_single - 1.0) if best_single > 0 else None
    order = ["coverage_mean_5_10", "gain_over_best_single", "spearman", "mae", "regret_at_1", "regret_at_3"]
    return {k: m[k] for k in order}


def combination_analysis(X: pd.DataFrame, y: pd.Series, *, features=BENCHMARK_FEATURES, seed: int = 0,
                         n_jobs: int | None = None, out_of_fold: bool = True) -> dict:
    """``{"paper": {params, features, nonzero_features, nonzero_terms, best_single_feature, in_sample, out_of_fold}}``.

    The best single feature is chosen among ``features`` by in-sample mean coverage@5..10, as the study compares.
    """
    features = [f for f in features if f in X.columns]
    Xf = X[features]
    estimator = StudyElasticNet(random_state=seed)
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
    if out_of_fold:
        oof = out_of_fold_predictions(estimator, Xf, y, scheme="loo", n_jobs=n_jobs)
        result["out_of_fold"] = _with_gain(judge(oof, y), singles[best_single])
        result["out_of_fold"]["validation"] = "nested leave-one-out (grid search inside every outer fold)"
        result["out_of_fold_predictions"] = {m: float(p) for m, p in zip(Xf.index, oof, strict=True)}
    return {"paper": result}
