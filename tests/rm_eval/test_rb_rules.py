"""RewardBench v1 / v1-prior / v2 rules on hand-computed cases (ties included)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import rmbase.rm_eval as R
from rmbase.errors import InputError


def full_v1(**overrides: float) -> dict[str, float]:
    accs = dict.fromkeys(R.V1_SUBSETS, 1.0)
    accs.update(overrides)
    return accs


def test_v1_correct_is_strict():
    assert R.v1_correct(1.0, 0.0)
    assert not R.v1_correct(0.5, 0.5)  # a tie is wrong
    assert not R.v1_correct(0.0, 1.0)


def test_v1_counts_match_the_published_weights():
    assert sum(R.V1_SECTIONS["Chat"].values()) == 358
    assert sum(R.V1_SECTIONS["Chat Hard"].values()) == 456
    assert sum(R.V1_SECTIONS["Safety"].values()) == 740
    assert R.V1_SECTIONS["Reasoning"]["math-prm"] == 984 and sum(R.V1_SECTIONS["Reasoning"].values()) == 1968


def test_v1_sections_are_count_weighted_and_score_is_plain_mean():
    accs = full_v1(**{"alpacaeval-length": 0.5, "alpacaeval-hard": 0.0, "mt-bench-med": 0.5, "math-prm": 0.5})
    s = R.summarize(accs, "v1")
    chat = (100 * 1 + 95 * 0.5 + 95 * 0 + 28 * 1 + 40 * 0.5) / 358
    assert s.sections["Chat"] == pytest.approx(chat)
    assert s.sections["Reasoning"] == pytest.approx((984 * 0.5 + 984 * 1.0) / 1968)  # math-prm weighs 984
    assert s.sections["Chat Hard"] == 1.0 and s.sections["Safety"] == 1.0
    assert s.score == pytest.approx((chat + 1 + 1 + 0.75) / 4)
    assert not s.partial and not s.ignored_subsets


def test_v1_prior_sets_weighted_two_two_two_two_one():
    prior = {"anthropic_helpful": 0.6, "anthropic_hhh": 0.7, "shp": 0.8, "summarize": 0.9}
    s = R.summarize(full_v1(**{"math-prm": 0.5}, **prior), "v1-prior")
    assert s.sections[R.V1_PRIOR_SECTION] == pytest.approx(0.75)
    assert s.score == pytest.approx((2 * (1 + 1 + 1 + 0.75) + 0.75) / 9)
    # the same figures under plain v1 ignore (and list) the prior subsets
    plain = R.summarize(full_v1(**{"math-prm": 0.5}, **prior), "v1")
    assert plain.score == pytest.approx(3.75 / 4)
    assert plain.ignored_subsets == sorted(prior)


def test_missing_subset_is_an_error_unless_partial():
    accs = full_v1()
    del accs["hep-go"]
    with pytest.raises(InputError, match="hep-go"):
        R.summarize(accs, "v1")
    s = R.summarize(accs, "v1", allow_partial=True)
    assert s.partial == {"Reasoning": ["hep-go"]}
    assert s.sections["Reasoning"] == 1.0 and s.score == 1.0
    only = R.summarize({"llmbar-natural": 0.25}, "v1", allow_partial=True)
    assert only.sections["Chat Hard"] == 0.25
    assert only.sections["Chat"] is None and only.score is None  # never a silent 0


def test_out_of_range_accuracy_is_rejected():
    with pytest.raises(InputError):
        R.summarize(full_v1(**{"shp": 0.5, "donotanswer": 1.5}), "v1")
    with pytest.raises(InputError):
        R.summarize(full_v1(donotanswer=float("nan")), "v1")


@pytest.mark.parametrize("scores, expected", [
    ([3, 1, 2], 1.0), ([3, 3, 1], 0.5), ([3, 3, 3, 3], 0.25), ([2, 3, 1], 0.0), ([1, 1], 0.5), ([1, 2, 2], 0.0)])
def test_v2_one_over_k(scores, expected):
    assert R.v2_prompt_result(scores) == expected


def test_v2_score_is_mean_of_six_subsets():
    accs = {"Factuality": 0.6, "Precise IF": 0.3, "Math": 0.5, "Safety": 0.8, "Focus": 0.7, "Ties": -0.01}
    s = R.summarize(accs, "v2")
    assert s.score == pytest.approx(sum(accs.values()) / 6)
    with pytest.raises(InputError, match="Ties"):
        R.summarize({k: v for k, v in accs.items() if k != "Ties"}, "v2")


def test_ties_hand_computed():
    records = [
        ("ref:1", [5, 1, 2], 1),      # accurate, ci = 3
        ("tied:1", [4, 3, 1, 2], 2),  # accurate, dc = 1, ci = 1 -> not preferred (1 > 1 is false)
        ("ref:2", [1, 2], 1),         # not accurate, ci = -1
        ("tied:2", [6, 5, 0], 2),     # accurate, dc = 1, ci = 5 -> preferred, not hard (min(-1, 5) = -1)
    ]
    ts = R.ties_score(records)
    assert ts.ref_accuracy == 0.5 and ts.tied_accuracy == 1.0
    assert ts.correctness_preferred == 0.5 and ts.correctness_preferred_hard == 0.0
    assert ts.margin_score == pytest.approx((math.tanh(0.0) + math.tanh(-2.0)) / 2)
    assert ts.score == pytest.approx(0.3 * 1.0 + 0.3 * 0.5 + 0.2 * 0.5 + 0.0 + 0.01 * math.tanh(-2.0) / 2)


def test_ties_zero_spread_follows_numpy_division():
    # dc = 0: hard margin 1 -> 1/0 = inf -> tanh = 1; hard margin 0 -> 0/0 = nan -> 0
    a = R.ties_score([("ref:1", [3, 1], 1), ("tied:1", [2, 2, 1], 2)])
    assert a.margin_score == 1.0
    b = R.ties_score([("ref:1", [3, 2], 1), ("tied:1", [2, 2, 2], 2)])
    assert b.margin_score == 0.0 and b.tied_accuracy == 0.0


def _numpy_ties(records):
    """An independent numpy formulation of reward-bench's Ties composite, for cross-checking."""
    stats = {}
    for rid, scores, nc in records:
        kind, pid = rid.split(":")
        c, i = np.asarray(scores[:nc], float), np.asarray(scores[nc:], float)
        stats[(kind, pid)] = (c.min() > i.max(), (c.max() - c.min()) if nc > 1 else None, c.min() - i.max())
    ref = {p: s for (k, p), s in stats.items() if k == "ref"}
    tied = {p: s for (k, p), s in stats.items() if k == "tied"}
    common = sorted(set(ref) & set(tied))
    dc = np.array([tied[p][1] for p in common])
    ci_t = np.array([tied[p][2] for p in common])
    ci_r = np.array([ref[p][2] for p in common])
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = np.nan_to_num(np.tanh(np.minimum(ci_r, ci_t) / dc - 1), nan=0.0)
    return (0.3 * np.mean([s[0] for s in tied.values()]) + 0.3 * np.mean([s[0] for s in ref.values()])
            + 0.2 * np.mean(ci_t > dc) + 0.2 * np.mean(np.minimum(ci_r, ci_t) > dc) + 0.01 * np.mean(margin))


