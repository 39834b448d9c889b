"""P(best) and P(top-k) from draws of the predictive distribution: cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from rmbase.errors import InputError
from rmbase.selection.rank_probability import (
    best_probability,
    rank_probabilities,
    residual_draws,
    top_k_probability,
)


def test_a_candidate_that_always_wins_has_p_best_one():
    draws = np.array([[3.0, 1.0, 2.0], [5.0, 4.0, 0.0], [9.0, 8.0, 8.5]])
    assert best_probability(draws).tolist() == [1.0, 0.0, 0.0]
    # top 2: the first always; the other two split the second place (2 of 3 draws: column 2; 1 of 3: column 1)
    assert top_k_probability(draws, 2) == pytest.approx([1.0, 1 / 3, 2 / 3])


def test_ties_share_the_credit():
    same = np.ones((10, 2))
    assert best_probability(same).tolist() == [0.5, 0.5]
    three = np.array([[1.0, 1.0, 1.0, 0.0]])
    assert top_k_probability(three, 2) == pytest.approx([2 / 3, 2 / 3, 2 / 3, 0.0])
    assert top_k_probability(three, 2).sum() == pytest.approx(2.0)


def test_two_normals_match_the_closed_form():
    """X ~ N(d, 1), Y ~ N(0, 1) independent: P(X > Y) = Phi(d / sqrt(2))."""
    rng = np.random.default_rng(0)
    d = 0.7
    draws = np.column_stack([rng.normal(d, 1, 200_000), rng.normal(0, 1, 200_000)])
    p = best_probability(draws)
    assert p[0] == pytest.approx(stats.norm.cdf(d / np.sqrt(2)), abs=0.005)
    assert p.sum() == pytest.approx(1.0)


def test_exchangeable_candidates_are_uniform_and_top_k_sums_to_k():
    rng = np.random.default_rng(1)
    draws = rng.normal(size=(100_000, 5))
    table = rank_probabilities(draws, names=list("abcde"), ks=(2, 3))
    assert table["p_best"].to_numpy() == pytest.approx(np.full(5, 0.2), abs=0.006)
    assert table["p_top_3"].to_numpy() == pytest.approx(np.full(5, 0.6), abs=0.006)
    assert table["p_top_2"].sum() == pytest.approx(2.0)
    assert table["expected_rank"].to_numpy() == pytest.approx(np.full(5, 3.0), abs=0.02)
    assert list(table.index) == list("abcde")


def test_k_at_least_the_number_of_candidates_and_bad_input():
    draws = np.array([[1.0, 2.0]])
    assert top_k_probability(draws, 5).tolist() == [1.0, 1.0]
    with pytest.raises(InputError, match="k must be at least 1"):
        top_k_probability(draws, 0)
    with pytest.raises(InputError, match="finite"):
        best_probability(np.array([[1.0, np.nan]]))
    with pytest.raises(InputError, match="matrix"):
        best_probability(np.array([1.0, 2.0]))
    with pytest.raises(InputError, match="3 names for 2"):
        rank_probabilities(draws, names=["a", "b", "c"])


def test_residual_draws_resample_each_pool_and_keep_measured_values():
    pools = [np.array([-1.0, 1.0]), np.array([]), np.array([0.0])]
    d = residual_draws([10.0, 11.0, 9.0], pools, n=4000, seed=0)
    assert d.shape == (4000, 3)
    assert set(np.unique(d[:, 0])) == {9.0, 11.0}
    assert (d[:, 1] == 11.0).all() and (d[:, 2] == 9.0).all()
    # candidate 0 never beats the measured 11.0; it ties it when its residual is +1, and a tie shares the win
    p = best_probability(d)
    share_high = np.mean(d[:, 0] == 11.0)
    assert p[1] == pytest.approx(1 - share_high / 2)
    assert np.array_equal(d, residual_draws([10.0, 11.0, 9.0], pools, n=4000, seed=0))
