import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from rmbase.analysis import combination_analysis
from rmbase.study_elasticnet import StudyElasticNet


def _data(n=36, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    y = 70 + 5 * X.a - 3 * X.b + 2 * X.a * X.b + rng.normal(scale=1.0, size=n)
    return X, pd.Series(y, name="score")


def test_study_elasticnet_selects_what_a_full_grid_search_selects():
    X, y = _data()
    est = StudyElasticNet(degrees=(1, 2), alphas=(0.1, 0.01), l1_ratios=(0.25, 0.5, 1.0), cv=5, max_iter=5000).fit(X, y)
    Z = StandardScaler().fit_transform(X)
    folds = KFold(5, shuffle=True, random_state=0)
    pipe = make_pipeline(PolynomialFeatures(include_bias=False), ElasticNet(max_iter=5000))
    grid = {"polynomialfeatures__degree": [1, 2], "elasticnet__alpha": [0.1, 0.01],
            "elasticnet__l1_ratio": [0.25, 0.5, 1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=folds, scoring="neg_mean_squared_error").fit(Z, y)
    best = search.best_params_
    assert (est.degree_, est.alpha_, est.l1_ratio_) == (
        best["polynomialfeatures__degree"], best["elasticnet__alpha"], best["elasticnet__l1_ratio"])
    assert est.best_cv_mse_ == pytest.approx(-search.best_score_, rel=1e-4)
    np.testing.assert_allclose(est.predict(X), search.predict(Z), rtol=1e-6)


def test_cv_mse_paths_equal_elasticnetcv_on_polynomial_features():
    from sklearn.linear_model import ElasticNetCV

    from rmbase.study_elasticnet import cv_mse_paths

    X, y = _data(n=40, seed=4)
    P = PolynomialFeatures(3, include_bias=False).fit_transform(StandardScaler().fit_transform(X))
    splits = list(KFold(10, shuffle=True, random_state=0).split(P))
    alphas = np.array([0.1, 0.01, 0.001, 0.0001])
    l1 = [0.0, 0.25, 0.5, 0.75, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = cv_mse_paths(P, y.to_numpy(), splits, l1, alphas, max_iter=1000, tol=1e-4)
        ref = ElasticNetCV(l1_ratio=l1, alphas=alphas, cv=splits, precompute=True).fit(P, y).mse_path_
    np.testing.assert_allclose(ours, ref, rtol=1e-7)


def test_study_elasticnet_recovers_an_interaction_and_names_features():
    X, y = _data(n=60)
    est = StudyElasticNet(cv=5).fit(X, y)
    assert est.degree_ >= 2
    assert "a b" in est.nonzero_terms()
    assert set(est.nonzero_features()) >= {"a", "b"}
    assert est.chosen_params()["standardise"].startswith("z-score")


def test_combination_reports_in_sample_and_out_of_fold():
    X, y = _data(n=30, seed=2)
    X["noise"] = np.random.default_rng(9).normal(size=30)
    out = combination_analysis(X, y, features=["a", "b", "noise"], n_jobs=1)["paper"]
    for key in ("in_sample", "out_of_fold"):
        m = out[key]
        assert 0 <= m["coverage_mean_5_10"] <= 1 and m["regret_at_1"] >= 0 and m["mae"] > 0
    assert out["best_single_feature"] == "a"
    # a real signal: out of fold still ranks well, but not better than in sample
    assert out["out_of_fold"]["spearman"] > 0.5
    assert out["out_of_fold"]["mae"] >= out["in_sample"]["mae"]
    assert len(out["out_of_fold_predictions"]) == 30


def test_skipping_hopeless_folds_keeps_the_full_searchs_choice():
    """Degrees after the first skip the folds of grid points that can no longer win: the choice, its CV MSE and
    every point still computed equal the full search's; a skipped point's full mean is worse than the bar."""
    from rmbase.study_elasticnet import PAPER_ALPHAS, PAPER_L1_RATIOS, cv_mse_paths

    alphas = np.array(PAPER_ALPHAS)
    skipped, degrees = 0, set()
    for seed in range(4):
        X, y = _data(n=30, seed=seed)
        if seed % 2:
            y = pd.Series(70 + 5 * X.a + np.random.default_rng(seed).normal(size=30), name="score")  # linear
        est = StudyElasticNet(cv=5).fit(X, y)
        Z = StandardScaler().fit_transform(X)
        splits = list(KFold(5, shuffle=True, random_state=0).split(Z))
        best = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for d in (1, 2, 3):
                P = PolynomialFeatures(d, include_bias=False).fit_transform(Z)
                full = cv_mse_paths(P, y.to_numpy(), splits, PAPER_L1_RATIOS, alphas, max_iter=1000, tol=1e-4)
                if best is not None:
                    part = cv_mse_paths(P, y.to_numpy(), splits, PAPER_L1_RATIOS, alphas, max_iter=1000, tol=1e-4,
                                        stop_above=best[0])
                    kept = np.isfinite(part)
                    np.testing.assert_array_equal(part[kept], full[kept])
                    assert (full.mean(axis=-1)[~kept.all(axis=-1)] > best[0]).all()
                    skipped += int((~kept.all(axis=-1)).sum())
                m = full.mean(axis=-1)
                i, j = np.unravel_index(np.argmin(m), m.shape)
                if best is None or m[i, j] < best[0] - 1e-12:
                    best = (float(m[i, j]), d, float(alphas[j]), float(PAPER_L1_RATIOS[i]))
        assert (est.best_cv_mse_, est.degree_, est.alpha_, est.l1_ratio_) == best
        degrees.add(est.degree_)
        assert sum(r["cv_mse"] is None for r in est.cv_results_) == sum(
            r["cv_mse"] is None for r in est.cv_results_ if r["degree"] > 1)
    assert skipped > 0 and len(degrees) >= 2  # the rule did skip work, and both kinds of winner were seen
