"""`rmbase study`: reproduce the study's analyses on bundled or user tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.config_options import ADVANCED, INPUTS, ConfigOptions, Parsed
from rmbase.commands.options import ConfigFile


def _size_defaults(items: list[str], option: str) -> dict[str, str]:
    from rmbase.analysis.gains import parse_size_default

    return dict(parse_size_default(item) for item in items)


STUDY_OPTIONS = ConfigOptions(
    "rmbase.study_config:StudyConfig",
    names={"defaults": "--default"},
    metavars={"target": "FIGURE"},  # its choices are listed in the help (a|b|c... would be wider than the column)
    parsed={"defaults": Parsed(_size_defaults, "GROUP=MODEL", many=True)},
    panels={INPUTS: ("dataset", "models", "results", "benchmarks", "post_training", "presence", "probes", "out"),
            "Method": ("recipe", "target", "defaults", "combination_features", "drop_missing",
                       "presence_share_family", "selection", "full_selection", "out_of_fold"),
            ADVANCED: ("n_bootstrap", "seed", "n_jobs")},
)


def study(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", metavar="PATH", help="Output folder for study.json, summary.md, "
                                      "report.html, figures/, config.yaml.")] = Path("study-out"),
    config: ConfigFile = None,
) -> None:
    """Reproduce the study's analyses and write DIR/study.json, DIR/summary.md and DIR/report.html (+ figures/).

    Gains over the default base, correlations, coverage, the benchmark combination in and out of fold,
    post-training stages, PCA and recipe agreement, on the bundled published tables or your own.
    """
    from rich.console import Console

    from rmbase.io import check_output_path
    from rmbase.report.summary import headline
    from rmbase.study import run_study, write_study

    check_output_path(out, kind="dir")
    cfg = STUDY_OPTIONS.resolve(ctx, config)
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
    app.command("study", cls=STUDY_OPTIONS.command())(study)
