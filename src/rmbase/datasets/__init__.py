"""Bundled derived tables of published figures, their loaders and schema validation (imported on first use)."""

from __future__ import annotations

from rmbase.datasets.targets import SECTIONS, TARGETS
from rmbase.lazy_exports import lazy_exports

# name -> the module that defines it; imported on first use (PEP 562), so that the light modules of this package
# (targets) do not load pandas
_LAZY = {"BENCHMARK_FEATURES": "schema", "FEATURES": "schema", "recipes": "schema", "BUNDLED": "study_data",
         "STUDY_DEFAULT_BASES": "study_data", "StudyData": "study_data", "load_bundled": "study_data",
         "load_tables": "study_data", "load_swallow": "swallow_tables", "load_swallow_removed": "swallow_tables"}

__all__ = ["BENCHMARK_FEATURES", "BUNDLED", "FEATURES", "SECTIONS", "STUDY_DEFAULT_BASES", "TARGETS", "recipes",
           "StudyData", "load_bundled", "load_swallow", "load_swallow_removed", "load_tables"]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
