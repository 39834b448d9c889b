"""The new-candidate journey on local files, through the CLI: two candidates that no table has (Qwen/Qwen3-8B and a
made-up acme/Newcomer-7B-Instruct) are told how to get scores, scored from lm-eval results files, imported,
recommended beside bundled candidates, and planned over with a user's two trained results."""

from __future__ import annotations

import json

import pytest

from rmbase.benchmarks.normalise import BBH_CHOICES, MUSR_CHOICES
from rmbase.cli import main

BUNDLED = ["Qwen/Qwen2.5-7B-Instruct", "google/gemma-2-9b-it", "meta-llama/Llama-3.2-3B-Instruct"]
NEW = {"Qwen/Qwen3-8B": 8_190_735_360, "acme/Newcomer-7B-Instruct": 7_241_732_096}
CANDIDATES = ",".join([*BUNDLED, *NEW])


def lm_eval_results(model: str, n_params: int, *, bbh: float, musr: float, ifeval: tuple[float, float],
                    math: float, gpqa: float, mmlu_pro: float) -> dict:
    """A leaderboard run's results file as lm-eval 0.4 writes it (subtasks, groups, config, chat template)."""
    res: dict[str, dict] = {}
    for i, k in enumerate(BBH_CHOICES):
        res[f"leaderboard_bbh_{k}"] = {"alias": f" - {k}", "acc_norm,none": min(0.98, bbh + 0.01 * (i % 5 - 2)),
                                       "acc_norm_stderr,none": 0.03}
    for k in MUSR_CHOICES:
        res[f"leaderboard_musr_{k}"] = {"alias": f" - {k}", "acc_norm,none": musr, "acc_norm_stderr,none": 0.03}
    res["leaderboard_ifeval"] = {"alias": "leaderboard_ifeval", "prompt_level_strict_acc,none": ifeval[0],
                                 "prompt_level_strict_acc_stderr,none": 0.02, "inst_level_strict_acc,none": ifeval[1],
                                 "prompt_level_loose_acc,none": ifeval[0] + 0.03,
                                 "inst_level_loose_acc,none": ifeval[1] + 0.03}
    res["leaderboard_math_hard"] = {"alias": "leaderboard_math_hard", "exact_match,none": math,
                                    "exact_match_stderr,none": 0.01}
    res["leaderboard_gpqa"] = {"alias": "leaderboard_gpqa", "acc_norm,none": gpqa, "acc_norm_stderr,none": 0.01}
    res["leaderboard_mmlu_pro"] = {"alias": "leaderboard_mmlu_pro", "acc,none": mmlu_pro, "acc_stderr,none": 0.004}
    return {"results": res, "model_name": model, "date": 1746093600.0,
            "config": {"model": "hf", "model_args": f"pretrained={model},dtype=bfloat16",
                       "model_num_parameters": n_params, "model_dtype": "torch.bfloat16", "batch_size": "auto"},
            "chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}", "chat_template_sha": "0f3e"}