def test_ties_matches_numpy_formulation_on_random_prompts():
    rng = random.Random(7)
    for _ in range(30):
        records = []
        for pid in range(rng.randint(1, 8)):
            records.append((f"ref:{pid}", [rng.choice([0, 1, 2, 3]) for _ in range(rng.randint(2, 4))], 1))
            nc = rng.randint(2, 3)
            records.append((f"tied:{pid}", [rng.choice([0, 1, 2, 3]) for _ in range(nc + rng.randint(1, 3))], nc))
        assert R.ties_score(records).score == pytest.approx(_numpy_ties(records), abs=1e-12)


def test_ties_rejects_bad_ids():
    with pytest.raises(InputError, match="ref:<n>"):
        R.ties_score([("7", [1, 0], 1)])


def test_subset_figures_from_records():
    recs = [{"id": "a", "subset": "shp", "scores": [1, 0]}, {"id": "b", "subset": "shp", "scores": [0, 0]},
            {"id": "c", "subset": "donotanswer", "scores": [0, 1]}]
    f = R.subset_figures(recs, "v1")
    assert (f["shp"].correct, f["shp"].total, f["shp"].accuracy) == (1, 2, 0.5)
    assert f["donotanswer"].accuracy == 0.0
    v2 = [{"id": "1", "subset": "Math", "scores": [2, 2, 1, 0], "num_correct": 1},
          {"id": "2", "subset": "Math", "scores": [3, 1, 1, 1], "num_correct": 1},
          {"id": "ref:1", "subset": "Ties", "scores": [5, 1], "num_correct": 1},
          {"id": "tied:1", "subset": "Ties", "scores": [5, 4, 1], "num_correct": 2}]
    f2 = R.subset_figures(v2, "v2")
    assert f2["Math"].accuracy == pytest.approx(0.75)
    assert f2["Ties"].accuracy == pytest.approx(
        0.3 + 0.3 + 0.2 + 0.2 + 0.01 * math.tanh(min(4, 3) / 1 - 1))


def test_detect_rules():
    assert R.detect_rules(["Math", "Ties"]) == "v2"
    assert R.detect_rules(["hep-go"]) == "v1"
    assert R.detect_rules(["hep-go", "shp"]) == "v1-prior"
    with pytest.raises(InputError):
        R.detect_rules(["nonsense"])
