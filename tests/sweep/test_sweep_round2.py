"""Issue 20, sweep run (no Ray started): a failed cell is a non-zero exit naming it (item 10), bases that cannot
load are refused by validation (item 10), a dry run needs no devices and a real run blames resources (item 11),
--throughput has a range (item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.bad_input import assert_refused, run
from helpers.sweep import sweep_config, write_config


def _copy_base(src: Path, dst: Path, *, config: dict | None = None, weights: str | None = "model.safetensors"):
    dst.mkdir()
    for f in src.iterdir():
        if f.name == "model.safetensors":
            if weights:
                (dst / weights).write_bytes(f.read_bytes())
        elif f.is_file():
            (dst / f.name).write_bytes(f.read_bytes())
    if config is not None:
        meta = json.loads((dst / "config.json").read_text())
        (dst / "config.json").write_text(json.dumps({**meta, **config}))
    return dst


def test_bases_that_cannot_load_are_refused_before_ray(tiny_bases, sweep_data, tmp_path, capsys):
    remote = _copy_base(tiny_bases["alpha"], tmp_path / "remote",
                        config={"model_type": "my_llama", "auto_map": {"AutoModel": "modeling.MyModel"}})
    pickled = _copy_base(tiny_bases["alpha"], tmp_path / "pickled", weights="pytorch_model.bin")
    for base, needles in ((remote, ("bases[0].path", "needs remote code", "trust_remote_code: true")),
                          (pickled, ("bases[0].path", "pickled weights only (pytorch_model.bin)"))):
        cfg = sweep_config(tiny_bases, sweep_data, bases=[{"name": "x", "path": str(base)}])
        path = write_config(tmp_path / "s.yaml", cfg)
        store = tmp_path / "store"
        assert_refused(["sweep", "run", path, "--store", store, "--dry-run"], capsys, *needles, not_written=(store,))
    cfg = sweep_config(tiny_bases, sweep_data, bases=[{"name": "x", "path": str(remote), "trust_remote_code": True}])
    # with the flag the check passes (the size then comes from params_b, since the code is not there)
    cfg["bases"][0]["params_b"] = 0.001
    code, out, err = run(["sweep", "run", write_config(tmp_path / "t.yaml", cfg), "--store", tmp_path / "s2",
                          "--dry-run"], capsys)
    assert code == 0, err


def test_a_dry_run_needs_no_gpu_and_a_real_run_blames_resources(tiny_bases, sweep_data, tmp_path, capsys,
                                                                 monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    cfg = write_config(tmp_path / "gpu.yaml", sweep_config(tiny_bases, sweep_data, resources={"cpus": 1, "gpus": 1}))
    code, out, err = run(["sweep", "run", cfg, "--store", tmp_path / "s", "--dry-run"], capsys)
    assert code == 0, err
    assert "checked against the machine or cluster when the cells run" in out and "dry run: config valid" in out
    assert_refused(["sweep", "run", cfg, "--store", tmp_path / "s", "--no-live"], capsys, "resources.gpus",
                   "asks for 1 GPU(s); this machine has 0")


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_throughput_has_a_range(make_config, tmp_path, capsys, value):
    assert_refused(["sweep", "run", make_config(), "--store", tmp_path / "s", "--dry-run", "--throughput", value],
                   capsys, "--throughput", "out of range", "> 0")


def test_a_failed_cell_is_a_nonzero_exit_naming_it(make_config, tmp_path, capsys, monkeypatch):
    from rmbase.sweep import engine

    def fake_run(checked, store, **_):
        st = engine.prepare_store(checked, store)
        cid = checked.cells[0].id
        for _ in range(checked.config.retries + 1):
            st.record_error(cid, "RuntimeError: CUDA out of memory", "Traceback (most recent call last): ...")
        return engine.RunSummary(store=Path(store), cells=len(checked.cells), failed=[cid],
                                 done=[c.id for c in checked.cells[1:]])

    monkeypatch.setattr(engine, "run_sweep", fake_run)
    store = tmp_path / "store"
    code, out, err = run(["sweep", "run", make_config(), "--store", store, "--no-live"], capsys)
    assert code == 1
    assert "failed: alpha__bradley_terry" in err and "RuntimeError: CUDA out of memory" in err
    assert f"rmbase sweep status {store}" in err and "Traceback" not in err


def test_a_huge_learning_rate_grid_is_capped_and_a_large_one_noted(make_config, tmp_path, capsys):
    lrs = [round(1e-6 * (1 + i), 9) for i in range(300)]
    assert_refused(["sweep", "run", make_config(lrs=lrs), "--store", tmp_path / "s", "--dry-run"], capsys,
                   "learning_rates", "300 learning rates for bradley_terry: more than 40")
    code, out, err = run(["sweep", "run", make_config(name="b.yaml", lrs=lrs[:15]), "--store", tmp_path / "s",
                          "--dry-run"], capsys)
    assert code == 0, err
    assert "note: learning_rates: 15 learning rates for bradley_terry (the study used 10)" in out


def test_a_dry_run_summarises_per_base_and_recipe(make_config, tmp_path, capsys):
    code, out, err = run(["sweep", "run", make_config(), "--store", tmp_path / "s", "--dry-run"], capsys)
    assert code == 0, err
    assert "8 cells of tiny: 4 base x recipe" in out and "alpha__bradley_terry__lr0.003__s0" not in out
    assert "CPU-h" in out and "CPU-hours" in out and "GPU-hours" not in out  # resources: no GPU
    code, out, err = run(["sweep", "run", make_config(), "--store", tmp_path / "s", "--dry-run", "--verbose"], capsys)
    assert code == 0 and "alpha__bradley_terry__lr0.003__s0" in out


def test_tunes_failure_report_goes_to_the_store_not_the_terminal(tmp_path):
    """Item 10 (the rest): Tune logs a failed trial with its whole traceback; while a sweep runs that record is
    kept in STORE/tune/errors.log and does not reach the terminal; Tune's other messages still do."""
    import io
    import logging

    from rmbase.sweep.tune_errors import tune_failures_to

    terminal = io.StringIO()
    handler = logging.StreamHandler(terminal)
    parent = logging.getLogger("ray.tune")
    parent.addHandler(handler)
    controller = logging.getLogger("ray.tune.execution.tune_controller")
    log = tmp_path / "tune" / "errors.log"
    try:
        try:
            raise RuntimeError("CUDA out of memory")
        except RuntimeError as exc:
            error = exc
        with tune_failures_to(log) as kept:
            controller.error("Trial task failed for trial cell-1", exc_info=error)
            logging.getLogger("ray.tune.tune").error("Trials did not complete: [cell-1]")
            controller.warning("Trial controller checkpointing failed: disk full")
        assert kept.kept == 2
        shown = terminal.getvalue()
        assert "Trial task failed" not in shown and "Traceback" not in shown and "did not complete" not in shown
        assert "checkpointing failed: disk full" in shown              # other messages are left alone
        text = log.read_text()
        assert "Trial task failed for trial cell-1" in text and "RuntimeError: CUDA out of memory" in text
        controller.error("Trial task failed for trial cell-2")        # outside a sweep: untouched
        assert "cell-2" in terminal.getvalue() and "cell-2" not in log.read_text()
    finally:
        parent.removeHandler(handler)


def test_tunes_failure_report_is_shown_when_the_store_cannot_keep_it(tmp_path):
    import io
    import logging

    from rmbase.sweep.tune_errors import tune_failures_to

    terminal = io.StringIO()
    handler = logging.StreamHandler(terminal)
    parent = logging.getLogger("ray.tune")
    parent.addHandler(handler)
    (tmp_path / "tune").write_text("a file where the folder goes")
    try:
        with tune_failures_to(tmp_path / "tune" / "errors.log"):
            logging.getLogger("ray.tune.execution.tune_controller").error("Trial task failed for trial cell-1")
    finally:
        parent.removeHandler(handler)
    assert "Trial task failed for trial cell-1" in terminal.getvalue()   # never lost
