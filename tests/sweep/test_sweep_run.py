"""`sweep run` on embedded Ray: cells train, report every checkpoint, evaluate, and resume without repeating work."""

from __future__ import annotations

import json

import pytest

from helpers.sweep import read_json
from rmbase.cli import main
from rmbase.sweep.checks import load_sweep_config, validate
from rmbase.sweep.engine import run_sweep
from rmbase.sweep.store import Store

pytest.importorskip("trl")


def test_a_small_sweep_runs_every_cell_and_a_rerun_trains_nothing(make_config, tmp_path, ray_session, capsys):
    path = make_config(recipes=["bradley_terry"], lrs=[3e-3])
    checked = validate(load_sweep_config(path))
    store = tmp_path / "store"
    from rmbase.sweep.display import live_callback

    summary = run_sweep(checked, store, display=live_callback(len(checked.cells), 0, 2))
    panel = capsys.readouterr().err
    # off a terminal the panel is plain status lines; the last one counts every cell done
    assert "ETA" in panel and "sweep " in panel and "2/2 done" in panel.strip().splitlines()[-1]
    assert sorted(summary.done) == sorted(c.id for c in checked.cells) and not summary.failed
    for cell in checked.cells:
        result = read_json(store / "cells" / cell.id / "result.json")["data"]
        progress = [json.loads(x) for x in (store / "cells" / cell.id / "progress.jsonl").read_text().splitlines()]
        assert [p["step"] for p in progress] == [1, 2, 3]          # every checkpoint reported
        assert result["val_accuracy"] == max(p["val_accuracy"] for p in progress)
        assert result["eval"]["pairs"]["subsets"]["llmbar-natural"] is not None
    mtimes = {c.id: (store / "cells" / c.id / "result.json").stat().st_mtime_ns for c in checked.cells}
    assert main(["sweep", "run", str(path), "--store", str(store)]) == 0     # with the live display: nothing to do
    assert "2 cells: 2 already finished, 0 done now" in capsys.readouterr().out
    again = run_sweep(checked, store)
    assert again.ran == [] and again.skipped == len(checked.cells)
    assert {c.id: (store / "cells" / c.id / "result.json").stat().st_mtime_ns for c in checked.cells} == mtimes
    assert all(s.state == "done" for s in Store(store).states())


def test_eta_is_the_mean_cell_time_over_the_concurrency():
    from rmbase.sweep.display import eta_seconds

    assert eta_seconds([], 5, 1, 2) is None                      # nothing finished yet: no guess
    assert eta_seconds([10.0, 30.0], 5, 1, 2) == (4 * 20 + 1 * 10) / 2
    assert eta_seconds([10.0], 0, 0, 4) == 0


def test_the_live_display_survives_pickling(ray_session):
    """Tune saves its callbacks with the experiment state (cloudpickle)."""
    from ray import cloudpickle as pickle
    from rich.console import Console

    from rmbase.sweep.display import live_callback

    cb = live_callback(3, 1, 2, console=Console(file=open("/dev/null", "w")))  # noqa: SIM115
    cb.counts["done"] = 1
    again = pickle.loads(pickle.dumps(cb))
    assert again.counts["done"] == 1 and again.live is None
    again._refresh()
    cb.on_experiment_end([])
