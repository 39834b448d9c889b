"""Orchestrates a study: load tables, run the analyses, write study.json, summary.md, report.html (+ figures/) and the
resolved config.

``run_study(config)`` returns the study dict; ``write_study(study, out)`` writes it atomically (nothing is written
to ``out`` when anything fails). The schema of study.json is documented in docs/study.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rmbase import study_scores as S
from rmbase.datasets.schema import TARGETS
from rmbase.errors import InputError
from rmbase.report.schema import STUDY_SCHEMA_VERSION as SCHEMA_VERSION  # one definition, read by the report
from rmbase.study_config import StudyConfig
from rmbase.study_rows import coverage_row, design_table, prediction_rows

# what each analysis needs (models with complete data); with fewer, it is skipped and study.json says why
ANALYSIS_NEEDS = {
    "coverage_filter": (10, "the study's filter reads coverage at k = 10"),
    "combination": (10, "the study's ElasticNet is chosen by 10-fold cross-validation"),
    "selection": (10, "the predictors are judged out of fold with top-10 coverage"),
}


def skipped_analyses(n_models: int) -> dict[str, str]:
    """The analyses that cannot run on ``n_models`` models, each with what it needs."""
    return {name: f"needs at least {k} models with complete data ({n_models} here): {why}"
            for name, (k, why) in ANALYSIS_NEEDS.items() if n_models < k}


def load_data(config: StudyConfig):
    from rmbase.datasets import load_bundled, load_tables

    if config.dataset is not None:
        return load_bundled(config.dataset)
    results = config.results or []
    if len(results) == 1 and results[0].is_file() and config.models is not None and config.benchmarks is not None \
            and not _is_long_table(results[0]):
        return load_tables(config.models, results[0], config.benchmarks, post_training=config.post_training)
    from rmbase.datasets.study_data import load_results_study

    return load_results_study([_read_results(p) for p in results], models=config.models,
                              benchmarks=config.benchmarks, post_training=config.post_training)


def _is_long_table(path: Path) -> bool:
    from rmbase.datasets.rm_results import is_long_table
    from rmbase.io import read_table

    return is_long_table(read_table(path))


def _read_results(path: Path):
    """(wide, sources, label, sha256) of one --results input: a sweep store, evaluate folders or a table."""
    from rmbase.datasets.rm_results import read_results_path, wide_from_long
    from rmbase.sweep.store import is_store

    if not path.exists():
        raise InputError("results not found", path=str(path))
    if is_store(path):
        from rmbase.io import sha256_frame
        from rmbase.sweep.collect import describe_incomplete, incomplete_groups, long_table, open_store

        store = open_store(path)
        incomplete = describe_incomplete(incomplete_groups(store.states()))
        if incomplete:
            raise InputError(f"{len(incomplete)} base x recipe of the sweep store have unfinished cells ("
                             f"{'; '.join(incomplete[:3])}{'; ...' if len(incomplete) > 3 else ''}), so their "
                             "learning rate cannot be chosen", path=str(path),
                             expected="a finished sweep (`rmbase sweep status`), or `rmbase sweep collect "
                                      "--allow-incomplete --out T.csv` and --results T.csv")
        long = long_table(store)
        if long.empty:
            raise InputError("the sweep store has no finished cell yet", path=str(path),
                             expected="`rmbase sweep status` to see where it stands")
        wide, sources = wide_from_long(long, str(path))
        return wide, sources, str(path), sha256_frame(long.drop(columns=["provenance"]).astype(str))
    wide, sources, sha = read_results_path(path)
    return wide, sources, str(path), sha


def _check_target(data, config: StudyConfig) -> None:
    """A partial eval set (e.g. only Chat Hard's subsets) enters a study only with a --target it covers."""
    rows = data.results[data.results.recipe == config.recipe]
    if rows.empty:
        return

    covered = [t for t in TARGETS if t in rows.columns and rows[t].notna().any()]
    if config.target not in covered:
        raise InputError(f"target {config.target!r} is not in the results table (the results cover: "
                         f"{', '.join(covered) or 'nothing'})", column=config.target,
                         expected=f"--target {covered[0]}" if covered else "results with RewardBench sections")


def run_study(config: StudyConfig, *, timings: dict[str, float] | None = None,
              progress: Callable[[str], None] | None = None) -> dict:
    """The study dict (see docs/study.md). Worker processes it starts end if it is killed. ``progress(stage)`` is
    told each stage as it starts (for signs of life)."""
    from rmbase.processes import workers_die_with_parent

    with workers_die_with_parent():
        return _run_study(config, timings=timings, progress=progress)


def _run_study(config: StudyConfig, *, timings: dict[str, float] | None = None,
               progress: Callable[[str], None] | None = None) -> dict:
    from rmbase import analysis
    from rmbase.datasets import STUDY_DEFAULT_BASES
    from rmbase.datasets.schema import BENCHMARK_FEATURES
    from rmbase.provenance import provenance

    timings = {} if timings is None else timings
    say = progress or (lambda _stage: None)

    def timed(name, fn, *args, **kwargs):
        say(name.replace("_", " "))
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        timings[name] = time.perf_counter() - t0
        return out

    data = timed("load", load_data, config)
    _check_target(data, config)
    # --results over bases without benchmark features (a sweep's own bases): the analyses that need only RM
    # scores run on every base; the feature analyses on those with features, naming the others (study_scores)
    from_results = bool(config.results)
    X, y, dropped = data.design(config.recipe, config.target, drop_missing=config.drop_missing or from_results,
                                min_models=0 if from_results else 5)
    left = S.left_out(data, config.recipe, config.target, list(X.index)) if from_results else []
    few_features = from_results and len(y) < S.MIN_FEATURE_MODELS
    unknown = [f for f in config.combination_features if f not in X.columns]
    if unknown:
        raise InputError(f"unknown combination feature(s) {', '.join(unknown)}", expected=f"some of {', '.join(X.columns)}")
    targets = data.target_table(config.recipe).loc[X.index]
    targets = targets[[t for t in TARGETS if t in targets.columns and targets[t].notna().all()]]

    skipped = S.skipped_feature_analyses(left, len(y)) if few_features else skipped_analyses(len(y))
    scores, params, no_size = S.score_table(data, config.recipe, config.target) if from_results else (
        y, X["params_b"], [])
    from rmbase.analysis.gains import size_group

    groups = {size_group(float(p)) for p in params}
    defaults, skipped_gains = S.gains_defaults(scores, groups, {**STUDY_DEFAULT_BASES, **config.defaults},
                                               config.defaults) if from_results else (
        {**STUDY_DEFAULT_BASES, **config.defaults}, {})
    skipped.update(skipped_gains)
    if no_size:
        skipped["gains (bases of unknown size)"] = ("no params_b for " + ", ".join(no_size) + ": give a models "
                                                    "table (--models) or a params_b column in the results")
    with _worker_pool(config) as pool:
        # the selection table and the outer folds of the combination go to the workers first; the light analyses
        # run here meanwhile
        t0 = time.perf_counter()
        selection_job = (_start_selection(data, config, pool) if config.selection and "selection" not in skipped
                         else None)
        combination_job = None if "combination" in skipped else analysis.start_combination(
            X, y, features=config.combination_features, seed=config.seed, out_of_fold=config.out_of_fold,
            executor=pool)
        gains, gains_per_model = timed("gains", analysis.gains_over_default, scores, params, defaults)
        correlations, critical_r = ([], None) if few_features else timed(
            "correlations", analysis.correlation_table, X, targets, n_boot=config.n_bootstrap, seed=config.seed)
        coverage = [] if few_features else timed("coverage", analysis.coverage_table, X, y)
        coverage_filter = [] if "coverage_filter" in skipped else analysis.study_filter(X, y)
        t1 = time.perf_counter()
        if combination_job is not None:
            say("combination (ElasticNet" + (", judged out of fold" if config.out_of_fold else "") + ")")
        combination = {} if combination_job is None else combination_job()
        if selection_job is not None:
            say("selection (predictors judged out of fold)")
        timings["combination"] = time.perf_counter() - (t1 if pool is None else t0)  # wall, from the hand-off
        selection, selection_influence, external, selection_oof = _finish_selection(selection_job, config,
                                                                                    combination, y, timings)
    post = (timed("post_training", analysis.post_training_table, data.post_training)
            if data.post_training is not None else [])
    pca = {} if few_features else timed("pca", analysis.pca_summary, X[list(BENCHMARK_FEATURES)])
    if from_results:
        scored = data.target_table(config.recipe)[config.target].dropna().index
        recipe_rows, why = S.recipes_input(data, config.target, scored)
        if why:
            skipped["recipes"] = why
    else:
        recipe_rows = data.results[data.results.model.isin(X.index)]
    recipes = None if recipe_rows is None else timed("recipes", analysis.recipe_comparison, recipe_rows,
                                                     config.target)

    study = {
        "schema_version": SCHEMA_VERSION,
        "dataset": data.name,
        "recipe": config.recipe,
        "target": config.target,
        "n_models": int(len(y)),
        "n_scored": int(len(scores)),
        "models": list(X.index),
        "dropped_models": dropped,
        "ignored_benchmarks": data.ignored_benchmarks,
        "unused_features": data.unused_features,
        "skipped_analyses": skipped,
        **({"feature_analyses_left_out": S.feature_note(left, int(len(y)))} if left else {}),
        "gains": gains,
        "gains_per_model": gains_per_model,
        "correlations": correlations,
        "critical_r": critical_r,
        "coverage": coverage,
        "coverage_filter": coverage_filter,
        "combination": combination,
        "post_training": post,
        "pca": pca,
        "recipes": recipes,
        "selection": selection,
        "selection_influence": selection_influence,
        "external_validation": external,
        "sources": data.sources,
        # for the report's figures (new keys; see docs/study.md): the values every figure plots, so that
        # `rmbase report DIR` redraws them from study.json alone
        "design": design_table(data, X, y, config.target),
        "selection_predictions": selection_oof,
        "selection_coverage": [coverage_row(p) for p in selection_oof],
        "provenance": provenance(config=config.to_dict(), data=data.data_sha256, seeds={"seed": config.seed},
                                 timings_s={k: round(v, 3) for k, v in timings.items()}),
    }
    from rmbase.selection.oof_cache import store_combination
    from rmbase.selection.todays_bases import study_answer

    # its nested LOO and its in-sample fit are today's bases' ElasticNet LOO and fit
    store_combination(combination, X, y, seed=config.seed,
                      fitted=None if combination_job is None else combination_job.estimator)
    study.update(timed("todays_bases", study_answer, data, study))
    if config.presence and not few_features:
        study["presence"] = timed("presence", presence_block, data, X, y, config)
    if config.probes and not few_features:
        study["probes"] = timed("probes", probe_block, y, config)
    return study


def probe_block(y, config: StudyConfig) -> dict:
    """Probe features (``rmbase probe`` outputs) joined by model id and correlated with the RM target."""
    from rmbase.probe.table import load_probe_table, probe_correlations

    table = load_probe_table(config.probes)
    return {"models": list(table.index), "correlations": probe_correlations(table, y),
            "values": [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}  # NaN -> null
                       for r in table.drop(columns="probe_source").reset_index().to_dict(orient="records")]}


