"""The merge-weight search equals brute force, is exact and applies the documented tie-break."""

from __future__ import annotations

import numpy as np
import pytest

from rmbase.errors import InputError
from rmbase.training.merge_search import (
    STUDY_SIGNS,
    accuracy_grid,
    accuracy_grid_bruteforce,
    best_from_grid,
    quantise_differences,
    search_merge_weights,
)


@pytest.mark.parametrize(("m", "steps", "n", "seed"), [(1, 20, 50, 0), (2, 20, 80, 1), (3, 6, 120, 2),
                                                        (4, 4, 200, 3), (5, 3, 150, 4), (5, 4, 60, 5)])
def test_fast_grid_equals_brute_force(m, steps, n, seed):
    rng = np.random.default_rng(seed)
    chosen = rng.normal(size=(n, m)).astype(np.float32)
    rejected = rng.normal(size=(n, m)).astype(np.float32)
    rejected[: n // 10] = chosen[: n // 10]            # ties everywhere
    chosen[n // 10: n // 5, -1] = rejected[n // 10: n // 5, -1]  # g = 0 pairs
    signs = tuple(int(s) for s in rng.choice([1, -1], size=m))
    q = quantise_differences(chosen, rejected)
    fast = accuracy_grid(q, signs, steps, threads=2)
    brute = accuracy_grid_bruteforce(q, signs, steps)
    assert fast.shape == (steps + 1,) * m
    np.testing.assert_array_equal(fast, brute)
    assert best_from_grid(fast, n, signs, steps) == best_from_grid(brute, n, signs, steps)


def test_integer_scores_with_exact_threshold_ties():
    """Small integer scores put many pairs exactly on a threshold (d = 0): strict > must count them as wrong."""
    rng = np.random.default_rng(7)
    chosen = rng.integers(0, 5, size=(300, 3)).astype(float)
    rejected = rng.integers(0, 5, size=(300, 3)).astype(float)
    q = quantise_differences(chosen, rejected)
    np.testing.assert_array_equal(accuracy_grid(q, (1, 1, -1), 20, threads=1),
                                  accuracy_grid_bruteforce(q, (1, 1, -1), 20))


def test_full_study_grid_matches_brute_force_and_direct_accuracy():
    rng = np.random.default_rng(11)
    chosen = rng.normal(size=(40, 5)) + np.array([0.5, 0.2, 0.0, 0.0, -0.3])
    rejected = rng.normal(size=(40, 5))
    res = search_merge_weights(chosen, rejected)
    q = quantise_differences(chosen, rejected)
    brute = accuracy_grid_bruteforce(q, STUDY_SIGNS, 20)
    assert res.n_correct == int(brute.max())
    assert res.n_tied_best == int((brute == brute.max()).sum())
    # the chosen weights really give that accuracy when applied to the raw scores
    w = np.array(res.weights)
    assert ((chosen - rejected) @ w > 0).sum() == res.n_correct
    assert all(0 <= x <= 1 for x in res.weights[:4]) and -1 <= res.weights[4] <= 0


def test_tie_break_smallest_total_then_lexicographic():
    # only the first attribute matters: every w with w1 > 0 is perfect; the simplest is w1 = 1/20, others 0
    chosen = np.array([[1.0, 0, 0, 0, 0], [2.0, 0, 0, 0, 0]])
    rejected = np.zeros((2, 5))
    res = search_merge_weights(chosen, rejected, steps=20)
    assert res.integer_weights == (1, 0, 0, 0, 0)
    assert res.accuracy == 1.0
    # all differences zero: nothing is ever strictly better -> accuracy 0, the zero vector
    res0 = search_merge_weights(np.ones((3, 5)), np.ones((3, 5)), steps=4)
    assert res0.n_correct == 0 and res0.integer_weights == (0, 0, 0, 0, 0)
    # two attributes equally good: equal totals -> lexicographically smallest puts weight on the later one
    chosen2 = np.array([[1.0, 1.0, 0, 0, 0]])
    res2 = search_merge_weights(chosen2, np.zeros((1, 5)), steps=4)
    assert res2.integer_weights == (0, 1, 0, 0, 0)


def test_negative_sign_on_verbosity():
    # chosen is shorter (less verbose): only the negative verbosity weight orders the pairs
    chosen = np.array([[0, 0, 0, 0, 1.0], [0, 0, 0, 0, 2.0]])
    rejected = np.array([[0, 0, 0, 0, 3.0], [0, 0, 0, 0, 2.5]])
    res = search_merge_weights(chosen, rejected, steps=4)
    assert res.accuracy == 1.0 and res.weights[4] < 0


def test_quantisation_is_exact_for_float32_scores():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(100, 5)).astype(np.float32)
    b = rng.normal(size=(100, 5)).astype(np.float32)
    q = quantise_differences(a, b)
    assert np.all(q == np.rint(q)) and np.abs(q).max() <= 2.0 ** 40
    # the rounding keeps every sign and every ordering of the differences
    d = a.astype(np.float64) - b.astype(np.float64)
    assert np.array_equal(np.sign(q), np.sign(d))


def test_bad_scores_are_input_errors():
    with pytest.raises(InputError, match="NaN"):
        search_merge_weights(np.full((2, 5), np.nan), np.zeros((2, 5)))
    with pytest.raises(InputError, match="shape"):
        search_merge_weights(np.zeros((2, 5)), np.zeros((3, 5)))
    with pytest.raises(InputError, match="no validation pairs"):
        search_merge_weights(np.zeros((0, 5)), np.zeros((0, 5)))
