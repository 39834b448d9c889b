"""Sweep config and --dry-run: every config error fails before any cell starts, naming its key (exit code 2)."""

from __future__ import annotations

import pytest
import yaml

from helpers.sweep import sweep_config, write_config
from rmbase.cli import main
from rmbase.errors import InputError
from rmbase.sweep.checks import load_sweep_config, validate
from rmbase.sweep.config import Cell, SweepConfig, expand_cells


def test_cells_are_base_x_recipe_x_lr_x_seed_and_round_trip_yaml(make_config):
    path = make_config(seeds=[0, 1])
    cfg = load_sweep_config(path)
    checked = validate(cfg, source=str(path))
    assert len(checked.cells) == 2 * 2 * 2 * 2
    ids = [c.id for c in checked.cells]
    assert len(set(ids)) == len(ids) and ids[0] == "alpha__bradley_terry__lr0.003__s0"
    reg = next(c for c in checked.cells if c.recipe == "regression")
    from rmbase.rm_eval.runner import EvaluateConfig
    from rmbase.training.config import TrainConfig

    assert isinstance(reg.train, TrainConfig) and reg.train.recipe_unit.name == "regression"
    assert reg.train.train.endswith("attributes.jsonl") and reg.train.learning_rates == [reg.learning_rate]
    assert reg.train.max_steps == 3 and reg.train.per_device_batch_size == 16  # the config's training options
    ev = reg.evals["pairs"]
    assert isinstance(ev, EvaluateConfig) and ev.max_length == 64 and ev.allow_partial  # the sweep's eval rules
    assert Cell.from_dict(reg.as_dict()) == reg  # what the store keeps is the typed cell again
    again = SweepConfig.model_validate(yaml.safe_load(cfg.to_yaml()))
    assert [c.fingerprint for c in expand_cells(again)] == [c.fingerprint for c in checked.cells]


def test_relative_paths_are_taken_from_the_config_folder(tiny_bases, sweep_data, tmp_path):
    cfg = sweep_config(tiny_bases, sweep_data)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "train.jsonl").write_text(sweep_data["train"].read_text())
    cfg["data"]["bradley_terry"]["train"] = "d/train.jsonl"
    path = write_config(tmp_path / "c.yaml", cfg)
    assert load_sweep_config(path).data["bradley_terry"].train == str(tmp_path / "d" / "train.jsonl")


@pytest.mark.parametrize(("change", "key"), [
    ({"recipes": ["bradley_terry", "dpo"]}, "recipes[1]"),
    ({"data": {"bradley_terry": {"train": "/nope/train.jsonl", "val": "/nope/val.jsonl"}}}, "data.bradley_terry.train"),
    ({"bases": [{"name": "gone", "path": "/nope/model"}]}, "bases[0].path"),
    ({"resources": {"cpus": 0}}, "resources.cpus"),
    ({"resources": {"cpus": 1, "gpus": 1.5}}, "resources.gpus"),
    ({"resources": {"cpus": 4096}}, "resources.cpus"),
    ({"learning_rates": [1e-3, 1e-3]}, "learning_rates"),
    ({"seeds": [0, 0]}, "seeds"),
    ({"eval_sets": {"rb": {"benchmark": "rewardbench3"}}}, "eval_sets.rb.benchmark"),
    ({"eval_sets": {"rb": {"benchmark": "rewardbench", "data": "/nope/rb.jsonl"}}}, "eval_sets.rb.data"),
    ({"training": {"batch_size": 10, "per_device_batch_size": 4}}, "training"),
    ({"training": {"out": "/tmp/x"}}, "training.out"),
    ({"training": {"device": "cpu"}}, "training.device"),       # device and threads follow resources
    ({"training": {"threads": 2}}, "training.threads"),
    ({"training": {"schedule": "linear"}}, "training.schedule"),
    ({"eval_sets": {"rb": {"benchmark": "rewardbench", "threads": 2}}}, "eval_sets.rb.threads"),
    ({"eval_sets": {"rb": {"benchmark": "rewardbench", "truncation": "middle"}}}, "eval_sets.rb"),
    ({"eval_sets": {"rb": {"benchmark": "rewardbench", "batch_sizes": 2}}}, "eval_sets.rb.batch_sizes"),
])
def test_config_errors_name_the_key_and_exit_2(tiny_bases, sweep_data, tmp_path, capsys, change, key):
    cfg = sweep_config(tiny_bases, sweep_data, recipes=("bradley_terry",))
    cfg.update(change)
    path = write_config(tmp_path / "bad.yaml", cfg)
    with pytest.raises(InputError) as err:
        validate(load_sweep_config(path), source=str(path))
    assert key in str(err.value)
    store = tmp_path / "store"
    # what this machine has is checked only when cells will run (a dry run plans for another machine)
    machine = change.get("resources", {}).get("cpus") == 4096
    assert main(["sweep", "run", str(path), "--store", str(store), *([] if machine else ["--dry-run"]),
                 "--no-live"]) == 2
    assert key in capsys.readouterr().err and not store.exists()


