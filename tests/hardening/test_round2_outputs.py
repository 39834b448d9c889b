"""Issue 20, outputs: a staged output folder is all or nothing (item 5), and every output file gets the user's
umask (one rule)."""

from __future__ import annotations

import os
import stat

import pytest

from rmbase.errors import InputError
from rmbase.io import atomic_write_text, staged_output_dir


def _old_output(out):
    out.mkdir()
    (out / "study.json").write_text("old study")
    (out / "report.html").write_text("old report")
    (out / "figures").write_text("a file where the report writes a folder")
    (out / "mine.txt").write_text("the user's own file")


def _write_new(stage):
    (stage / "study.json").write_text("new study")
    (stage / "report.html").write_text("new report")
    (stage / "figures").mkdir()
    (stage / "figures" / "a.png").write_text("png")


def test_a_clash_is_refused_before_anything_is_moved(tmp_path):
    out = tmp_path / "out"
    _old_output(out)
    with pytest.raises(InputError) as e, staged_output_dir(out) as stage:
        _write_new(stage)
    assert str(out / "figures") in str(e.value) and "staging" not in str(e.value)
    assert (out / "study.json").read_text() == "old study" and (out / "report.html").read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_a_failed_move_puts_back_what_was_there(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _old_output(out)
    (out / "figures").unlink()
    (out / "figures").mkdir()
    (out / "figures" / "old.png").write_text("old png")
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if str(dst).endswith("study.json") and str(src).find("staging") >= 0:
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(InputError, match="nothing was changed"), staged_output_dir(out) as stage:
        _write_new(stage)
    monkeypatch.setattr(os, "replace", real)
    assert (out / "report.html").read_text() == "old report"  # moved before study.json failed: rolled back
    assert (out / "figures" / "old.png").read_text() == "old png" and not (out / "figures" / "a.png").exists()
    assert (out / "study.json").read_text() == "old study" and (out / "mine.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_success_replaces_items_and_keeps_the_others(tmp_path):
    out = tmp_path / "out"
    _old_output(out)
    (out / "figures").unlink()
    with staged_output_dir(out) as stage:
        _write_new(stage)
    assert (out / "study.json").read_text() == "new study" and (out / "figures" / "a.png").exists()
    assert (out / "mine.txt").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_output_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "a.json", "{}")
        with staged_output_dir(tmp_path / "o") as stage:
            atomic_write_text(stage / "study.json", "{}")
            (stage / "report.html").write_text("x")
    finally:
        os.umask(old)
    for p in (tmp_path / "a.json", tmp_path / "o" / "study.json", tmp_path / "o" / "report.html"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o640, p
