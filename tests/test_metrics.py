import numpy as np
import pytest
from scipy import stats

from rmbase import metrics


def test_top_k_breaks_ties_by_input_order_and_ignores_nan():
    assert metrics.top_k([1, 3, 3, np.nan, 2], 2).tolist() == [1, 2]
    assert metrics.top_k([np.nan, 1.0, 0.5], 2).tolist() == [1, 2]
    with pytest.raises(ValueError):
        metrics.top_k([1, 2], 3)


def test_coverage_hand_computed():
    target = [10, 9, 8, 7, 6, 5]
    pred = [6, 5, 1, 4, 3, 2]  # top-2: {0,1}; top-3: {0,1,3} vs {0,1,2}
    assert metrics.coverage_at_k(pred, target, 2) == 1.0
    assert metrics.coverage_at_k(pred, target, 3) == pytest.approx(2 / 3)
    curve = metrics.coverage_curve(pred, target)
    assert curve[6] == 1.0 and curve[3] == pytest.approx(2 / 3) and len(curve) == 6


def test_coverage_curve_ranks_nan_last_like_top_k():
    pred = [np.nan, 3.0, 2.0, 1.0]
    target = [0.0, 3.0, 2.0, 1.0]
    curve = metrics.coverage_curve(pred, target)
    assert curve[3] == 1.0 and curve[1] == 1.0
    assert curve[2] == metrics.coverage_at_k(pred, target, 2) == 1.0
    with pytest.raises(ValueError):
        metrics.coverage_at_k(pred, target[:3], 2)


def test_coverage_mean_uses_k_5_to_10():
    rng = np.random.default_rng(1)
    t = rng.normal(size=20)
    p = t + rng.normal(scale=0.5, size=20)
    manual = np.mean([metrics.coverage_at_k(p, t, k) for k in range(5, 11)])
    assert metrics.coverage_mean(p, t) == pytest.approx(manual)


def test_regret_is_best_minus_best_of_predicted_top_k():
    target = [80.0, 85.0, 70.0, 90.0]
    pred = [4, 3, 2, 1]  # predicted order 0, 1, 2, 3
    assert metrics.regret_at_k(pred, target, 1) == pytest.approx(10.0)
    assert metrics.regret_at_k(pred, target, 2) == pytest.approx(5.0)
    assert metrics.regret_at_k(pred, target, 4) == 0.0


def test_critical_r_gives_p_of_alpha():
    for n in (10, 40, 100):
        r = metrics.critical_pearson_r(n)
        t = r * np.sqrt((n - 2) / (1 - r * r))
        assert 2 * stats.t.sf(t, n - 2) == pytest.approx(0.05, abs=1e-9)
    assert metrics.critical_pearson_r(40) == pytest.approx(0.312, abs=1e-3)


def test_spearman_rows_matches_scipy_on_each_row():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 15)), rng.normal(size=(7, 15))
    x[2, :5] = x[2, 0]  # ties
    got = metrics.spearman_rows(x, y)
    want = [stats.spearmanr(a, b).statistic for a, b in zip(x, y, strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.isnan(metrics.spearman_rows(np.ones((1, 5)), y[:1, :5]))[0]
