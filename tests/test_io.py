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
