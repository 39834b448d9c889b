"""Class 6 of issue 11: kill -9 of `rmbase study` leaves no worker behind; Ctrl-C ends in one line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def children(pid: int) -> set[int]:
    """All descendants of ``pid`` (from /proc)."""
    parent_of = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent_of[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parent_of.items() if pp == p}
        out |= kids
        todo.extend(kids)
    return out


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _env():
    return {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_kill_9_of_study_leaves_no_worker(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "rmbase.cli", "study", "--out", str(tmp_path / "o"),
                             "--n-jobs", "2"], env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers: set[int] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
            workers |= children(proc.pid)  # the selection worker, then the loky workers of the nested CV
            time.sleep(0.2)
        assert workers, "the study started no worker process"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(alive(w) for w in workers):
            time.sleep(0.2)
        left = [w for w in workers if alive(w)]
        assert not left, f"workers outlived the killed study: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in children(proc.pid):
            os.kill(w, signal.SIGKILL)


def test_ctrl_c_is_one_line(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "rmbase.cli", "study", "--out", str(tmp_path / "o")],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:  # interrupt well into the analyses: when the study says it starts the combination
        seen.append(line)      # (a fixed sleep raced the study's end once it took under 8 s)
        if line.startswith("study: combination"):
            proc.send_signal(signal.SIGINT)
            break
    out, rest = proc.communicate(timeout=120)
    err = "".join(seen) + rest
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    # stderr holds the study's stage lines ("study: <stage> (N s)", plain off a terminal) and ONE message
    message = [line for line in err.strip().splitlines() if not re.match(r"study: .+ \(\d+ s\)$", line)]
    assert len(message) == 1, err
    assert "rerun the same command" in message[0]
    assert not (tmp_path / "o").exists()
