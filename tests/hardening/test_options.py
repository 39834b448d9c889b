"""Class 5 of issue 11: options are applied as documented or refused — never accepted and then ignored."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml

from helpers.bad_input import assert_refused, run
from rmbase.errors import InputError


def test_documented_default_form_is_applied(tmp_path, capsys):
    out = tmp_path / "o"
    code, _, err = run(["study", "--out", out, "--default", ">=6B=gemma-2-9b-it", "--no-out-of-fold",
                        "--no-selection"], capsys)
    assert code == 0, err
    assert yaml.safe_load((out / "config.yaml").read_text())["defaults"] == {">=6B": "gemma-2-9b-it"}
    import json

    gains = {g["group"]: g for g in json.loads((out / "study.json").read_text())["gains"]}
    assert gains[">=6B"]["default_model"] == "gemma-2-9b-it"


@pytest.mark.parametrize("item, needle", [("<9B=gemma-2-9b-it", "<9B"), (">=6B=", "GROUP=MODEL"),
                                          ("gemma-2-9b-it", "GROUP=MODEL")])
def test_unknown_or_malformed_default_group(tmp_path, capsys, item, needle):
    out = tmp_path / "o"
    assert_refused(["study", "--out", out, "--default", item], capsys, needle, not_written=(out,))


def test_unknown_group_in_a_config_file(tmp_path):
    from rmbase.study import StudyConfig

    with pytest.raises(InputError, match="<9B"):
        StudyConfig.build(defaults={"<9B": "x"})


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_study_n_jobs(tmp_path, capsys, jobs):
    out = tmp_path / "o"
    assert_refused(["study", "--out", out, "--n-jobs", jobs], capsys, "n_jobs", not_written=(out,))


TRAIN = ["train", "--model", "nobase", "--data", "no.jsonl", "--val-data", "no.jsonl"]


@pytest.mark.parametrize("lr, shown", [(["--lr", "inf"], "inf"), (["--lr", "1e6"], "1e+06"),
                                       (["--lr", "nan"], "NaN"), (["--lr", "0"], "0"),
                                       (["--lr-grid", "1e-5,inf"], "inf"), (["--lr", "-1e-5"], "-1e-05")])
def test_train_impossible_learning_rate_before_any_work(tmp_path, capsys, lr, shown):
    out = tmp_path / "rm"
    assert_refused([*TRAIN, "--out", out, *lr], capsys, "learning rate", shown, "from 0 to 1",
                   not_written=(out, tmp_path / "rm.work"))


@pytest.mark.parametrize("device", ["tpu", "gpu", "cuda:x"])
def test_train_and_evaluate_unknown_device(tmp_path, capsys, device):
    assert_refused([*TRAIN, "--out", tmp_path / "rm", "--device", device], capsys, "unknown device", "cpu, cuda")
    assert_refused(["evaluate", "--model", "nomodel", "--out", tmp_path / "ev", "--device", device], capsys,
                   "unknown device")
    assert_refused(["benchmarks", "run", "--model", "nomodel", "--out", tmp_path / "b", "--device", device], capsys,
                   "unknown device")


@pytest.mark.parametrize("args, needle", [(["--batch-size", "0"], "batch_size: must be at least 1, got 0"),
                                          (["--max-length", "0"], "max_length: must be at least 1, got 0"),
                                          (["--truncation", "middle"], "unknown truncation")])
def test_evaluate_bad_numbers_before_loading(tmp_path, capsys, args, needle):
    assert_refused(["evaluate", "--model", "nomodel", "--out", tmp_path / "ev", *args], capsys, needle)


def test_benchmarks_run_missing_folder_is_one_message(tmp_path, capsys):
    err = assert_refused(["benchmarks", "run", "--model", "./nope", "--out", tmp_path / "b"], capsys,
                         "no such model folder", "./nope")
    assert "Hub" not in err and "failed" not in err


def test_benchmarks_run_refuses_pickled_weights(tmp_path, capsys):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04not really")
    assert_refused(["benchmarks", "run", "--model", folder, "--out", tmp_path / "b"], capsys,
                   "pickled weights only", "pytorch_model.bin", "safetensors")


def _run(lr, acc, tied, step=20):
    return SimpleNamespace(learning_rate=lr, best_accuracy=acc, best_step=step,
                           curve=[{"step": 0, "tied_fraction": 0.0}, {"step": step, "tied_fraction": tied}])


def test_degenerate_reward_model_is_not_a_success():
    from rmbase.errors import TrainingDiverged
    from rmbase.training.checks import check_runs, tied_fraction

    assert tied_fraction([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert tied_fraction([1.0, 2.0], [0.0, 2.0]) == 0.5
    bad = _run(1e6, 0.0, 1.0)
    with pytest.raises(TrainingDiverged, match=r"lr=1e\+06 gives every validation pair the same score"):
        check_runs([bad], bad)
    good = _run(1e-5, 0.7, 0.0)
    assert check_runs([good, bad], good) == ["lr=1e+06: degenerate model (every validation pair tied); not chosen"]


@pytest.mark.parametrize("name, needle", [("model.Q4_1.gguf", "a GGUF file, not a model folder"),
                                          ("weights.safetensors", "a file, not a model folder")])
def test_train_base_that_is_a_file(tmp_path, capsys, name, needle):
    base = tmp_path / name
    base.write_bytes(b"GGUF\x03\x00")
    out = tmp_path / "rm"
    err = assert_refused([*TRAIN, "--out", out, "--model", base], capsys, needle, str(base),
                         not_written=(out, tmp_path / "rm.work"))
    assert ("docs/train.md" in err) == name.endswith(".gguf")