def test_duplicate_cells_from_two_entries_of_one_base(tiny_bases, sweep_data, tmp_path):
    cfg = sweep_config(tiny_bases, sweep_data)
    cfg["bases"].append({"name": "alpha", "path": str(tiny_bases["beta"])})
    path = write_config(tmp_path / "dup.yaml", cfg)
    with pytest.raises(InputError, match=r"duplicate cell alpha__bradley_terry__lr0.003__s0 .*bases\[2\]"):
        validate(load_sweep_config(path))


def test_dry_run_lists_cells_and_estimates_gpu_hours(make_config, tmp_path, capsys):
    path = make_config()
    store = tmp_path / "store"
    assert main(["sweep", "run", str(path), "--store", str(store), "--dry-run", "--throughput", "1e-6",
                 "--verbose"]) == 0  # every cell listed with --verbose (the default: one row per base x recipe)
    out = capsys.readouterr().out
    assert "8 cells" in out and "alpha__regression__lr0.001__s0" in out
    assert "estimated cost:" in out and "1e-06 effective TFLOP/s" in out and "characters / 4" in out
    assert not store.exists()                        # nothing started, nothing written


def test_cost_scales_with_params_and_inverse_throughput(make_config):
    from rmbase.sweep.cost import estimate

    checked = validate(load_sweep_config(make_config()))
    costs, summary = estimate(checked, tflops_per_gpu=1.0)
    costs2, summary2 = estimate(checked, tflops_per_gpu=2.0)
    assert summary["gpu_hours"] == pytest.approx(2 * summary2["gpu_hours"]) and summary["gpu_hours"] > 0
    assert all(c.params_source == "checkpoint" and 0 < c.params_b < 1e-3 for c in costs)  # safetensors headers
    assert {c.steps for c in costs} == {3}           # max_steps caps the 48 rows / 16 per batch
    # a bundled study base needs no checkpoint: its size comes from the study's table
    checked.bases[0] = checked.bases[0].model_copy(update={"name": "google/gemma-2-9b-it", "path": None,
                                                            "id": "google/gemma-2-9b-it"})
    from rmbase.sweep.cost import base_params

    assert base_params(checked.bases[0]) == (9.24, "bundled paper_2505_10775/models.csv")


def test_bases_from_a_model_table(tiny_bases, sweep_data, tmp_path):
    import pandas as pd

    table = tmp_path / "models.csv"
    pd.DataFrame({"model": ["a1", "b1"], "path": [str(tiny_bases["alpha"]), str(tiny_bases["beta"])],
                  "params_b": [0.5, None]}).to_csv(table, index=False)
    cfg = sweep_config(tiny_bases, sweep_data, recipes=("bradley_terry",), lrs=(1e-3,))
    cfg.update(bases=[], models=str(table))
    checked = validate(load_sweep_config(write_config(tmp_path / "t.yaml", cfg)))
    assert [c.base for c in checked.cells] == ["a1", "b1"]
    assert [b.params_b for b in checked.bases] == [0.5, None]
    pd.DataFrame({"model": ["gone"], "path": ["/nope/base"]}).to_csv(table, index=False)
    with pytest.raises(InputError, match=r"bases\[0\].path"):
        validate(load_sweep_config(write_config(tmp_path / "t.yaml", cfg)))


def test_status_tells_running_from_interrupted_cells(make_config, tmp_path):
    from rmbase.sweep.collect import status_rows
    from rmbase.sweep.engine import prepare_store

    checked = validate(load_sweep_config(make_config(recipes=["bradley_terry"], lrs=[1e-3])))
    store = prepare_store(checked, tmp_path / "store")
    cell = checked.cells[0].id
    store.append_progress(cell, {"step": 1, "val_accuracy": 0.5, "max_steps": 3, "time": 0.0})
    assert {r["cell"]: r["state"] for r in status_rows(store)}[cell] == "interrupted"
    store.mark_driver()                                   # this process plays the driver
    assert {r["cell"]: r["state"] for r in status_rows(store)}[cell] == "running"
    import json

    info = json.loads((store.root / "driver.json").read_text())
    (store.root / "driver.json").write_text(json.dumps({**info, "pid": 2 ** 22 + 12345}))   # a dead driver
    assert {r["cell"]: r["state"] for r in status_rows(store)}[cell] == "interrupted"
    store.unmark_driver()


def test_sweep_commands_take_their_options_from_config(make_config, tmp_path, capsys):
    sweep = make_config()
    store = tmp_path / "store"
    opts = write_yaml(tmp_path / "opts.yaml", {"config": str(sweep), "store": str(store), "dry_run": True,
                                          "throughput": 1e-6, "verbose": True})
    assert main(["sweep", "run", "--config", str(opts)]) == 0
    out = capsys.readouterr().out
    assert "8 cells" in out and "alpha__regression__lr0.001__s0" in out and "1e-06 effective TFLOP/s" in out
    assert not store.exists()
    missing = tmp_path / "nowhere"
    for command in ("status", "collect"):
        assert main(["sweep", command, "--config", str(write_yaml(tmp_path / "s.yaml", {"store": str(missing)}))]) == 2
        assert "nowhere" in capsys.readouterr().err


def write_yaml(path, obj):
    import yaml

    path.write_text(yaml.safe_dump(obj))
    return path
