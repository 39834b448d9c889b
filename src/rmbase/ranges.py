"""The range rules of every number rmbase reads, defined once and applied at every door (benchmark imports, the
study tables, recommend and plan inputs).

A value outside its range is an :class:`~rmbase.errors.InputError` naming the file, row and column; ``inf`` is
called ``inf`` and a missing value ``NaN``. Each door decides whether a *missing* value is allowed (a skipped,
counted cell) or an error; an infinite or out-of-range value never is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rmbase.errors import InputError


@dataclass(frozen=True)
class Range:
    """A closed (or left-open) interval of allowed finite values; ``hi=None`` means no upper bound."""

    what: str
    lo: float
    hi: float | None = None
    lo_open: bool = False

    def expected(self) -> str:
        if self.hi is None and math.isinf(self.lo):
            return "a finite number"
        if self.hi is None:
            return f"a finite number {'>' if self.lo_open else '>='} {self.lo:g}"
        return f"a number from {self.lo:g} to {self.hi:g}"

    def contains(self, x: float) -> bool:
        if not math.isfinite(x):
            return False
        if x < self.lo or (self.lo_open and x == self.lo):
            return False
        return self.hi is None or x <= self.hi + 1e-9


FINITE = Range("value", -math.inf)
# benchmark scores (DESIGN.md: scale ``raw`` 0-1, ``normalised`` 0-100)
RAW = Range("raw benchmark score", 0.0, 1.0)
NORMALISED = Range("normalised benchmark score", 0.0, 100.0)
SCALES = {"raw": RAW, "normalised": NORMALISED}
# RM benchmark results: 0-1 in rm_eval result files, 0-100 in the study tables (the published figures)
RM_ACCURACY = Range("RM accuracy", 0.0, 1.0)
RM_SCORE_PERCENT = Range("RM score (percent)", 0.0, 100.0)
# optimiser learning rates (Adam on a pre-trained LM: anything above 1 only diverges)
LEARNING_RATE = Range("learning rate", 0.0, 1.0, lo_open=True)
# model features
PARAMS_B = Range("parameter count (billions)", 0.0, lo_open=True)
PRETRAIN_TOKENS_T = Range("pre-training tokens (trillions)", 0.0)
# compute: the effective training throughput of one device for cost estimates
THROUGHPUT_TFLOPS = Range("throughput (TFLOP/s per device)", 0.0, lo_open=True)


def describe(value: Any) -> str:
    """A value as a user should read it in a message: ``inf``, ``-inf``, ``NaN``, ``1.7``, ``'abc'``."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return repr(value) if isinstance(value, str) else repr(str(value))
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"


def check_value(value: Any, rng: Range, *, path: str | None = None, row: int | None = None,
                column: str | None = None, where: str | None = None) -> float:
    """One number (a JSON metric, a CLI option) inside ``rng``; ``where`` says which metric/task in the message."""
    if isinstance(value, bool):
        raise InputError(f"{where + ': ' if where else ''}not a number: {value!r}", path=path, row=row,
                         column=column, expected=rng.expected())
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where + ': ' if where else ''}non-numeric value {describe(value)}", path=path, row=row,
                         column=column, expected=rng.expected()) from exc
    if not rng.contains(x):
        raise InputError(f"{where + ': ' if where else ''}{rng.what} {describe(x)} is out of range", path=path,
                         row=row, column=column, expected=rng.expected())
    return x


def check_column(values: Sequence[float] | Any, rng: Range, *, path: str | None, column: str,
                 allow_missing: bool = False, row_offset: int = 1) -> None:
    """Every value of a numeric column inside ``rng`` (``NaN`` allowed only with ``allow_missing``). Rows in
    messages are 1-based data rows (``row_offset``), as a spreadsheet user counts them."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    nan = np.isnan(x)
    ok = np.zeros(len(x), dtype=bool)
    fin = np.isfinite(x)
    ok[fin] = (x[fin] >= rng.lo) & ~((x[fin] == rng.lo) & rng.lo_open)
    if rng.hi is not None:
        ok[fin] &= x[fin] <= rng.hi + 1e-9
    if allow_missing:
        ok |= nan
    bad = np.flatnonzero(~ok)
    if len(bad):
        i = int(bad[0])
        what = "missing value (NaN)" if nan[i] else f"{rng.what} {describe(x[i])} is out of range"
        more = f" ({len(bad)} such cells)" if len(bad) > 1 else ""
        raise InputError(what + more, path=path, row=i + row_offset, column=column, expected=rng.expected())
