"""Issue 20, sweep room (no Ray needed): collect never chooses a learning rate over a base x recipe with unfinished
cells unless asked (item 3), and study --results STORE says so."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.bad_input import assert_refused, run
from rmbase.sweep.store import Store, write_checked

LRS = (1e-3, 3e-3)


def _result(base: str, lr: float, val: float) -> dict:
    return {"base": base, "recipe": "bradley_terry", "learning_rate": lr, "seed": 0, "val_accuracy": val,
            "best_step": 10, "model": f"/ckpt/{lr}", "source": "sweep", "params_b": 0.1,
            "eval": {"rewardbench": {"benchmark": "rewardbench", "subsets": {}, "score": 0.7,
                                     "sections": {"chat": 0.8, "chat_hard": 0.5, "safety": 0.7, "reasoning": 0.8}}}}


@pytest.fixture
def store(tmp_path):
    """Two bases x two learning rates: base a is done; on base b the lr 1e-3 cell failed, the other is done."""
    root = tmp_path / "store"
    cells = [{"id": f"{b}__bt__lr{lr:g}__s0", "base": b, "recipe": "bradley_terry", "learning_rate": lr, "seed": 0,
              "fingerprint": "x", "train": {}, "evals": []} for b in ("org/a", "org/b") for lr in LRS]
    s = Store(root)
    s.initialise("name: t\nretries: 0\n", cells)
    for c in cells:
        if c["base"] == "org/b" and c["learning_rate"] == 1e-3:
            s.record_error(c["id"], "RuntimeError: out of memory", "Traceback ...")
        else:
            write_checked(s.cell_dir(c["id"]) / "result.json",
                          _result(c["base"], c["learning_rate"], 0.9 if c["learning_rate"] == 1e-3 else 0.6))
    return root


def test_collect_marks_an_incomplete_base_and_chooses_nothing_for_it(store, tmp_path, capsys):
    out = tmp_path / "r.csv"
    code, stdout, err = run(["sweep", "collect", store, "--out", out], capsys)
    assert code == 0, err
    assert "incomplete: 1 base x recipe" in stdout and "org/b x bradley_terry: 1 failed" in stdout
    table = pd.read_csv(out)
    b = table[table.base == "org/b"]
    assert len(b) and not b.chosen.any() and not b.complete.any()  # the failed lr may have been the best
    a = table[table.base == "org/a"]
    assert a.complete.all() and set(a[a.chosen].learning_rate) == {1e-3}
    code, stdout, _ = run(["sweep", "collect", store, "--out", out, "--allow-incomplete"], capsys)
    assert code == 0 and "chosen among the finished cells" in stdout
    table = pd.read_csv(out)
    assert set(table[(table.base == "org/b") & table.chosen].learning_rate) == {3e-3}


def test_study_on_an_incomplete_store_says_which_cells(store, tmp_path, capsys):
    out = tmp_path / "study"
    assert_refused(["study", "--results", store, "--out", out], capsys, str(store), "org/b x bradley_terry: 1 failed",
                   "--allow-incomplete", not_written=(out,))