def presence_block(data, X, y, config: StudyConfig) -> dict:
    """MAE with and without the presence features (``presence_<category>``) on the bases that have them."""
    from rmbase.presence.features import presence_table, presence_value

    table = presence_table(config.presence, share_family=config.presence_share_family, models=data.models)
    return presence_value(X, y, table, base_features=config.combination_features)


def _worker_pool(config: StudyConfig):
    """The study's worker processes (``n_jobs`` of them, forked, see :func:`rmbase.processes.worker_pool`), or
    a null context (``None``) with one job: everything then runs here."""
    import contextlib
    import os

    jobs = config.n_jobs or 1
    jobs = (os.cpu_count() or 1) if jobs < 0 else jobs
    if jobs < 2:
        return contextlib.nullcontext(None)
    from rmbase.processes import worker_pool

    return worker_pool(jobs)


def _start_selection(data, config: StudyConfig, pool) -> Callable[[], tuple]:
    """Hand the selection work to ``pool`` (one task per recipe x validation x method, and the external
    validation) and return the function that collects (rows, influence, external, timings, out-of-fold rows);
    without a pool the returned function does the work itself."""
    from functools import partial

    from rmbase.selection import external_validation
    from rmbase.selection.compare import DEFAULT_METHODS, FAST_METHODS, influence_table, start_selection_table

    t0 = time.perf_counter()
    methods = DEFAULT_METHODS if config.full_selection else FAST_METHODS
    # with a pool the tasks are the parallel work; without one, --full-selection's slow methods may use n_jobs
    jobs = config.n_jobs if config.full_selection and pool is None else None
    table = start_selection_table(data, target=config.target, methods=methods, n_jobs=jobs, executor=pool)
    external = (pool.submit(external_validation, data, recipe=config.recipe).result if pool is not None
                else partial(external_validation, data, recipe=config.recipe))

    def finish() -> tuple:
        predictions: dict = {}
        rows = table(predictions)
        influence = influence_table(rows, predictions)
        t1 = time.perf_counter()
        ext = external()
        t = {"selection": t1 - t0, "external_validation": time.perf_counter() - t1}
        return rows, influence, ext, t, prediction_rows(predictions)

    return finish


