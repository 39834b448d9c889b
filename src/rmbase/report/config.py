"""Typed config of ``rmbase report DIR`` (``rmbase.config.Config``). The command writes report.html and figures/
into DIR, and no config beside them: DIR is its only option, so ``rmbase report DIR`` is already the rerun."""

from __future__ import annotations

from pydantic import Field

from rmbase.config import Config


class ReportConfig(Config):
    """Options of ``rmbase report``."""

    folder: str = Field(description="A folder written by `rmbase study --out` (holds study.json).")
