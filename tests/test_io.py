"""The ground floor's atomic writers: complete content or the old file, never half of it, for every format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rmbase.io import (
    atomic_write,
    atomic_write_json,
    atomic_write_npz,
    atomic_write_parquet,
    atomic_write_text,
)


def test_each_writer_round_trips(tmp_path):
    atomic_write_text(tmp_path / "a" / "t.txt", "héllo\n")
    assert (tmp_path / "a" / "t.txt").read_text(encoding="utf-8") == "héllo\n"
    atomic_write_json(tmp_path / "j.json", {"x": np.int64(3), "y": np.float32(0.5)})
    assert (tmp_path / "j.json").read_text() == '{\n  "x": 3,\n  "y": 0.5\n}\n'
    frame = pd.DataFrame({"m": ["a", "b"], "v": [0.5, 1.5]})
    atomic_write_parquet(tmp_path / "f.parquet", frame)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "f.parquet"), frame)
    atomic_write_npz(tmp_path / "z.npz", rows=np.array("1,2"), x=np.arange(3))
    with np.load(tmp_path / "z.npz") as z:
        assert str(z["rows"]) == "1,2" and z["x"].tolist() == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "f.parquet", "j.json", "z.npz"]  # no temporaries


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "f.parquet"
    atomic_write_text(target, "old")

    def half(f):
        f.write(b"partial")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        atomic_write(target, half)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.parquet"]
    with pytest.raises(ValueError):  # a table pyarrow cannot write: the old file stays
        atomic_write_parquet(target, pd.DataFrame({"x": [object()]}))
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.parquet"]


def test_work_folder_one_resume_policy(tmp_path):
    from rmbase.errors import InputError
    from rmbase.io import work_folder

    key = {"model": "m", "options": {"dtype": "float32", "max_tokens": 8}}
    folder, resumed = work_folder(tmp_path / "w", key)
    assert not resumed and (folder / "fingerprint.json").is_file()
    (folder / "chunk-0").write_text("kept")
    assert work_folder(tmp_path / "w", key) == (folder, True)  # same options: resumed, the work kept
    changed = {"model": "m2", "options": {"dtype": "float32", "max_tokens": 16}}
    with pytest.raises(InputError, match=r"different options \(changed: model, options.max_tokens\).*--restart"):
        work_folder(tmp_path / "w", changed)
    assert (folder / "chunk-0").read_text() == "kept"  # refused: nothing touched
    assert work_folder(tmp_path / "w", changed, restart=True) == (folder, False)
    assert sorted(p.name for p in folder.iterdir()) == ["fingerprint.json"]  # the old work is gone
    assert work_folder(tmp_path / "w", changed) == (folder, True)
    (folder / "fingerprint.json").write_text('{"sha256": "0", "data": {}}')  # damaged: refused, not guessed
    with pytest.raises(InputError, match="damaged"):
        work_folder(tmp_path / "w", changed)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    for restart in (False, True):  # a folder rmbase did not make is never emptied
        with pytest.raises(InputError, match="not empty and is not the work folder"):
            work_folder(mine, key, restart=restart)
    assert (mine / "thesis.tex").read_text() == "precious"


def test_sweep_store_refuses_a_changed_cell_naming_the_keys(tmp_path):
    from rmbase.errors import InputError
    from rmbase.sweep.store import Store

    cell = {"id": "c1", "fingerprint": "a", "train": {"learning_rate": 1e-5, "seed": 1}, "evals": {"rb": {}}}
    store = Store(tmp_path / "store")
    assert store.initialise("x: 1\n", [cell]) == ["c1"]
    assert store.initialise("x: 1\n", [cell]) == []  # the same cell: resumed
    other = {**cell, "fingerprint": "b", "train": {"learning_rate": 2e-5, "seed": 1}}
    with pytest.raises(InputError, match=r"cell c1 is in the store with different options \(changed: "
                                         r"training.learning_rate\)"):
        store.initialise("x: 1\n", [other])
