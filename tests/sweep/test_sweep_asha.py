"""`--scheduler asha`: a hopeless cell is stopped at a rung, recorded with the hours it saved, and left out of the
study's choice."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.sweep import read_json
from rmbase.cli import main
from rmbase.sweep.checks import load_sweep_config, validate
from rmbase.sweep.engine import run_sweep
from rmbase.sweep.store import Store

pytest.importorskip("trl")


def test_asha_stops_the_cell_that_does_not_learn(make_config, tiny_bases, tmp_path, ray_session):
    # one at a time: the learning cell reaches the rung first, then the one whose learning rate is ~0 is cut
    path = make_config(recipes=["bradley_terry"], lrs=[3e-3, 1e-12], max_concurrent=1,
                       bases=[{"name": "alpha", "path": str(tiny_bases["alpha"])}],
                       scheduler={"kind": "asha", "grace_period": 2, "reduction_factor": 2})
    checked = validate(load_sweep_config(path))
    store = tmp_path / "store"
    summary = run_sweep(checked, store)
    good, bad = (c.id for c in checked.cells)
    assert summary.done == [good] and summary.stopped == [bad]
    stopped = read_json(store / "cells" / bad / "stopped.json")["data"]
    assert stopped["last_step"] == 2 < stopped["max_steps"] == 3             # cut at the rung of step 2
    assert stopped["saved_hours"] > 0 and stopped["unit"] == "CPU"
    assert summary.saved_hours == pytest.approx(stopped["saved_hours"])
    assert Store(store).state(bad, 1).state == "stopped"
    assert run_sweep(checked, store).ran == []                       # a stopped cell is finished
    out = tmp_path / "r.csv"
    assert main(["sweep", "collect", str(store), "--out", str(out), "--all"]) == 0
    assert set(pd.read_csv(out).cell) == {good}                      # only finished cells have eval results
    curves = pd.read_csv(tmp_path / "r.curves.csv")
    assert set(curves[curves.cell == bad].state) == {"stopped"}
    cells = pd.read_csv(tmp_path / "r.cells.csv").set_index("cell")
    assert cells.loc[bad, "saved_hours"] == pytest.approx(stopped["saved_hours"])
