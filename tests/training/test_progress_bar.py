"""The live training bar: steps out of the total, the latest loss, tokens/s from the steps of this process, and a
resumed run starting at the step it resumes from."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from rmbase.training.progress_bar import format_rate, progress_bar_callback, tokens_per_step


def test_tokens_per_step_counts_every_sequence_of_an_item():
    items = [{"chosen_ids": [1, 2, 3], "rejected_ids": [1, 2]}, {"input_ids": [4, 5, 6, 7, 8]}]
    assert tokens_per_step(items, batch_size=4) == (5 + 5) / 2 * 4
    assert tokens_per_step([], batch_size=4) == 0.0
    assert format_rate(1000, 0) == "-" and format_rate(1000, 2.0) == "500"


def _drive(first_step: int, max_steps: int, losses: dict[int, float]) -> str:
    pytest.importorskip("transformers")
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=False, width=160)
    cb = progress_bar_callback(console, 2e-6, step_tokens=512)
    state = SimpleNamespace(global_step=first_step, max_steps=max_steps)
    cb.on_train_begin(None, state, None)
    for step in range(first_step + 1, max_steps + 1):
        state.global_step = step
        if step in losses:
            cb.on_log(None, state, None, logs={"loss": losses[step]})
        cb.on_step_end(None, state, None)
    cb.on_train_end(None, state, None)
    return buf.getvalue()


def test_bar_shows_steps_loss_and_rate():
    out = _drive(0, 6, {3: 0.6931, 6: 0.4321})
    assert "lr=2e-06" in out and "6/6" in out
    assert "loss 0.4321" in out           # the latest logged loss
    assert "tok/s" in out and "ETA" in out


def test_resumed_bar_starts_at_the_resume_step():
    out = _drive(4, 6, {})
    assert "6/6" in out and "loss -" in out  # no loss logged in this process yet


def test_eta_fills_when_steps_are_slower_than_half_a_minute():
    """Issue 20: the bar's ETA stayed empty on a run whose steps took longer than rich's 30 s speed window."""
    pytest.importorskip("transformers")
    from rich.console import Console

    now = [0.0]
    cb = progress_bar_callback(Console(file=io.StringIO(), force_terminal=False), 2e-6, step_tokens=512,
                               get_time=lambda: now[0])
    state = SimpleNamespace(global_step=0, max_steps=10)
    cb.on_train_begin(None, state, None)
    for step in (1, 2, 3):
        now[0] += 90.0  # a 90-second step
        state.global_step = step
        cb.on_step_end(None, state, None)
    task = cb.bar.tasks[0]
    assert task.time_remaining == pytest.approx(7 * 90.0, rel=0.01)
    cb.on_train_end(None, state, None)
