"""recommend: conformal intervals, their out-of-fold coverage, Pareto front, unscorable candidates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rmbase.errors import InputError
from rmbase.selection import family as F
from rmbase.selection import predictors as P
from rmbase.selection.candidates import candidate_table
from rmbase.selection.conformal import _coverage_lofo, _coverage_loo, conformal_halfwidth
from rmbase.selection.recommend import RecommendConfig, pareto_front, recommend


def test_conformal_halfwidth_by_hand():
    res = np.array([5.0, -1.0, 2.0, -4.0, 3.0])  # |r| sorted: 1 2 3 4 5
    assert conformal_halfwidth(res, 0.5) == 3.0  # ceil(6 * 0.5) = 3rd smallest
    assert conformal_halfwidth(res, 0.2) == 5.0  # ceil(6 * 0.8) = 5th
    assert conformal_halfwidth(res, 0.1) == np.inf  # ceil(6 * 0.9) = 6 > n: no finite interval


def test_conformal_coverage_is_near_nominal_on_exchangeable_residuals():
    rng = np.random.default_rng(0)
    res = rng.normal(size=400)
    for alpha in (0.1, 0.2):
        assert abs(_coverage_loo(res, alpha) - (1 - alpha)) < 0.04
    groups = np.repeat(np.arange(40), 10)
    assert abs(_coverage_lofo(res, groups, 0.1) - 0.9) < 0.05


def test_pareto_front_by_hand():
    size = np.array([1.0, 2.0, 3.0, 3.0, 8.0])
    score = np.array([60.0, 70.0, 65.0, 75.0, 74.0])
    # 65@3 is beaten by 70@2; 74@8 by 75@3
    assert pareto_front(size, score).tolist() == [True, True, False, True, False]


@pytest.fixture(scope="module")
def rec(study):
    cfg = RecommendConfig(method="sparse_ridge", targets=("score", "chat"), top=3)
    return recommend(study, candidates=["google/gemma-2-9b-it", "Qwen2.5-7B-Instruct", "Llama-3.2-1B-Instruct",
                                        "microsoft/phi-4", "nobody/unknown-model"], config=cfg, n_jobs=1)


def test_recommend_ranks_scores_and_explains(rec):
    ranking = rec["ranking"]
    assert [r["rank"] for r in ranking] == [1, 2, 3, 4]
    # measured (published) results and predictions ranked together: the key is the measured score where the
    # study trained the base with the recipe, else the prediction
    keys = [r["rank_value"] for r in ranking]
    assert keys == sorted(keys, reverse=True)
    for r in ranking:
        expected = r["measured"]["score"] if r["measured"] else r["score"]["predicted"]
        assert r["rank_value"] == expected and r["ranked_by"] == ("measured" if r["measured"] else "predicted")
    for r in ranking:
        assert r["score"]["low"] < r["score"]["predicted"] < r["score"]["high"]
        assert "chat" in r and r["drivers"]
    assert rec["unscorable"] == [{"model": "nobody/unknown-model",
                                  "reason": "no benchmark scores in the bundled leaderboard_v2 table"}]
    # phi-4 (14.7B) is bigger than any study base: flagged
    phi = next(r for r in ranking if r["model"] == "microsoft/phi-4")
    assert "params_b" in phi["extrapolates"]
    size = next(e for e in phi["extrapolation"] if e["feature"] == "params_b")
    assert size["value"] > size["high"] == rec["training_range"]["params_b"][1] and size["used_by_predictor"]
    # per row, only the features the score's predictor uses count as extrapolation; the others are listed apart
    used = set(rec["selected_features"]["score"])
    for r in ranking:
        assert set(r["extrapolates"]) == {e["feature"] for e in r["extrapolation"] if e["feature"] in used}
        for e in r["extrapolation"]:
            assert not e["low"] <= e["value"] <= e["high"]
    small = next(r for r in ranking if r["model"].endswith("Llama-3.2-1B-Instruct"))
    assert small["pareto"] and small["in_training_data"]
    published = study_row("Llama-3.2-1B-Instruct")
    assert small["measured"] == {"score": published["score"], "chat": published["chat"]}
    assert phi["measured"] is None


def study_row(model: str) -> dict:
    from rmbase.datasets import load_bundled

    res = load_bundled().results
    return res[(res.model == model) & (res.recipe == "regression")].iloc[0].to_dict()


def test_recommend_interval_coverage_is_checked_out_of_fold(rec):
    cov = rec["interval"]["per_target"]["score"]
    assert rec["interval"]["nominal_coverage"] == pytest.approx(0.9)
    assert 0.75 <= cov["empirical_coverage_loo"] <= 1.0
    assert 0.6 <= cov["empirical_coverage_lofo"] <= 1.0
    assert cov["halfwidth"] > cov["mean_abs_residual"] > 0


def test_recommend_refuses_when_nothing_can_be_scored(study):
    with pytest.raises(InputError, match="no candidate can be scored.*nobody/x: no benchmark scores"):
        recommend(study, candidates=["nobody/x"], config=RecommendConfig(targets=("score",)))
    with pytest.raises(InputError, match="unknown method"):
        recommend(study, config=RecommendConfig(method="magic"))


def test_recommend_from_an_imported_benchmark_file(study, tmp_path):
    f = tmp_path / "scores.csv"
    rows = [("my-org/new-base", b, v) for b, v in
            zip(("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro", "params_b"),
                (70.0, 35.0, 20.0, 8.0, 10.0, 30.0, 7.0), strict=True)]
    rows += [("my-org/no-size", b, 50.0) for b in ("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro")]
    pd.DataFrame(rows, columns=["model", "benchmark", "value"]).to_csv(f, index=False)
    out = recommend(study, benchmarks=str(f), config=RecommendConfig(targets=("score",)))
    # the file adds to the bundled pool: its model is ranked among the bundled chat/instruct candidates
    ranked = {r["model"]: r for r in out["ranking"]}
    assert "my-org/new-base" in ranked and len(ranked) > 100
    assert ranked["my-org/new-base"]["scores_from"] == "file"
    assert ranked["google/gemma-2-9b-it"]["scores_from"] == "bundled"
    assert out["sources"]["from_file"] == {"my-org/new-base": ["params_b", "ifeval", "bbh", "math_lvl5", "gpqa",
                                                               "musr", "mmlu_pro"]}
    nosize = next(u for u in out["unscorable"] if u["model"] == "my-org/no-size")
    assert "params_b" in nosize["reason"] and str(f) in nosize["reason"]


def test_user_scores_win_over_bundled_ones_and_the_output_says_so(study, tmp_path):
    """A bundled base re-evaluated by the user: the user's values replace the bundled ones (and the average is
    recomputed from the six); the other candidates keep the bundled table's values."""
    from rmbase.benchmarks import load_bundled_wide

    bundled = load_bundled_wide().loc["google/gemma-2-9b-it"]
    f = tmp_path / "mine.csv"
    f.write_text("model,benchmark,value\ngoogle/gemma-2-9b-it,math_lvl5,40.0\ngoogle/gemma-2-9b-it,ifeval,70.0\n")
    cfg = RecommendConfig(targets=("score",))
    out = recommend(study, candidates=["gemma-2-9b-it", "Qwen2.5-7B-Instruct"], benchmarks=str(f), config=cfg)
    assert out["sources"]["from_file"] == {"google/gemma-2-9b-it": ["ifeval", "math_lvl5"]}
    assert out["sources"]["replaced_bundled"] == {"google/gemma-2-9b-it": ["ifeval", "math_lvl5"]}
    rows = {r["model"]: r for r in out["ranking"]}
    assert rows["google/gemma-2-9b-it"]["scores_from"] == "file+bundled"
    assert rows["Qwen/Qwen2.5-7B-Instruct"]["scores_from"] == "bundled"
    cand = candidate_scores_for(f, ["google/gemma-2-9b-it"])
    six = ["ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro"]
    expect = bundled[six].copy()
    expect["math_lvl5"], expect["ifeval"] = 40.0, 70.0
    assert cand.loc["google/gemma-2-9b-it", "math_lvl5"] == 40.0
    assert cand.loc["google/gemma-2-9b-it", "oll_average"] == pytest.approx(expect.mean())
    assert cand.loc["google/gemma-2-9b-it", "bbh"] == pytest.approx(bundled["bbh"])
    plain = recommend(study, candidates=["gemma-2-9b-it"], config=cfg)["ranking"][0]["score"]["predicted"]
    assert rows["google/gemma-2-9b-it"]["score"]["predicted"] != pytest.approx(plain)


