"""The shared field types of the configs (:class:`rmbase.config.Config`): each declares the range a value must lie
in, from what the value means, so that a bad option ends in one message naming the field (through
:func:`rmbase.config.config_error`) before any work starts, and the option's help shows the range
(:mod:`rmbase.commands.config_options` reads the bounds).

Every float type refuses ``nan`` and ``inf`` (a count, a size, a probability or an sd is never infinite).
Module-level imports: pydantic and the standard library only.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated

from pydantic import AfterValidator, Field

# numpy's legacy seeding (RandomState, scikit-learn's random_state) takes 0 .. 2**32 - 1; negatives are refused
SEED_MAX = 2**32 - 1

PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Seed = Annotated[int, Field(ge=0, le=SEED_MAX)]

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
OpenUnitInterval = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]  # a level: 0 and 1 mean nothing
Dropout = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]  # 1 would drop every activation


def _iso_date(value: str) -> str:
    """A real calendar date written YYYY-MM-DD (``2025-02-30`` and ``garbage`` are refused)."""
    try:
        parsed = _dt.date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or len(value) != 10:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
    return value


def _not_empty(value: str) -> str:
    if not value.strip():
        raise ValueError(f"must not be empty, got {value!r}")
    return value


IsoDate = Annotated[str, AfterValidator(_iso_date)]
NonEmptyText = Annotated[str, AfterValidator(_not_empty)]  # a revision, a split, an id: "" means nothing
