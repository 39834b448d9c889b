"""Checks on what training produced, kept apart from the trainer: a model that scores every validation pair the
same (a degenerate RM, e.g. from a learning rate far too high) is never written as a success."""

from __future__ import annotations

from typing import Any

import numpy as np

TIED = "tied_fraction"


def tied_fraction(chosen: np.ndarray, rejected: np.ndarray) -> float:
    """Share of validation pairs whose two scores are equal (to float precision)."""
    c, r = np.asarray(chosen, dtype=float).reshape(-1), np.asarray(rejected, dtype=float).reshape(-1)
    if not c.size:
        return float("nan")
    return float(np.mean(np.isclose(c, r, rtol=0.0, atol=1e-6 * max(1.0, float(np.nanmax(np.abs(c)))))))


def best_point(run: Any) -> dict | None:
    return next((p for p in run.curve if p.get("step") == run.best_step), None)


def is_degenerate(run: Any) -> bool:
    """The run's chosen checkpoint ties every validation pair."""
    point = best_point(run)
    return point is not None and point.get(TIED) == 1.0


def check_runs(runs: list, best: Any) -> list[str]:
    """Warnings for degenerate runs of the grid; a degenerate chosen run is a :class:`TrainingDiverged` error
    (one message, exit code 2, nothing written)."""
    from rmbase.errors import TrainingDiverged

    if is_degenerate(best):
        raise TrainingDiverged(f"the model trained at lr={best.learning_rate:g} gives every validation pair the same "
                               "score (a degenerate reward model; validation accuracy "
                               f"{best.best_accuracy:.4f})", expected="a smaller learning rate (the study uses 2e-6 "
                               "to 1e-5), or check the data")
    return [f"lr={r.learning_rate:g}: degenerate model (every validation pair tied); not chosen"
            for r in runs if r is not best and is_degenerate(r)]
