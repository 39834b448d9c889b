import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rmbase.analysis import (
    correlation_table,
    coverage_table,
    gains_over_default,
    pca_summary,
    post_training_table,
    recipe_comparison,
    study_filter,
)
from rmbase.analysis.correlations import benjamini_hochberg, bootstrap_spearman_ci
from rmbase.errors import InputError


def test_gains_hand_case():
    scores = pd.Series({"a": 60.0, "b": 66.0, "c": 70.0, "d": 75.0, "e": 72.0})
    params = pd.Series({"a": 1.0, "b": 2.5, "c": 3.2, "d": 8.0, "e": 7.0})
    rows, per_model = gains_over_default(scores, params, {"<3B": "a", "3-6B": "c", ">=6B": "e"})
    by_group = {r["group"]: r for r in rows}
    assert by_group["<3B"]["best_model"] == "b"
    assert by_group["<3B"]["gain_points"] == pytest.approx(6.0)
    assert by_group["<3B"]["gain_percent"] == pytest.approx(10.0)
    assert by_group["3-6B"]["gain_points"] == 0.0
    assert by_group[">=6B"]["best_model"] == "d" and by_group[">=6B"]["gain_points"] == pytest.approx(3.0)
    assert {r["model"]: r["gain_points"] for r in per_model}["a"] == 0.0
    with pytest.raises(InputError, match="not in size group"):
        gains_over_default(scores, params, {"<3B": "d"})
    with pytest.raises(InputError, match="has no result"):
        gains_over_default(scores, params, {"<3B": "zzz"})


def test_benjamini_hochberg_hand_computed():
    p = [0.01, 0.04, 0.03, 0.20]
    # sorted 0.01, 0.03, 0.04, 0.20 -> p*m/rank = 0.04, 0.06, 0.0533, 0.20 -> monotone: 0.04, 0.0533, 0.0533, 0.2
    np.testing.assert_allclose(benjamini_hochberg(p), [0.04, 0.16 / 3, 0.16 / 3, 0.20])
    q = benjamini_hochberg([0.01, np.nan, 0.02])
    assert np.isnan(q[1]) and q[0] == pytest.approx(0.02) and q[2] == pytest.approx(0.02)


def test_bootstrap_ci_equals_a_plain_loop_over_the_same_resamples():
    rng = np.random.default_rng(3)
    x = rng.normal(size=25)
    y = x + rng.normal(size=25)
    idx = np.random.default_rng(0).integers(0, 25, (2000, 25))
    lo, hi = bootstrap_spearman_ci(x, y, rng_indices=idx)
    loop = np.array([stats.spearmanr(x[i], y[i]).statistic for i in idx])
    assert lo == pytest.approx(np.quantile(loop, 0.025)) and hi == pytest.approx(np.quantile(loop, 0.975))
    assert lo < stats.spearmanr(x, y).statistic < hi


def test_correlation_table_matches_scipy_and_has_q_values():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"f1": rng.normal(size=30), "f2": rng.normal(size=30)})
    T = pd.DataFrame({"score": X.f1 * 2 + rng.normal(size=30)})
    rows, crit = correlation_table(X, T, n_boot=2000)
    r1 = next(r for r in rows if r["feature"] == "f1")
    assert r1["pearson"] == pytest.approx(stats.pearsonr(X.f1, T.score).statistic)
    assert r1["kendall_p"] == pytest.approx(stats.kendalltau(X.f1, T.score).pvalue)
    assert r1["q_value"] >= r1["spearman_p"]
    assert 0.3 < crit < 0.4


def test_coverage_table_and_filter():
    X = pd.DataFrame({"good": np.arange(12.0), "bad": np.arange(12.0)[::-1]})
    y = pd.Series(np.arange(12.0))
    rows = coverage_table(X, y)
    assert len(rows) == 24
    assert all(r["coverage"] == 1.0 for r in rows if r["feature"] == "good")
    filt = {r["feature"]: r for r in study_filter(X, y)}
    assert filt["good"]["passes"] and not filt["bad"]["passes"]
    assert filt["bad"]["coverage_at_5"] == 0.0 and filt["bad"]["coverage_at_10"] == pytest.approx(0.8)


def test_post_training_relative_change():
    table = pd.DataFrame({"model": ["b", "s"], "stage": ["base", "sft"], "chat": [50.0, 60.0], "score": [80.0, 88.0]})
    rows = post_training_table(table)
    sft = {r["section"]: r["delta_percent"] for r in rows if r["stage"] == "sft"}
    assert sft == {"chat": pytest.approx(20.0), "score": pytest.approx(10.0)}
    with pytest.raises(InputError):
        post_training_table(table.assign(stage=["sft", "sft"]))


def test_pca_of_rank_one_matrix_has_one_component():
    base = np.linspace(0, 1, 10)
    B = pd.DataFrame({"a": base, "b": 2 * base + 1, "c": -base})
    out = pca_summary(B)
    assert out["explained_variance_ratio"][0] == pytest.approx(1.0)
    assert out["first5_cumulative"] == pytest.approx(1.0)


def test_recipe_comparison():
    res = pd.DataFrame({"model": ["a", "b", "c", "a", "b", "c"],
                        "recipe": ["regression"] * 3 + ["bradley_terry"] * 3,
                        "score": [70.0, 80.0, 90.0, 60.0, 75.0, 65.0]})
    out = recipe_comparison(res)
    assert out["mean_difference"] == pytest.approx((-10 - 5 - 25) / 3)
    assert {o["k"]: o["overlap"] for o in out["top_k_overlap"]} == {1: 0.0, 3: 1.0}
    assert recipe_comparison(res[res.recipe == "regression"]) is None
