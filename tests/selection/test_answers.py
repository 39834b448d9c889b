"""recommend's answers (issue 22 §4): the candidate pool rule, evidence flags, size-only rows, the per-recipe
default method, and the three-candidate command through the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from rmbase.cli import main
from rmbase.errors import InputError
from rmbase.selection.default_method import default_method
from rmbase.selection.pool import architecture_flags, pool_flags, split_pool
from rmbase.selection.recommend import RecommendConfig, recommend
from rmbase.selection.support import EvidenceScope, outranking_notes, scope_flags, support_of

THREE = "Qwen/Qwen3-8B,google/gemma-3-12b-it,meta-llama/Llama-3.1-8B-Instruct"


def test_pool_rule_on_architectures_and_release_dates():
    assert architecture_flags("T5ForConditionalGeneration") == ["encoder-decoder"]
    assert architecture_flags("MT5ForConditionalGeneration") == ["encoder-decoder"]
    assert architecture_flags("SwitchTransformersForConditionalGeneration") == ["encoder-decoder"]
    assert architecture_flags("GPT2LMHeadModel") == ["legacy"]
    assert architecture_flags("GPTNeoXForCausalLM") == ["legacy"]
    assert architecture_flags("LlamaForSequenceClassification") == ["reward model"]
    # decoder-only multimodal classes are not encoder-decoders; today's decoders carry no flag
    assert architecture_flags("Gemma3ForConditionalGeneration") == []
    assert architecture_flags("Qwen2ForCausalLM") == []
    assert architecture_flags("LlamaForCausalLM", "2022-06-01") == ["legacy"]
    assert architecture_flags(None, None) == []
    table = pd.DataFrame({"model": ["a/t5", "b/llama", "c/gpt2"],
                          "architecture": ["T5ForConditionalGeneration", "LlamaForCausalLM", "GPT2LMHeadModel"]})
    flags = pool_flags(table)
    assert flags == {"a/t5": ["encoder-decoder"], "c/gpt2": ["legacy"]}
    keep, left = split_pool(["a/t5", "b/llama", "c/gpt2"], flags)
    assert keep == ["b/llama"] and [x["model"] for x in left] == ["a/t5", "c/gpt2"]


def test_the_front_of_max_params_9_holds_bases_a_user_would_train(study):
    out = recommend(study, config=RecommendConfig(max_params=9, targets=("score",)))
    models = {r["model"] for r in out["ranking"]}
    for gone in ("google/mt5-small", "google/mt5-base", "microsoft/DialoGPT-medium"):
        assert gone not in models and gone not in out["pareto_front"]
        assert gone in {x["model"] for x in out["pool"]["left_out"]}
    counts = out["pool"]["left_out_counts"]
    assert counts["encoder-decoder"] >= 3 and counts["legacy"] >= 1
    # named explicitly, a legacy base stays in the table and carries its flag
    named = recommend(study, candidates=["microsoft/DialoGPT-medium", "google/gemma-2-9b-it"],
                      config=RecommendConfig(targets=("score",)))
    row = next(r for r in named["ranking"] if r["model"] == "microsoft/DialoGPT-medium")
    assert "legacy" in row["flags"]


def test_scope_flags_support_and_outranking_notes():
    scope = EvidenceScope(families={"Qwen2.5"}, stages={"post-trained"}, params_b=(0.5, 10.3), studies=["s"])
    assert scope_flags(7.0, "Qwen2.5", "chat", scope) == []
    flags = scope_flags(14.8, None, "pretrained", scope)
    assert flags[0].startswith("family outside") and "stage outside the RM evidence (pre-trained)" in flags
    assert any(f.startswith("size outside") and "14.8B" in f for f in flags)
    assert support_of("observed", ["family outside the RM evidence"], []) == "observed"
    assert support_of("observed", [], ["math_lvl5"]) == "extrapolated"
    assert support_of("observed", flags, []) == "extrapolated"
    rows = [{"model": "x", "support": "size only"}, {"model": "y", "support": "extrapolated"},
            {"model": "z", "support": "measured"}, {"model": "w", "support": "size only"}]
    outranking_notes(rows)
    assert "ranked above 1 better-supported base(s) (next: z, measured)" in rows[0]["outranks"]
    assert rows[1]["outranks"] and rows[2]["outranks"] is None and rows[3]["outranks"] is None


def test_size_only_rows_stay_in_the_table_with_a_wider_interval(study):
    out = recommend(study, candidates=["acme/Newcomer-8B-Instruct", "google/gemma-2-9b-it", "Qwen2.5-7B-Instruct",
                                       "nobody/no-size-in-name"], config=RecommendConfig(targets=("score", "chat")))
    rows = {r["model"]: r for r in out["ranking"]}
    q3 = rows["acme/Newcomer-8B-Instruct"]
    assert q3["support"] == "size only" and q3["feature_status"] == "size only" and q3["size_from"] == "name"
    assert q3["params_b"] == 8.0 and q3["chat"] is None
    fit = out["size_only"]
    assert q3["score"]["predicted"] == pytest.approx(fit["intercept"] + fit["slope_per_log_b"] * 2.0794415, abs=1e-4)
    half = q3["score"]["high"] - q3["score"]["predicted"]
    assert half == pytest.approx(fit["halfwidth"]) and half > 0
    assert fit["loo_mean_abs_error"] > out["interval"]["per_target"]["score"]["mean_abs_residual"]
    assert not q3["pareto"] and "size only: no benchmark scores" in q3["flags"]
    # a name without a size cannot be predicted: it stays a counted note
    assert [u["model"] for u in out["unscorable"]] == ["nobody/no-size-in-name"]
    assert out["n_candidates"] == 3 and out["n_size_only"] == 1
    # P(best) sums to 1 and P(top-k) to k over the ranked candidates
    assert sum(r["p_best"] for r in out["ranking"]) == pytest.approx(1.0)
    k = out["probabilities"]["k"]
    assert sum(r["p_top_k"] for r in out["ranking"]) == pytest.approx(k)


def test_each_recipe_has_its_own_default_and_recommend_says_why(study):
    """Without --method, recommend uses the recipe's own default (chosen out of study), never one method for all;
    today the Bradley-Terry default is not sparse_ridge (LOO coverage 0.244)."""
    bt = default_method("bradley_terry")
    assert bt != "sparse_ridge"
    out = recommend(study, candidates=["google/gemma-2-9b-it", "Qwen2.5-7B-Instruct"],
                    config=RecommendConfig(recipe="bradley_terry", targets=("score",)))
    assert out["method"] == bt and "bradley_terry recipe's default" in out["method_choice"]["chosen_by"]
    assert out["method_choice"]["table"] and out["method_choice"]["sets"]
    given = recommend(study, candidates=["google/gemma-2-9b-it", "Qwen2.5-7B-Instruct"],
                      config=RecommendConfig(method="sparse_ridge", recipe="bradley_terry", targets=("score",)))
    assert given["method"] == "sparse_ridge" and given["method_choice"]["chosen_by"] == "--method"


def test_the_three_candidate_command_ranks_all_three_with_p_best(tmp_path, capsys):
    out = tmp_path / "rec.json"
    assert main(["recommend", "--candidates", THREE, "--json", str(out)]) == 0
    text = capsys.readouterr().out
    rec = json.loads(out.read_text())
    assert {r["model"] for r in rec["ranking"]} == set(THREE.split(","))
    for r in rec["ranking"]:
        assert 0 <= r["p_best"] <= 1 and r["score"]["low"] < r["score"]["predicted"] < r["score"]["high"]
    assert sum(r["p_best"] for r in rec["ranking"]) == pytest.approx(1.0)
    assert "P(best)" in text and "P(top 3)" in text
    for m in THREE.split(","):
        assert m in text
    # a row that ranks above a better-supported one says so, in the terminal too
    flagged = [r for r in rec["ranking"] if r["outranks"]]
    for r in flagged:
        assert r["support"] not in ("measured", "observed", "mapped")
        assert r["outranks"] in text.replace("\n", " ") or "ABOVE BETTER-SUPPORTED" in text


def test_hostile_names_are_escaped_in_the_terminal_and_quoted_in_commands(tmp_path, capsys):
    evil = "[red]x[/red]/evil;rm -rf ~-7B"
    out = tmp_path / "rec.json"
    assert main(["recommend", "--candidates", f"{evil},google/gemma-2-9b-it", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "[red]x[/red]/evil" in text  # printed as typed, not interpreted as markup
    rec = json.loads(out.read_text())
    cmd = rec["no_scores"][0]["commands"][0]
    assert "'[red]x[/red]/evil;rm -rf ~-7B'" in cmd
    import shlex

    assert shlex.split(cmd)[4] == evil


def test_a_candidate_with_only_reasoning_on_scores_is_predicted_and_flagged(study):
    """Qwen/Qwen3-8B (post-trained) has only reasoning-on Swallow scores: it is predicted (with an interval) and
    its row says so; a size read from the bundled metadata is used."""
    out = recommend(study, candidates=["Qwen/Qwen3-8B", "google/gemma-2-9b-it"], config=RecommendConfig(
        targets=("score",)))
    q3 = next(r for r in out["ranking"] if r["model"] == "Qwen/Qwen3-8B")
    assert any(f.startswith("only reasoning-on scores") for f in q3["flags"])
    assert q3["score"]["low"] < q3["score"]["predicted"] < q3["score"]["high"]
    assert q3["release"] >= "2025" and q3["stage"] == "reasoning"


def test_size_only_predictions_stay_inside_the_score_range(study):
    out = recommend(study, candidates=["acme/Giant-900B-Instruct"], config=RecommendConfig(targets=("score",)))
    row = out["ranking"][0]
    assert row["score"]["predicted"] <= 100 and row["score"]["high"] <= 100
    assert "size-only line capped at the score's range" in row["flags"]


def test_the_pooled_method_ranks_with_joint_draws_and_names_its_studies(study, tmp_path):
    out = recommend(study, candidates=THREE.split(","), config=RecommendConfig(method="pooled"))
    assert out["method"] == "pooled" and len(out["studies_used"]) >= 2
    rows = {r["model"]: r for r in out["ranking"]}
    assert set(rows) == set(THREE.split(","))
    assert sum(r["p_best"] for r in out["ranking"]) == pytest.approx(1.0)
    for r in out["ranking"]:
        assert r["studies"] == out["studies_used"]
        assert r["score"]["low"] < r["score"]["predicted"] < r["score"]["high"]
    assert rows["meta-llama/Llama-3.1-8B-Instruct"]["support"] == "measured"
    assert any(f.startswith("only reasoning-on") for f in rows["Qwen/Qwen3-8B"]["flags"])
    f = tmp_path / "mine.csv"
    f.write_text("model,benchmark,value\ngoogle/gemma-2-9b-it,ifeval,70.0\n")
    with pytest.raises(InputError, match="--method pooled reads the bundled feature table"):
        recommend(study, benchmarks=str(f), config=RecommendConfig(method="pooled"))


def test_mapped_feature_uncertainty_widens_the_interval_by_the_predictors_spread():
    """A linear predictor y = 2 x: features drawn from N(x, 3^2) give predictions of sd 6; recommend's half-width
    is then sqrt(q^2 + (z 6)^2)."""
    from rmbase.selection.feature_noise import propagate

    class Twice:
        def predict(self, X):
            return 2.0 * X["bbh"].to_numpy()

    X = pd.DataFrame({"bbh": [40.0, 50.0], "params_b": [7.0, 8.0]}, index=["a", "b"])
    sd = pd.DataFrame({"bbh": [3.0, 0.0], "params_b": [0.0, 0.0]}, index=["a", "b"])
    P = propagate(Twice(), X, sd, n=20000, seed=0)
    assert P.shape == (20000, 2)
    assert P[:, 0].std() == pytest.approx(6.0, rel=0.03) and P[:, 1].std() == 0.0
    assert P[:, 0].mean() == pytest.approx(80.0, abs=0.2)


def test_a_mapped_base_has_a_wider_interval_than_its_conformal_one(study):
    out = recommend(study, candidates=["Qwen/Qwen3-8B", "google/gemma-2-9b-it"],
                    config=RecommendConfig(method="oll_average", targets=("score",)))
    q3 = next(r for r in out["ranking"] if r["model"] == "Qwen/Qwen3-8B")
    q = out["interval"]["per_target"]["score"]["halfwidth"]
    assert q3["feature_status"] == "mapped" and q3["feature_spread"] > 0 and q3["mapped_from"]
    assert q3["score"]["high"] - q3["score"]["predicted"] > q
