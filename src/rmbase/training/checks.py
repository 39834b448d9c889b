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


def data_summary(report: dict[str, Any]) -> str:
    """One line on the data before the first step: per part, items kept, rows dropped, items truncated."""
    parts = []
    for part, rep in report.items():
        length = rep.get("length", {})
        dropped = sum(rep.get("dropped", {}).values()) + int(length.get("dropped_too_long", 0))
        parts.append(f"{part} {rep.get('items', 0)} kept of {rep.get('rows_read', '?')} rows ({dropped} dropped, "
                     f"{length.get('truncated', 0)} truncated)")
    return "data: " + "; ".join(parts)


def no_gain_over_untrained(runs: list) -> list[str]:
    """A warning for each run whose best checkpoint is no better on validation than the untrained model (step 0
    of its curve)."""
    out = []
    for r in runs:
        start = next((p for p in r.curve if p.get("step") == 0), None)
        metric = start.get("pairwise_accuracy") if start else None
        if metric is not None and r.best_accuracy <= metric:
            out.append(f"lr={r.learning_rate:g}: no checkpoint beats the untrained model on validation "
                       f"({r.best_accuracy:.4f} vs {metric:.4f} at step 0)")
    return out
