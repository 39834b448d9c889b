"""Bundled derived tables of published figures, their loaders and schema validation."""

from rmbase.datasets.schema import BENCHMARK_FEATURES, FEATURES, SECTIONS, TARGETS, recipes
from rmbase.datasets.study_data import BUNDLED, STUDY_DEFAULT_BASES, StudyData, load_bundled, load_tables
from rmbase.datasets.swallow_tables import load_swallow, load_swallow_removed

__all__ = ["BENCHMARK_FEATURES", "BUNDLED", "FEATURES", "SECTIONS", "STUDY_DEFAULT_BASES", "TARGETS", "recipes",
           "StudyData", "load_bundled", "load_swallow", "load_swallow_removed", "load_tables"]
