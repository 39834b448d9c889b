"""``rmbase train`` from the command line: bad input ends in one message and exit code 2 with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers.training_data import synthetic_pairs, write_jsonl
from rmbase.cli import main


def _args(tiny_model_dir, tmp_path, train, val, *extra):
    return ["train", "--model", str(tiny_model_dir), "--data", str(train), "--val-data", str(val),
            "--out", str(tmp_path / "out"), *extra]


def test_missing_column_exits_2_and_writes_nothing(tiny_model_dir, tmp_path, capsys):
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"prompt": "p", "answer": "a"}])
    val = write_jsonl(tmp_path / "val.jsonl", synthetic_pairs(10, 2))
    code = main(_args(tiny_model_dir, tmp_path, bad, val))
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.jsonl" in err and "chosen" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.work").exists()


def test_out_of_range_attribute_exits_2(tiny_model_dir, tmp_path, capsys):
    attr = write_jsonl(tmp_path / "attr.jsonl", [{"prompt": "p", "response": "r", "helpfulness": 3,
                                                   "correctness": 2, "coherence": 7, "complexity": 1,
                                                   "verbosity": 0}])
    val = write_jsonl(tmp_path / "val.jsonl", synthetic_pairs(10, 2))
    code = main(_args(tiny_model_dir, tmp_path, attr, val, "--recipe", "regression"))
    err = capsys.readouterr().err
    assert code == 2 and "row 1" in err and "coherence" in err and "out of range" in err
    assert not (tmp_path / "out").exists()


def test_base_that_cannot_be_a_sequence_classifier(tmp_path, capsys):
    base = tmp_path / "vision"
    base.mkdir()
    (base / "config.json").write_text(json.dumps({"model_type": "vit"}))
    data = write_jsonl(tmp_path / "d.jsonl", synthetic_pairs(4, 1))
    code = main(["train", "--model", str(base), "--data", str(data), "--val-data", str(data), "--out",
                 str(tmp_path / "out")])
    assert code == 2 and "sequence classifier" in capsys.readouterr().err


def test_bad_options_exit_2(tiny_model_dir, tmp_path, capsys):
    data = write_jsonl(tmp_path / "d.jsonl", synthetic_pairs(4, 1))
    assert main(_args(tiny_model_dir, tmp_path, data, data, "--recipe", "dpo")) == 2
    assert "recipe" in capsys.readouterr().err
    assert main(_args(tiny_model_dir, tmp_path, data, data, "--lr-grid", "1e-5,abc")) == 2
    assert main(_args(tiny_model_dir, tmp_path, data, data, "--chat-template", "nonexistent-template")) == 2


def test_cli_trains_and_reports(tiny_model_dir, tmp_path, capsys):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    train = write_jsonl(tmp_path / "t.jsonl", synthetic_pairs(64, 1))
    val = write_jsonl(tmp_path / "v.jsonl", synthetic_pairs(12, 2) + synthetic_pairs(1, 2))  # one duplicate
    code = main(_args(tiny_model_dir, tmp_path, train, val, "--lr-grid", "1e-3,3e-3", "--global-batch-size", "16",
                      "--per-device-batch-size", "16", "--eval-steps", "2", "--warmup-steps", "1",
                      "--max-length", "64", "--threads", "1", "--device", "cpu"))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "lr=0.001" in out and "lr=0.003" in out and "dropped 1 row(s): duplicate pair" in out
    report = json.loads((tmp_path / "out" / "data_report.json").read_text())
    assert report["validation"]["dropped"] == {"duplicate pair (same prompt, chosen and rejected)": 1}


def test_help_is_fast_and_imports_no_torch():
    code = ("import sys, time; t = time.perf_counter(); from rmbase.cli import main; "
            "rc = main(['train', '--help']); "
            "assert 'torch' not in sys.modules and 'trl' not in sys.modules, 'heavy import'; print(rc)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "--lr-grid" in res.stdout and "--recipe" in res.stdout


def test_missing_base_folder_is_named(tmp_path, capsys):
    from rmbase.cli import main

    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"prompt": "p", "chosen": "a", "rejected": "b"}\n')
    code = main(["train", "--model", str(tmp_path / "no-such-base"), "--recipe", "bradley_terry", "--data", str(pairs),
                 "--val-data", str(pairs), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "no such model folder" in err and "cannot read the model config" not in err
    assert not (tmp_path / "out").exists()


def test_config_file_and_overriding_option(tiny_model_dir, tmp_path, capsys):
    """`rmbase train --config FILE`: the file gives the run, an option given on the command line wins (even at its
    default value), and the resolved config.yaml in the output loads back as the same TrainConfig."""
    import yaml

    from rmbase.training import TrainConfig

    pytest.importorskip("torch")
    train = write_jsonl(tmp_path / "t.jsonl", synthetic_pairs(16, 1))
    val = write_jsonl(tmp_path / "v.jsonl", synthetic_pairs(6, 2))
    out = tmp_path / "out"
    cfg_file = tmp_path / "train.yaml"
    cfg_file.write_text(yaml.safe_dump({
        "base": str(tiny_model_dir), "train": str(train), "val": str(val), "out": str(out), "seed": 3,
        "learning_rates": [1e-3], "batch_size": 8, "per_device_batch_size": 8, "max_length": 64, "eval_steps": 1,
        "warmup_steps": 1, "max_steps": 1, "device": "cpu", "threads": 1, "lora_alpha": 8}))
    code = main(["train", "--config", str(cfg_file), "--seed", "42", "--lr", "2e-3"])
    assert code == 0, capsys.readouterr().out
    resolved = TrainConfig.from_yaml(out / "config.yaml")
    assert resolved.seed == 42 and resolved.learning_rates == [2e-3]  # the options given win
    assert resolved.max_steps == 1 and resolved.lora_alpha == 8 and resolved.base == str(tiny_model_dir)
    assert json.loads((out / "train_config.json").read_text())["seed"] == 42
    cfg_file.write_text(yaml.safe_dump({"base": str(tiny_model_dir), "train": str(train), "val": str(val),
                                        "out": str(tmp_path / "o2"), "batch_size": 10, "per_device_batch_size": 3}))
    assert main(["train", "--config", str(cfg_file)]) == 2
    err = capsys.readouterr().err
    assert "train.yaml" in err and "per_device_batch_size" in err
    assert main(["train", "--data", str(train), "--val-data", str(val), "--out", str(tmp_path / "o3")]) == 2
    assert "missing --model (key base)" in capsys.readouterr().err


def test_train_without_arguments_says_what_is_missing(capsys):
    assert main(["train"]) == 2
    err = capsys.readouterr().err
    assert "missing --model (key base), --data (key train), --val-data (key val), --out" in err
    assert "Usage" not in err and err.count("error:") == 1


@pytest.mark.parametrize("old, new, value", [("--base", "--model", "org/m"), ("--train", "--data", "t.jsonl"),
                                             ("--val", "--val-data", "v.jsonl"),
                                             ("--batch-size", "--global-batch-size", "16")])
def test_old_spellings_still_work_with_a_note_and_not_beside_the_new(capsys, old, new, value):
    from helpers.cli import parsed
    from rmbase.commands.train import TRAIN_OPTIONS

    field = {"--model": "base", "--data": "train", "--val-data": "val", "--global-batch-size": "batch_size"}[new]
    values = TRAIN_OPTIONS.values(parsed("train", old, value))      # the old name still sets the field ...
    assert str(values[field]) == value
    assert f"{old} is deprecated" in capsys.readouterr().err
    assert main(["train", old, value]) == 2
    err = capsys.readouterr().err
    assert f"{old} is deprecated" in err and "missing" in err and new not in err.split("missing")[1]
    assert main(["train", old, value, new, value]) == 2                # ... but not beside the new one
    assert f"{old} is the old name of {new}" in capsys.readouterr().err


def test_truncation_left_is_the_old_long_pairs_truncate(capsys):
    from helpers.cli import parsed
    from rmbase.commands.train import TRAIN_OPTIONS

    assert TRAIN_OPTIONS.values(parsed("train", "--truncation", "left"))["long_pairs"] == "truncate"
    assert TRAIN_OPTIONS.values(parsed("train", "--truncation", "drop"))["long_pairs"] == "drop"
    assert TRAIN_OPTIONS.values(parsed("train", "--long-pairs", "truncate"))["long_pairs"] == "truncate"
    assert "--long-pairs is deprecated" in capsys.readouterr().err
    assert main(["train", "--long-pairs", "truncate", "--truncation", "left"]) == 2
    assert "--long-pairs is the old name of --truncation" in capsys.readouterr().err
    assert main(["train", "--truncation", "truncate"]) == 2       # the new option takes the new values only


def test_a_bad_choice_from_a_config_file_names_the_file_and_key(tmp_path, capsys):
    from helpers.bad_input import assert_refused

    cfg = tmp_path / "train.yaml"
    cfg.write_text("long_pairs: sideways\n")
    out = tmp_path / "out"
    err = assert_refused(["train", "--config", cfg, "--model", "m", "--data", "d", "--val-data", "v", "--out", out],
                         capsys, str(cfg), "key long_pairs", "'sideways'", not_written=(out,))
    assert "drop|left" in err
    # given on the command line, the bad value is the option's (no file named)
    err = assert_refused(["train", "--config", cfg, "--model", "m", "--data", "d", "--val-data", "v", "--out", out,
                          "--truncation", "bad"], capsys, "--truncation: 'bad'", not_written=(out,))
    assert str(cfg) not in err


@pytest.mark.parametrize("argv, needle", [
    (["train", "--schedule", "weekly"], "--schedule: 'weekly' is not one of 'constant', 'cosine'"),
    (["study", "--target", "nonsense"], "--target: 'nonsense' is not one of 'score'"),
    (["sweep", "run", "x.yaml", "--scheduler", "lifo"], "--scheduler: 'lifo' is not one of 'fifo', 'asha'"),
])
def test_a_bad_choice_is_one_rmbase_error_not_a_usage_box(argv, needle, capsys):
    from helpers.bad_input import assert_refused

    err = assert_refused(argv, capsys, needle)
    assert "Usage" not in err and "╭" not in err
