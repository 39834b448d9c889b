"""RM benchmarks as specs: a toy 2-subset pairwise benchmark registered from outside the package, validated,
scored end to end by the same runner on a tiny model and summarised again from its scores.jsonl; the registry's
rules; the public API without the old name clash."""

from __future__ import annotations

import importlib
import json
import sys

import pytest

import rmbase.rm_eval as R
from rmbase.errors import InputError
from rmbase.rm_eval import RMBenchmark, pairwise_correct, register, unregister
from rmbase.rm_eval.data import validate_records

# --- what a user writes to add an RM benchmark (here: two subsets, the hard one weighing three times as much)
TOY = RMBenchmark(
    name="toy-pairs", sections={"Easy": {"toy-easy": 1}, "Hard": {"toy-hard": 1}},
    section_weights={"Easy": 1, "Hard": 3}, example_rule=pairwise_correct, pairwise=True,
    description="a toy pairwise benchmark for tests")


@pytest.fixture
def toy():
    register(TOY)
    yield TOY
    unregister(TOY.name)


def toy_rows(n: int = 3) -> list[dict]:
    good = ["Two plus two is four.", "The sea is wide and blue and deep.", "The quick brown fox jumps."]
    bad = ["No.", "I cannot help with that request, sorry.", "user assistant system"]
    return [{"id": f"{subset}-{i}", "subset": subset, "prompt": "What is two plus two?",
             "chosen": good[i % 3] if subset == "toy-easy" else bad[i % 3],
             "rejected": bad[i % 3] if subset == "toy-easy" else good[(i + 1) % 3]}
            for subset in ("toy-easy", "toy-hard") for i in range(n)]


def test_toy_spec_scores_with_its_own_sections_and_weights(toy):
    assert R.get_benchmark("toy-pairs") is toy and "toy-pairs" in R.rule_names()
    records = [{"id": "a", "subset": "toy-easy", "scores": [2.0, 1.0]},
               {"id": "b", "subset": "toy-easy", "scores": [1.0, 1.0]},  # a tie is wrong
               {"id": "c", "subset": "toy-hard", "scores": [0.0, 1.0]},
               {"id": "d", "subset": "toy-hard", "scores": [3.0, 1.0]}]
    figures = R.subset_figures(records, "toy-pairs")
    assert (figures["toy-easy"].correct, figures["toy-easy"].total) == (1, 2)
    summ = R.summarize({k: f.accuracy for k, f in figures.items()}, "toy-pairs")
    assert summ.sections == {"Easy": 0.5, "Hard": 0.5} and summ.score == pytest.approx(0.5)
    lopsided = R.summarize({"toy-easy": 1.0, "toy-hard": 0.0}, "toy-pairs")
    assert lopsided.score == pytest.approx(0.25)  # (1 * 1 + 3 * 0) / 4
    assert R.detect_rules(["toy-easy"]) == "toy-pairs"
    with pytest.raises(InputError, match="toy-hard"):
        R.summarize({"toy-easy": 1.0}, "toy-pairs")
    with pytest.raises(InputError, match="unknown subset"):
        validate_records([dict(toy_rows(1)[0], subset="llmbar-natural")], "toy-pairs", source="toy.jsonl")


def test_registry_refuses_clashes_and_forgets(toy):
    with pytest.raises(ValueError, match="already registered"):
        register(TOY)
    with pytest.raises(ValueError, match="already registered"):
        register(RMBenchmark(name="other", rules="v1", sections={"A": {"a": 1}}, example_rule=pairwise_correct))
    with pytest.raises(ValueError, match="section_weights"):
        RMBenchmark(name="bad", sections={"A": {"a": 1}}, section_weights={"B": 1}, example_rule=pairwise_correct)
    unregister("toy-pairs")
    with pytest.raises(InputError, match="unknown benchmark 'toy-pairs'"):
        R.get_benchmark("toy-pairs")
    register(TOY)  # the fixture unregisters it again


