"""A live progress bar for one training run: optimiser steps, the latest loss, tokens/s and the ETA (rich).

``progress_bar_callback(console, learning_rate, tokens_per_step)`` is a transformers ``TrainerCallback``; the
``rmbase train`` command adds it through ``train(..., console=console)`` so that the validation lines it prints
appear above the bar on the same console. A resumed run starts the bar at the step it resumes from, and the rate
counts only the steps done in this process.
"""

from __future__ import annotations

import math
import time
from typing import Any


def tokens_per_step(items: list[dict], batch_size: int) -> float:
    """The mean number of tokens an optimiser step reads: tokens per training item x items per step."""
    if not items:
        return 0.0
    total = sum(len(x.get("input_ids", ())) + len(x.get("chosen_ids", ())) + len(x.get("rejected_ids", ()))
                for x in items)
    return total / len(items) * batch_size


def format_rate(tokens: float, seconds: float) -> str:
    if seconds <= 0 or tokens <= 0:
        return "-"
    return f"{tokens / seconds:,.0f}"


# rich estimates the speed (and the ETA) from the updates of its last ``speed_estimate_period`` seconds (30 by
# default): with steps slower than that (a 7B model, a validation pass in between) it never had two, and the ETA
# stayed empty. The whole run is the window here.
SPEED_WINDOW_S = 24 * 3600.0


def progress_bar_callback(console: Any, learning_rate: float, step_tokens: float, *,
                          get_time: Any = None) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from transformers import TrainerCallback

    class RichStepProgress(TrainerCallback):
        def __init__(self) -> None:
            self.bar: Progress | None = None
            self.task: Any = None
            self.first_step = 0
            self.t0 = 0.0
            self.loss = math.nan

        def on_train_begin(self, args, state, control, **kwargs):
            self.bar = Progress(TextColumn(f"lr={learning_rate:g}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("loss {task.fields[loss]}"), TextColumn("{task.fields[rate]} tok/s"),
                                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                console=console, transient=False, speed_estimate_period=SPEED_WINDOW_S,
                                **({"get_time": get_time} if get_time is not None else {}))
            self.first_step = int(state.global_step)
            self.task = self.bar.add_task("train", total=max(int(state.max_steps), 1),
                                          completed=self.first_step, loss="-", rate="-")
            self.t0 = time.perf_counter()
            self.bar.start()
            return control

        def on_log(self, args, state, control, logs=None, **kwargs):
            value = (logs or {}).get("loss")
            if value is not None:
                self.loss = float(value)
            return control

        def on_step_end(self, args, state, control, **kwargs):
            if self.bar is None:
                return control
            done = int(state.global_step) - self.first_step
            rate = format_rate(done * step_tokens, time.perf_counter() - self.t0)
            loss = "-" if math.isnan(self.loss) else f"{self.loss:.4f}"
            self.bar.update(self.task, completed=int(state.global_step), loss=loss, rate=rate)
            return control

        def on_train_end(self, args, state, control, **kwargs):
            if self.bar is not None:
                self.bar.stop()
                self.bar = None
            return control

    return RichStepProgress()
