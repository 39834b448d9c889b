"""The shared field types of the configs (:class:`rmbase.config.Config`): each declares the range a value must lie
in, from what the value means, so that a bad option ends in one message naming the field (through
:func:`rmbase.config.config_error`) before any work starts, and the option's help shows the range
(:mod:`rmbase.commands.config_options` reads the bounds).

Every float type refuses ``nan`` and ``inf`` (a count, a size, a probability or an sd is never infinite).
Module-level imports: pydantic and the standard library only.
"""

from __future__ import annotations

import datetime as _dt
import types
import typing
from typing import Annotated, Any, get_args, get_origin

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


def range_text(info: Any) -> str:
    """The field's declared range as click shows one (``x>=1``, ``0<=x<1``), or '' (no bound, or a list's)."""
    metadata = list(info.metadata)
    annotation = info.annotation
    if get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        annotation = rest[0] if len(rest) == 1 else None
    if get_origin(annotation) is Annotated:
        for meta in get_args(annotation)[1:]:
            metadata.extend(getattr(meta, "metadata", None) or [meta])
    low = next((f"{_number(m.ge)}<=" for m in metadata if getattr(m, "ge", None) is not None), "")
    low = low or next((f"{_number(m.gt)}<" for m in metadata if getattr(m, "gt", None) is not None), "")
    high = next((f"<={_number(m.le)}" for m in metadata if getattr(m, "le", None) is not None), "")
    high = high or next((f"<{_number(m.lt)}" for m in metadata if getattr(m, "lt", None) is not None), "")
    if not (low or high):
        return ""
    if low and high:
        return f"{low}x{high}"
    return f"x{'>=' if low.endswith('<=') else '>'}{low.rstrip('<=')}" if low else f"x{high}"


def _number(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"
