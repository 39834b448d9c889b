from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.lm_eval_samples import full_bbh, full_musr, leaderboard_results, shared_data
from rmbase.benchmarks.normalise import (
    BBH_CHOICES,
    MUSR_CHOICES,
    bbh_score,
    leaderboard_from_lm_eval,
    musr_score,
    normalise_aggregate,
    normalise_score,
)


def test_normalise_score_formula():
    assert normalise_score(0.25, 0.25) == 0.0
    assert normalise_score(0.1, 0.25) == 0.0          # below chance clips at 0
    assert normalise_score(1.0, 0.25) == pytest.approx(100.0)
    assert normalise_score(0.625, 0.25) == pytest.approx(50.0)
    with pytest.raises(ValueError):
        normalise_score(0.5, 1.0)


def test_bbh_choices_match_installed_lm_eval_yamls():
    from pathlib import Path

    import lm_eval
    import yaml

    folder = Path(lm_eval.__file__).parent / "tasks" / "leaderboard" / "bbh_mc"
    found = {}
    for f in folder.glob("*.yaml"):
        if f.name.startswith("_"):
            continue
        cfg = yaml.safe_load(f.read_text())
        found[cfg["dataset_name"]] = len(cfg["doc_to_choice"])
    assert found == BBH_CHOICES


def test_bbh_each_subtask_has_its_own_baseline():
    chance = {k: 1 / n for k, n in BBH_CHOICES.items()}
    assert bbh_score(chance) == pytest.approx(0.0, abs=1e-9)
    assert bbh_score({k: 1.0 for k in BBH_CHOICES}) == pytest.approx(100.0)
    acc = full_bbh()
    by_hand = sum(max(acc[k] - 1 / n, 0) / (1 - 1 / n) * 100 for k, n in BBH_CHOICES.items()) / 24
    assert bbh_score(acc) == pytest.approx(by_hand)
    # one baseline for all subtasks (the mean) gives a different number: the per-subtask rule matters
    mixed = {k: 0.5 if n == 2 else 0.9 for k, n in BBH_CHOICES.items()}
    lo = sum(1 / n for n in BBH_CHOICES.values()) / 24
    assert abs(normalise_score(sum(mixed.values()) / 24, lo) - bbh_score(mixed)) > 1.0
    with pytest.raises(KeyError, match="snarks"):
        bbh_score({k: v for k, v in acc.items() if k != "snarks"})


def test_musr_subtask_baselines():
    assert MUSR_CHOICES == {"murder_mysteries": 2, "object_placements": 5, "team_allocation": 3}
    acc = {"murder_mysteries": 0.6, "object_placements": 0.3, "team_allocation": 0.5}
    expected = ((0.6 - 0.5) / 0.5 + (0.3 - 0.2) / 0.8 + (0.5 - 1 / 3) / (2 / 3)) / 3 * 100
    assert musr_score(acc) == pytest.approx(expected)


def test_aggregate_rules():
    assert normalise_aggregate("gpqa", 0.2592) == pytest.approx((0.2592 - 0.25) / 0.75 * 100)
    assert normalise_aggregate("mmlu_pro", 0.1163) == pytest.approx((0.1163 - 0.1) / 0.9 * 100)
    assert normalise_aggregate("math_lvl5", 0.0831) == pytest.approx(8.31)
    assert normalise_aggregate("ifeval", 0.3303) == pytest.approx(33.03)
    for bench in ("bbh", "musr"):
        with pytest.raises(ValueError, match="subtask"):
            normalise_aggregate(bench, 0.4)


def test_leaderboard_from_lm_eval_results():
    res = leaderboard_results(full_bbh(), full_musr(), ifeval=(0.5, 0.6), math=0.1, gpqa=0.3, mmlu_pro=0.28)
    norm, raw, problems = leaderboard_from_lm_eval(res)
    assert problems == []
    assert norm["ifeval"] == pytest.approx(55.0)
    assert norm["math_lvl5"] == pytest.approx(10.0)
    assert norm["gpqa"] == pytest.approx((0.3 - 0.25) / 0.75 * 100)
    assert norm["mmlu_pro"] == pytest.approx((0.28 - 0.1) / 0.9 * 100)
    assert norm["bbh"] == pytest.approx(bbh_score(full_bbh()))
    assert norm["musr"] == pytest.approx(musr_score(full_musr()))
    six = [norm[b] for b in ("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro")]
    assert norm["oll_average"] == pytest.approx(sum(six) / 6)
    assert raw["bbh"] == pytest.approx(res["leaderboard_bbh"]["acc_norm,none"])


def test_incomplete_results_are_reported_not_guessed():
    bbh = full_bbh()
    del bbh["web_of_lies"]
    res = leaderboard_results(bbh, full_musr())
    del res["leaderboard_ifeval"]["inst_level_strict_acc,none"]
    norm, _, problems = leaderboard_from_lm_eval(res)
    assert "bbh" not in norm and "ifeval" not in norm and "oll_average" not in norm
    assert any(p.startswith("bbh: 1 of 24") for p in problems)
    assert any(p.startswith("ifeval") for p in problems)


def test_reproduces_the_leaderboard_where_the_raw_value_allows():
    """Real data: the normaliser reproduces IFEval, MATH Lvl 5, GPQA and MMLU-Pro of every row of the contents table;
    BBH and MuSR cannot be reproduced from their aggregate raw value (per-subtask values needed)."""
    from rmbase.benchmarks.verify import reproduction_table

    path = shared_data("open_llm_leaderboard_v2_contents", "open_llm_leaderboard_v2_contents_clean.csv")
    rep = reproduction_table(pd.read_csv(path)).set_index("benchmark")
    for bench in ("ifeval", "math_lvl5", "gpqa", "mmlu_pro"):
        assert rep.loc[bench, "rows"] > 3000
        assert rep.loc[bench, "reproduced"] == rep.loc[bench, "rows"], bench
    for bench in ("bbh", "musr"):
        assert rep.loc[bench, "share"] < 0.01 and rep.loc[bench, "max_abs_diff"] > 1.0
    assert not math.isnan(rep.loc["bbh", "max_abs_diff"])


def test_subtasks_without_their_group_are_reported():
    res = {"leaderboard_math_algebra_hard": {"exact_match,none": 0.2},
           "leaderboard_gpqa_main": {"acc_norm,none": 0.3}}
    norm, _, problems = leaderboard_from_lm_eval(res)
    assert norm == {}
    assert sorted(p.split(":")[0] for p in problems) == ["gpqa", "math_lvl5"]
