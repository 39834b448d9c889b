"""The harmonised feature table: recovery of known missing cells of a low-rank matrix, calibrated uncertainty,
conflicts kept, reasoning-on never pooled with reasoning-off, size-only rows, held-out check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rmbase.benchmarks import AVERAGE, SIX, HarmoniseConfig, build_feature_table, harmonisation_held_out
from rmbase.benchmarks.completion import FactorCompletion
from rmbase.benchmarks.feature_sources import feature_name

SW_TASKS = ("mmlu", "bbh", "math", "gsm8k", "hellaswag", "triviaqa")


def low_rank_world(seed: int = 0, n_oll: int = 150, n_sw: int = 80, n_both: int = 40, noise: float = 1.0):
    """Models with two latent abilities: OLL-six scores (0-100 scale), Swallow en_pre scores (0-1), both linear in
    the abilities plus noise. Returns (long OLL, long Swallow, models, truth wide over all features)."""
    rng = np.random.default_rng(seed)
    n = n_oll + n_sw + n_both
    ids = [f"org{i % 7}/model-{i}" for i in range(n)]
    f = rng.normal(size=(n, 2))
    load_oll = rng.uniform(2, 6, size=(6, 2)) * np.array([1, 0.5])
    load_sw = rng.uniform(0.02, 0.06, size=(len(SW_TASKS), 2)) * np.array([1, 0.7])
    oll = 30 + f @ load_oll.T + noise * rng.normal(size=(n, 6))
    sw = 0.5 + f @ load_sw.T + 0.01 * noise * rng.normal(size=(n, len(SW_TASKS)))
    truth = pd.DataFrame(np.hstack([oll, sw]), index=ids, columns=[*SIX, *(f"sw_en_pre_{t}" for t in SW_TASKS)])
    has_oll = np.r_[np.ones(n_oll, bool), np.zeros(n_sw, bool), np.ones(n_both, bool)]
    has_sw = ~np.r_[np.ones(n_oll, bool), np.zeros(n_sw + n_both, bool)]
    oll_long = pd.DataFrame([{"model": ids[i], "benchmark": b, "value": oll[i, j], "scale": "normalised",
                              "source": "open-llm-leaderboard/contents:x"} for i in np.flatnonzero(has_oll)
                             for j, b in enumerate(SIX)])
    sw_long = pd.DataFrame([{"model": ids[i], "benchmark": t, "value": sw[i, j], "scale": "raw",
                             "source": "swallow-leaderboard:model_test", "mode": "en_pre/pre/off"}
                            for i in np.flatnonzero(has_sw) for j, t in enumerate(SW_TASKS)])
    models = pd.DataFrame({"model": ids, "params_b": np.round(rng.uniform(0.5, 14, size=n), 2), "stage": "pre"})
    return oll_long, sw_long, models, truth, has_oll, has_sw


def test_factor_completion_recovers_missing_cells_with_calibrated_sd():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 20)) + 0.3 * rng.normal(size=(300, 20)) + 5
    hidden = rng.random(x.shape) < 0.4
    fc = FactorCompletion(rank=2).fit(np.where(hidden, np.nan, x))
    mean, sd = fc.predict(np.where(hidden, np.nan, x))
    err = x[hidden] - mean[hidden]
    assert np.sqrt(np.mean(err ** 2)) < 0.45  # noise sd 0.3; a column mean would miss by ~1.4
    assert 0.85 <= np.mean(np.abs(err) <= 1.645 * sd[hidden]) <= 0.95


def test_swallow_only_models_get_oll_six_recovered_with_calibrated_uncertainty():
    oll, sw, models, truth, has_oll, has_sw = low_rank_world()
    table = build_feature_table([oll, sw], models, HarmoniseConfig(rank=2))
    only_sw = truth.index[has_sw & ~has_oll]
    assert (table.status.loc[only_sw, list(SIX)] == "mapped").all().all()
    assert (table.status.loc[truth.index[has_oll], list(SIX)] == "observed").all().all()
    mapped, sd = table.values.loc[only_sw, list(SIX)], table.sd.loc[only_sw, list(SIX)]
    hidden = truth.loc[only_sw, list(SIX)]
    for b in SIX:  # the noise of an OLL cell is 1.0: the mapping is near that floor (a column mean misses by 2.5+)
        assert np.sqrt(np.mean((mapped[b] - hidden[b]) ** 2)) < 1.5, b
        assert np.corrcoef(mapped[b], hidden[b])[0, 1] > 0.85, b
    inside = (np.abs(mapped - hidden) <= 1.645 * sd).to_numpy()
    assert 0.8 <= inside.mean() <= 0.97
    origin = table.origin.at[only_sw[0], "bbh"]
    assert origin == "mapped from swallow en_pre: bbh, gsm8k, hellaswag, math, mmlu, triviaqa + size, stage"
    # the average of mapped six is mapped, with an sd smaller than the sum of its parts' sds / 6 would allow
    assert (table.status.loc[only_sw, AVERAGE] == "mapped").all()
    assert np.allclose(table.values.loc[only_sw, AVERAGE], mapped.mean(axis=1))
    assert (table.sd.loc[only_sw, AVERAGE] > 0).all()
    # the OLL-only models get Swallow features mapped, observed cells keep sd 0
    assert (table.status.loc[truth.index[has_oll & ~has_sw], "sw_en_pre_mmlu"] == "mapped").all()
    assert (table.sd.loc[truth.index[has_oll], "bbh"] == 0).all()
    assert table.fit["rank"] == 2 and "oll-v2" in table.fit["calibration"]
    assert "mean" in table.fit["calibration"]  # the average's sd is measured on its own hidden values too


def test_rank_auto_is_chosen_by_hiding_training_cells():
    oll, sw, models, *_ = low_rank_world(seed=1, n_oll=80, n_sw=40, n_both=30)
    table = build_feature_table([oll, sw], models, HarmoniseConfig(rank="auto", ranks=(1, 2, 3)))
    errors = table.fit["rank_errors"]
    assert set(errors) == {1, 2, 3} and table.fit["rank"] == min(errors, key=errors.get)
    assert errors[2] < errors[1]  # the world has two abilities: one factor is not enough


def test_conflicting_sources_are_both_kept_and_reported():
    a = pd.DataFrame({"model": ["acme/A", "acme/A", "acme/B"], "benchmark": ["bbh", "ifeval", "bbh"],
                      "value": [30.0, 50.0, 20.0], "scale": "normalised", "source": "open-llm-leaderboard/x:1"})
    b = pd.DataFrame({"model": ["acme/a", "acme/B"], "benchmark": ["bbh", "bbh"], "value": [36.0, 20.0],
                      "scale": "normalised", "source": "my_runs.csv"})
    table = build_feature_table([a, b])
    conflicts = table.conflicts
    assert len(conflicts) == 2 and set(conflicts.source) == {"open-llm-leaderboard/x:1", "my_runs.csv"}
    assert set(conflicts.model) == {"acme/A"} and set(conflicts.value) == {30.0, 36.0}
    assert table.values.at["acme/A", "bbh"] == 33.0 and table.sd.at["acme/A", "bbh"] == 3.0
    assert table.status.at["acme/A", "bbh"] == "observed"
    assert table.origin.at["acme/A", "bbh"] == "oll-v2 + my_runs.csv"
    assert any("1 cell(s) observed by several sources with disagreeing values" in n for n in table.notes)
    # agreeing sources are one observation with both sources named, not a conflict
    assert table.origin.at["acme/B", "bbh"] == "oll-v2 + my_runs.csv" and table.sd.at["acme/B", "bbh"] == 0


def test_reasoning_on_scores_never_share_a_column_with_reasoning_off():
    rows = [("x/M1", "gpqa", 0.40, "en_post/post/off"), ("x/M1", "gpqa", 0.62, "en_post/post/on"),
            ("x/M2", "gpqa", 0.35, "en_post/post/off"), ("x/M3", "gpqa", 0.70, "en_post/post/on")]
    long = pd.DataFrame(rows, columns=["model", "benchmark", "value", "mode"]).assign(
        scale="raw", source="swallow-leaderboard:s")
    table = build_feature_table(long)
    assert table.values.at["x/M1", "sw_en_post_gpqa"] == 0.40
    assert table.values.at["x/M1", "sw_en_post_gpqa_reasoning"] == 0.62
    off, on = table.values["sw_en_post_gpqa"], table.values["sw_en_post_gpqa_reasoning"]
    assert off.dropna().to_dict() == {"x/M1": 0.40, "x/M2": 0.35}
    assert on.dropna().to_dict() == {"x/M1": 0.62, "x/M3": 0.70}
    assert table.conflicts.empty  # different modes are different features, not disagreeing observations
    assert feature_name("gpqa", "en_post/post/on", "raw", "swallow-leaderboard:s") == "sw_en_post_gpqa_reasoning"


def test_a_base_without_scores_gets_a_size_only_row():
    long = pd.DataFrame({"model": ["acme/A"], "benchmark": ["bbh"], "value": [30.0], "scale": "normalised",
                         "source": "f"})
    models = pd.DataFrame({"model": ["acme/A", "acme/NoScores", "acme/Unknown"], "params_b": [7.0, 3.5, None]})
    table = build_feature_table(long, models)
    assert "acme/Unknown" not in table.values.index
    row = table.status.loc["acme/NoScores"]
    assert row["params_b"] == "observed" and table.values.at["acme/NoScores", "params_b"] == 3.5
    assert (row.drop("params_b") == "").all()


def test_harmonisation_held_out_on_a_low_rank_world():
    oll, sw, models, *_ = low_rank_world(seed=2, n_both=50)
    records = harmonisation_held_out(HarmoniseConfig(rank=2), tables=[oll, sw], models=[models])
    assert [r["benchmark"] for r in records] == [*SIX]  # no average in these tables
    for r in records:
        assert r["n"] == 50 and r["spearman"] > 0.85, r
        assert 0.7 <= r["coverage90"] <= 1.0
    bbh = next(r for r in records if r["benchmark"] == "bbh")
    assert bbh["has_counterpart"] and bbh["counterparts"] == ["sw_en_pre_bbh"]
    musr = next(r for r in records if r["benchmark"] == "musr")
    assert not musr["has_counterpart"]


@pytest.mark.parametrize("stage,reasoning,expected", [("pre", "off", "pretrained"), ("post", "on", "reasoning"),
                                                      ("chat", "", "instruct")])
def test_model_stage_in_the_selection_vocabulary(stage, reasoning, expected):
    long = pd.DataFrame({"model": ["a/M"], "benchmark": ["bbh"], "value": [1.0], "scale": "normalised",
                         "source": "s"})
    table = build_feature_table(long, pd.DataFrame({"model": ["a/M"], "stage": [stage], "reasoning": [reasoning]}))
    assert table.models.at["a/M", "stage"] == expected


def test_bundled_table_maps_the_leaderboard_six_for_todays_bases():
    """The bundled tables (leaderboard v2 + Swallow): bases that only Swallow scores get all six and the average
    mapped, with an sd; a leaderboard model keeps its observed values; reasoning-on Swallow columns are separate."""
    from rmbase.benchmarks import bundled_feature_table

    table = bundled_feature_table()
    for model in ("Qwen/Qwen3-8B-Base", "Qwen/Qwen3-0.6B-Base", "google/gemma-3-12b-pt", "google/gemma-3-27b-it",
                  "meta-llama/Llama-4-Scout-17B-16E", "tiiuae/Falcon3-10B-Instruct", "microsoft/phi-4"):
        (row,) = table.rows([model])
        status = table.status.loc[row, [*SIX, AVERAGE]]
        assert set(status) <= {"observed", "mapped"}, model
        mapped = status.index[status.eq("mapped")]
        assert (table.sd.loc[row, mapped] > 0).all() and table.values.loc[row, [*SIX, AVERAGE]].notna().all()
        assert table.values.at[row, "params_b"] > 0
    (qwen,) = table.rows(["Qwen/Qwen3-8B-Base"])
    assert (table.status.loc[qwen, [*SIX, AVERAGE]] == "mapped").all()
    assert table.origin.at[qwen, "bbh"].startswith("mapped from swallow")
    (llama,) = table.rows(["meta-llama/Llama-3.1-8B-Instruct"])
    assert table.status.at[llama, "ifeval"] == "observed" and table.sd.at[llama, "ifeval"] == 0
    assert table.origin.at[llama, "ifeval"] == "oll-v2"
    assert "sw_en_post_gpqa" in table.values and "sw_en_post_gpqa_reasoning" in table.values
    assert table.models.at[qwen, "stage"] == "pretrained"


def test_hiding_keeps_a_lineage_in_one_fold_and_hides_whole_blocks():
    from rmbase.benchmarks.harmonise_fit import fold_of_groups, hide_blocks

    groups = ["a", "b", "a", "c", "b", "d", "a"]
    fold = fold_of_groups(groups, 3, seed=0)
    for g in set(groups):
        assert len({f for f, h in zip(fold, groups, strict=True) if h == g}) == 1
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2)) @ rng.normal(size=(2, 6)) + 0.1 * rng.normal(size=(60, 6))
    x[:20, 3:] = np.nan  # block "one" only
    x[20:40, :3] = np.nan  # block "two" only
    cells = hide_blocks(x, ["one"] * 3 + ["two"] * 3, [f"m{i}" for i in range(60)], rank=2, folds=4, repeats=2)
    assert set(cells.row) == set(range(40, 60))  # only models with both blocks hide one
    for r in range(40, 60):  # each such model hid each whole block once over the two rounds
        cols = cells.col[cells.row == r]
        assert sorted(cols) == list(range(6))
    assert np.mean(np.abs(cells.z) <= 1.645) > 0.75
