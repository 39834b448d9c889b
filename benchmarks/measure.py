"""Shared by bench_study.py and bench_cli.py: run a command in a fresh process and measure it, and extract an older
rmbase (a git ref) to measure it in the same run as a baseline.

``run_measured(cmd, env)`` returns wall seconds, CPU seconds (user + system of the process and of every worker it
waited for: wait4's rusage), the largest single-process peak RSS (rusage) and the peak of the whole process tree's
proportional set size (PSS: a page shared by forked workers counts once in total), sampled every 50 ms from /proc.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Measured:
    wall_s: float
    cpu_s: float
    max_rss_mb: float     # largest single process (rusage)
    tree_pss_mb: float    # peak of the sum over the process tree (0 where /proc is absent)
    returncode: int
    stdout: str
    stderr: str

    def line(self) -> str:
        tree = f", tree PSS {self.tree_pss_mb:6.0f} MB" if self.tree_pss_mb else ""
        return (f"wall {self.wall_s:6.2f} s, CPU {self.cpu_s:6.2f} s, peak RSS {self.max_rss_mb:6.0f} MB"
                f"{tree}")


def _tree(pid: int) -> list[int]:
    parent_of = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent_of[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [pid], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent_of.items() if pp == p]
        out += kids
        todo += kids
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in (Path("/proc") / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_measured(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    env = {**os.environ, **(env or {})}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        if not Path("/proc/self/smaps_rollup").exists():
            return
        while not done.is_set():
            peak[0] = max(peak[0], sum(_pss_kb(p) for p in _tree(proc.pid)))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: dict[str, str] = {}

    def drain(name, stream) -> None:
        out_chunks[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s), daemon=True)
               for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    sampler.join()
    scale = 1024 if sys.platform == "darwin" else 1  # ru_maxrss: bytes on macOS, kB on Linux
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / scale / 1024, peak[0] / 1024,
                    proc.returncode, out_chunks.get("out", ""), out_chunks.get("err", ""))


def baseline_src(ref: str) -> Path | None:
    """``src/`` of rmbase at git ``ref``, extracted into a temporary folder (None outside a git checkout)."""
    tmp = Path(tempfile.mkdtemp(prefix="rmbase-baseline-"))
    archive = tmp / "src.tar"
    try:
        subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), ref, "src"], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"(no baseline: cannot extract {ref}: {exc})")
        return None
    with tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
    return tmp / "src"


def rmbase_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "rmbase.cli", *args]


def env_for(src: Path) -> dict[str, str]:
    """The environment that runs rmbase from ``src`` (cold: no byte-code of an earlier run counts in the
    measurement of the first; single-threaded BLAS, as on the study's 2 cores)."""
    return {"PYTHONPATH": str(src), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def machine_line() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in load)}"


def print_comparison(name: str, ours: Measured, base: Measured | None, ref: str, target: float | None) -> None:
    """One command's lines: this checkout (with its target's verdict, or why it failed), the baseline at ``ref``
    measured in the same run (when there is one) and the ratio baseline/this checkout of wall and CPU seconds."""
    status = "" if ours.returncode == 0 else f"  FAILED (exit {ours.returncode}): {ours.stderr.strip()[-300:]}"
    verdict = "" if target is None else \
        f"  [target <= {target} s wall: {'meets' if ours.wall_s <= target else 'misses'}]"
    print(f"{name}\n  this checkout:           {ours.line()}{verdict}{status}")
    if base is None:
        return
    failed = "" if base.returncode == 0 else f"  (baseline exit {base.returncode})"
    print(f"  baseline {ref:<15} {base.line()}{failed}")
    if ours.returncode == 0 and base.returncode == 0:
        print(f"  ratio baseline/this checkout: wall x{base.wall_s / ours.wall_s:.2f}, CPU x{base.cpu_s / ours.cpu_s:.2f}")
