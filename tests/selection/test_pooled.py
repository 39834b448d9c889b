"""The pooled predictor: synthetic grids with known study effects, the stage feature, leave-one-study-out without
leaks, a single-base user grid, and the bundled evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rmbase.selection.base_features import FeatureTable
from rmbase.selection.evidence import COLUMNS, RB1_LEADERBOARD, rm_evidence
from rmbase.selection.pooled import fit_pooled
from rmbase.selection.pooled_model import PooledConfig
from rmbase.validation import LeaveOneStudyOut

FAMILIES = ("fa", "fb", "fc", "fd", "fe", "ff")


def synthetic(n_bases=36, seed=0, stage_effect=-1.0, noise=0.05):
    """Bases with a quality q = 0.8 z(avg) + 0.6 z(log size) (+ stage_effect if pretrained); three studies, each
    y = level + scale * q + noise on its own subset of bases."""
    rng = np.random.default_rng(seed)
    ids = [f"org/base-{i}" for i in range(n_bases)]
    avg = rng.uniform(5, 45, n_bases)
    size = np.exp(rng.uniform(np.log(0.5), np.log(70), n_bases))
    stage = np.where(np.arange(n_bases) % 6 == 0, "pretrained", "instruct")
    z = lambda v: (v - v.mean()) / v.std()  # noqa: E731
    q = 0.8 * z(avg) + 0.6 * z(np.log(size)) + np.where(stage == "pretrained", stage_effect, 0.0)
    values = pd.DataFrame({"oll_average": avg}, index=ids)
    table = FeatureTable(values=values, status=values.notna().replace({True: "observed"}),
                         origin=values.notna().replace({True: "synthetic"}), sd=values * 0.0,
                         models=pd.DataFrame({"params_b": size, "stage": stage,
                                              "family": [FAMILIES[i % 6] for i in range(n_bases)]}, index=ids),
                         conflicts=pd.DataFrame(), notes=[])
    effects = {"s1": (70.0, 5.0), "s2": (60.0, 2.0), "s3": (90.0, 8.0)}
    subsets = {"s1": range(0, 24), "s2": range(12, 36), "s3": range(24, 36)}
    rows = []
    for s, (a, c) in effects.items():
        for i in subsets[s]:
            rows.append({"study": s, "base": ids[i], "recipe": "r", "rm_benchmark": "rewardbench",
                         "target": "score", "value": a + c * q[i] + noise * c * rng.standard_normal(),
                         "stage": stage[i], "n_runs": 1, "source": "synthetic", "role": "train"})
    ev = pd.DataFrame(rows, columns=list(COLUMNS))
    return ev, table, q, effects, ids


CFG = PooledConfig(features=("oll_average", "params_b"), alpha=0.1, stage_alpha=0.1, family=False)


def test_pooled_fit_recovers_ranking_and_study_effects():
    ev, table, q, effects, ids = synthetic()
    fit = fit_pooled("rewardbench", evidence=ev, features=table, config=CFG)
    assert fit.studies_used == ["s1", "s2", "s3"]
    lat = fit.latent(ids)
    assert stats.spearmanr(lat, q).statistic > 0.98
    m = fit.model
    scale = {g.split(" | ")[0]: c for g, c in zip(m.grids_, m.scale_, strict=True)}
    # scales are identified up to the latent's normalisation: their ratios are the study effects
    assert scale["s3"] / scale["s2"] == pytest.approx(effects["s3"][1] / effects["s2"][1], rel=0.1)
    assert scale["s1"] / scale["s2"] == pytest.approx(effects["s1"][1] / effects["s2"][1], rel=0.1)
    # in the units of the study that measures the target with most bases (s1 or s2: 24 each)
    pred = fit.predict(ids[:24])
    unit = fit.units_grid.split(" | ")[0]
    a, c = effects[unit]
    assert np.corrcoef(pred["mean"], a + c * q[:24])[0, 1] > 0.98
    assert (pred["lo"] < pred["mean"]).all() and (pred["mean"] < pred["hi"]).all()


def test_stage_feature_is_learned_and_flags_unseen_stage():
    ev, table, q, _, ids = synthetic(stage_effect=-1.5)
    fit = fit_pooled("rewardbench", evidence=ev, features=table, config=CFG)
    pre = fit.model.theta_[2 + list(("pretrained", "sft", "dpo", "rl", "reasoning")).index("pretrained")]
    assert pre < -0.8  # latent sd units; the true effect is -1.5 before normalisation
    new = "org/new-base-1b"
    for frame in (table.values, table.sd, table.status, table.origin):
        frame.loc[new] = frame.loc[ids[1]]
    table.models.loc[new] = table.models.loc[ids[1]]
    table.models.loc[new, "stage"] = "reasoning"
    pred = fit.predict([new, ids[2]])
    assert pred.loc[new, "stage"] == "reasoning"
    assert any("stage reasoning" in f for f in pred.loc[new, "extrapolation"])
    assert pred.loc[ids[2], "extrapolation"] == []
    # the stage the evidence states for a base wins over the table's
    assert fit.predict([ids[0]]).loc[ids[0], "stage"] == "pretrained"


def test_leave_one_study_out_never_sees_the_held_out_grid():
    ev, table, _, _, ids = synthetic()
    splitter = LeaveOneStudyOut(only=["s3"])
    (train, test), = list(splitter.split(ev, groups=ev["study"]))
    assert set(ev.iloc[test]["study"]) == {"s3"} and "s3" not in set(ev.iloc[train]["study"])
    held = sorted(set(ev.iloc[test]["base"]))
    base = fit_pooled("rewardbench", evidence=ev.iloc[train], features=table, config=CFG).latent(held)
    perturbed = ev.copy()
    perturbed.loc[perturbed["study"] == "s3", "value"] = np.random.default_rng(1).permutation(
        perturbed.loc[perturbed["study"] == "s3", "value"].to_numpy()) * 3 - 50
    (train2, _), = list(splitter.split(perturbed, groups=perturbed["study"]))
    again = fit_pooled("rewardbench", evidence=perturbed.iloc[train2], features=table, config=CFG).latent(held)
    np.testing.assert_array_equal(base, again)


def test_single_base_user_grid_is_left_out_with_a_note():
    ev, table, _, _, ids = synthetic()
    user = pd.DataFrame([{"study": "user:one.csv", "base": ids[0], "recipe": "r", "rm_benchmark": "rewardbench",
                          "target": "score", "value": 99.0, "stage": "instruct", "n_runs": 1, "source": "u",
                          "role": "train"}])
    fit = fit_pooled("rewardbench", evidence=pd.concat([ev, user], ignore_index=True), features=table, config=CFG)
    assert "user:one.csv" not in fit.studies_used
    assert any("user:one.csv" in n and "single base" in n for n in fit.notes)


def test_single_base_results_frame_is_noted_by_rm_evidence():
    ev = rm_evidence(pd.DataFrame([{"model": "Qwen/Qwen3-8B", "recipe": "regression", "score": 80.0}]))
    assert (ev["study"] == "user:results").sum() == 1
    assert any("1 base" in n for n in ev.attrs["notes"])
    frame = pd.DataFrame({"model": ["Qwen2.5-7B-Instruct", "gemma-2-2b-it"], "recipe": "regression",
                          "score": [80.0, 70.0]})
    ev = rm_evidence(("my-sweep", frame))  # a sweep store's wide frame, as rmbase.study reads it
    assert set(ev.loc[ev["study"] == "user:my-sweep", "base"]) == {"Qwen/Qwen2.5-7B-Instruct", "google/gemma-2-2b-it"}
    assert ev.attrs["notes"] == []


def test_bundled_evidence_studies_and_roles():
    ev = rm_evidence()
    n = ev[ev["target"].isin(["score", "avg7"])].groupby(["study", "recipe", "rm_benchmark"])["base"].nunique()
    assert n[("paper-2505.10775", "regression", "rewardbench")] == 42  # 40 + two post-training variants
    assert n[("paper-2505.10775", "bradley_terry", "rewardbench")] == 40
    assert n[("rb2-allenai-grid", "bradley_terry", "rewardbench2")] == 10
    assert n[("skywork-reward-v2", "bradley_terry", "skywork7")] == 7
    assert set(ev.loc[ev["study"] == RB1_LEADERBOARD, "role"]) == {"validation"}
    assert ev["value"].between(-5, 100).all()
    stage = ev.drop_duplicates(["study", "base"]).set_index(["study", "base"])["stage"]
    assert stage[("rb2-allenai-grid", "meta-llama/Llama-3.1-8B")] == "pretrained"
    assert stage[("rb2-allenai-grid", "allenai/Llama-3.1-Tulu-3-8B-DPO")] == "dpo"


def test_bundled_fit_predicts_with_intervals_and_sample_shape():
    fit = fit_pooled("rewardbench", recipe="regression")
    assert RB1_LEADERBOARD not in fit.studies_used and "paper-2505.10775" in fit.studies_used
    models = ["meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B", "Qwen/Qwen3-8B"]
    pred = fit.predict(models)
    assert pred.loc["meta-llama/Llama-3.1-8B-Instruct", "mean"] > pred.loc["meta-llama/Llama-3.1-8B", "mean"]
    assert pred.loc["meta-llama/Llama-3.1-8B-Instruct", "feature_status"] == "observed"
    assert pred.loc["Qwen/Qwen3-8B", "feature_status"] in ("size only", "observed", "mapped")
    draws = fit.sample(models, n=50, seed=3)
    assert draws.shape == (50, 3) and np.isfinite(draws).all()
    np.testing.assert_array_equal(draws, fit.sample(models, n=50, seed=3))


def test_default_config_is_what_the_choice_gives_on_the_bundled_evidence():
    from rmbase.selection.base_features import feature_table
    from rmbase.selection.pooled import DEFAULT_CONFIG
    from rmbase.selection.pooled_validation import select_config

    chosen, scores = select_config(rm_evidence(), "rewardbench", feature_table())
    assert chosen == DEFAULT_CONFIG, scores


def test_default_method_rule_picks_best_common_out_of_study_spearman():
    from rmbase.selection.default_method import choose, default_method, stored_evidence

    evidence = {"out_of_study": {"regression": [
        {"set": "a", "n_common": 10, "spearman": {"pooled": 0.9, "oll_average": 0.8}},
        {"set": "b", "n_common": 12, "spearman": {"pooled": 0.5, "oll_average": 0.8}},
        {"set": "tiny", "n_common": 3, "spearman": {"pooled": -1.0, "oll_average": 1.0}}]}}
    c = choose(evidence)["regression"]
    assert c["method"] == "oll_average" and c["sets"] == ["a", "b"]
    evidence["out_of_study"]["regression"][1]["spearman"]["pooled"] = 0.7
    assert choose(evidence)["regression"]["method"] == "pooled"  # a tie goes to the first listed
    stored = stored_evidence()
    for recipe in ("regression", "bradley_terry"):
        assert default_method(recipe) == choose(stored)[recipe]["method"] == stored["choice"][recipe]["method"]
    assert default_method(None) == "pooled" and default_method("regression", "rewardbench2") == "pooled"


def test_leave_one_study_out_predictions_ignore_the_held_out_values():
    from rmbase.selection.pooled_validation import HELD_OUT, leave_one_study_out

    ev, table, _, _, _ = synthetic()
    HELD_OUT.setdefault("s3", ("rewardbench", "r"))
    try:
        first = leave_one_study_out(evidence=ev, table=table, config=CFG, held_out=("s3",))
        perturbed = ev.copy()
        rows = perturbed["study"] == "s3"
        perturbed.loc[rows, "value"] = 100 - perturbed.loc[rows, "value"]  # the held-out grid's order reversed
        again = leave_one_study_out(evidence=perturbed, table=table, config=CFG, held_out=("s3",))
    finally:
        HELD_OUT.pop("s3")
    assert [b["predicted"] for b in first[0]["bases"]] == [b["predicted"] for b in again[0]["bases"]]
    assert first[0]["pooled"]["spearman"] > 0.9 and again[0]["pooled"]["spearman"] < -0.9
    assert "s3" not in first[0]["studies_used"]


def test_user_results_table_joins_as_its_own_study(tmp_path):
    path = tmp_path / "my_results.csv"
    pd.DataFrame({"model": ["Qwen2.5-7B-Instruct", "Llama-3.2-3B-Instruct", "gemma-2-2b-it"],
                  "recipe": ["regression"] * 3, "chat": [90.0, 85.0, 80.0], "chat_hard": [60.0, 55.0, 50.0],
                  "safety": [80.0, 75.0, 70.0], "reasoning": [80.0, 75.0, 70.0], "score": [77.5, 72.5, 67.5]}
                 ).to_csv(path, index=False)
    ev = rm_evidence(str(path))
    user = ev[ev["study"] == "user:my_results.csv"]
    assert set(user["base"]) == {"Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.2-3B-Instruct",
                                 "google/gemma-2-2b-it"}
    fit = fit_pooled("rewardbench", extra_results=str(path))
    assert "user:my_results.csv" in fit.studies_used
    assert fit.units_grid.startswith("user:my_results.csv") and not fit.new_study
    assert fit_pooled("skywork7", studies=["paper-2505.10775"]).new_study  # no grid measures it
    pred = fit.predict(["Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.2-3B-Instruct"])
    assert pred["mean"].between(60, 90).all()  # in the user's units, not the study's


def test_size_outside_the_evidence_is_clamped_and_flagged():
    ev, table, _, _, ids = synthetic()
    fit = fit_pooled("rewardbench", evidence=ev, features=table, config=CFG)
    big = "org/huge-base-700b"
    for frame in (table.values, table.sd, table.status, table.origin):
        frame.loc[big] = frame.loc[ids[0]]
    largest = ids[int(np.argmax(table.models.loc[ids, "params_b"]))]
    table.models.loc[big] = table.models.loc[largest]
    table.models.loc[big, "params_b"] = 700.0
    table.values.loc[big, "oll_average"] = table.values.loc[largest, "oll_average"]
    # the same features, stage and family as the largest training base, 10x its size: the same prediction
    np.testing.assert_allclose(fit.point([big]), fit.point([largest]))
    pred = fit.predict([big, largest])
    assert any(f.startswith("size 700B outside") for f in pred.loc[big, "extrapolation"])
    assert not any(f.startswith("size") for f in pred.loc[largest, "extrapolation"])


def test_a_study_without_the_target_informs_it_through_its_headline_grid():
    from rmbase.selection.pooled_inputs import training_rows

    rows = training_rows(rm_evidence(), "rewardbench2")
    grids = set(rows["grid"])
    assert "paper-2505.10775 | regression | rewardbench" in grids  # the study's RB1 score (headline)
    assert "rb2-allenai-grid | bradley_terry | rewardbench2" in grids
    assert "skywork-reward-v2 | bradley_terry | rewardbench2" in grids  # Skywork measures RB2 itself
    assert not rows["study"].eq(RB1_LEADERBOARD).any()
    fit = fit_pooled("rewardbench2")
    assert fit.target_studies == ["rb2-allenai-grid", "skywork-reward-v2"]
    assert fit.units_grid == "rb2-allenai-grid | bradley_terry | rewardbench2"