def candidate_scores_for(path, candidates):
    from rmbase.selection.candidates import candidate_scores

    return candidate_scores(candidates=candidates, benchmarks=str(path)).table


def test_recommend_with_family_effect_names_each_candidates_family(study):
    cfg = RecommendConfig(method="family_effect", recipe="bradley_terry", targets=("score",))
    out = recommend(study, candidates=["Qwen/Qwen2.5-14B-Instruct", "Qwen2.5-7B-Instruct", "microsoft/phi-4"],
                    config=cfg, n_jobs=1)
    rows = {r["model"]: r for r in out["ranking"]}
    assert rows["Qwen/Qwen2.5-14B-Instruct"]["family"] == "Qwen2.5"       # from its id
    assert rows["Qwen/Qwen2.5-7B-Instruct"]["family"] == "Qwen2.5"        # a study base: from the models table
    assert rows["microsoft/phi-4"]["family"] is None                      # no study family: no offset
    # the prediction is the fitted base model plus the family's offset (none for phi-4)
    est = F.FamilyEffect(P.BayesianLinear()).fit(*family_design(study))
    assert est.family_offsets_["Qwen2.5"] != 0
    cand, _ = candidate_table(candidates=["Qwen/Qwen2.5-14B-Instruct", "microsoft/phi-4"])
    base = est.estimator_.predict(cand)
    assert rows["Qwen/Qwen2.5-14B-Instruct"]["score"]["predicted"] == pytest.approx(
        base[0] + est.family_offsets_["Qwen2.5"])
    assert rows["microsoft/phi-4"]["score"]["predicted"] == pytest.approx(base[1])
    assert "family" not in out["training_range"]


