"""Issue 20: an embedded Ray keeps its session files in one documented folder (RMBASE_RAY_TMPDIR, default
~/.cache/rmbase/ray), and sessions older than two days are removed there instead of piling up in /tmp/ray."""

from __future__ import annotations

import os
import time

from rmbase.ray_engine import ray_temp_dir


def test_the_folder_follows_the_variable_and_old_sessions_go(tmp_path, monkeypatch):
    root = tmp_path / "ray"
    monkeypatch.setenv("RMBASE_RAY_TMPDIR", str(root))
    old, new = root / "session_2020-01-01_00-00-00_1_1", root / "session_2099-01-01_00-00-00_1_1"
    for s in (old, new):
        (s / "logs").mkdir(parents=True)
        (s / "logs" / "raylet.out").write_text("x")
    week_ago = time.time() - 7 * 86400
    os.utime(old, (week_ago, week_ago))
    (root / "mine.txt").write_text("not a session")
    assert ray_temp_dir() == root
    assert not old.exists() and new.exists() and (root / "mine.txt").exists()


def test_the_default_is_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("RMBASE_RAY_TMPDIR", raising=False)
    home = tmp_path / "h"
    monkeypatch.setenv("HOME", str(home))
    expected = home / ".cache" / "rmbase" / "ray"
    got = ray_temp_dir()
    assert (got == expected) if len(str(expected)) <= 48 else got.name.startswith("rmbase-ray-")
    long_home = tmp_path / ("x" * 80)
    monkeypatch.setenv("HOME", str(long_home))
    socket = ray_temp_dir() / "session_2026-12-07_12-49-37_919463_13693" / "sockets" / "plasma_store"
    assert len(str(socket)) < 107
