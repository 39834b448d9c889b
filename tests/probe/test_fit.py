"""The probes' statistics on arrays (no model): signal vs no signal, the shuffled-label control, ties, the judge's
two orders, the bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from rmbase.probe import fit as F


def test_frozen_bt_finds_a_direction_and_the_control_does_not():
    rng = np.random.default_rng(0)
    n, d = 120, 40
    hc, hr = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    hc[:, 3] += 2.5  # chosen responses sit higher along one feature
    res = F.frozen_bt(hc, hr, n_boot=200, seed=0)
    assert res["accuracy"] >= 0.8 and res["ci95"][0] > 0.65
    assert abs(res["control_shuffled_labels_accuracy"] - 0.5) <= 0.15
    assert len(res["C_per_fold"]) == 5 and res["margins"].shape == (n,)


def test_frozen_bt_without_signal_is_near_chance():
    rng = np.random.default_rng(1)
    res = F.frozen_bt(rng.normal(size=(120, 40)), rng.normal(size=(120, 40)), n_boot=200, seed=0)
    assert abs(res["accuracy"] - 0.5) <= 0.15


def test_frozen_bt_cannot_use_position_because_of_the_augmentation():
    # identical features on both sides: no margin at all, every pair is a tie (half a correct pair)
    h = np.random.default_rng(2).normal(size=(40, 5))
    res = F.frozen_bt(h, h.copy(), folds=2, inner_folds=2, n_boot=0)
    assert res["accuracy"] == pytest.approx(0.5) and res["ci95"] is None


def test_likelihood_is_length_normalised_and_skips_pairs_without_tokens():
    # chosen: total -6 over 6 tokens (mean -1), rejected: total -4 over 2 tokens (mean -2) -> chosen wins
    res = F.likelihood([-6.0, -1.0, -3.0], [6, 1, 0], [-4.0, -2.0, -1.0], [2, 1, 3], n_boot=0)
    assert res["n"] == 2 and res["no_response_tokens"] == 1 and res["accuracy"] == pytest.approx(1.0)


def test_judge_averages_the_two_orders():
    a_always = np.log([[0.9, 0.1]] * 4)  # a base that answers "A" whatever it is shown
    res = F.judge(a_always, a_always, n_boot=0)
    assert res["accuracy"] == pytest.approx(0.5) and res["mean_p_answer_a"] == pytest.approx(0.9)
    assert res["order_agreement"] == 0.0
    right = F.judge(np.log([[0.8, 0.2]] * 4), np.log([[0.3, 0.7]] * 4), n_boot=0)
    assert right["accuracy"] == 1.0 and right["order_agreement"] == 1.0


def test_bootstrap_ci_is_seeded_and_brackets_the_mean():
    v = (np.random.default_rng(3).random(200) < 0.7).astype(float)
    a, b = F.bootstrap_ci(v, n_boot=500, seed=4), F.bootstrap_ci(v, n_boot=500, seed=4)
    assert a == b and a[0] < v.mean() < a[1] and a[1] - a[0] < 0.2
