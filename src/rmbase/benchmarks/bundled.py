"""The bundled Open LLM Leaderboard v2 scores (``rmbase/datasets/leaderboard_v2``): what ``rmbase recommend`` ranks
on a fresh machine. See that folder's DATA.md for the source and the row-choice rule."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from rmbase.benchmarks.leaderboard import AVERAGE, SIX
from rmbase.model_ids import ModelIdIndex

BUNDLED_DIR = "leaderboard_v2"
WIDE_COLUMNS = ("params_b", *SIX, AVERAGE)


def _dir() -> Path:
    return Path(str(resources.files("rmbase.datasets") / BUNDLED_DIR))


def load_bundled_scores() -> pd.DataFrame:
    """Long table ``model, benchmark, value, scale, source, mode, date``: the six leaderboard scores and
    ``oll_average``, all ``scale == 'normalised'`` (0-100), one leaderboard row per model, ``mode`` empty (the
    leaderboard has no modes). Model = Hugging Face id."""
    long = pd.read_csv(_dir() / "scores.csv", dtype={"model": str, "benchmark": str, "scale": str, "source": str,
                                                     "date": str})
    if "mode" not in long:
        long.insert(list(long.columns).index("source") + 1, "mode", "")
    return long


def load_bundled_models() -> pd.DataFrame:
    """One row per bundled model: ``model, params_b, type, architecture, study_name`` (the name used in the
    study's tables, empty for other models), and the chosen leaderboard row: ``eval_name, precision,
    chat_template, official_provider, submission_date, rule``."""
    return pd.read_csv(_dir() / "models.csv", dtype={"study_name": str}, keep_default_na=False,
                       na_values={"params_b": [""]})


def wide_scores(long: pd.DataFrame, models: pd.DataFrame | None = None, *,
                benchmarks: tuple[str, ...] = (*SIX, AVERAGE)) -> pd.DataFrame:
    """Models x benchmarks from a long table (normalised rows only; one value per model and benchmark).

    With ``models`` (a frame with ``model`` and ``params_b``), ``params_b`` is the first column. Index: ``model``.
    """
    norm = long[long["scale"].eq("normalised")] if "scale" in long else long
    if norm.duplicated(["model", "benchmark"]).any():
        from rmbase.errors import InputError

        raise InputError("several values per model and benchmark; resolve duplicates first "
                         "(BenchmarkTable.resolve_duplicates)")
    wide = norm.pivot(index="model", columns="benchmark", values="value").reindex(columns=list(benchmarks))
    wide.columns.name = None
    if models is not None:
        wide.insert(0, "params_b", models.set_index("model")["params_b"].reindex(wide.index))
    return wide.sort_index()


def load_bundled_wide() -> pd.DataFrame:
    """The bundled scores as ``model`` x ``params_b, ifeval, bbh, math_lvl5, gpqa, musr, mmlu_pro, oll_average``."""
    return wide_scores(load_bundled_scores(), load_bundled_models())


def lookup(models: list[str], wide: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of the bundled wide table for the given ids (any spelling ``canonical_model_id`` unifies, or the name
    without organisation); unknown ids are absent from the result (compare its index to see which)."""
    wide = load_bundled_wide() if wide is None else wide
    index = ModelIdIndex(wide.index)
    found = [hits[-1] for hits in map(index.find, models) if hits]
    return wide.loc[found]
