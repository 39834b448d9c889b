"""The per-user cache of slow out-of-fold predictions: nothing ships precomputed, the first call stores, later calls
read, another design or a damaged entry is never read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rmbase.selection import oof_cache


def _design(shift: float = 0.0):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.5, 0.1, 0.9, 0.3]}, index=list("pqrs"))
    y = pd.Series([1.0, 2.0, 3.0 + shift, 4.0], index=X.index)
    return X, y


def test_nothing_ships_with_the_package():
    from importlib import resources

    assert not (resources.files("rmbase.selection") / "oof_cache.json").is_file()


def test_store_then_lookup_same_design_only(tmp_path, monkeypatch):
    monkeypatch.setenv(oof_cache.CACHE_ENV, str(tmp_path))
    X, y = _design()
    assert oof_cache.lookup("study_elasticnet", "loo", X, y) is None
    oof_cache.store("study_elasticnet", "loo", X, y, None, np.array([1.5, 2.5, 2.0, 3.0]))
    np.testing.assert_array_equal(oof_cache.lookup("study_elasticnet", "loo", X, y), [1.5, 2.5, 2.0, 3.0])
    assert (tmp_path / "oof").is_dir()
    X2, y2 = _design(shift=0.5)  # another target value: another design
    assert oof_cache.lookup("study_elasticnet", "loo", X2, y2) is None
    assert oof_cache.lookup("study_elasticnet", "lofo", X, y, ["f", "f", "g", "g"]) is None


def test_damaged_entry_is_recomputed_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv(oof_cache.CACHE_ENV, str(tmp_path))
    X, y = _design()
    oof_cache.store("study_elasticnet", "loo", X, y, None, np.array([1.0, 2.0, 3.0, 4.0]))
    (entry,) = (tmp_path / "oof").iterdir()
    entry.write_text('{"predictions": [1.0, 2.0]}')  # wrong length
    assert oof_cache.lookup("study_elasticnet", "loo", X, y) is None
    entry.write_text("not json")
    assert oof_cache.lookup("study_elasticnet", "loo", X, y) is None


def test_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(oof_cache.CACHE_ENV, str(blocker))  # the cache folder would have to live under a file
    X, y = _design()
    oof_cache.store("study_elasticnet", "loo", X, y, None, np.array([1.0, 2.0, 3.0, 4.0]))
    assert oof_cache.lookup("study_elasticnet", "loo", X, y) is None


def test_the_study_combination_fills_the_cache_only_for_the_same_estimator(tmp_path, monkeypatch):
    from rmbase.datasets import BENCHMARK_FEATURES

    monkeypatch.setenv(oof_cache.CACHE_ENV, str(tmp_path))
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(5, len(BENCHMARK_FEATURES))), columns=list(BENCHMARK_FEATURES),
                     index=[f"m{i}" for i in range(5)])
    y = pd.Series(rng.normal(size=5), index=X.index)
    pred = {m: float(i) for i, m in enumerate(X.index)}
    combination = {"paper": {"features": list(BENCHMARK_FEATURES), "out_of_fold_predictions": pred}}
    oof_cache.store_combination(combination, X, y, seed=1)  # another random state: another estimator
    assert oof_cache.lookup("study_elasticnet", "loo", X[list(BENCHMARK_FEATURES)], y) is None
    oof_cache.store_combination(combination, X, y, seed=0)
    np.testing.assert_array_equal(oof_cache.lookup("study_elasticnet", "loo", X[list(BENCHMARK_FEATURES)], y),
                                  [0.0, 1.0, 2.0, 3.0, 4.0])
    oof_cache.store_combination({}, X, y, seed=0)  # no out-of-fold run (--no-out-of-fold): nothing to keep


def test_a_fitted_slow_predictor_is_read_back_for_the_same_design_only(tmp_path, monkeypatch):
    from rmbase.study_elasticnet import StudyElasticNet

    monkeypatch.setenv(oof_cache.CACHE_ENV, str(tmp_path))
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(12, 2)), columns=["a", "b"], index=[f"m{i}" for i in range(12)])
    y = pd.Series(X.a * 2 + rng.normal(size=12) * 0.1, index=X.index)
    def make():
        return StudyElasticNet(degrees=(1,), cv=3)

    first = oof_cache.fitted("study_elasticnet", X, y, make)
    assert len(list((tmp_path / oof_cache.FITS_KIND).glob("*.pkl"))) == 1
    again = oof_cache.fitted("study_elasticnet", X, y, make)
    assert again is not first and again.chosen_params() == first.chosen_params()
    np.testing.assert_array_equal(again.predict(X), first.predict(X))
    other = oof_cache.fitted("study_elasticnet", X, y + 1.0, make)  # another target: fitted, not read
    np.testing.assert_allclose(other.predict(X), first.predict(X) + 1.0, atol=1e-6)
    assert len(list((tmp_path / oof_cache.FITS_KIND).glob("*.pkl"))) == 2


def test_the_study_combination_keeps_its_fit_for_recommend(tmp_path, monkeypatch):
    from rmbase.analysis import start_combination
    from rmbase.datasets import BENCHMARK_FEATURES
    from rmbase.study_elasticnet import StudyElasticNet

    monkeypatch.setenv(oof_cache.CACHE_ENV, str(tmp_path))
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(14, len(BENCHMARK_FEATURES))), columns=list(BENCHMARK_FEATURES),
                     index=[f"m{i}" for i in range(14)])
    y = pd.Series(X.iloc[:, 0] + rng.normal(size=14) * 0.3, index=X.index)
    job = start_combination(X, y, out_of_fold=False)
    combination = job()
    oof_cache.store_combination(combination, X, y, seed=0, fitted=job.estimator)

    def no_fit(self, X, y):
        raise AssertionError("fitted again instead of read")

    monkeypatch.setattr(StudyElasticNet, "fit", no_fit)
    read = oof_cache.fitted("study_elasticnet", X[list(BENCHMARK_FEATURES)], y, StudyElasticNet)
    assert read.chosen_params() == job.estimator.chosen_params()
    np.testing.assert_array_equal(read.predict(X), job.estimator.predict(X))


def test_an_entry_computed_by_other_code_is_not_read(tmp_path, monkeypatch):
    """The out-of-fold entries are keyed like every per-user cache entry: a change in the code that computes them
    (the source hash of rmbase.user_cache) is another key, even under the same rmbase version."""
    from rmbase import user_cache

    monkeypatch.setenv(oof_cache.CACHE_ENV, str(tmp_path))
    X, y = _design()
    oof_cache.store("study_elasticnet", "loo", X, y, None, np.array([1.0, 2.0, 3.0, 4.0]))
    assert oof_cache.lookup("study_elasticnet", "loo", X, y) is not None
    monkeypatch.setattr(user_cache, "source_hash", lambda *modules: "edited study_elasticnet")
    assert oof_cache.lookup("study_elasticnet", "loo", X, y) is None
