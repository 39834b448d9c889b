"""rmbase recommend / plan through the CLI: output, exit codes, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys

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
    assert main(["plan", "--results", str(bad)]) == 2
    assert "another dataset" in capsys.readouterr().err


def test_plan_proposes_from_trained_results(tmp_path, capsys):
    trained = tmp_path / "trained.csv"
    trained.write_text("model,score\nLlama-3.1-8B-Instruct,83.2\nQwen2.5-7B-Instruct,86.5\n")
    out = tmp_path / "plan.json"
    assert main(["plan", "--results", str(trained), "--budget", "2", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert len(data["proposals"]) == 2 and data["n_trained"] == 2
    assert data["best_trained"] == {"model": "Qwen/Qwen2.5-7B-Instruct", "score": 86.5}


@pytest.mark.parametrize("value", ["-3", "0", "nan"])
def test_max_params_out_of_range_is_named(value, capsys):
    """A size limit that no base can meet is the option's error, not 'no candidate can be scored'."""
    assert main(["recommend", "--max-params", value]) == 2
    err = capsys.readouterr().err
    assert err.count("max_params: must be ") == 1 and "Traceback" not in err
    assert ("a finite number" if value == "nan" else "more than 0") in err


def _pool(tmp_path, names):
    import pandas as pd

    f = tmp_path / "scores.csv"
    six = ("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro")
    pd.DataFrame({"model": names, "params_b": [1.0 + i for i in range(len(names))],
                  **{b: [30.0 + 3 * i + j for i in range(len(names))] for j, b in enumerate(six)}}).to_csv(f, index=False)
    return f


def test_plan_benchmarks_and_its_deprecated_name_pool(tmp_path, capsys):
    """plan --benchmarks (as recommend): the old --pool still works with a note on stderr; both at once is
    refused. Names are printed as typed (an emoji code is not replaced)."""
    smile = "acme/:smile:-x"
    pool = _pool(tmp_path, [smile, "acme/[red]EVIL[/red]", *(f"acme/m{i}" for i in range(6))])
    trained = tmp_path / "trained.csv"
    trained.write_text(f"model,score\n{smile},70.0\nacme/m0,65.0\nacme/m1,62.0\n")
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    assert main(["plan", "--benchmarks", str(pool), "--results", str(trained), "--budget", "2", "--json",
                 str(new)]) == 0
    out, err = capsys.readouterr()
    assert f"Best so far: {smile} (70.0)." in out and "deprecated" not in err
    assert main(["plan", "--pool", str(pool), "--results", str(trained), "--budget", "2", "--json", str(old)]) == 0
    assert "note: --pool is deprecated and goes in the next release; use --benchmarks" in capsys.readouterr().err
    assert json.loads(new.read_text())["proposals"] == json.loads(old.read_text())["proposals"]
    assert main(["plan", "--pool", str(pool), "--benchmarks", str(pool), "--results", str(trained)]) == 2
    assert "--pool is the old name of --benchmarks: give --benchmarks only" in capsys.readouterr().err
    cfg = tmp_path / "plan.yaml"
    cfg.write_text(f"pool: {pool}\n")  # a --config file may use the old key, with the same note ...
    assert main(["plan", "--config", str(cfg), "--results", str(trained), "--budget", "2", "--json", str(old)]) == 0
    assert "--pool is deprecated" in capsys.readouterr().err
    assert json.loads(new.read_text())["proposals"] == json.loads(old.read_text())["proposals"]
    cfg.write_text(f"pool: {pool}\nbenchmarks: {pool}\n")  # ... and is refused with both keys
    assert main(["plan", "--config", str(cfg), "--results", str(trained)]) == 2
    assert "--pool is the old name of --benchmarks" in capsys.readouterr().err


