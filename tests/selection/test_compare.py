"""The out-of-fold comparison table (study.json ``selection``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rmbase import metrics
from rmbase.errors import InputError
from rmbase.selection import selection_table
from rmbase.selection.compare import METHODS, ROW_KEYS, best_method


@pytest.fixture(scope="module")
def rows(study):
    return selection_table(study, recipes=("regression",), methods=("oll_average", "sparse_ridge", "rank_average"),
                           n_jobs=1)


def test_rows_have_the_documented_keys(rows):
    assert len(rows) == 3 * 2  # methods x {loo, lofo}
    for r in rows:
        assert tuple(r) == ROW_KEYS
        assert r["validation"] in ("loo", "lofo") and r["recipe"] == "regression"
        assert 0 <= r["coverage_mean_5_10"] <= 1 and r["regret_at_1"] >= 0 and r["mae"] > 0


def test_oll_average_row_is_the_plain_feature_ranking(rows, study):
    X, y, _ = study.design("regression", "score")
    expected = metrics.coverage_mean(X["oll_average"], y)
    for r in rows:
        if r["method"] == "oll_average":
            assert r["coverage_mean_5_10"] == pytest.approx(expected)
            assert r["regret_at_1"] == pytest.approx(metrics.regret_at_k(X["oll_average"], y, 1))


def test_best_method_picks_by_key(rows):
    best = best_method(rows, key="coverage_mean_5_10")
    assert best["coverage_mean_5_10"] == max(r["coverage_mean_5_10"] for r in rows if r["validation"] == "loo")
    low = best_method(rows, key="mae")
    assert low["mae"] == min(r["mae"] for r in rows if r["validation"] == "loo")


def test_unknown_method_or_recipe(study):
    with pytest.raises(InputError, match="unknown method"):
        selection_table(study, methods=("nope",))
    with pytest.raises(InputError, match="unknown recipe"):
        selection_table(study, recipes=("dpo",), methods=("oll_average",))


def test_every_method_is_documented():
    assert {"study_elasticnet", "oll_average", "rank_average", "sparse_ridge", "bayesian_linear",
            "gaussian_process", "pairwise_ranker"} <= set(METHODS)
    assert all(m.description for m in METHODS.values())


def test_selection_frequency_counts_inner_choices(study):
    from rmbase.selection.compare import selection_frequency

    freq = selection_frequency(study, "sparse_ridge", recipe="regression", scheme="lofo")
    assert set(freq) == set(METHODS["sparse_ridge"].features)
    assert all(0 <= v <= 1 for v in freq.values())
    assert 1 <= sum(freq.values()) <= 3  # at least one and at most max_features=3 features per fold
    assert list(freq.values()) == sorted(freq.values(), reverse=True)


def test_influential_bases_finds_the_one_misranked_base():
    from rmbase.selection.compare import influential_bases

    y = pd.Series(np.arange(40, dtype=float), index=[f"m{i}" for i in range(40)])
    assert influential_bases(y * 2 + 1, y) == []   # a perfect ranking (on another scale): nothing to fix
    pred = y.copy()
    pred["m3"] = 100.0                              # a weak base predicted best
    out = influential_bases(pred, y)
    assert out[0]["model"] == "m3" and out[0]["predicted_rank"] == 1 and out[0]["true_rank"] == 37
    assert out[0]["coverage_mean_5_10_if_right"] == 1.0 and out[0]["coverage_gain"] > 0
    assert len(out) == 1


def test_family_effect_and_bayesian_linear_share_their_fits_with_the_same_predictions(study):
    from concurrent.futures import ThreadPoolExecutor

    from rmbase.selection.compare import family_and_linear_oof, oof_predictions, start_selection_table

    (fe, y_fe, _), (bl, y_bl, _) = family_and_linear_oof(study, recipe="regression", scheme="lofo")
    alone_fe = oof_predictions(study, "family_effect", recipe="regression", scheme="lofo")
    alone_bl = oof_predictions(study, "bayesian_linear", recipe="regression", scheme="lofo")
    np.testing.assert_array_equal(fe, alone_fe[0])  # bit for bit: the same fits
    np.testing.assert_array_equal(bl, alone_bl[0])
    assert y_fe.equals(alone_fe[1]) and y_bl.equals(alone_bl[1])
    # in the table, with and without an executor, in the requested method order
    for executor in (None, ThreadPoolExecutor(2)):
        rows = start_selection_table(study, recipes=("regression",), methods=("bayesian_linear", "family_effect"),
                                     schemes=("lofo",), executor=executor)({})
        assert [r["method"] for r in rows] == ["bayesian_linear", "family_effect"]
        assert rows[0]["mae"] == pytest.approx(float(np.mean(np.abs(bl - y_bl.to_numpy()))), abs=0)
        assert rows[1]["mae"] == pytest.approx(float(np.mean(np.abs(fe - y_fe.to_numpy()))), abs=0)
