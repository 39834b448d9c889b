"""`--config FILE` on the commands that are not tested beside their room: the file gives the config, an option
given on the command line wins over it (even when given at its default value), and the resolved config is written
beside the output."""

from __future__ import annotations

import json

import pytest
import yaml

from rmbase.cli import main


def _yaml(path, obj):
    path.write_text(yaml.safe_dump(obj))
    return path


def test_study_config_file_and_override(tmp_path):
    cfg = _yaml(tmp_path / "study.yaml", {"recipe": "bradley_terry", "target": "chat", "out_of_fold": False,
                                          "selection": False, "n_jobs": 1})
    out = tmp_path / "o"
    assert main(["study", "--config", str(cfg), "--target", "chat_hard", "--out", str(out)]) == 0
    study = json.loads((out / "study.json").read_text())
    assert study["recipe"] == "bradley_terry" and study["target"] == "chat_hard"
    assert "out_of_fold" not in study["combination"]["paper"]
    resolved = yaml.safe_load((out / "config.yaml").read_text())
    assert resolved["recipe"] == "bradley_terry" and resolved["target"] == "chat_hard"


def test_config_errors_name_the_file_and_field(tmp_path, capsys):
    bad = _yaml(tmp_path / "bad.yaml", {"recipe": "dpo"})
    assert main(["study", "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "recipe" in err
    unknown = _yaml(tmp_path / "unknown.yaml", {"recipes": "regression"})
    assert main(["study", "--config", str(unknown), "--out", str(tmp_path / "o")]) == 2
    assert "unknown key(s) recipes" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_recommend_config_file_and_override(tmp_path):
    cfg = _yaml(tmp_path / "rec.yaml", {"top": 2, "recipe": "bradley_terry", "targets": ["score"]})
    out = tmp_path / "rec.json"
    # --top 10 is the option's default value, but it was given: it wins over the file's 2
    assert main(["recommend", "--config", str(cfg), "--top", "10", "--candidates",
                 "gemma-2-9b-it,Qwen2.5-7B-Instruct", "--json", str(out)]) == 0
    resolved = yaml.safe_load((tmp_path / "rec.config.yaml").read_text())
    assert resolved["top"] == 10 and resolved["recipe"] == "bradley_terry" and resolved["targets"] == ["score"]
    data = json.loads(out.read_text())
    assert data["provenance"]["config"]["recipe"] == "bradley_terry"


def test_plan_config_file_and_override(tmp_path):
    cfg = _yaml(tmp_path / "plan.yaml", {"prior": "flat", "acquisition": "thompson", "noise": 0.25})
    trained = tmp_path / "trained.csv"
    trained.write_text("model,score\nLlama-3.1-8B-Instruct,83.2\nQwen2.5-7B-Instruct,86.5\n")
    out = tmp_path / "plan.json"
    assert main(["plan", "--config", str(cfg), "--acquisition", "ei", "--results", str(trained), "--json",
                 str(out)]) == 0
    resolved = yaml.safe_load((tmp_path / "plan.config.yaml").read_text())
    assert (resolved["prior"], resolved["acquisition"], resolved["noise"]) == ("flat", "ei", 0.25)
    assert {p["acquisition_kind"] for p in json.loads(out.read_text())["proposals"]} <= {"ei", "prior mean"}


def test_benchmarks_run_config_file_and_override(tmp_path, monkeypatch):
    from rmbase.benchmarks import run as run_mod

    seen = {}

    def fake_run_suite(model, suite_name, out, **options):
        seen.update(model=model, suite=suite_name, **options)
        out.mkdir(parents=True, exist_ok=True)
        return run_mod.RunReport(out=out, done=["ifeval"])

    monkeypatch.setattr(run_mod, "run_suite", fake_run_suite)
    cfg = _yaml(tmp_path / "run.yaml", {"model": "org/tiny", "suite": "study", "limit": 3, "device": "cuda",
                                        "include_defaults": False})
    out = tmp_path / "bench"
    assert main(["benchmarks", "run", "--config", str(cfg), "--device", "cpu", "--out", str(out)]) == 0
    assert seen["model"] == "org/tiny" and seen["suite"] == "study" and seen["limit"] == 3
    assert seen["device"] == "cpu" and seen["include_defaults"] is False
    resolved = yaml.safe_load((out / "config.yaml").read_text())
    assert resolved["device"] == "cpu" and resolved["model"] == "org/tiny"


@pytest.mark.parametrize("argv", [["benchmarks", "run", "--out", "x"], ["evaluate", "--out", "x"]])
def test_required_value_missing_from_options_and_file(tmp_path, capsys, argv):
    cfg = _yaml(tmp_path / "empty.yaml", {})
    assert main([*argv, "--config", str(cfg)]) == 2
    assert "missing --model" in capsys.readouterr().err


# ------------------------------------------------------------------ a command's own options in its --config file
def test_plan_config_carries_the_commands_own_options(tmp_path):
    cfg = _yaml(tmp_path / "plan.yaml", {"budget": 3, "prior": "flat", "json": str(tmp_path / "plan.json")})
    trained = tmp_path / "trained.csv"
    trained.write_text("model,score\nLlama-3.1-8B-Instruct,83.2\nQwen2.5-7B-Instruct,86.5\n")
    assert main(["plan", "--config", str(cfg), "--results", str(trained), "--no-study-prior"]) == 0
    result = json.loads((tmp_path / "plan.json").read_text())
    assert len(result["proposals"]) == 3                      # budget: 3 from the file
    assert yaml.safe_load((tmp_path / "plan.config.yaml").read_text())["prior"] == "flat"
    # an option given on the command line wins over the file's
    assert main(["plan", "--config", str(cfg), "--budget", "1", "--results", str(trained), "--no-study-prior"]) == 0
    assert len(json.loads((tmp_path / "plan.json").read_text())["proposals"]) == 1


def test_recommend_config_carries_candidates_as_text_or_list(tmp_path):
    for candidates in ("gemma-2-9b-it,Qwen2.5-7B-Instruct", ["gemma-2-9b-it", "Qwen2.5-7B-Instruct"]):
        out = tmp_path / "rec.json"
        cfg = _yaml(tmp_path / "rec.yaml", {"candidates": candidates, "top": 2, "json_out": str(out)})
        assert main(["recommend", "--config", str(cfg)]) == 0
        data = json.loads(out.read_text())
        assert data["n_candidates"] == 2 and yaml.safe_load((tmp_path / "rec.config.yaml").read_text())["top"] == 2


@pytest.mark.parametrize(("argv", "content", "needle"), [
    (["plan"], {"budgett": 2}, "unknown key(s) budgett"),
    (["recommend"], {"candidates": "gemma-2-9b-it", "canddates": "x"}, "unknown key(s) canddates"),
    (["recommend"], {"candidates": {"a": 1}}, "key candidates: expected a value, not a mapping"),
    (["recommend"], ["top", 2], "not a mapping of option: value"),
    (["plan"], {"budget": "many"}, "key budget: Input should be a valid integer"),
    (["plan"], {"json": "a.json", "json_out": "b.json"}, "sets the same option as another key"),
    (["report", "x"], {"bogus": 1}, "unknown key(s) bogus"),
    (["sweep", "status"], {"stor": "x"}, "unknown key(s) stor"),
    (["sweep", "collect"], {"all": True, "json": 1}, "unknown key(s) json"),
    (["sweep", "run"], {"dryrun": True}, "unknown key(s) dryrun"),
])
def test_unknown_key_in_config_file_is_one_message(tmp_path, capsys, argv, content, needle):
    cfg = _yaml(tmp_path / "opts.yaml", content)
    assert main([*argv, "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "opts.yaml" in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.strip()]) <= 3

