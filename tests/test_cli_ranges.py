"""A careless user's numbers on the command line: each value outside its config's declared range ends in exit code 2
with one message naming the option and the value, no traceback and nothing written, before any model, data or
Hub is touched (the ranges themselves: tests/test_config_ranges.py)."""

from __future__ import annotations

import pytest
import yaml

from helpers.bad_input import assert_refused, run


@pytest.mark.parametrize("argv, needles", [
    (["recommend", "--seed", "-1"], ("seed: must be at least 0, got -1",)),
    (["recommend", "--today-since", "garbage"], ("today_since: expected a date YYYY-MM-DD, got 'garbage'",)),
    (["recommend", "--today-since", "2025-13-01"], ("today_since: expected a date YYYY-MM-DD",)),
    (["recommend", "--alpha", "0"], ("alpha: must be more than 0",)),
    (["recommend", "--top", "0"], ("top: must be at least 1, got 0",)),
    (["recommend", "--max-params", "inf"], ("max_params: must be a finite number, got inf",)),
    (["plan", "--tau", "0"], ("tau: must be more than 0, got 0",)),
    (["plan", "--scale", "-1"], ("scale: must be more than 0, got -1",)),
    (["plan", "--scale", "nan"], ("scale: must be a finite number, got nan",)),
    (["plan", "--noise", "0"], ("noise: must be more than 0, got 0",)),
    (["plan", "--prior-weight", "nan"], ("prior_weight: must be a finite number, got nan",)),
    (["plan", "--family-sd", "-1"], ("family_sd: must be at least 0, got -1",)),
])
def test_selection_numbers_out_of_range_are_refused(argv, needles, capsys):
    assert_refused(argv, capsys, *needles)


def _train(tmp_path, *more):
    return ["train", "--model", tmp_path / "no-model", "--data", tmp_path / "t.jsonl", "--val-data",
            tmp_path / "v.jsonl", "--out", tmp_path / "rm", *more]


@pytest.mark.parametrize("more, needles", [
    (["--lora-dropout", "1.5"], ("lora_dropout: must be less than 1, got 1.5",)),
    (["--epochs", "0"], ("epochs: must be more than 0, got 0",)),
    (["--epochs", "nan"], ("epochs: must be a finite number, got nan",)),
    (["--warmup-steps", "-1"], ("warmup_steps: must be at least 0, got -1",)),
    (["--weight-decay", "-1"], ("weight_decay: must be at least 0, got -1",)),
    (["--lora-r", "0"], ("lora_r: must be at least 1, got 0",)),
    (["--max-steps", "0"], ("max_steps: must be at least 1, got 0",)),
    (["--threads", "0"], ("threads: must be at least 1, got 0",)),
    # the option's name differs from the field's: both are named
    (["--global-batch-size", "0"], ("--global-batch-size (key batch_size): must be at least 1, got 0",)),
])
def test_train_numbers_out_of_range_are_refused_before_any_work(more, needles, tmp_path, capsys):
    """The model, data and validation files do not exist: the range is checked first."""
    assert_refused(_train(tmp_path, *more), capsys, *needles, not_written=(tmp_path / "rm",), quiet=False)


def test_an_empty_data_revision_never_reaches_the_hub(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert_refused(["evaluate", "--model", "org/model", "--out", tmp_path / "ev", "--data-revision", ""], capsys,
                   "data_revision: must not be empty, got ''", not_written=(tmp_path / "ev",))


def test_a_config_file_value_out_of_range_names_the_file_and_key(tmp_path, capsys):
    config = tmp_path / "plan.yaml"
    config.write_text(yaml.safe_dump({"tau": -2.0}))
    assert_refused(["plan", "--config", config], capsys, str(config), "tau: must be more than 0, got -2")


def test_the_help_shows_the_ranges(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run(["train", "--help"], capsys)
    assert code == 0
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("│ --")}
    assert "[0<=x<1]" in lines["--lora-dropout"] and "[x>=1]" in lines["--lora-r"]
    assert "[x>=0]" in lines["--warmup-steps"] and "[x>0]" in lines["--epochs"]
    code, out, _ = run(["recommend", "--help"], capsys)
    assert code == 0 and "[0<x<1]" in out and "YYYY-MM-DD" in out


@pytest.mark.parametrize("argv, needle", [
    (["train", "--model", "m", "--data", "", "--val-data", "v.jsonl"], "--data (key train): must not be empty"),
    (["train", "--model", "m", "--data", "t.jsonl", "--val-data", ""], "--val-data (key val): must not be empty"),
    (["probe", "--model", "m", "--data", ""], "--data (key pairs): must not be empty"),
    (["presence", "score", "--model", "m", "--data", ""], "--data (key corpus): must not be empty"),
])
def test_an_empty_data_name_is_refused_before_the_model_is_loaded(argv, needle, tmp_path, capsys, monkeypatch):
    """The model 'm' exists nowhere: the empty name is refused first (the Hub is never asked)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert_refused([*argv, "--out", tmp_path / "out"], capsys, needle, not_written=(tmp_path / "out",), quiet=False)