def test_builtin_specs_hold_the_published_layout():
    rb1, rb2 = R.get_benchmark("rewardbench"), R.get_benchmark("rewardbench2")
    assert (rb1.hub, rb1.split, rb1.rules, rb1.pairwise) == ("allenai/reward-bench", "filtered", "v1", True)
    assert (rb2.hub, rb2.split, rb2.rules, rb2.pairwise) == ("allenai/reward-bench-2", "test", "v2", False)
    assert rb1.subsets == R.V1_SUBSETS and rb2.subsets == R.V2_SUBSETS
    prior = R.get_rules("v1-prior")
    assert prior.name == "rewardbench" and prior.section_weights == R.V1_PRIOR_WEIGHTS
    assert set(rb1.accepted_subsets) == set(prior.subsets)  # v1 data may carry the prior sets; v1 ignores them


def test_summarize_is_the_function_whatever_is_imported():
    importlib.import_module("rmbase.rm_eval.summary_files")
    importlib.import_module("rmbase.rm_eval.rules")
    assert callable(R.summarize) and R.summarize is sys.modules["rmbase.rm_eval.registry"].summarize
    assert R.summarize(dict.fromkeys(R.V2_SUBSETS, 0.5), "v2").score == 0.5


# ------------------------------------------------------------------------------------------ end to end (torch)

def test_toy_benchmark_end_to_end_through_the_runner(tmp_path, toy):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from helpers.tiny_reward_models import tiny_reward_model_dir
    from rmbase.rm_eval.runner import EvaluateConfig, evaluate_model
    from rmbase.rm_eval.summary_files import summarize_file

    model = tiny_reward_model_dir(tmp_path / "rm")
    data = tmp_path / "toy.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in toy_rows()))
    out = tmp_path / "out"
    res = evaluate_model(EvaluateConfig(model=str(model), out=str(out), benchmark="toy-pairs", data=str(data),
                                        batch_size=2, device="cpu", rewardbench_format=True))
    lines = [json.loads(x) for x in (out / "scores.jsonl").read_text().splitlines()]
    assert [len(r["scores"]) for r in lines] == [2] * 6
    acc = {s: sum(r["scores"][0] > r["scores"][1] for r in lines if r["subset"] == s) / 3
           for s in ("toy-easy", "toy-hard")}
    assert (res["benchmark"], res["rules"]) == ("toy-pairs", "toy-pairs")
    assert {k: v["accuracy"] for k, v in res["subsets"].items()} == acc
    assert res["sections"] == {"Easy": acc["toy-easy"], "Hard": acc["toy-hard"]} and not res["partial"]
    assert res["score"] == pytest.approx((acc["toy-easy"] + 3 * acc["toy-hard"]) / 4)
    layout = json.loads(next((out / "rewardbench" / "eval-set-scores").rglob("*.json")).read_text())
    assert layout["results"] == [int(r["scores"][0] > r["scores"][1]) for r in lines]  # the pairwise layout
    again = summarize_file(out / "scores.jsonl")  # rules detected from the subset names
    assert [(s.rules, s.score) for s in again.values()] == [("toy-pairs", pytest.approx(res["score"]))]


# ------------------------------------------------------------------------------------------ the contract

def test_the_contract_holds_for_every_built_in_rule_set_and_the_toy(toy):
    from rmbase.rm_eval.contract import check_rm_benchmark
    from rmbase.rm_eval.registry import benchmark_names, get_rules, rule_names

    assert {"v1", "v1-prior", "v2"} <= set(rule_names())
    for rules in rule_names():
        assert check_rm_benchmark(get_rules(rules)).rules == rules
    assert "toy-pairs" in benchmark_names() and check_rm_benchmark("toy-pairs") is toy


@pytest.mark.parametrize(("change", "rule"), [
    ({"example_rule": lambda scores: 1.0}, "scored lowest earns credit"),
    ({"section_weights": {"Easy": 1.0, "Hard": 0.0}}, "section Hard weighs 0.0"),
    ({"summary_rule": lambda used, sections, weights: ({s: 0.5 for s in sections}, {}, 0.5)}, "gives the score"),
    ({"hub": "org/data"}, "needs its split"),
])
def test_the_contract_finds_a_broken_spec(toy, change, rule):
    import dataclasses

    from rmbase.rm_eval.contract import check_rm_benchmark

    with pytest.raises(AssertionError, match=rule):
        check_rm_benchmark(dataclasses.replace(toy, name="broken", rules="broken", **change))
