"""The live display of ``rmbase sweep run``: cells done, running, failed, stopped and pending, and an ETA, as a
rich Live panel fed by a Ray Tune callback (the driver's view of trial events)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


def eta_seconds(durations: list[float], remaining: int, running: int, concurrency: int,
                running_elapsed: list[float] | None = None) -> float | None:
    """Time left: the pending cells times the mean finished-cell duration, plus what is left of the running cells
    (the mean less the time each has run, when ``running_elapsed`` is given; else half of the mean), over the cells
    that run at once. None until one cell has finished."""
    if not durations:
        return None
    mean = sum(durations) / len(durations)
    left = running * mean / 2 if running_elapsed is None else sum(max(0.0, mean - e) for e in running_elapsed)
    work = (remaining - running) * mean + left
    return max(0.0, work / max(1, concurrency))


@dataclass
class PanelState:
    """What the live panel shows; the Tune callback updates it, :func:`render_panel` draws it."""

    total: int
    already_done: int
    concurrency: int
    started: dict[str, float] = field(default_factory=dict)
    last: dict[str, dict] = field(default_factory=dict)
    durations: list[float] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"done": 0, "failed": 0, "stopped": 0, "errors": 0})
    t0: float = field(default_factory=time.time)


def _progress(state: PanelState, now: float) -> tuple[int, int, float | None]:
    """(running, pending, ETA in seconds) of the sweep at ``now``: what both the line and the panel show."""
    running = len(state.started)
    finished = sum(state.counts[k] for k in ("done", "failed", "stopped"))
    pending = max(0, state.total - state.already_done - finished - running)
    eta = eta_seconds(state.durations, pending + running, running, state.concurrency,
                      [now - t for t in state.started.values()])
    return running, pending, eta


def status_line(state: PanelState, now: float | None = None) -> str:
    """The panel as one plain line, for output that is not a terminal (a log file, CI)."""
    now = time.time() if now is None else now
    running, pending, eta = _progress(state, now)
    return (f"sweep {_fmt_seconds(now - state.t0)}: {state.already_done + state.counts['done']}/{state.total} done, "
            f"{running} running, {state.counts['failed']} failed, {state.counts['stopped']} stopped, {pending} "
            f"pending, ETA {_fmt_seconds(eta)}")


def render_panel(state: PanelState, now: float | None = None) -> Any:
    """The panel: one summary table (counts, elapsed, ETA) and, under it, a table of the running cells with their
    own headers (cell, step, validation accuracy, running for). Drawn afresh at every refresh, so the clock moves
    between Tune events."""
    from rich.console import Group
    from rich.table import Table

    from rmbase.escaping import terminal

    now = time.time() if now is None else now
    running, pending, eta = _progress(state, now)
    summary = Table(title=f"rmbase sweep — {state.total} cells ({state.already_done} finished before this run)")
    for col in ("done", "running", "failed", "stopped (ASHA)", "pending", "retried errors", "elapsed", "ETA"):
        summary.add_column(col, justify="right")
    summary.add_row(str(state.already_done + state.counts["done"]), str(running), str(state.counts["failed"]),
                    str(state.counts["stopped"]), str(pending), str(state.counts["errors"]),
                    _fmt_seconds(now - state.t0), _fmt_seconds(eta))
    if not state.started:
        return summary
    cells = Table(title="running cells")
    for col, justify in (("cell", "left"), ("step", "right"), ("val acc", "right"), ("running for", "right")):
        cells.add_column(col, justify=justify)
    for cid, since in list(state.started.items())[-max(1, state.concurrency):]:
        m = state.last.get(cid, {})
        val = m.get("val_accuracy")
        cells.add_row(terminal(cid), "—" if m.get("step") is None else str(m.get("step")),
                      "—" if val is None else f"{val:.3f}", _fmt_seconds(now - since))
    return Group(summary, cells)


def _fmt_seconds(s: float | None) -> str:
    if s is None:
        return "—"
    s = int(s)
    return f"{s // 3600}h{(s % 3600) // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def live_callback(total: int, already_done: int, concurrency: int, console: Any = None):
    """A ``ray.tune.Callback`` that keeps a rich Live panel up to date (and stops it at the end)."""
    from ray.tune import Callback
    from rich.console import Console
    from rich.live import Live

    class LiveDisplay(Callback):
        def __init__(self, terminal):  # not a closure variable: the class is pickled with its closure
            self.console = terminal or Console(stderr=True)
            self.state = PanelState(total, already_done, concurrency)
            self.live = None
            self.printed = 0.0
            if self.console.is_terminal:
                # get_renderable: drawn afresh at every refresh (twice a second), not only on Tune events
                self.live = Live(console=self.console, get_renderable=lambda: render_panel(self.state),
                                 refresh_per_second=2, transient=False)
                self.live.start()

        @property
        def counts(self) -> dict[str, int]:
            return self.state.counts

        @property
        def started(self) -> dict[str, float]:
            return self.state.started

        @property
        def last(self) -> dict[str, dict]:
            return self.state.last

        @property
        def durations(self) -> list[float]:
            return self.state.durations

        def __getstate__(self):  # Tune saves its callbacks with the experiment: leave the terminal out
            return {k: v for k, v in self.__dict__.items() if k not in ("live", "console")}

        def __setstate__(self, state):
            self.__dict__.update(state, live=None, console=None)

        def _refresh(self, event: bool = True):
            if self.live is not None:
                self.live.refresh()
            elif self.console is not None and (event or time.time() - self.printed >= 30):
                # not a terminal: plain lines, on each cell event and at least every 30 s
                self.console.print(status_line(self.state), markup=False, highlight=False)
                self.printed = time.time()

        def on_step_begin(self, iteration, trials, **info):
            self._refresh(event=False)

        def on_trial_start(self, iteration, trials, trial, **info):
            self.started[trial.config["cell"]] = time.time()
            self._refresh()

        def on_trial_restore(self, iteration, trials, trial, **info):
            self.started.setdefault(trial.config["cell"], time.time())
            self._refresh()

        def on_trial_result(self, iteration, trials, trial, result, **info):
            self.last[trial.config["cell"]] = result
            self._refresh(event=False)

        def on_trial_complete(self, iteration, trials, trial, **info):
            cid = trial.config["cell"]
            start = self.started.pop(cid, None)
            result = self.last.get(cid, {})
            if result.get("done"):
                self.counts["done"] += 1
                if start is not None:
                    self.durations.append(time.time() - start)
            elif result.get("exhausted"):
                self.counts["failed"] += 1
            else:
                self.counts["stopped"] += 1
            self._refresh()

        def on_trial_error(self, iteration, trials, trial, **info):
            self.started.pop(trial.config["cell"], None)
            self.counts["failed"] += 1
            self._refresh()

        def on_trial_recover(self, iteration, trials, trial, **info):
            self.counts["errors"] += 1
            self._refresh()

        def on_experiment_end(self, trials, **info):
            self._refresh()
            if self.live is not None:
                self.live.stop()

    return LiveDisplay(console)
