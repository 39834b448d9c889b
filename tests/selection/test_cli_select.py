"""rmbase recommend / plan through the CLI: output, exit codes, nothing half-written."""

from __future__ import annotations

import json

import pytest

from rmbase.cli import main


def test_recommend_prints_ranking_and_writes_json(tmp_path, capsys):
    out = tmp_path / "rec.json"
    code = main(["recommend", "--candidates", "gemma-2-9b-it,Qwen2.5-7B-Instruct,nobody/x", "--top", "2",
                 "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "gemma-2-9b-it" in text and "empirical coverage" in text
    # a candidate no table scores: the commands that would score it, and what is left without them
    assert "No benchmark scores anywhere for 1 candidate(s)" in text
    assert "rmbase benchmarks run --model nobody/x --suite leaderboard" in text
    assert "without them the prediction would rest on nothing" in text
    data = json.loads(out.read_text())
    assert data["n_candidates"] == 2 and data["unscorable"][0]["model"] == "nobody/x"
    assert data["no_scores"][0]["model"] == "nobody/x" and data["no_scores"][0]["estimate"] is None


def test_recommend_unknown_candidates_exit_2(tmp_path, capsys):
    out = tmp_path / "rec.json"
    code = main(["recommend", "--candidates", "nobody/x,nobody/y", "--json", str(out)])
    assert code == 2
    assert "no candidate can be scored" in capsys.readouterr().err
    assert not out.exists()


def test_plan_simulate_and_refusals(tmp_path, capsys):
    assert main(["plan", "--simulate", "--starts", "5"]) == 0
    assert "bo_ei_capability" in capsys.readouterr().out
    assert main(["plan", "--candidates", "gemma-2-9b-it,Qwen2.5-7B-Instruct", "--budget", "3"]) == 2
    assert "budget 3 is larger" in capsys.readouterr().err
    bad = tmp_path / "trained.csv"
    bad.write_text("model,score\nacme/unknown,0.5\n")
    assert main(["plan", "--trained", str(bad)]) == 2
    assert "another dataset" in capsys.readouterr().err


def test_plan_proposes_from_trained_results(tmp_path, capsys):
    trained = tmp_path / "trained.csv"
    trained.write_text("model,score\nLlama-3.1-8B-Instruct,83.2\nQwen2.5-7B-Instruct,86.5\n")
    out = tmp_path / "plan.json"
    assert main(["plan", "--trained", str(trained), "--budget", "2", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert len(data["proposals"]) == 2 and data["n_trained"] == 2
    assert data["best_trained"] == {"model": "Qwen/Qwen2.5-7B-Instruct", "score": 86.5}


@pytest.mark.parametrize("value", ["-3", "0", "nan"])
def test_max_params_out_of_range_is_named(value, capsys):
    """A size limit that no base can meet is the option's error, not 'no candidate can be scored'."""
    assert main(["recommend", "--max-params", value]) == 2
    err = capsys.readouterr().err
    assert "--max-params must be a finite number > 0" in err and "Traceback" not in err
