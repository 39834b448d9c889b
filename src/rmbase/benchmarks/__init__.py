"""Benchmark scores of candidate bases: the long table, importers, leaderboard v2 normalisation, bundled scores,
and running lm-evaluation-harness / EvalPlus. See docs/benchmarks.md.

Public API (imported on first use, so that a command's config, e.g. ``rmbase.benchmarks.command_configs``, loads
without pandas; lm-eval, EvalPlus and torch are imported inside :func:`run_suite`)::

    load_bundled_scores()   long table (model, benchmark, value, scale, source, mode, date), normalised 0-100
    rmbase.datasets.load_swallow()  the bundled Swallow LLM Leaderboard (scores with modes, models)
    load_bundled_models()   one row per bundled model with params_b, type, study_name, chosen leaderboard row
    load_bundled_wide()     model x params_b + six scores + oll_average
    wide_scores(long, models=None)
    import_files(paths, model=None, scale="normalised", on_conflict="error") -> BenchmarkTable
    BenchmarkTable          .frame .public() .wide() .for_model() .write() .warnings .duplicates
    run_suite(model, suite, out, ...)
    bundled_feature_table() the harmonised feature table of bases (observed / mapped, origin, sd), cached
    build_feature_table(tables, models=None, config=None) -> FeatureTable   the same from any long tables
    feature_table_with(tables)  the bundled sources plus a user's tables, harmonised together
    harmonisation_held_out() one record per leaderboard benchmark: mapped vs hidden (spearman, coverage90)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rmbase.lazy_exports import lazy_exports

_WHERE = {
    "BenchmarkTable": "benchmark_table",
    "load_bundled_models": "bundled", "load_bundled_scores": "bundled", "load_bundled_wide": "bundled",
    "lookup": "bundled", "wide_scores": "bundled",
    "FeatureTable": "harmonise", "HarmoniseConfig": "harmonise", "build_feature_table": "harmonise",
    "bundled_feature_table": "harmonise", "feature_table_with": "harmonise",
    "harmonisation_held_out": "harmonise_check",
    "import_files": "import_pipeline",
    "AVERAGE": "leaderboard", "SIX": "leaderboard",
}

__all__ = ["AVERAGE", "SIX", "BenchmarkTable", "FeatureTable", "HarmoniseConfig", "build_feature_table",
           "bundled_feature_table", "feature_table_with", "harmonisation_held_out", "import_files", "load_bundled_models",
           "load_bundled_scores", "load_bundled_wide", "lookup", "run_suite", "wide_scores"]

if TYPE_CHECKING:
    from rmbase.benchmarks.benchmark_table import BenchmarkTable
    from rmbase.benchmarks.bundled import (
        load_bundled_models,
        load_bundled_scores,
        load_bundled_wide,
        lookup,
        wide_scores,
    )
    from rmbase.benchmarks.harmonise import (
        FeatureTable,
        HarmoniseConfig,
        build_feature_table,
        bundled_feature_table,
        feature_table_with,
    )
    from rmbase.benchmarks.harmonise_check import harmonisation_held_out
    from rmbase.benchmarks.import_pipeline import import_files
    from rmbase.benchmarks.leaderboard import AVERAGE, SIX


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)


def run_suite(*args, **kwargs):  # thin lazy wrapper of rmbase.benchmarks.run.run_suite (lm-eval loads late)
    from rmbase.benchmarks.run import run_suite as _run

    return _run(*args, **kwargs)
