"""One progress display for long counted work in the commands: a rich bar (count, rate, ETA) that moves on every
update when the output is a terminal; plain lines at most every ``every`` seconds (and at the end) when it is not
(a log file, CI)."""

from __future__ import annotations

import time
from typing import Any


class CountProgress:
    """Call with ``(done, total)`` as work advances; :meth:`close` at the end."""

    def __init__(self, what: str, console: Any, *, every: float = 10.0):
        self.what, self.console, self.every = what, console, every
        self.bar: Any = None
        self.task: Any = None
        self.t0 = time.monotonic()
        self.printed = -float("inf")
        self.last: tuple[int, int] = (0, 0)

    def __call__(self, done: int, total: int) -> None:
        self.last = (done, total)
        if self.console.is_terminal:
            if self.bar is None:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )

                self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                    TimeElapsedColumn(), TimeRemainingColumn(), console=self.console,
                                    transient=False)
                self.bar.start()
                self.task = self.bar.add_task(self.what, total=total)
            self.bar.update(self.task, completed=done, total=total)
            return
        now = time.monotonic()
        if now - self.printed >= self.every or (done >= total > 0 and self.printed != now):
            self.console.print(self.line(now), markup=False, highlight=False, soft_wrap=True)
            self.printed = now

    def line(self, now: float | None = None) -> str:
        done, total = self.last
        elapsed = (time.monotonic() if now is None else now) - self.t0
        eta = ""
        if 0 < done < total and elapsed > 0:
            eta = f", about {(total - done) * elapsed / done:.0f} s left"
        return f"{self.what}: {done}/{total} ({elapsed:.0f} s{eta})"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class Stages:
    """Signs of life for work made of named stages that each block (a study's analyses): on a terminal a rich
    status line (spinner, stage, elapsed seconds, redrawn every second); elsewhere a plain line at each new stage
    and every ``every`` seconds while one lasts. A context manager; :meth:`set` names the current stage."""

    def __init__(self, what: str, console: Any, *, every: float = 10.0):
        import threading

        self.what, self.console, self.every = what, console, every
        self.stage = "starting"
        self.t0 = self.since = time.monotonic()
        self.stop = threading.Event()
        self.thread: Any = None
        self.status: Any = None

    def text(self) -> str:
        return f"{self.what}: {self.stage} ({time.monotonic() - self.t0:.0f} s)"

    def set(self, stage: str) -> None:
        self.stage, self.since = stage, time.monotonic()
        if self.status is not None:
            self.status.update(self.text())
        else:
            self.console.print(self.text(), markup=False, highlight=False, soft_wrap=True)

    def _beat(self) -> None:
        last = time.monotonic()
        while not self.stop.wait(1.0):
            if self.status is not None:
                self.status.update(self.text())
            elif time.monotonic() - max(last, self.since) >= self.every:
                self.console.print(self.text() + ", still running", markup=False, highlight=False, soft_wrap=True)
                last = time.monotonic()

    def __enter__(self) -> Stages:
        import threading

        if self.console.is_terminal:
            self.status = self.console.status(self.text())
            self.status.start()
        self.thread = threading.Thread(target=self._beat, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        if self.status is not None:
            self.status.stop()