def family_design(study):
    from rmbase.selection.compare import METHODS, method_design

    X, y, _ = method_design(study, METHODS["family_effect"], "bradley_terry", "score")
    return X, y


def _same_fit(a: dict, b: dict) -> None:
    np.testing.assert_array_equal(a["residuals"], b["residuals"])  # identical out-of-fold predictions
    assert (a["halfwidth"], a["coverage_loo"], a["coverage_lofo"]) == (b["halfwidth"], b["coverage_loo"],
                                                                       b["coverage_lofo"])
    assert a["estimator"].selected_features_ == b["estimator"].selected_features_


def test_every_targets_folds_in_one_pool_give_what_one_target_at_a_time_gives(study, tmp_path, monkeypatch):
    from rmbase.selection import compare
    from rmbase.selection.conformal import fit_target, fit_targets

    monkeypatch.setenv("RMBASE_CACHE_DIR", str(tmp_path))
    targets = ["score", "chat", "safety"]
    serial = {t: fit_target(study, recipe="regression", target=t, method="sparse_ridge", alpha=0.1) for t in targets}
    pooled = fit_targets(study, recipe="regression", targets=targets, method="sparse_ridge", alpha=0.1, n_jobs=2)
    for t in targets:
        _same_fit(serial[t], pooled[t])
        assert serial[t]["coverage_lofo"] is not None
    # a slow method's out-of-fold predictions are stored by the pooled call and read by the next one
    monkeypatch.setattr(compare, "SLOW_METHODS", ("sparse_ridge",))
    first = fit_targets(study, recipe="regression", targets=targets, method="sparse_ridge", alpha=0.1, n_jobs=2)
    assert len(list((tmp_path / "oof").glob("*.json"))) == 2 * len(targets)  # loo and lofo of each target

    def no_folds(*args, **kwargs):
        raise AssertionError("the cached predictions were computed again")

    monkeypatch.setattr("rmbase.validation.submit_out_of_fold", no_folds)
    again = fit_targets(study, recipe="regression", targets=targets, method="sparse_ridge", alpha=0.1, n_jobs=2)
    for t in targets:
        _same_fit(serial[t], first[t])
        _same_fit(serial[t], again[t])


def test_without_the_family_check_the_ranking_and_intervals_are_the_same(study, tmp_path, monkeypatch):
    monkeypatch.setenv("RMBASE_CACHE_DIR", str(tmp_path))
    cfg = RecommendConfig(method="sparse_ridge", targets=("score", "chat"), max_params=9)
    full = recommend(study, config=cfg)
    light = recommend(study, config=cfg, family_check=False)
    for t in ("score", "chat"):
        a, b = full["interval"]["per_target"][t], light["interval"]["per_target"][t]
        assert a["empirical_coverage_lofo"] is not None and b["empirical_coverage_lofo"] is None
        assert {k: v for k, v in a.items() if k != "empirical_coverage_lofo"} == \
            {k: v for k, v in b.items() if k != "empirical_coverage_lofo"}
    assert full["ranking"] == light["ranking"] and full["todays_bases"] == light["todays_bases"]