def _finish_selection(finish, config: StudyConfig, combination: dict, y, timings: dict[str, float]):
    """The selection rows, influence, external validation and out-of-fold predictions; without --full-selection
    the study's ElasticNet row is the combination's own nested leave-one-out figure (same models, same protocol),
    not a second run of it."""
    if finish is None:
        return [], [], {}, []
    rows, influence, external, t, oof_rows = finish()
    timings.update(t)
    oof = combination.get("paper", {}).get("out_of_fold")
    if not config.full_selection and oof is not None:
        rows.append({"method": "study_elasticnet", "validation": "loo", "recipe": config.recipe,
                     **{k: oof[k] for k in ("spearman", "mae", "coverage_mean_5_10", "regret_at_1", "regret_at_3")}})
        pred = combination["paper"]["out_of_fold_predictions"]
        oof_rows.append({"method": "study_elasticnet", "validation": "loo", "recipe": config.recipe,
                         "ranked_by": "prediction", "values": {str(m): float(pred[m]) for m in y.index},
                         "actual": {str(m): float(v) for m, v in y.items()}})
    return rows, influence, external, oof_rows


def write_study(study: dict, config: StudyConfig, out: str | Path) -> Path:
    from rmbase.io import atomic_write_json, atomic_write_text, staged_output_dir
    from rmbase.report import write_report
    from rmbase.report.summary import render_summary

    out = Path(out)
    with staged_output_dir(out) as stage:
        atomic_write_json(stage / "study.json", study)
        atomic_write_text(stage / "summary.md", render_summary(study))
        atomic_write_text(stage / "config.yaml", config.to_yaml())
        write_report(study, stage, n_jobs=config.n_jobs)  # report.html and figures/ (in worker processes)
    return out