def test_plan_results_and_its_deprecated_name_trained(tmp_path, capsys, monkeypatch):
    """plan --results (the same table as study --results): the old --trained still works with a note on stderr,
    hidden from the help; both at once is refused; a --config file may use the old key."""
    trained = tmp_path / "trained.csv"
    trained.write_text("model,score\nLlama-3.1-8B-Instruct,83.2\nQwen2.5-7B-Instruct,86.5\n")
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    assert main(["plan", "--results", str(trained), "--budget", "2", "--json", str(new)]) == 0
    assert "deprecated" not in capsys.readouterr().err
    assert main(["plan", "--trained", str(trained), "--budget", "2", "--json", str(old)]) == 0
    assert "note: --trained is deprecated and goes in the next release; use --results" in capsys.readouterr().err
    assert json.loads(old.read_text())["best_trained"] == {"model": "Qwen/Qwen2.5-7B-Instruct", "score": 86.5}
    assert json.loads(new.read_text())["proposals"] == json.loads(old.read_text())["proposals"]
    assert main(["plan", "--trained", str(trained), "--results", str(trained)]) == 2
    assert "--trained is the old name of --results: give --results only" in capsys.readouterr().err
    cfg = tmp_path / "plan.yaml"
    cfg.write_text(f"trained: {trained}\nbudget: 2\n")  # the old key, with the same note ...
    old.unlink()
    assert main(["plan", "--config", str(cfg), "--json", str(old)]) == 0
    assert "--trained is deprecated" in capsys.readouterr().err
    assert json.loads(new.read_text())["proposals"] == json.loads(old.read_text())["proposals"]
    cfg.write_text(f"trained: {trained}\nresults: {trained}\n")  # ... and refused with both keys
    assert main(["plan", "--config", str(cfg)]) == 2
    assert "--trained is the old name of --results" in capsys.readouterr().err
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["plan", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--results" in text and "--trained" not in text


@pytest.mark.parametrize("command", ["plan", "recommend"])
def test_help_names_benchmarks_and_readable_types(command, capsys, monkeypatch):
    """--benchmarks in both commands (plan's old --pool hidden); types a user reads (PATH, INT, NUMBER, a|b)."""
    monkeypatch.setenv("COLUMNS", "200")
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "--benchmarks" in text and "--pool" not in text
    for typer_type in ("<str>", "<int>", "<float>", "<list[Path]>"):
        assert typer_type not in text, typer_type
    for metavar in ("PATH", "ID,...", "PATH...", "regression|bradley_terry", "INT"):
        assert metavar in text, metavar
    assert ("capability|flat" in text and "ei|thompson" in text) if command == "plan" else "NUMBER" in text


def test_every_config_field_is_an_option_of_its_command():
    """recommend's and plan's options are built from RecommendConfig / PlanConfig: fields that had no option
    (the draws' seed, the surrogate's tau) now have one, and what is not given is the config's default."""
    from helpers.cli import parsed
    from rmbase.commands.selection import PLAN_OPTIONS, RECOMMEND_OPTIONS
    from rmbase.selection.plan_surrogate import PlanConfig
    from rmbase.selection.recommend import RecommendConfig

    cfg = RECOMMEND_OPTIONS.resolve(parsed("recommend", "--seed", "5", "--samples", "100", "--top-k", "2"), None)
    assert cfg == RecommendConfig(seed=5, samples=100, top_k=2)
    cfg = PLAN_OPTIONS.resolve(parsed("plan", "--tau", "2", "--no-study-prior", "--prior", "flat"), None)
    assert cfg == PlanConfig(tau=2.0, study_prior=False, prior="flat")


@pytest.mark.parametrize("command", ["recommend", "plan"])
def test_help_of_the_command_is_light(command):
    """The options come from the configs (rmbase.selection.configs), which import no numpy/pandas/scikit-learn."""
    code = (f"import sys; from rmbase.cli import main; rc = main(['{command}', '--help']); "
            "heavy = [m for m in ('numpy', 'pandas', 'sklearn', 'scipy') if m in sys.modules]; "
            "print('HEAVY', heavy); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "--benchmarks" in proc.stdout and "HEAVY []" in proc.stdout