def _write(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")


@pytest.fixture
def results_dir(tmp_path):
    root = tmp_path / "lm_eval_out"
    _write(root / "Qwen__Qwen3-8B" / "results_2025-05-01T10-00-00.json",
           lm_eval_results("Qwen/Qwen3-8B", NEW["Qwen/Qwen3-8B"], bbh=0.55, musr=0.42, ifeval=(0.80, 0.86),
                           math=0.38, gpqa=0.33, mmlu_pro=0.47))
    _write(root / "acme__Newcomer-7B-Instruct" / "results_2025-05-02T09-30-00.json",
           lm_eval_results("acme/Newcomer-7B-Instruct", NEW["acme/Newcomer-7B-Instruct"], bbh=0.48, musr=0.40,
                           ifeval=(0.62, 0.71), math=0.12, gpqa=0.30, mmlu_pro=0.33))
    return root


def test_new_candidates_end_to_end(tmp_path, results_dir, capsys):
    fast = tmp_path / "recommend.yaml"  # the overall score only (the sections' fits add nothing to this journey)
    fast.write_text("targets: [score]\n")
    # 1. before any scores: recommend ranks the bundled three and says how to score the two new ones
    before = tmp_path / "before.json"
    assert main(["recommend", "--candidates", CANDIDATES, "--json", str(before), "--config", str(fast)]) == 0
    text = capsys.readouterr().out
    rec = json.loads(before.read_text())
    # Qwen3-8B has scores mapped from the bundled Swallow table; the made-up base stays in the table, ranked on its
    # size alone (wider interval), and is told how to get scores
    assert {r["model"] for r in rec["ranking"]} == {*BUNDLED, *NEW}
    rows = {r["model"]: r for r in rec["ranking"]}
    assert rows["Qwen/Qwen3-8B"]["feature_status"] == "mapped"
    assert {m for m, r in rows.items() if r["support"] == "size only"} == {"acme/Newcomer-7B-Instruct"}
    assert [g["model"] for g in rec["no_scores"]] == ["acme/Newcomer-7B-Instruct"]
    newcomer = rec["no_scores"][0]
    assert newcomer["commands"][0].startswith("rmbase benchmarks run --model acme/Newcomer-7B-Instruct --suite "
                                              "leaderboard")
    assert "--benchmarks bench/acme__Newcomer-7B-Instruct/scores.csv" in newcomer["commands"][1]
    assert newcomer["params_b_from_name"] == 7.0 and 0.5 < newcomer["estimate"]["hours"] < 24
    assert "size only (7B" in newcomer["without_scores"] and "estimate" in newcomer["estimate_text"]
    assert "rmbase benchmarks run --model acme/Newcomer-7B-Instruct" in text
    # plan cannot plan over unscored candidates: it refuses and names the command
    assert main(["plan", "--candidates", CANDIDATES]) == 2
    err = capsys.readouterr().err
    assert "rmbase benchmarks run --model acme/Newcomer-7B-Instruct" in err
    assert "rmbase plan --benchmarks bench/acme__Newcomer-7B-Instruct" in err

    # 2. the lm-eval results files are imported (sizes from lm-eval's recorded parameter counts)
    mine = tmp_path / "my_scores.csv"
    assert main(["benchmarks", "import", str(results_dir), "--out", str(mine)]) == 0
    capsys.readouterr()
    rows = mine.read_text().splitlines()
    assert "Qwen/Qwen3-8B,params_b,8.190735,billions" in {",".join(r.split(",")[:4]) for r in rows}

    # 3. recommend with the file: all five ranked, the new ones from the file, the others from the bundled table
    after = tmp_path / "after.json"
    assert main(["recommend", "--candidates", CANDIDATES, "--benchmarks", str(mine), "--json", str(after),
                 "--config", str(fast)]) == 0
    text = capsys.readouterr().out
    rec = json.loads(after.read_text())
    ranked = {r["model"]: r for r in rec["ranking"]}
    assert set(ranked) == {*BUNDLED, *NEW} and rec["no_scores"] == []
    assert {m: ranked[m]["scores_from"] for m in NEW} == {m: "file" for m in NEW}
    assert {ranked[m]["scores_from"] for m in BUNDLED} == {"bundled"}
    assert ranked["Qwen/Qwen3-8B"]["params_b"] == pytest.approx(8.190735, abs=1e-5)
    assert ranked["Qwen/Qwen3-8B"]["measured"] is None and ranked["google/gemma-2-9b-it"]["measured"]
    assert "from the file: 2 candidate(s)" in text and "Qwen/Qwen3-8B" in text
    keys = [r["rank_value"] for r in rec["ranking"]]
    assert keys == sorted(keys, reverse=True)

    # 4. plan with the user's two trained results, the study as prior evidence for the same recipe
    trained = tmp_path / "my_results.csv"
    trained.write_text("model,recipe,score\nQwen/Qwen2.5-7B-Instruct,regression,84.0\n"
                       "meta-llama/Llama-3.2-3B-Instruct,regression,75.0\n")
    plan_json = tmp_path / "plan.json"
    assert main(["plan", "--benchmarks", str(mine), "--candidates", CANDIDATES, "--results", str(trained),
                 "--budget", "2", "--json", str(plan_json)]) == 0
    text = capsys.readouterr().out
    plan = json.loads(plan_json.read_text())
    proposed = [p["model"] for p in plan["proposals"]]
    assert len(proposed) == 2 and not set(proposed) & {"Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.2-3B-Instruct"}
    assert set(proposed) <= {"google/gemma-2-9b-it", *NEW}
    for p in plan["proposals"]:
        assert 55 < p["predicted"] < 100 and 0 < p["sd"] < 6
    assert plan["study_prior"]["used"] and plan["study_prior"]["recipe"] == "regression"
    assert plan["study_prior"]["kind"] == "pooled"
    n = plan["study_prior"]["n_results"]
    assert f"Prior evidence: {n} bases with published RM results (paper-2505.10775" in text
    assert "ei = expected improvement" in text
