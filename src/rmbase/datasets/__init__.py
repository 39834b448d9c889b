"""Bundled derived tables of published figures, their loaders and schema validation (imported on first use)."""

from __future__ import annotations

import importlib
from typing import Any

from rmbase.datasets.targets import SECTIONS, TARGETS

# name -> the module that defines it; imported on first use (PEP 562), so that the light modules of this package
# (targets) do not load pandas
_LAZY = {"BENCHMARK_FEATURES": "schema", "FEATURES": "schema", "recipes": "schema", "BUNDLED": "study_data",
         "STUDY_DEFAULT_BASES": "study_data", "StudyData": "study_data", "load_bundled": "study_data",
         "load_tables": "study_data", "load_swallow": "swallow_tables", "load_swallow_removed": "swallow_tables"}

__all__ = ["BENCHMARK_FEATURES", "BUNDLED", "FEATURES", "SECTIONS", "STUDY_DEFAULT_BASES", "TARGETS", "recipes",
           "StudyData", "load_bundled", "load_swallow", "load_swallow_removed", "load_tables"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rmbase.datasets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"rmbase.datasets.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
