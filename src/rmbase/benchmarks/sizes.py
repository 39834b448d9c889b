"""Model sizes in the long benchmark table: a candidate needs its parameter count (``params_b``, billions) beside its
scores, and a base that no table has can bring it in the same file as its scores.

A size is a row ``model, params_b, VALUE, billions`` (benchmark ``params_b``, scale ``billions``): its own kind, not
a score, so it is checked with the size rule of :mod:`rmbase.ranges` (a finite number > 0) and never as a 0-1 or
0-100 score. The importers read it
from a long table (benchmark ``params_b``), a wide table (a ``params_b`` column) and lm-eval results files (lm-eval
0.4 records ``config.model_num_parameters``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PARAMS_B = "params_b"
SIZE_SCALE = "billions"


def is_size(benchmarks: pd.Series) -> pd.Series:
    return benchmarks.astype(str).str.strip().str.lower().eq(PARAMS_B)


def check_sizes(values: pd.Series, *, path: str, column: str, rows: pd.Series | None = None) -> None:
    """Every non-missing size is a parameter count (:data:`rmbase.ranges.PARAMS_B`: a finite number > 0); ``rows``
    marks which entries are sizes (default: all). Rows in the message are 1-based data rows of the file."""
    from rmbase.ranges import PARAMS_B as SIZE_RANGE
    from rmbase.ranges import check_column

    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if rows is not None:
        x = np.where(rows.to_numpy(dtype=bool), x, np.nan)
    check_column(x, SIZE_RANGE, path=path, column=column, allow_missing=True)


def sizes(frame: pd.DataFrame) -> dict[str, float]:
    """``model -> params_b`` from a long frame's size rows (the last row wins; duplicates are resolved upstream)."""
    rows = frame[is_size(frame["benchmark"])] if len(frame) else frame
    return {str(m): float(v) for m, v in zip(rows["model"], rows["value"], strict=True) if np.isfinite(v)}


def drop_repeated_sizes(frame: pd.DataFrame) -> pd.DataFrame:
    """One size row per (model, value): every lm-eval results file of one run records the same parameter count, so
    equal sizes from several files of a model are one fact (different sizes stay, for the duplicate rule)."""
    size = is_size(frame["benchmark"])
    if size.sum() < 2:
        return frame
    repeated = size & frame.duplicated(["model", "benchmark", "value"])
    return frame[~repeated].reset_index(drop=True)
