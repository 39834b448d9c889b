"""`rmbase study`: reproduce the study's analyses on bundled or user tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.options import ConfigFile, resolve_config


def study(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Output folder for study.json, summary.md, report.html, figures/, config.yaml.")] = Path("study-out"),
    dataset: Annotated[str, typer.Option(help="Bundled dataset (ignored when --models/--results/--benchmarks are given).")] = "paper-2505.10775",
    models: Annotated[Path | None, typer.Option(help="Models table (CSV or Parquet).")] = None,
    results: Annotated[list[Path] | None, typer.Option(help="RM results (repeatable): a results table (wide, or the long table of `rmbase sweep collect`), a sweep store, or `rmbase evaluate` output folders. Bases the bundled tables know need no --models/--benchmarks.")] = None,
    benchmarks: Annotated[Path | None, typer.Option(help="Benchmark table, long or wide (CSV or Parquet).")] = None,
    post_training: Annotated[Path | None, typer.Option("--post-training", help="Post-training stages table.")] = None,
    recipe: Annotated[str, typer.Option(help="regression | bradley_terry")] = "regression",
    target: Annotated[str, typer.Option(help="score | chat | chat_hard | safety | reasoning (rmbase.datasets.TARGETS)")] = "score",
    default: Annotated[list[str] | None, typer.Option("--default", help="Size-group default, GROUP=MODEL (repeatable), e.g. '<3B=gemma-2-2b-it'.")] = None,
    drop_missing: Annotated[bool, typer.Option("--drop-missing", help="Leave out (and list) models that lack a feature.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and of the CV folds.")] = 0,
    n_bootstrap: Annotated[int, typer.Option("--n-bootstrap", help="Bootstrap resamples (>= 2000).")] = 2000,
    n_jobs: Annotated[int, typer.Option("--n-jobs", help="Processes for the nested cross-validation.")] = 2,
    out_of_fold: Annotated[bool, typer.Option("--out-of-fold/--no-out-of-fold", help="Judge the combination out of fold too (nested leave-one-out; the slow part).")] = True,
    selection: Annotated[bool, typer.Option("--selection/--no-selection", help="Compare the predictors out of fold (study.json 'selection') and validate them externally.")] = True,
    full_selection: Annotated[bool, typer.Option("--full-selection", help="Also run the study's ElasticNet for both recipes and leave-one-family-out in the selection table (slow).")] = False,
    probes: Annotated[list[Path] | None, typer.Option("--probes", help="`rmbase probe` output folders (or a folder of them): probe features joined by model id and correlated with the RM target (repeatable).")] = None,
    presence: Annotated[list[Path] | None, typer.Option("--presence", help="Presence folder (rmbase presence score; repeatable): report MAE with and without its features.")] = None,
    presence_share_family: Annotated[bool, typer.Option("--presence-share-family", help="Let unscored bases reuse the largest family member's presence scores (same pre-training tokens).")] = False,
    config: ConfigFile = None,
) -> None:
    """Reproduce the study's analyses and write DIR/study.json, DIR/summary.md and DIR/report.html (+ figures/).

    Gains over the default base, correlations, coverage, the benchmark combination in and out of fold,
    post-training stages, PCA and recipe agreement, on the bundled published tables or your own.
    """
    from rich.console import Console

    from rmbase.io import check_output_path
    from rmbase.report.summary import headline
    from rmbase.study import StudyConfig, run_study, write_study

    check_output_path(out, kind="dir")
    from rmbase.analysis.gains import parse_size_default

    defaults = dict(parse_size_default(item) for item in default or [])
    values = dict(dataset=dataset, models=models, results=results, benchmarks=benchmarks,
                  post_training=post_training, recipe=recipe, target=target, defaults=defaults,
                  drop_missing=drop_missing, seed=seed, n_bootstrap=n_bootstrap, n_jobs=n_jobs,
                  out_of_fold=out_of_fold, selection=selection, full_selection=full_selection,
                  probes=probes, presence=presence, presence_share_family=presence_share_family)
    cfg = resolve_config(ctx, StudyConfig, config, values, sources={"defaults": ("default",)})
    from rmbase.commands.progress import Stages

    with Stages("study", Console(stderr=True)) as stages:
        result = run_study(cfg, progress=stages.set)
        stages.set("writing study.json, summary.md, report.html and figures")
        write_study(result, cfg, out)
    console = Console()
    for line in headline(result):
        console.print(line, highlight=False, soft_wrap=True, markup=False)  # plain text holding model names
    if result.get("sources"):
        from collections import Counter

        for part in ("models", "benchmarks"):
            counts = Counter(src.get(part, "?") for src in result["sources"].values())
            console.print(f"{part} rows: " + "; ".join(f"{n} from {where}" for where, n in counts.most_common()),
                          highlight=False, markup=False, soft_wrap=True)
        console.print("(study.json 'sources' says where each base's values came from)", highlight=False)
    console.print(f"wrote {out / 'study.json'}, {out / 'summary.md'}, {out / 'report.html'} (+ figures/) and "
                  f"{out / 'config.yaml'}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("study")(study)
