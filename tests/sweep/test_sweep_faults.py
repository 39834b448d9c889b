"""Faults: kill -9 of the driver mid-sweep and the same command again; a cell that raises; a corrupted result."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from rmbase.cli import main
from rmbase.sweep.checks import load_sweep_config, validate
from rmbase.sweep.engine import run_sweep
from rmbase.sweep.store import Store

pytest.importorskip("trl")
REPO = Path(__file__).resolve().parents[2]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _steps(store: Path, cell: str) -> list[int]:
    path = store / "cells" / cell / "progress.jsonl"
    return [json.loads(x)["step"] for x in path.read_text().splitlines()] if path.exists() else []


def test_kill_9_of_the_driver_then_rerun_finishes_each_cell_once(make_config, tmp_path, ray_session):
    path = make_config(recipes=["bradley_terry"], training={"max_steps": 6})
    store = tmp_path / "store"
    address = ray_session.get_runtime_context().gcs_address
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "rmbase.cli", "sweep", "run", str(path), "--store", str(store),
                             "--address", address, "--max-concurrent", "1", "--no-live"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ids = [c.id for c in validate(load_sweep_config(path)).cells]
    deadline = time.time() + 600
    done: list[str] = []
    running: list[str] = []
    while time.time() < deadline:   # wait for: one cell done, another one part-trained (a checkpoint saved)
        done = [c for c in ids if (store / "cells" / c / "result.json").exists()]
        running = [c for c in ids if c not in done and _steps(store, c)]
        if done and running:
            break
        assert proc.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert done and running and len(done) < len(ids)
    before = {c: (_sha(store / "cells" / c / "result.json"), _sha(store / "cells" / c / "trained.json"),
                  _steps(store, c)) for c in done}
    steps_at_kill = {c: _steps(store, c) for c in running}
    _wait_until_quiet(store)
    states = {s.id: s.state for s in Store(store).states()}
    assert {states[c] for c in done} == {"done"} and {states[c] for c in running} == {"interrupted"}

    summary = run_sweep(validate(load_sweep_config(path)), store)
    assert sorted(summary.done) == sorted(set(ids) - set(done)) and not summary.failed
    for c in done:   # finished cells were not retrained or rewritten
        assert (_sha(store / "cells" / c / "result.json"), _sha(store / "cells" / c / "trained.json"),
                _steps(store, c)) == before[c]
    for c in running:  # resumed after its last checkpoint: no step trained (and reported) twice
        steps = _steps(store, c)
        assert steps[:len(steps_at_kill[c])] == steps_at_kill[c] and steps == sorted(set(steps))
    out = tmp_path / "all.csv"
    assert main(["sweep", "collect", str(store), "--out", str(out), "--all"]) == 0
    table = pd.read_csv(out)
    per_cell = table[table.name == "llmbar-natural"].groupby("cell").size()
    assert sorted(per_cell.index) == sorted(ids) and set(per_cell) == {1}


def _wait_until_quiet(store: Path, quiet: float = 3.0, limit: float = 60.0) -> None:
    """Until nothing under the store changed for ``quiet`` seconds (the dead driver's trials are gone)."""
    t0 = time.time()
    last = None
    while time.time() - t0 < limit:
        stamp = max((p.stat().st_mtime for p in store.rglob("*") if p.exists()), default=0)
        if stamp == last and time.time() - stamp > quiet:
            return
        last = stamp
        time.sleep(0.5)


def test_a_raising_cell_is_recorded_with_its_traceback_and_the_others_go_on(make_config, tiny_bases, tmp_path,
                                                                            ray_session, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in tiny_bases["alpha"].iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    path = make_config(recipes=["bradley_terry"], lrs=[3e-3], retries=1,
                       bases=[{"name": "alpha", "path": str(tiny_bases["alpha"])},
                              {"name": "broken", "path": str(broken)}])
    store = tmp_path / "store"
    import io
    import logging

    terminal = io.StringIO()                 # stands for the handler that prints Tune's messages to the terminal
    handler = logging.StreamHandler(terminal)
    logging.getLogger("ray.tune").addHandler(handler)
    try:
        summary = run_sweep(validate(load_sweep_config(path)), store)
    finally:
        logging.getLogger("ray.tune").removeHandler(handler)
    assert summary.done == ["alpha__bradley_terry__lr0.003__s0"]
    assert summary.failed == ["broken__bradley_terry__lr0.003__s0"]
    # Tune's own traceback of the failure stays in the store, not on the terminal
    assert "Trial task failed" not in terminal.getvalue() and "Traceback" not in terminal.getvalue()
    assert "Trial task failed" in (store / "tune" / "errors.log").read_text()
    errors = sorted((store / "cells" / "broken__bradley_terry__lr0.003__s0" / "errors").glob("*.json"))
    assert len(errors) == 2                                  # tried 1 + retries times
    record = json.loads(errors[0].read_text())
    assert "Traceback (most recent call last)" in record["traceback"] and record["error"]
    again = run_sweep(validate(load_sweep_config(path)), store)   # exhausted: not tried again
    assert again.ran == [] and len(list(errors[0].parent.glob("*.json"))) == 2
    assert main(["sweep", "status", str(store)]) == 0
    out = capsys.readouterr().out
    assert "failed" in out and "1 done" in out


def test_a_corrupted_result_is_detected_and_its_cell_rerun(make_config, tiny_bases, tmp_path, ray_session):
    path = make_config(recipes=["bradley_terry"], lrs=[3e-3], bases=[{"name": "alpha",
                                                                      "path": str(tiny_bases["alpha"])}])
    checked = validate(load_sweep_config(path))
    store = tmp_path / "store"
    run_sweep(checked, store)
    cell = checked.cells[0].id
    result = store / "cells" / cell / "result.json"
    text = result.read_text()
    result.write_text(text.replace('"val_accuracy": 0.', '"val_accuracy": 1.', 1))
    assert Store(store).state(cell, 1).state == "corrupt"
    summary = run_sweep(checked, store)
    assert summary.done == [cell]
    assert Store(store).state(cell, 1).state == "done" and not list(result.parent.glob("result.json.corrupt*"))
