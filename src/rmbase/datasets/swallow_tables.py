"""The bundled Swallow LLM Leaderboard tables (``rmbase/datasets/swallow``; see that folder's DATA.md): benchmark
scores of 2024-2026 open-weight bases, pre-trained and post-trained, with each score's mode."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

FOLDER = "swallow"
SCORE_DTYPES = {"model": str, "benchmark": str, "scale": str, "source": str, "mode": str, "date": str}
TEXT_MODEL_COLUMNS = ("model", "name", "family", "release", "stage", "reasoning", "pretrained_from", "base_name",
                      "parent", "snapshots")


def swallow_dir() -> Path:
    return Path(str(resources.files("rmbase.datasets") / FOLDER))


def load_swallow() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(scores, models)``: scores long ``model, benchmark, value, scale, source, mode, date`` (raw 0-1; mode
    ``<group>/<stage>/<reasoning>``); models one row each ``model, name, family, params_b, active_params, release,
    stage, reasoning, pretrained_from, base_name, parent, snapshots`` (empty text = unknown)."""
    folder = swallow_dir()
    scores = pd.read_csv(folder / "scores.csv", dtype=SCORE_DTYPES, keep_default_na=False, na_values={"value": [""]})
    models = pd.read_csv(folder / "models.csv", dtype=dict.fromkeys(TEXT_MODEL_COLUMNS, str), keep_default_na=False,
                         na_values={"params_b": [""], "active_params": [""]})
    return scores, models


def load_swallow_removed() -> pd.DataFrame:
    """Every cell the defect rules removed (model, benchmark, mode, source, value, rule, reference_*)."""
    return pd.read_csv(swallow_dir() / "removed.csv", keep_default_na=False,
                       na_values={"value": [""], "reference_value": [""]})
