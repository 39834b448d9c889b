"""The live display of ``rmbase sweep run``: cells done, running, failed, stopped and pending, and an ETA, as a
rich Live panel fed by a Ray Tune callback (the driver's view of trial events)."""

from __future__ import annotations

import time
from typing import Any


def eta_seconds(durations: list[float], remaining: int, running: int, concurrency: int) -> float | None:
    """Time left: remaining cells (pending + running, half of a running cell assumed done) times the mean
    finished-cell duration, over the cells that run at once. None until one cell has finished."""
    if not durations:
        return None
    mean = sum(durations) / len(durations)
    work = (remaining - running) * mean + running * mean / 2
    return max(0.0, work / max(1, concurrency))


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
    from rich.table import Table

    class LiveDisplay(Callback):
        def __init__(self, terminal):  # not a closure variable: the class is pickled with its closure
            self.console = terminal or Console(stderr=True)
            self.started: dict[str, float] = {}
            self.last: dict[str, dict] = {}
            self.durations: list[float] = []
            self.counts = {"done": 0, "failed": 0, "stopped": 0, "errors": 0}
            self.t0 = time.time()
            self.live = Live(self._render(), console=self.console, refresh_per_second=2, transient=False)
            self.live.start()

        def _render(self):
            running = len(self.started)
            finished = sum(self.counts[k] for k in ("done", "failed", "stopped"))
            pending = max(0, total - already_done - finished - running)
            eta = eta_seconds(self.durations, pending + running, running, concurrency)
            table = Table(title=f"rmbase sweep — {total} cells ({already_done} finished before this run)",
                          show_header=True)
            for col in ("done", "running", "failed", "stopped (ASHA)", "pending", "retried errors", "elapsed",
                        "ETA"):
                table.add_column(col, justify="right")
            table.add_row(str(already_done + self.counts["done"]), str(running), str(self.counts["failed"]),
                          str(self.counts["stopped"]), str(pending), str(self.counts["errors"]),
                          _fmt_seconds(time.time() - self.t0), _fmt_seconds(eta))
            for cid, m in list(self.last.items())[-concurrency:]:
                if cid in self.started:
                    table.add_row(f"[dim]{cid}[/]", f"step {m.get('step')}",
                                  f"val {m.get('val_accuracy', float('nan')):.3f}", "", "", "", "", "")
            return table

        def __getstate__(self):  # Tune saves its callbacks with the experiment: leave the terminal out
            return {k: v for k, v in self.__dict__.items() if k not in ("live", "console")}

        def __setstate__(self, state):
            self.__dict__.update(state, live=None, console=None)

        def _refresh(self):
            if self.live is not None:
                self.live.update(self._render())

        def on_trial_start(self, iteration, trials, trial, **info):
            self.started[trial.config["cell"]] = time.time()
            self._refresh()

        def on_trial_restore(self, iteration, trials, trial, **info):
            self.started.setdefault(trial.config["cell"], time.time())
            self._refresh()

        def on_trial_result(self, iteration, trials, trial, result, **info):
            self.last[trial.config["cell"]] = result
            self._refresh()

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
